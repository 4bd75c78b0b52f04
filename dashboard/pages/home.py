"""Home: headline public statistics and, when built, headline survey indicators."""

from __future__ import annotations

import dash
import dash_bootstrap_components as dbc
import pandas as pd
from dash import html

from core.i18n import colon, format_number, is_missing
from dashboard.components import (
    HtmlAttributes,
    browser_title,
    cached_page,
    not_available,
    page_header,
    page_href,
    source_line,
    synthetic_banner,
)
from dashboard.data import PublicData
from dashboard.formatting import format_value
from dashboard.i18n import gettext_for
from dashboard.key_figures import KeyFigureValues, load_key_figures
from dashboard.survey_cards import explorer_href, frame_note, value_text
from dashboard.survey_data import catalogue, cells, ci_text, latest, sources_of

# Registered last: its template "/<lang>" would otherwise match every path.
dash.register_page(__name__, path_template="/<lang>", title=browser_title("home"), order=99)


#: Headline survey indicators (breakdown all, latest wave) and combined estimates.
SURVEY_HEADLINES = (
    "tt_task_transfer",
    "fund_project_share",
    "fund_operating_costs_not_covered",
    "sup_support_cut",
)
WORKFORCE_HEADLINES = (
    "pub_brussels_social_sector_volunteers",
    "comb_volunteer_fte_public",
    "comb_volunteer_value_public",
)
#: Public key figures shown under "Volunteering in Brussels" (the others follow below).
BRUSSELS_SERIES = ("kbs2019_volunteers_organisations", "seed_brussels_volunteering_rate")


def layout(lang: str | None = None, **_query: str) -> html.Div:
    """Key figures in ``lang``."""
    return cached_page("home-page", lang, _page)


def _page(data: PublicData, lang: str) -> html.Div:
    _ = gettext_for(lang)
    figures = load_key_figures(data, lang)
    brussels = [f for f in figures if f.figure.series in BRUSSELS_SERIES]
    others = [f for f in figures if f.figure.series not in BRUSSELS_SERIES]
    meta = catalogue(data, lang)
    workforce = [_indicator_card(data, lang, i) for i in WORKFORCE_HEADLINES if i in meta]
    banner = [synthetic_banner(lang)] if data.survey_is_synthetic() else []

    def row(cards: list) -> dbc.Row:
        return dbc.Row([dbc.Col(c, md=6, xl=4, className="mb-4") for c in cards])

    return html.Div(
        [
            page_header(
                _("Key figures"),
                _(
                    "Volunteering and the Brussels social sector in a few figures, each with "
                    "its source and period: published statistics, and estimates from the "
                    "survey of associations with their 95 % confidence interval."
                ),
            ),
            *banner,
            html.H2(_("Volunteering in Brussels"), className="h4 mt-2 mb-3"),
            row([_figure_card(f, lang) for f in brussels] + workforce)
            if brussels or workforce
            else not_available(lang, _("Public statistics")),
            html.H2(_("Survey of associations"), className="h4 mt-4 mb-3"),
            *_survey_section(data, lang),
            html.H2(_("More public statistics"), className="h4 mt-4 mb-3"),
            row([_figure_card(f, lang) for f in others])
            if others
            else not_available(lang, _("Public statistics")),
        ]
    )


def _figure_card(figure: KeyFigureValues, lang: str) -> dbc.Card:
    _ = gettext_for(lang)
    periods = figure.figure.periods
    if len(figure.values) == 2:
        big = " → ".join(format_value(v, figure.unit, lang) for v in figure.values)
        when = f"{periods[0]} → {periods[1]}"
    else:
        big, when = format_value(figure.values[0], figure.unit, lang), periods[0]
    detail = page_href(
        lang, "explorer", f"?indicator=series:{figure.figure.series}&period={periods[-1]}&tab=chart"
    )
    return dbc.Card(
        dbc.CardBody(
            [
                html.P(big, className="key-figure mb-1"),
                html.H3(figure.title, className="h6 mb-1"),
                html.P(f"{figure.geo_label} · {when}", className="small text-body-secondary mb-2"),
                *(
                    [html.P(figure.caveat, className="small text-body-secondary mb-2")]
                    if figure.caveat
                    else []
                ),
                source_line(lang, figure.source_title, None, figure.source_id),
                html.A(
                    _("Details"),
                    href=detail,
                    className="small",
                    **HtmlAttributes({"aria-label": _("Details") + f": {figure.title}"}),
                ),
            ]
        ),
        className="h-100 shadow-sm key-figure-card",
    )


