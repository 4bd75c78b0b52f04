"""The pressure index as the dashboard shows it: published cells, components, what-if variant.

The what-if variant is recomputed with ``indicators.pressure_index.compute_index`` (pure) on
the published component values of ``public.indicator_values``; nothing restricted is read.
"""

from __future__ import annotations

from functools import cache

import dash_bootstrap_components as dbc
import pandas as pd
from dash import html

from core.i18n import format_number
from dashboard import charts
from dashboard.data import PublicData
from dashboard.i18n import gettext_for
from indicators.pressure_index import IndexConfig, compute_index, load_config


@cache
def config() -> IndexConfig:
    """The published index configuration (components, goalposts, default weights)."""
    return load_config()


def index_values(data: PublicData) -> pd.DataFrame:
    """Every published index cell."""
    return data.query("SELECT * FROM public.index_values ORDER BY period, breakdown, breakdown_value")


def component_values(data: PublicData) -> pd.DataFrame:
    """Published cells of the index components (input of ``compute_index``)."""
    return data.query(
        "SELECT indicator_id, period, breakdown, breakdown_value, estimate, se, "
        "flag FROM public.indicator_values WHERE list_contains(?, indicator_id)",
        [list(config().indicators)],
    )


def whatif(data: PublicData, lang: str, weights: dict[str, float], method: str) -> list:
    """The reader's index variant beside the published one, by wave (all associations)."""
    _ = gettext_for(lang)
    published = index_values(data)
    published = published[published["breakdown"] == "all"].set_index("period")["index"]
    if sum(weights.values()) <= 0:
        return [dbc.Alert(_("Give at least one component a weight above 0."), color="warning")]
    variant = compute_index(component_values(data), weights, method, config())
    variant = variant[variant["breakdown"] == "all"].set_index("period")["index"]
    waves = [str(p) for p in published.index]
    mine, theirs = _("Your weights"), _("Published index")
    fig = charts.grouped_bars(
        waves, {theirs: published.tolist(), mine: [variant.get(w) for w in waves]}, lang
    )
    fig.update_yaxes(range=[0, 100])
    last = waves[-1]
    summary = _("{wave}: published index {published}, your variant {mine}.").format(
        wave=last,
        published=format_number(published[last], lang, 1),
        mine=format_number(variant.get(last), lang, 1),
    )
    return [
        html.P(
            [
                html.Strong(theirs + f" ({last}): "),
                html.Span(format_number(published[last], lang, 1), id="whatif-published"),
                html.Br(),
                html.Strong(mine + f" ({last}): "),
                html.Span(format_number(variant.get(last), lang, 1), id="whatif-user"),
            ],
            className="mb-2",
        ),
        charts.graph(fig, lang, "index-whatif-chart", summary),
    ]
