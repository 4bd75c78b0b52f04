"""Explorer: one public series or survey indicator, by breakdown and period; shareable URL."""

from __future__ import annotations

from collections.abc import Callable
from urllib.parse import urlencode

import dash
import dash_bootstrap_components as dbc
import pandas as pd
from dash import ALL, ClientsideFunction, Input, Output, State, callback, clientside_callback, dcc, html

from core.i18n import colon, is_missing, valid_language
from dashboard import charts
from dashboard.chrome import SEARCH_STORE, language_of_path
from dashboard.components import (
    HtmlAttributes,
    browser_title,
    not_available,
    not_found,
    page_header,
    synthetic_banner,
)
from dashboard.data import PublicData, current_data
from dashboard.explorer_data import (
    ALL_PERIODS,
    SORT_KEYS,
    TABS,
    ExplorerView,
    TrendView,
    breakdown_labels,
    breakdowns,
    build_view,
    cell_text,
    choices,
    display_table,
    periods,
    signed_text,
    trend_view,
)
from dashboard.formatting import format_value, unit_suffix
from dashboard.i18n import gettext_for
from dashboard.survey_cards import frame_note

#: Shown when the URL names no (valid) statistic.
DEFAULT_INDICATOR = "indicator:tt_task_transfer"

dash.register_page(__name__, path_template="/<lang>/explorer", title=browser_title("explorer"), order=2)


def layout(
    lang: str | None = None,
    indicator: str | None = None,
    breakdown: str | None = None,
    period: str | None = None,
    tab: str | None = None,
    compare: str | None = None,
    **_query: str,
) -> html.Div:
    """The explorer in ``lang``, in the state given by the query string."""
    lang = valid_language(lang)
    if lang is None:
        return not_found()
    _ = gettext_for(lang)
    data = current_data()
    options = choices(data, lang)
    header = page_header(
        _("Explorer"),
        _(
            "Choose a statistic, a breakdown and a period. The address of the page keeps your "
            "choice: copy it to share this view."
        ),
    )
    if not options:
        return html.Div([header, not_available(lang)])
    view = (
        build_view(data, lang, indicator, breakdown, period)
        or build_view(data, lang, DEFAULT_INDICATOR, None, None)
        or build_view(data, lang, next(o["value"] for o in options if not o.get("disabled")), None, None)
    )
    if view is None:
        return html.Div([header, not_available(lang)])
    tab = tab if tab in TABS else "chart"
    trend = trend_view(data, lang, view, compare)

    def control(label: str, component: dcc.Dropdown) -> dbc.Col:
        return dbc.Col(
            [
                # Dash sets each prop as an attribute but declares none of them on the class
                html.Label(label, htmlFor=component.id, className="form-label fw-semibold"),  # type: ignore[attr-defined]
                component,
            ],
            md=True,
            className="mb-3",
        )

    return html.Div(
        [
            header,
            dbc.Row(
                [
                    control(
                        _("Statistic"),
                        dcc.Dropdown(
                            id="explorer-indicator",
                            options=options,
                            value=view.key,
                            clearable=False,
                            searchable=True,
                            maxHeight=420,
                        ),
                    ),
                    control(
                        _("Breakdown"),
                        dcc.Dropdown(
                            id="explorer-breakdown",
                            options=breakdowns(data, view.key, lang),
                            value=view.breakdown,
                            clearable=False,
                        ),
                    ),
                    control(
                        _("Period"),
                        dcc.Dropdown(
                            id="explorer-period",
                            options=_period_options(data, view.key, lang),
                            value=view.period,
                            clearable=False,
                        ),
                    ),
                ],
                className="explorer-controls",
            ),
            dbc.Tabs(
                [dbc.Tab(label=label, tab_id=tab_id) for tab_id, label in _tab_labels(_).items()],
                id="explorer-tab",
                active_tab=tab,
                className="mb-3",
            ),
            html.Div(
                render(view, tab, lang, None),
                id="explorer-content",
                role="tabpanel",
                **HtmlAttributes({"aria-live": "polite", "data-tabs-for": "explorer-tab"}),
            ),
            html.Div(
                [
                    html.H3(_("Trend over the waves"), className="h6 mt-3"),
                    dbc.Row(
                        [
                            control(
                                _("Change from the wave"),
                                dcc.Dropdown(
                                    id="explorer-compare-from", clearable=False, **_compare_props(trend, 0)
                                ),
                            ),
                            control(
                                _("to the wave"),
                                dcc.Dropdown(
                                    id="explorer-compare-to", clearable=False, **_compare_props(trend, 1)
                                ),
                            ),
                        ],
                        className="explorer-controls",
                    ),
                    html.Div(_trend_table(trend, view, lang), id="explorer-trend"),
                ],
                id="explorer-compare",
                hidden=trend is None or tab != "chart",
            ),
            html.Div(
                [
                    html.A(
                        _("Download this view (CSV, with sources and citation)"),
                        id="explorer-download",
                        href=download_href(view, lang),
                        className="btn btn-outline-primary mt-2 me-2",
                    ),
                    html.A(
                        _("Download this view (XLSX: data and metadata sheets)"),
                        id="explorer-download-xlsx",
                        href=download_href(view, lang, "xlsx"),
                        className="btn btn-outline-primary mt-2",
                    ),
                ]
            ),
            dcc.Store(id="explorer-search"),
            dcc.Store(id="explorer-sort"),
        ]
    )


