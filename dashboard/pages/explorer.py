"""Explorer: one public series or survey indicator, by breakdown and period; shareable URL."""

from __future__ import annotations

from collections.abc import Callable
from urllib.parse import urlencode

import dash
import dash_bootstrap_components as dbc
from dash import ClientsideFunction, Input, Output, State, callback, clientside_callback, dcc, html

from dashboard import charts
from dashboard.chrome import SEARCH_STORE, language_of_path
from dashboard.components import (
    browser_title,
    data_table,
    not_available,
    not_found,
    page_header,
    synthetic_banner,
)
from dashboard.data import PublicData, current_data
from dashboard.explorer_data import (
    ALL_PERIODS,
    TABS,
    ExplorerView,
    breakdowns,
    build_view,
    choices,
    display_table,
    periods,
)
from dashboard.formatting import format_value, is_missing, unit_suffix
from dashboard.i18n import gettext_for, valid_language

dash.register_page(__name__, path_template="/<lang>/explorer", title=browser_title("explorer"),
                   order=2)


def layout(lang: str | None = None, indicator: str | None = None, breakdown: str | None = None,
           period: str | None = None, tab: str | None = None, **_query: str) -> html.Div:
    """The explorer in ``lang``, in the state given by the query string."""
    if not valid_language(lang):
        return not_found()
    _ = gettext_for(lang)
    data = current_data()
    options = choices(data, lang)
    header = page_header(_("Explorer"), _(
        "Choose a statistic, a breakdown and a period. The address of the page keeps your "
        "choice: copy it to share this view."))
    if not options:
        return html.Div([header, not_available(lang)])
    view = (build_view(data, lang, indicator, breakdown, period)
            or build_view(data, lang, options[0]["value"], None, None))
    if view is None:
        return html.Div([header, not_available(lang)])
    tab = tab if tab in TABS else "chart"

    def control(label: str, component: dcc.Dropdown) -> dbc.Col:
        return dbc.Col([html.Label(label, htmlFor=component.id, className="form-label fw-semibold"),
                        component], md=True, className="mb-3")

    return html.Div([
        header,
        dbc.Row([
            control(_("Statistic"), dcc.Dropdown(id="explorer-indicator", options=options,
                                                 value=view.key, clearable=False)),
            control(_("Breakdown"), dcc.Dropdown(id="explorer-breakdown",
                                                 options=breakdowns(data, view.key, lang),
                                                 value=view.breakdown, clearable=False)),
            control(_("Period"), dcc.Dropdown(id="explorer-period",
                                              options=_period_options(data, view.key, lang),
                                              value=view.period, clearable=False)),
        ], className="explorer-controls"),
        dbc.Tabs([dbc.Tab(label=label, tab_id=tab_id) for tab_id, label in _tab_labels(_).items()],
                 id="explorer-tab", active_tab=tab, className="mb-3"),
        html.Div(render(view, tab, lang), id="explorer-content", **{"aria-live": "polite"}),
        html.A(_("Download this view (CSV, with sources and citation)"), id="explorer-download",
               href=download_href(view, lang), className="btn btn-outline-primary mt-2"),
        dcc.Store(id="explorer-search"),
    ])


def _tab_labels(_: Callable[[str], str]) -> dict[str, str]:
    return {"chart": _("Chart"), "table": _("Table"), "map": _("Map"), "sources": _("Sources")}


def _period_options(data: PublicData, key: str, lang: str) -> list[dict[str, str]]:
    _ = gettext_for(lang)
    return ([{"label": p, "value": p} for p in reversed(periods(data, key))]
            + [{"label": _("All periods"), "value": ALL_PERIODS}])


def search_of(view: ExplorerView, tab: str) -> str:
    """The query string that reproduces ``view`` on ``tab``."""
    return "?" + urlencode({"indicator": view.key, "breakdown": view.breakdown,
                            "period": view.period, "tab": tab})


def download_href(view: ExplorerView, lang: str) -> str:
    """Address of the CSV download of ``view``."""
    return "/download/explorer.csv?" + urlencode({"indicator": view.key,
                                                  "breakdown": view.breakdown,
                                                  "period": view.period, "lang": lang})


def render(view: ExplorerView, tab: str, lang: str) -> list:
    """The content of ``tab`` for ``view``."""
    _ = gettext_for(lang)
    parts: list = [synthetic_banner(lang)] if view.synthetic else []
    parts.append(html.H2(view.title, className="h5"))
    if view.frame.empty:
        return [*parts, not_available(lang)]
    if tab == "table":
        parts.append(data_table(display_table(view, lang)))
    elif tab == "sources":
        parts += _sources(view, lang)
    elif tab == "map":
        parts += _map(view, lang)
    else:
        parts += _chart(view, lang)
    parts += [html.P(note, className="note small fst-italic") for note in view.notes]
    return parts


