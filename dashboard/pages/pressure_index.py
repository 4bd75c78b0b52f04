"""Pressure index: by wave and breakdown with its uncertainty, its components, what-if weights.

The what-if sliders recompute the index (``dashboard.index_data.whatif``); the published
index is always shown beside the reader's variant.
"""

from __future__ import annotations

import dash
import dash_bootstrap_components as dbc
import pandas as pd
from dash import Input, Output, State, callback, dcc, html

from core.i18n import format_number
from dashboard import charts
from dashboard.chrome import language_of_path
from dashboard.components import (
    HtmlAttributes,
    browser_title,
    cached_page,
    chart_card,
    not_available,
    page_header,
    source_line,
    synthetic_banner,
)
from dashboard.data import PublicData, current_data
from dashboard.explorer_data import breakdown_labels
from dashboard.i18n import gettext_for
from dashboard.index_data import config, index_values, whatif
from dashboard.survey_cards import frame_note
from dashboard.survey_data import catalogue, category_order, cell_label, sources_of
from indicators.pressure_index import METHODS

dash.register_page(__name__, path_template="/<lang>/index", title=browser_title("index"), order=1)

BREAKDOWNS = ("all", "subsector", "size_class", "volunteer_model", "region")


def layout(lang: str | None = None, **_query: str) -> html.Div:
    """The pressure index page in ``lang``."""
    return cached_page("index-page", lang, _page)


def _page(data: PublicData, lang: str) -> html.Div:
    _ = gettext_for(lang)
    cfg = config()
    header = page_header(_("Pressure index"), cfg.text["description"][lang])
    if not data.has_view("index_values") or index_values(data).empty:
        return html.Div([header, not_available(lang, _("Pressure index"))])
    values = index_values(data)
    waves = sorted(values["period"].astype(str).unique())
    labels = breakdown_labels(_)
    meta = catalogue(data, lang)
    sliders = [
        html.Div(
            [
                html.Label(
                    meta.get(i, {}).get("title", i),
                    htmlFor=f"index-weight-{i}",
                    className="form-label small fw-semibold mb-0",
                ),
                dcc.Slider(
                    id=f"index-weight-{i}",
                    min=0,
                    max=3,
                    step=0.5,
                    value=1.0,
                    marks={v: format_number(v, lang) for v in (0, 1, 2, 3)},
                    tooltip={"placement": "bottom"},
                ),
            ],
            className="mb-2",
        )
        for i in cfg.indicators
    ]
    methods = {"goalposts": _("Goalposts (published)"), "minmax": _("Min-max"), "zscore": _("z-scores")}
    return html.Div(
        [
            header,
            *([synthetic_banner(lang)] if bool(values["synthetic"].any()) else []),
            _waves_card(data, lang, values),
            dbc.Row(
                [
                    dbc.Col(
                        [
                            html.Label(_("Wave"), htmlFor="index-wave", className="form-label fw-semibold"),
                            dcc.Dropdown(id="index-wave", options=waves, value=waves[-1], clearable=False),
                        ],
                        md=4,
                        className="mb-3",
                    ),
                    dbc.Col(
                        [
                            html.Label(
                                _("Breakdown"), htmlFor="index-breakdown", className="form-label fw-semibold"
                            ),
                            dcc.Dropdown(
                                id="index-breakdown",
                                clearable=False,
                                value="subsector",
                                options=[{"label": labels[b], "value": b} for b in BREAKDOWNS if b != "all"],
                            ),
                        ],
                        md=4,
                        className="mb-3",
                    ),
                ]
            ),
            html.Div(id="index-cells", children=cell_cards(data, lang, waves[-1], "subsector")),
            dbc.Card(
                dbc.CardBody(
                    [
                        html.H2(_("What if the components weighed differently?"), className="h5"),
                        html.P(
                            _(
                                "Move the sliders to give each component more or less weight (0 leaves "
                                "it out), or pick another normalisation. Your variant is recomputed "
                                "live from the published component values; the published index stays "
                                "beside it."
                            ),
                            className="small",
                        ),
                        dbc.Row(
                            [
                                dbc.Col(sliders, lg=6),
                                dbc.Col(
                                    [
                                        html.Label(
                                            _("Normalisation"),
                                            htmlFor="index-method",
                                            className="form-label fw-semibold",
                                        ),
                                        dbc.RadioItems(
                                            id="index-method",
                                            value=cfg.normalisation,
                                            options=[{"label": methods[m], "value": m} for m in METHODS],
                                            className="mb-3",
                                        ),
                                        html.Div(
                                            id="index-whatif",
                                            **HtmlAttributes({"aria-live": "polite"}),
                                            children=whatif(
                                                data,
                                                lang,
                                                dict.fromkeys(cfg.indicators, 1.0),
                                                cfg.normalisation,
                                            ),
                                        ),
                                    ],
                                    lg=6,
                                ),
                            ]
                        ),
                    ]
                ),
                className="mb-4 shadow-sm",
                id="index-whatif-card",
            ),
        ]
    )