def _tab_labels(_: Callable[[str], str]) -> dict[str, str]:
    return {"chart": _("Chart"), "table": _("Table"), "map": _("Map"), "sources": _("Sources")}


def _period_options(data: PublicData, key: str, lang: str) -> list[dict[str, str]]:
    _ = gettext_for(lang)
    return [{"label": p, "value": p} for p in reversed(periods(data, key))] + [
        {"label": _("All periods"), "value": ALL_PERIODS}
    ]


def search_of(view: ExplorerView, tab: str, trend: TrendView | None = None) -> str:
    """The query string that reproduces ``view`` on ``tab`` (with the waves compared)."""
    state = {"indicator": view.key, "breakdown": view.breakdown, "period": view.period, "tab": tab}
    if trend is not None and list(trend.pair) != [trend.periods[0], trend.periods[-1]]:
        state["compare"] = "-".join(trend.pair)
    return "?" + urlencode(state)


def _compare_props(trend: TrendView | None, which: int) -> dict:
    """Options and value of one of the two wave dropdowns of the trend block."""
    if trend is None:
        return {"options": [], "value": None}
    return {"options": [{"label": p, "value": p} for p in trend.periods], "value": trend.pair[which]}


def _trend_table(trend: TrendView | None, view: ExplorerView, lang: str) -> list:
    """Per category: the change between the two chosen waves and the linear trend per year over
    all waves, each with its 95 % CI and whether it is significant at 5 %."""
    if trend is None:
        return []
    _ = gettext_for(lang)
    first, last = trend.pair
    unit, label = view.unit, view.unit_label

    def ci(low: float | None, high: float | None) -> str:
        if is_missing(low) or is_missing(high):
            return ""
        return f"{signed_text(low, unit, lang, label)} – {signed_text(high, unit, lang, label)}"

    def verdict(flag: object, significant: object) -> str:
        if flag == "suppressed":
            return _("suppressed")
        if is_missing(significant):
            return _("not available")
        return _("significant") if bool(significant) else _("not significant")

    heads = [
        breakdown_labels(_).get(view.breakdown, view.breakdown),
        _("Change {first} → {last}").format(first=first, last=last),
        _("95 % CI"),
        _("At 5 %"),
        _("Linear trend per year ({first}–{last})").format(first=trend.periods[0], last=trend.periods[-1]),
        _("95 % CI"),
        _("At 5 %"),
    ]
    rows = [
        html.Tr(
            [
                html.Td(r.label),
                html.Td(signed_text(r.change, unit, lang, label)),
                html.Td(ci(r.ci_low, r.ci_high)),
                html.Td(verdict(r.flag, r.significant)),
                html.Td(signed_text(r.slope, unit, lang, label)),
                html.Td(ci(r.slope_ci_low, r.slope_ci_high)),
                html.Td(verdict(r.slope_flag, r.slope_significant)),
            ]
        )
        for r in trend.frame.itertuples(index=False)
    ]
    paired = (trend.frame["method"] == "paired").any()
    notes = [
        _(
            "Significant: the 95 % confidence interval excludes 0. The linear trend is the "
            "least-squares slope of the wave estimates on the year, with a design-based "
            "confidence interval that accounts for associations answering several waves."
        )
    ]
    notes.append(
        _("The change is paired on the associations that answered both waves.")
        if paired
        else _("The two waves are compared as independent samples (a conservative interval).")
    )
    return [
        dbc.Table(
            [html.Thead(html.Tr([html.Th(h, scope="col") for h in heads])), html.Tbody(rows)],
            size="sm",
            striped=True,
            responsive=True,
            className="data-table mb-1",
            id="explorer-trend-table",
        ),
        *[html.P(n, className="note small") for n in notes],
    ]


