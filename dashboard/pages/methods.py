"""Methods & sources: every public source with licence and citation; how figures are made."""

from __future__ import annotations

import dash
import dash_bootstrap_components as dbc
import pandas as pd
from dash import html

from core.i18n import MISSING, colon, format_number, is_missing, long_date, valid_language
from dashboard.components import browser_title, data_table, not_available, not_found, page_header
from dashboard.data import current_data
from dashboard.i18n import gettext_for
from dashboard.survey_data import category_labels, category_order

dash.register_page(__name__, path_template="/<lang>/methods", title=browser_title("methods"), order=3)


def layout(lang: str | None = None, **_query: str) -> html.Div:
    """The methods page in ``lang``."""
    lang = valid_language(lang)
    if lang is None:
        return not_found()
    _ = gettext_for(lang)
    sources = current_data().view("sources")
    return html.Div(
        [
            page_header(
                _("Methods & sources"), _("Where every figure comes from, and how survey estimates are made.")
            ),
            html.H2(_("How survey figures are made"), className="h4 mt-2 mb-3"),
            *_method_sections(lang),
            html.H2(_("The sampling frame"), className="h4 mt-4 mb-3", id="sampling-frame"),
            *_frame_section(current_data().view("sampling_frame"), lang),
            html.H2(_("Sources"), className="h4 mt-4 mb-3", id="sources"),
            *(
                _source_cards(sources, lang)
                if sources is not None and len(sources)
                else [not_available(lang, _("Sources"))]
            ),
        ]
    )


def _method_sections(lang: str) -> list:
    _ = gettext_for(lang)
    sections = [
        (
            _("Survey design"),
            _(
                "Associations of the Brussels social sector answer one questionnaire per wave "
                "(a year), one response per association. Only current responses of associations "
                "that gave their consent are used; invalid rows are quarantined, never dropped "
                "silently."
            ),
        ),
        (
            _("Weighting"),
            _(
                "Responses are weighted by post-stratification on subsector and size class, so "
                "that each cell counts as many associations as the sector has. Cells with fewer "
                "than 5 responses are merged with a neighbouring cell."
            ),
        ),
        (
            _("Estimation"),
            _(
                "Proportions, means, ratios, totals and net balances are weighted estimates; "
                "standard errors use Taylor linearisation. Every estimate is shown with its 95 % "
                "confidence interval (error bars) and its number of responses n."
            ),
        ),
        (
            _("Disclosure rules"),
            _(
                "A cell with fewer than 5 responding associations (10 for money amounts, or "
                "where one association holds more than half of the total) is suppressed: no "
                "estimate, error or interval is published. Fewer than 30 responses or a "
                "coefficient of variation above 16.5 % flags a cell as of low reliability."
            ),
        ),
        (
            _("Pressure index"),
            _(
                "The disinvestment pressure index combines the funding, staff, task-transfer and "
                "support-cut indicators into one score, following the OECD/JRC Handbook on "
                "Constructing Composite Indicators, and is published with its uncertainty."
            ),
        ),
        (
            _("Public statistics"),
            _(
                "Published statistics are loaded as shipped snapshots with their checksum, and "
                "shown with their source, period, flags and comparability notes. Figures from "
                "different studies or definitions are never combined into one rate."
            ),
        ),
    ]
    return [
        html.Section([html.H3(title, className="h6 mb-1"), html.P(text)], className="mb-3")
        for title, text in sections
    ]