def _sources(data: PublicData, lang: str, period: str) -> list:
    note = frame_note(data, lang)  # the sampling frame the weights rest on
    return [
        *(
            source_line(lang, str(s.title), period, str(s.source_id))
            for s in sources_of(data, ["association_survey"], lang).itertuples()
        ),
        *([note] if note is not None else []),
    ]


def _interval(low: float, high: float, lang: str) -> str:
    return f"{format_number(low, lang, 1)} – {format_number(high, lang, 1)}"


def _waves_card(data: PublicData, lang: str, values: pd.DataFrame) -> html.Div:
    _ = gettext_for(lang)
    rows = values[(values["breakdown"] == "all") & values["index"].notna()]
    name = _("Disinvestment pressure index")
    fig = charts.trend_lines(
        {name: (rows["period"].astype(str).tolist(), rows["index"].tolist())},
        lang,
        errors={
            name: (
                (rows["index"] - rows["index_low"]).tolist(),
                (rows["index_high"] - rows["index"]).tolist(),
            )
        },
    )
    fig.update_yaxes(range=[0, 100])
    summary = (
        "; ".join(
            _("{period}: {value} (uncertainty interval {interval})").format(
                period=r.period,
                value=format_number(r.index, lang, 1),
                interval=_interval(r.index_low, r.index_high, lang),
            )
            for r in rows.itertuples(index=False)
        )
        + "."
    )
    table = pd.DataFrame(
        {
            _("Wave"): rows["period"].astype(str),
            _("Index"): [format_number(v, lang, 1) for v in rows["index"]],
            _("Uncertainty interval"): [
                _interval(lo, hi, lang) for lo, hi in zip(rows["index_low"], rows["index_high"], strict=True)
            ],
            _("Components"): [format_number(v, lang, 0) for v in rows["n_components"]],
        }
    )
    return chart_card(
        lang,
        title=_("The index over the waves (all associations)"),
        chart=charts.graph(fig, lang, "index-waves", summary),
        summary=summary,
        table=table,
        sources=_sources(data, lang, ", ".join(table[_("Wave")])),
        notes=[
            _(
                "Error bars: 5th–95th percentile of 1,000 simulations varying "
                "the weights, the normalisation and the sampling error."
            ),
            _(
                "The published index uses the fixed goalposts; the simulations also use min-max and "
                "z-score normalisations, so the index need not sit at the centre of its interval."
            ),
        ],
    )