def download_href(view: ExplorerView, lang: str, fmt: str = "csv") -> str:
    """Address of the CSV (or XLSX) download of ``view``."""
    return f"/download/explorer.{fmt}?" + urlencode(
        {"indicator": view.key, "breakdown": view.breakdown, "period": view.period, "lang": lang}
    )


def render(view: ExplorerView, tab: str, lang: str, sort: tuple[str, bool] | None) -> list:
    """The content of ``tab`` for ``view`` (the table sorted by ``sort``)."""
    parts: list = [synthetic_banner(lang)] if view.synthetic else []
    parts.append(html.H2(view.title, className="h5"))
    if view.info is not None and view.info.get("estimator") not in ("public_series", "combined"):
        frame = frame_note(current_data(), lang)  # the sampling frame the weights rest on
        parts += [frame] if frame is not None else []
    if view.frame.empty:
        return [*parts, not_available(lang)]
    if tab == "table":
        parts.append(_table(view, lang, sort))
    elif tab == "sources":
        parts += _sources(view, lang)
    elif tab == "map":
        parts += _map(view, lang)
    else:
        parts += _chart(view, lang)
    parts += [html.P(note, className="note small fst-italic") for note in view.notes]
    return parts


def _table(view: ExplorerView, lang: str, sort: tuple[str, bool] | None) -> dbc.Table:
    """The view as a table whose headers sort it (a second click reverses the order)."""
    _ = gettext_for(lang)
    keys, table = display_table(view, lang, sort)
    heads = []
    for key, header in zip(keys, table.columns, strict=True):
        state = "none"
        if sort and sort[0] == key:
            state = "ascending" if sort[1] else "descending"
        arrow = {"ascending": " ▲", "descending": " ▼"}.get(state, "")
        content = (
            html.Button(
                header + arrow,
                id={"type": "explorer-sort", "column": key},
                className="btn btn-link p-0 fw-semibold sort-button",
                title=_("Sort by this column"),
            )
            if key in SORT_KEYS
            else header
        )
        heads.append(html.Th(content, scope="col", **HtmlAttributes({"aria-sort": state})))
    body = html.Tbody(
        [
            html.Tr([html.Td(v) for v in row], className=f"flag-{flag}")
            for row, flag in zip(
                table.itertuples(index=False), view.frame.loc[table.index, "flag"], strict=True
            )
        ]
    )
    return dbc.Table(
        [html.Thead(html.Tr(heads)), body],
        striped=True,
        hover=True,
        size="sm",
        responsive=True,
        className="data-table mb-0",
        id="explorer-table",
    )


