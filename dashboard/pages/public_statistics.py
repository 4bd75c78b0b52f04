"""Public statistics: Belgium in Europe, Brussels figures, sector shares, employment, barometer."""

from __future__ import annotations

import dash
import dash_bootstrap_components as dbc
import pandas as pd
from dash import Input, Output, State, callback, html

from dashboard import charts
from dashboard.chrome import language_of_path
from dashboard.components import (
    HtmlAttributes,
    browser_title,
    cached_page,
    chart_card,
    not_available,
    page_header,
)
from dashboard.data import PublicData, current_data
from dashboard.formatting import format_value, unit_suffix
from dashboard.i18n import gettext_for
from dashboard.series_cards import by_geography, by_series, over_time, series_rows, source_lines

dash.register_page(__name__, path_template="/<lang>/statistics", title=browser_title("statistics"), order=1)

EUROPE_SERIES = (
    "eurostat_formal_volunteering",
    "eurostat_informal_volunteering",
    "eurostat_active_citizenship",
)
EUROPE_PERIODS = ("2015", "2022")


def layout(lang: str | None = None, **_query: str) -> html.Div:
    """The public statistics page in ``lang``."""
    return cached_page("statistics-page", lang, _page)


def _page(data: PublicData, lang: str) -> html.Div:
    _ = gettext_for(lang)
    if not data.has_view("statistics"):
        return html.Div([page_header(_("Public statistics")), not_available(lang, _("Public statistics"))])
    sections = [
        (_("Belgium in Europe"), _europe_section(data, lang)),
        (
            _("Volunteers in Belgium and Brussels"),
            [
                by_geography(data, lang, "kbs2019_volunteers_organisations"),
                by_series(
                    data,
                    lang,
                    ["seed_belgium_volunteering_rate", "seed_brussels_volunteering_rate"],
                    _("Share of residents who volunteer (2019)"),
                ),
            ],
        ),
        (
            _("Where volunteers are active"),
            [
                by_series(
                    data,
                    lang,
                    [
                        "seed_brussels_cultural_sector_share",
                        "seed_brussels_social_sector_share",
                        "seed_brussels_public_sector_share",
                    ],
                    _("Brussels: share of volunteers by sector (2019)"),
                ),
                by_series(
                    data,
                    lang,
                    [
                        "kbs2014_activity_share_sport",
                        "kbs2014_activity_share_culture",
                        "kbs2014_activity_share_social_services",
                        "kbs2014_activity_share_education",
                        "kbs2014_activity_share_rights_interests",
                        "kbs2014_activity_share_youth",
                    ],
                    _("Belgium: share of volunteer activities by field (2014)"),
                ),
            ],
        ),
        (
            _("Paid employment in non-profit institutions"),
            [
                by_geography(data, lang, "nbb_npi_salaried_employment"),
                by_geography(data, lang, "nbb_npi_employment_share"),
            ],
        ),
        (
            _("Barometer of associations"),
            [
                over_time(
                    data,
                    lang,
                    ["barometer_financial_deterioration", "barometer_reduced_subsidies"],
                    _("Associations reporting a deteriorating financial situation or reduced subsidies"),
                ),
            ],
        ),
    ]
    toc = html.Nav(
        html.Ul(
            [html.Li(html.A(title, href=f"#section-{i}")) for i, (title, _cards) in enumerate(sections)],
            className="list-inline mb-4 toc",
        ),
        **HtmlAttributes({"aria-label": _("Sections")}),
    )
    body = [
        html.Section([html.H2(title, className="h4 mt-4 mb-3", id=f"section-{i}"), *cards])
        for i, (title, cards) in enumerate(sections)
    ]
    return html.Div(
        [
            page_header(
                _("Public statistics"),
                _(
                    "Published statistics on volunteering and on the associations that "
                    "rely on it. Each chart gives its source, period, caveats and data."
                ),
            ),
            toc,
            *body,
        ]
    )