def _summary(view: ExplorerView, lang: str) -> str:
    _ = gettext_for(lang)
    shown = view.frame.dropna(subset=["estimate"]).sort_values("estimate", ascending=False)
    if shown.empty:
        return _("No value can be shown for this selection.")
    top, bottom = shown.iloc[0], shown.iloc[-1]
    text = _("{n} values; highest: {top} ({top_period}) {top_value}; lowest: {bottom} "
             "({bottom_period}) {bottom_value}.").format(
        n=len(shown), top=top["label"], top_period=top["period"],
        top_value=format_value(top["estimate"], view.unit, lang), bottom=bottom["label"],
        bottom_period=bottom["period"],
        bottom_value=format_value(bottom["estimate"], view.unit, lang))
    hidden = view.frame[view.frame["flag"] == "suppressed"]
    if len(hidden):
        text += " " + _("Suppressed (too few responses): {cells}.").format(
            cells=", ".join(hidden["label"]))
    return text


def _chart(view: ExplorerView, lang: str) -> list:
    shown = view.frame.dropna(subset=["estimate"])
    suffix = unit_suffix(view.unit, lang)
    summary = _summary(view, lang)
    if shown["period"].nunique() > 1:
        wide = shown.pivot_table(index="label", columns="period", values="estimate",
                                 aggfunc="first")
        if len(wide) == 1:
            fig = charts.trend_lines({wide.index[0]: (list(wide.columns), wide.iloc[0].tolist())},
                                     lang, unit_suffix=suffix)
        else:
            fig = charts.grouped_bars(list(wide.index),
                                      {p: wide[p].tolist() for p in wide.columns}, lang,
                                      unit_suffix=suffix)
    else:
        shown = shown.sort_values("estimate", ascending=False)
        errors = None
        if not shown["ci_low"].isna().all():
            errors = ((shown["estimate"] - shown["ci_low"]).tolist(),
                      (shown["ci_high"] - shown["estimate"]).tolist())
        fig = charts.ranked_bars(shown["label"], shown["estimate"], lang,
                                 texts=[format_value(v, view.unit, lang) for v in shown["estimate"]],
                                 errors=errors, highlight=(shown["category"] == "BE").tolist())
    return [charts.graph(fig, lang, "explorer-chart", summary), html.P(summary, className="mt-2")]


def _map(view: ExplorerView, lang: str) -> list:
    _ = gettext_for(lang)
    if not view.is_countries:
        return [dbc.Alert(_("No map for this selection: the map shows European countries."),
                          color="secondary")]
    latest = view.frame[view.frame["period"] == view.frame["period"].max()]
    latest = latest[[not is_missing(v) for v in latest["estimate"]]]
    suffix = unit_suffix(view.unit, lang)
    fig = charts.europe_map(latest["category"], latest["estimate"], latest["label"], lang,
                            unit_suffix=suffix, colorbar_title=suffix.strip())
    summary = _summary(view, lang)
    return [charts.graph(fig, lang, "explorer-map", summary), html.P(summary, className="mt-2")]


def _sources(view: ExplorerView, lang: str) -> list:
    _ = gettext_for(lang)
    if view.sources.empty:
        return [not_available(lang, _("Sources"))]
    return [html.Div([
        html.H3(row.title, className="h6"),
        html.P(f"{row.producer} · " + _("Licence") + f": {row.licence}", className="small mb-1"),
        html.P([html.Strong(_("Citation") + ": "), row.citation], className="small mb-1"),
        html.P(html.A(row.url, href=row.url, rel="noopener noreferrer", className="text-break")
               if str(row.url).startswith("http") else row.url, className="small"),
    ], className="mb-3") for row in view.sources.itertuples(index=False)]


@callback(
    Output("explorer-breakdown", "options"), Output("explorer-breakdown", "value"),
    Output("explorer-period", "options"), Output("explorer-period", "value"),
    Output("explorer-content", "children"), Output("explorer-download", "href"),
    Output("explorer-search", "data"),
    Input("explorer-indicator", "value"), Input("explorer-breakdown", "value"),
    Input("explorer-period", "value"), Input("explorer-tab", "active_tab"),
    State("url", "pathname"),
    prevent_initial_call=True,
)
def update(indicator: str, breakdown: str, period: str, tab: str, pathname: str) -> tuple:
    """Redraw the explorer for the chosen selection; a new statistic resets the other choices."""
    lang = language_of_path(pathname)
    data = current_data()
    if dash.ctx.triggered_id == "explorer-indicator":
        breakdown = period = None
    view = build_view(data, lang, indicator, breakdown, period)
    if view is None:
        raise dash.exceptions.PreventUpdate
    tab = tab if tab in TABS else "chart"
    return (breakdowns(data, view.key, lang), view.breakdown,
            _period_options(data, view.key, lang), view.period, render(view, tab, lang),
            download_href(view, lang), search_of(view, tab))


clientside_callback(
    ClientsideFunction(namespace="sectorMonitor", function_name="replaceSearch"),
    Output(SEARCH_STORE, "data"),
    Input("explorer-search", "data"),
    prevent_initial_call=True,
)