def _frame_section(frame: pd.DataFrame | None, lang: str) -> list:
    """The frame the weights rest on (source, date, definition, counts) and what a frame drawn
    from the enterprise register gets wrong."""
    _ = gettext_for(lang)
    out: list = []
    if frame is not None and len(frame):
        first = frame.iloc[0]
        total = format_number(int(frame["n_associations"].sum()), lang, 0)
        if first["status"] == "illustrative":
            out.append(
                dbc.Alert(
                    _(
                        "The weights rest on an illustrative sampling frame: {source}. A survey "
                        "coordinator replaces it with a real frame (sector-monitor survey frame: a count "
                        "table with its source, or an extract of the enterprise register)."
                    ).format(source=first[f"source_{lang}"]),
                    color="warning",
                    id="frame-status",
                    className="frame-illustrative",
                )
            )
        else:
            employers = frame["n_employers"].dropna()
            dated = (
                f" ({long_date(first['source_date'], lang)})"
                if first["kind"] != "kbo"  # KBO: in the source
                and not is_missing(first["source_date"])
                else ""
            )
            out.append(
                html.P(
                    _("The weights rest on: {source}{date}. {total} associations{employers}.").format(
                        source=first[f"source_{lang}"],
                        date=dated,
                        total=total,
                        employers=_(", of which {n} employ paid staff").format(
                            n=format_number(int(employers.sum()), lang, 0)
                        )
                        if len(employers)
                        else "",
                    ),
                    id="frame-status",
                    className="frame-register",
                )
            )
        out.append(html.P([html.Strong(_("Who is counted") + colon(lang)), str(first[f"definition_{lang}"])]))
        labels, order = category_labels(current_data(), lang), category_order(current_data())
        frame = frame.assign(  # the codebook's order (size classes from small to large), not the codes'
            _s=[order.get(("subsector", s), len(order)) for s in frame["subsector"]],
            _c=[order.get(("size_class", str(c)), len(order)) for c in frame["size_class"]],
        ).sort_values(["_s", "_c"], kind="stable")
        table = pd.DataFrame(
            {
                _("Subsector"): [labels.get(("subsector", s), s) for s in frame["subsector"]],
                _("Size class"): [
                    labels.get(("size_class", c), c) if not is_missing(c) else "–"
                    for c in frame["size_class"]
                ],
                _("Associations"): [format_number(int(n), lang, 0) for n in frame["n_associations"]],
            }
        )
        out.append(data_table(table, _("Associations in the frame")))
    out.append(
        html.Section(
            [
                html.H3(_("A frame from the enterprise register (KBO/BCE)"), className="h6 mt-3 mb-1"),
                html.P(
                    _(
                        "The register counts the active non-profit legal persons (ASBL/VZW, AISBL/IVZW, "
                        "public-utility foundations) with their registered office in Brussels, sorted into "
                        "subsectors by their main activity code (NACE). It overstates the population of "
                        "active associations: an association stays registered as active until it is "
                        "dissolved, so many dormant associations are counted (about 83,500 ASBLs filed a "
                        "tax return in 2021, for more than 140,000 registered, according to the FPS Finance "
                        "as quoted in the press). Dormant associations never answer the survey, so weights "
                        "computed on such a frame are too large, most of all in subsectors where dormant "
                        "associations are frequent, and totals scaled to the frame are upper bounds."
                    )
                ),
                html.P(
                    _(
                        "The register also holds no headcounts: responses are then weighted by subsector "
                        "only, not by size. Many associations have no main activity code, or an outdated "
                        "one, and are left out of the frame; recent ones only have a NACE 2025 code (both "
                        "versions are read). No code isolates food aid, school support, migrant reception "
                        'or family planning: those associations are counted under "other". An '
                        "association is an employer when it declares an activity to the social security "
                        "office (ONSS/RSZ)."
                    )
                ),
            ],
            id="frame-kbo-bias",
        )
    )
    return out


def _source_cards(sources: pd.DataFrame, lang: str) -> list:
    _ = gettext_for(lang)
    for column in ("title", "producer", "citation"):  # in the reader's language (NOT NULL columns)
        if f"{column}_{lang}" in sources:
            sources = sources.assign(**{column: sources[f"{column}_{lang}"]})
    cards = []
    for row in sources.sort_values(["producer", "source_id"]).itertuples(index=False):
        link = (
            html.A(row.url, href=row.url, rel="noopener noreferrer", className="text-break")
            if str(row.url).startswith(("http://", "https://"))
            else str(row.url)
        )
        cards.append(
            dbc.Card(
                dbc.CardBody(
                    [
                        html.H3(row.title, className="h6"),
                        html.Dl(
                            [
                                html.Dt(_("Producer")),
                                html.Dd(row.producer),
                                html.Dt(_("Licence")),
                                html.Dd(row.licence),
                                html.Dt(_("Citation")),
                                html.Dd(row.citation),
                                html.Dt(_("Address")),
                                html.Dd(link),
                                html.Dt(_("Retrieved on")),
                                html.Dd(
                                    long_date(pd.Timestamp(row.retrieved_on).date(), lang)
                                    if not is_missing(row.retrieved_on)
                                    else MISSING
                                ),
                                html.Dt("SHA-256"),
                                html.Dd(html.Code(row.sha256, className="text-break small")),
                            ],
                            className="source-meta mb-0",
                        ),
                    ]
                ),
                id=f"source-{row.source_id}",
                className="mb-3 shadow-sm",
            )
        )
    return cards