def _europe_section(data: PublicData, lang: str) -> list:
    _ = gettext_for(lang)
    present = series_rows(data, lang, list(EUROPE_SERIES))
    if present.empty:
        return [not_available(lang, "Eurostat")]
    titles = present.drop_duplicates("series").set_index("series")["title"]
    options = [{"label": titles[s], "value": s} for s in EUROPE_SERIES if s in titles.index]
    return [
        dbc.Card(
            dbc.CardBody(
                [
                    html.Label(_("Statistic"), htmlFor="europe-series", className="form-label fw-semibold"),
                    dbc.RadioItems(
                        id="europe-series", options=options, value=options[0]["value"], className="mb-2"
                    ),
                ]
            ),
            className="mb-3",
        ),
        html.Div(id="europe-cards", children=europe_cards(data, lang, options[0]["value"])),
    ]


def europe_cards(data: PublicData, lang: str, series: str) -> list:
    """Map of the latest period and 2015-vs-2022 change by country, Belgium highlighted."""
    _ = gettext_for(lang)
    rows = series_rows(data, lang, [series])
    rows = rows[rows["geo_code"].str.len() == 2]
    if rows.empty:
        return [not_available(lang, "Eurostat")]
    unit = str(rows["unit"].iloc[0])
    wide = rows.pivot_table(
        index=["geo_code", "geo"], columns="period", values="value", aggfunc="first"
    ).reset_index()
    start, end = EUROPE_PERIODS
    for p in EUROPE_PERIODS:
        if p not in wide:
            wide[p] = float("nan")
    wide = wide.sort_values(end, ascending=False, na_position="last")
    suffix = unit_suffix(unit, lang)
    title = str(rows["title"].iloc[0])
    latest = wide.dropna(subset=[end])
    map_fig = charts.europe_map(
        latest["geo_code"],
        latest[end],
        latest["geo"],
        lang,
        unit_suffix=suffix,
        colorbar_title=suffix.strip(),
    )
    be = wide[wide["geo_code"] == "BE"]
    rank = (
        int((latest[end] > float(be[end].iloc[0])).sum()) + 1
        if len(be) and not pd.isna(be[end].iloc[0])
        else None
    )
    summary = _("{title}, {end}: {n} countries with a value.").format(title=title, end=end, n=len(latest))
    if rank is not None:
        summary += " " + _(
            "Belgium: {start_value} in {start}, {end_value} in {end} (rank {rank} of {n})."
        ).format(
            start_value=format_value(be[start].iloc[0], unit, lang),
            start=start,
            end_value=format_value(be[end].iloc[0], unit, lang),
            end=end,
            rank=rank,
            n=len(latest),
        )
    missing = wide[wide[end].isna()]["geo"].tolist()
    notes = (
        [_("No value published for {end}: {countries}.").format(end=end, countries=", ".join(missing))]
        if missing
        else []
    )
    notes += [n for n in rows["comparability"].dropna().unique()]
    bars = charts.dumbbell(
        wide["geo"],
        wide[start],
        wide[end],
        lang,
        names=(start, end),
        unit_suffix=suffix,
        highlight=(wide["geo_code"] == "BE").tolist(),
    )
    table = pd.DataFrame(
        {
            _("Country"): wide["geo"],
            start: [format_value(v, unit, lang) for v in wide[start]],
            end: [format_value(v, unit, lang) for v in wide[end]],
        }
    )
    sources = source_lines(lang, rows)
    return [
        chart_card(
            lang,
            title=f"{title} ({end})",
            chart=charts.graph(map_fig, lang, "europe-map", summary),
            summary=summary,
            table=table,
            sources=sources,
            notes=notes,
        ),
        chart_card(
            lang,
            title=_("{title}: {start} and {end}").format(title=title, start=start, end=end),
            chart=charts.graph(bars, lang, "europe-bars", summary),
            summary=summary,
            table=table,
            sources=sources,
            notes=notes,
        ),
    ]


@callback(
    Output("europe-cards", "children"),
    Input("europe-series", "value"),
    State("url", "pathname"),
    prevent_initial_call=True,
)
def update_europe(series: str, pathname: str) -> list:
    """Redraw the Europe cards for the chosen statistic."""
    data, lang = current_data(), language_of_path(pathname)
    if series not in EUROPE_SERIES:  # only known choices are kept in memory
        return europe_cards(data, lang, series)
    return data.memo(("europe-cards", lang, series), lambda: europe_cards(data, lang, series))