def cell_cards(data: PublicData, lang: str, wave: str, breakdown: str) -> list:
    """The index by ``breakdown`` in ``wave`` and the components of all associations."""
    _ = gettext_for(lang)
    values = index_values(data)
    rows = values[(values["period"].astype(str) == wave) & (values["breakdown"] == breakdown)]
    order = category_order(data)
    rows = rows.assign(
        _pos=[order.get((breakdown, str(c)), 99) for c in rows["breakdown_value"]]
    ).sort_values("_pos")
    labels = [cell_label(data, lang, breakdown, str(c)) for c in rows["breakdown_value"]]
    texts = [
        format_number(v, lang, 1) if v == v else _("not published (too few components)")
        for v in rows["index"]
    ]
    flags = ["suppressed" if v != v else f for v, f in zip(rows["index"], rows["flag"], strict=True)]
    fig = charts.estimate_bars(
        labels,
        rows["index"].tolist(),
        rows["index_low"].tolist(),
        rows["index_high"].tolist(),
        flags,
        lang,
        texts=texts,
        legend=(_("Index (uncertainty interval)"), _("Low reliability")),
    )
    summary = (
        _("Wave {period}: ").format(period=wave)
        + "; ".join(f"{label}: {text}" for label, text in zip(labels, texts, strict=True))
        + "."
    )
    table = pd.DataFrame(
        {
            breakdown_labels(_)[breakdown]: labels,
            _("Index"): texts,
            _("Uncertainty interval"): [
                _interval(lo, hi, lang) if lo == lo else ""
                for lo, hi in zip(rows["index_low"], rows["index_high"], strict=True)
            ],
        }
    )
    return [
        chart_card(
            lang,
            title=_("The index by {breakdown}, {wave}").format(
                breakdown=breakdown_labels(_)[breakdown].lower(), wave=wave
            ),
            chart=charts.graph(fig, lang, "index-breakdown-chart", summary),
            summary=summary,
            table=table,
            sources=_sources(data, lang, wave),
        ),
        _components_card(data, lang, wave),
    ]


def _components_card(data: PublicData, lang: str, wave: str) -> html.Div:
    _ = gettext_for(lang)
    meta = catalogue(data, lang)
    comp = data.query(
        "SELECT * FROM public.index_components WHERE breakdown = 'all' AND "
        "period = ? ORDER BY contribution DESC",
        [wave],
    )
    names = [meta.get(i, {}).get("title", i) for i in comp["indicator_id"]]
    texts = [format_number(v, lang, 1) for v in comp["contribution"]]
    fig = charts.ranked_bars(names, comp["contribution"].tolist(), lang, texts=texts)
    summary = (
        _("Contributions to the index of {wave} (points out of 100): ").format(wave=wave)
        + "; ".join(f"{n}: {t}" for n, t in zip(names, texts, strict=True))
        + "."
    )
    table = pd.DataFrame(
        {
            _("Component"): names,
            _("Value"): [format_number(v, lang, 1) for v in comp["value"]],
            _("Pressure score (0-100)"): [format_number(v, lang, 1) for v in comp["normalised"]],
            _("Weight"): [format_number(v, lang, 3) for v in comp["weight"]],
            _("Contribution"): texts,
        }
    )
    return chart_card(
        lang,
        title=_("What makes up the index, {wave} (all associations)").format(wave=wave),
        chart=charts.graph(fig, lang, "index-components", summary),
        summary=summary,
        table=table,
        sources=_sources(data, lang, wave),
    )


@callback(
    Output("index-cells", "children"),
    Input("index-wave", "value"),
    Input("index-breakdown", "value"),
    State("url", "pathname"),
    prevent_initial_call=True,
)
def update_cells(wave: str, breakdown: str, pathname: str) -> list:
    """Redraw the index by breakdown and its components for the chosen wave."""
    if breakdown not in BREAKDOWNS:
        raise dash.exceptions.PreventUpdate
    return cell_cards(current_data(), language_of_path(pathname), str(wave), breakdown)


@callback(
    Output("index-whatif", "children"),
    Input("index-method", "value"),
    *[Input(f"index-weight-{i}", "value") for i in config().indicators],
    State("url", "pathname"),
    prevent_initial_call=True,
)
def update_whatif(method: str, *values_and_path: float | str | None) -> list:
    """Recompute the reader's variant of the index (the slider values, then the page path)."""
    *values, pathname = values_and_path
    if method not in METHODS:
        raise dash.exceptions.PreventUpdate
    weights = {i: float(v or 0) for i, v in zip(config().indicators, values, strict=True)}
    lang = language_of_path(pathname if isinstance(pathname, str) else None)
    return whatif(current_data(), lang, weights, method)