def _summary(view: ExplorerView, lang: str) -> str:
    _ = gettext_for(lang)
    shown = view.frame.dropna(subset=["estimate"]).sort_values("estimate", ascending=False)
    if shown.empty:
        return _("No value can be shown for this selection.")
    top, bottom = shown.iloc[0], shown.iloc[-1]
    text = _(
        "{n} values; highest: {top} ({top_period}) {top_value}; lowest: {bottom} "
        "({bottom_period}) {bottom_value}."
    ).format(
        n=len(shown),
        top=top["label"],
        top_period=top["period"],
        top_value=cell_text(top, view, lang),
        bottom=bottom["label"],
        bottom_period=bottom["period"],
        bottom_value=cell_text(bottom, view, lang),
    )
    hidden = view.frame[view.frame["flag"] == "suppressed"]
    if len(hidden):
        text += " " + _("Suppressed by disclosure control: {cells}.").format(
            cells=", ".join(f"{r['label']} ({r['period']})" for _i, r in hidden.iterrows())
        )
    return text


def _chart(view: ExplorerView, lang: str) -> list:
    _ = gettext_for(lang)
    frame = view.frame
    suffix = unit_suffix(view.unit, lang, view.unit_label)
    summary = _summary(view, lang)
    has_ci = not frame["ci_low"].isna().all()
    if frame["period"].nunique() > 1:
        lines, bands = {}, {}
        shown = frame.dropna(subset=["estimate"])
        # at most 12 lines: Belgium and the EU first for public series
        first = shown["category"].isin(["BE", "EU27_2020", "EU28", "EU27_2007", "01000", "04000"])
        shown = pd.concat([shown[first], shown[~first]])
        for label, rows in shown.groupby("label", sort=False):
            rows = rows.sort_values("period")
            lines[str(label)] = (rows["period"].tolist(), rows["estimate"].tolist())
            if has_ci:
                bands[str(label)] = (rows["ci_low"].tolist(), rows["ci_high"].tolist())
        fig = charts.trend_band(dict(list(lines.items())[:12]), lang, unit_suffix=suffix, bands=bands)
    elif view.info is not None:
        fig = charts.estimate_bars(
            frame["label"].tolist(),
            frame["estimate"].tolist(),
            frame["ci_low"].tolist(),
            frame["ci_high"].tolist(),
            frame["flag"].tolist(),
            lang,
            texts=[cell_text(r, view, lang) for _i, r in frame.iterrows()],
            legend=(_("Estimate (95 % CI)"), _("Low reliability (n < 30 or CV > 16.5 %)")),
        )
    else:
        shown = frame.dropna(subset=["estimate"]).sort_values("estimate", ascending=False)
        fig = charts.ranked_bars(
            shown["label"],
            shown["estimate"],
            lang,
            texts=[format_value(v, view.unit, lang) for v in shown["estimate"]],
            highlight=(shown["category"] == "BE").tolist(),
        )
    return [charts.graph(fig, lang, "explorer-chart", summary), html.P(summary, className="mt-2")]


def _map(view: ExplorerView, lang: str) -> list:
    _ = gettext_for(lang)
    if not view.is_countries:
        return [
            dbc.Alert(_("No map for this selection: the map shows European countries."), color="secondary")
        ]
    latest = view.frame[view.frame["period"] == view.frame["period"].max()]
    latest = latest[[not is_missing(v) for v in latest["estimate"]]]
    suffix = unit_suffix(view.unit, lang, view.unit_label)
    fig = charts.europe_map(
        latest["category"],
        latest["estimate"],
        latest["label"],
        lang,
        unit_suffix=suffix,
        colorbar_title=suffix.strip(),
    )
    summary = _summary(view, lang)
    return [charts.graph(fig, lang, "explorer-map", summary), html.P(summary, className="mt-2")]