def _survey_section(data: PublicData, lang: str) -> list:
    _ = gettext_for(lang)
    waves = (
        data.query(
            "SELECT wave, sum(n_responses) AS n FROM public.survey_responses_summary "
            "GROUP BY wave ORDER BY wave"
        )
        if data.has_view("survey_responses_summary")
        else pd.DataFrame()
    )
    responses = (
        [
            html.P(
                _("Responses loaded")
                + colon(lang)
                + "; ".join(
                    _("wave {wave}: {n} associations").format(wave=r.wave, n=format_number(r.n, lang, 0))
                    for r in waves.itertuples(index=False)
                )
                + "."
            )
        ]
        if len(waves)
        else []
    )
    meta = catalogue(data, lang)
    cards = [_indicator_card(data, lang, i) for i in SURVEY_HEADLINES if i in meta]
    if not cards:
        return [*responses, not_available(lang, _("Survey indicators"))]
    index = _index_card(data, lang)
    frame = frame_note(data, lang)  # the sampling frame the weights rest on
    return [
        *responses,
        *([frame] if frame is not None else []),
        dbc.Row([dbc.Col(c, md=6, xl=4, className="mb-4") for c in [*cards, *([index] if index else [])]]),
    ]


def _card(lang: str, big: str, title: str, details: list, sources: list, href: str, card_id: str) -> dbc.Card:
    _ = gettext_for(lang)
    return dbc.Card(
        dbc.CardBody(
            [
                html.P(big, className="key-figure mb-1"),
                html.H3(title, className="h6 mb-1"),
                *[html.P(d, className="small text-body-secondary mb-1") for d in details if d],
                *sources,
                html.A(
                    _("Details"),
                    href=href,
                    className="small",
                    **HtmlAttributes({"aria-label": _("Details") + f": {title}"}),
                ),
            ]
        ),
        className="h-100 shadow-sm key-figure-card",
        id=card_id,
    )


def _indicator_card(data: PublicData, lang: str, indicator: str) -> dbc.Card | None:
    """A headline indicator: latest value for all associations (or the headline geography),
    CI and n for survey estimates, low-high range and assumptions for combined ones."""
    _ = gettext_for(lang)
    info = catalogue(data, lang)[indicator]
    rows = latest(cells(data, [indicator]))
    if rows.empty:
        return None
    row = rows.iloc[0]
    unit, period = str(info["unit"]), str(row["period"])
    big = value_text(row, unit, lang, info["unit_label"])
    details: list = []
    source_period: str | None = period
    if info["estimator"] == "combined":
        big = format_value(round(row["estimate"]), unit, lang)
        low, high, estimate = (round(row[c]) for c in ("value_low", "value_high", "estimate"))
        end = {
            high: _("The figure shown is the upper end of the range."),
            low: _("The figure shown is the lower end of the range."),
        }
        details.append(
            _("Range {low} – {high} depending on the assumptions").format(
                low=format_number(low, lang, 0), high=format_value(high, unit, lang)
            )
            + (". " + end[estimate] if estimate in end and low != high else "")
        )
        details.append(_("Assumptions") + colon(lang) + str(info["caveats"] or info["description"]))
        source_period = None  # its sources are of other years than the estimate
    elif row["flag"] != "suppressed" and not is_missing(row["se"]):
        details.append(
            ci_text(row["ci_low"], row["ci_high"], lang, unit) + " · n = " + format_number(row["n"], lang, 0)
        )
        details.append(
            _("Survey wave {wave}").format(wave=period)
            + (" · " + _("low reliability") if row["flag"] == "low_reliability" else "")
        )
    sources = [
        source_line(lang, str(s.title), source_period, str(s.source_id))
        for s in sources_of(data, str(info["sources"] or "").split(), lang).itertuples()
    ]
    return _card(
        lang,
        big,
        str(info["title"]),
        details,
        sources,
        explorer_href(lang, indicator, period=period),
        f"headline-{indicator}",
    )


def _index_card(data: PublicData, lang: str) -> dbc.Card | None:
    _ = gettext_for(lang)
    if not data.has_view("index_values"):
        return None
    rows = data.query(
        "SELECT * FROM public.index_values WHERE breakdown = 'all' "
        "AND index IS NOT NULL ORDER BY period DESC LIMIT 1"
    )
    if rows.empty:
        return None
    row = rows.iloc[0]
    details = [
        _("Uncertainty interval {low} – {high} (5th–95th percentile of simulations)").format(
            low=format_number(row["index_low"], lang, 1), high=format_number(row["index_high"], lang, 1)
        ),
        _("Survey wave {wave}").format(wave=row["period"])
        + " · "
        + _("0 = no pressure, 100 = maximum pressure"),
    ]
    sources = [
        source_line(lang, str(s.title), str(row["period"]), str(s.source_id))
        for s in sources_of(data, ["association_survey"], lang).itertuples()
    ]
    return _card(
        lang,
        format_number(row["index"], lang, 1) + " / 100",
        _("Disinvestment pressure index"),
        details,
        sources,
        page_href(lang, "index"),
        "headline-index",
    )
