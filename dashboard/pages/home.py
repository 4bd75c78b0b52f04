"""Home: headline public statistics and, when built, headline survey indicators."""

from __future__ import annotations

import dash
import dash_bootstrap_components as dbc
import pandas as pd
from dash import html

from dashboard.components import (
    browser_title,
    not_available,
    not_found,
    page_header,
    page_href,
    source_line,
    synthetic_banner,
)
from dashboard.data import PublicData, current_data
from dashboard.formatting import format_number, format_value
from dashboard.i18n import gettext_for, valid_language
from dashboard.key_figures import KeyFigureValues, load_key_figures

# Registered last: its template "/<lang>" would otherwise match every path.
dash.register_page(__name__, path_template="/<lang>", title=browser_title("home"), order=99)


def layout(lang: str | None = None, **_query: str) -> html.Div:
    """Key figures in ``lang``."""
    if not valid_language(lang):
        return not_found()
    _ = gettext_for(lang)
    data = current_data()
    figures = load_key_figures(data, lang)
    public = (dbc.Row([dbc.Col(_figure_card(f, lang), md=6, xl=4, className="mb-4")
                       for f in figures])
              if figures else not_available(lang, _("Public statistics")))
    return html.Div([
        page_header(_("Key figures"),
                    _("Volunteering and the Brussels social sector in a few published figures, "
                      "each with its source. Survey indicators follow as survey waves are loaded.")),
        html.H2(_("Public statistics"), className="h4 mt-2 mb-3"),
        public,
        html.H2(_("Survey of associations"), className="h4 mt-4 mb-3"),
        *_survey_section(data, lang),
    ])


def _figure_card(figure: KeyFigureValues, lang: str) -> dbc.Card:
    _ = gettext_for(lang)
    periods = figure.figure.periods
    if len(figure.values) == 2:
        big = " → ".join(format_value(v, figure.unit, lang) for v in figure.values)
        when = f"{periods[0]} → {periods[1]}"
    else:
        big, when = format_value(figure.values[0], figure.unit, lang), periods[0]
    detail = page_href(lang, "explorer",
                       f"?indicator=series:{figure.figure.series}&period={periods[-1]}&tab=chart")
    return dbc.Card(dbc.CardBody([
        html.P(big, className="key-figure mb-1"),
        html.H3(figure.title, className="h6 mb-1"),
        html.P(f"{figure.geo_label} · {when}", className="small text-body-secondary mb-2"),
        source_line(lang, figure.source_title, None, figure.source_id),
        html.A(_("Details"), href=detail, className="small",
               **{"aria-label": _("Details") + f": {figure.title}"}),
    ]), className="h-100 shadow-sm key-figure-card")


def _survey_section(data: PublicData, lang: str) -> list:
    _ = gettext_for(lang)
    banner = [synthetic_banner(lang)] if data.survey_is_synthetic() else []
    waves = (data.query("SELECT wave, sum(n_responses) AS n FROM public.survey_responses_summary "
                        "GROUP BY wave ORDER BY wave")
             if data.has_view("survey_responses_summary") else pd.DataFrame())
    responses = [html.P(_("Responses loaded") + ": " + "; ".join(
        _("wave {wave}: {n} associations").format(wave=r.wave, n=format_number(r.n, lang, 0))
        for r in waves.itertuples(index=False)) + ".")] if len(waves) else []
    frame = pd.DataFrame()
    if data.has_view("indicator_values") and data.has_view("indicators"):
        frame = data.query(
            f"SELECT v.indicator_id, i.title_{lang} AS title, i.unit, v.period, v.estimate, "
            "v.ci_low, v.ci_high, v.n, v.flag FROM public.indicator_values v "
            "JOIN public.indicators i USING (indicator_id) WHERE v.breakdown = 'all' "
            "QUALIFY v.period = max(v.period) OVER (PARTITION BY v.indicator_id) "
            "ORDER BY i.theme, v.indicator_id LIMIT 6")
    if frame.empty:
        return [*banner, *responses, not_available(lang, _("Survey indicators"))]
    cards = [dbc.Col(_indicator_card(row, lang), md=6, xl=4, className="mb-4")
             for _i, row in frame.iterrows()]
    return [*banner, *responses, dbc.Row(cards)]


def _indicator_card(row: pd.Series, lang: str) -> dbc.Card:
    _ = gettext_for(lang)
    if row["flag"] == "suppressed" or pd.isna(row["estimate"]):
        big = _("suppressed (too few responses: disclosure control)")
        detail = ""
    else:
        big = format_value(row["estimate"], row["unit"], lang)
        detail = _("95 % CI {low} – {high}; n = {n}").format(
            low=format_number(row["ci_low"], lang), high=format_number(row["ci_high"], lang),
            n=format_number(row["n"], lang, 0))
    href = page_href(lang, "explorer",
                     f"?indicator=indicator:{row['indicator_id']}&breakdown=all&tab=chart")
    return dbc.Card(dbc.CardBody([
        html.P(big, className="key-figure mb-1"),
        html.H3(row["title"], className="h6 mb-1"),
        html.P(_("Survey wave {wave}").format(wave=row["period"]) + f" · {detail}",
               className="small text-body-secondary mb-2"),
        html.A(_("Details"), href=href, className="small"),
    ]), className="h-100 shadow-sm key-figure-card")