def _sources(view: ExplorerView, lang: str) -> list:
    _ = gettext_for(lang)
    parts: list = []
    if view.info is not None:
        info = view.info
        lineage = [
            (_("Definition"), info["description"]),
            (_("Unit"), info["unit_label"]),
            (_("Caveats"), info["caveats"]),
            (_("Questions or series used"), info["questions"]),
            (_("Recommendations"), info["recommendations"]),
        ]
        parts.append(
            html.Dl(
                [x for term, value in lineage if value for x in (html.Dt(term), html.Dd(str(value)))],
                className="source-meta mb-3",
            )
        )
    if view.sources.empty:
        return [*parts, not_available(lang, _("Sources"))]
    parts += [
        html.Div(
            [
                html.H3(row.title, className="h6"),
                html.P(f"{row.producer} · " + _("Licence") + f": {row.licence}", className="small mb-1"),
                html.P([html.Strong(_("Citation") + colon(lang)), row.citation], className="small mb-1"),
                html.P(
                    html.A(row.url, href=row.url, rel="noopener noreferrer", className="text-break")
                    if str(row.url).startswith("http")
                    else row.url,
                    className="small",
                ),
            ],
            className="mb-3",
        )
        for row in view.sources.itertuples(index=False)
    ]
    return parts


@callback(
    Output("explorer-breakdown", "options"),
    Output("explorer-breakdown", "value"),
    Output("explorer-period", "options"),
    Output("explorer-period", "value"),
    Output("explorer-content", "children"),
    Output("explorer-download", "href"),
    Output("explorer-download-xlsx", "href"),
    Output("explorer-search", "data"),
    Output("explorer-compare-from", "options"),
    Output("explorer-compare-from", "value"),
    Output("explorer-compare-to", "options"),
    Output("explorer-compare-to", "value"),
    Output("explorer-trend", "children"),
    Output("explorer-compare", "hidden"),
    Input("explorer-indicator", "value"),
    Input("explorer-breakdown", "value"),
    Input("explorer-period", "value"),
    Input("explorer-tab", "active_tab"),
    Input("explorer-sort", "data"),
    Input("explorer-compare-from", "value"),
    Input("explorer-compare-to", "value"),
    State("url", "pathname"),
    prevent_initial_call=True,
)
def update(
    indicator: str,
    breakdown: str | None,
    period: str | None,
    tab: str,
    sort: list | None,
    wave_from: str | None,
    wave_to: str | None,
    pathname: str,
) -> tuple:
    """Redraw the explorer for the chosen selection; a new statistic resets the other choices."""
    lang = language_of_path(pathname)
    data = current_data()
    compare = f"{wave_from}-{wave_to}" if wave_from and wave_to else None
    if dash.ctx.triggered_id == "explorer-indicator":
        breakdown = period = compare = None
    view = build_view(data, lang, indicator, breakdown, period)
    if view is None:
        raise dash.exceptions.PreventUpdate
    tab = tab if tab in TABS else "chart"
    trend = trend_view(data, lang, view, compare)
    return (
        breakdowns(data, view.key, lang),
        view.breakdown,
        _period_options(data, view.key, lang),
        view.period,
        render(view, tab, lang, tuple(sort) if sort else None),
        download_href(view, lang),
        download_href(view, lang, "xlsx"),
        search_of(view, tab, trend),
        *_compare_props(trend, 0).values(),
        *_compare_props(trend, 1).values(),
        _trend_table(trend, view, lang),
        trend is None or tab != "chart",
    )


@callback(
    Output("explorer-sort", "data"),
    Input({"type": "explorer-sort", "column": ALL}, "n_clicks"),
    State("explorer-sort", "data"),
    prevent_initial_call=True,
)
def sort_table(clicks: list[int | None], current: list | None) -> list:
    """A click on a column header sorts by it; a second click reverses the order."""
    column = (dash.ctx.triggered_id or {}).get("column")
    if column not in SORT_KEYS or not any(clicks):
        raise dash.exceptions.PreventUpdate
    ascending = not (current and current[0] == column and current[1])
    return [column, ascending]


clientside_callback(
    ClientsideFunction(namespace="sectorMonitor", function_name="replaceSearch"),
    Output(SEARCH_STORE, "data"),
    Input("explorer-search", "data"),
    prevent_initial_call=True,
)
