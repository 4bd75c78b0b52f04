"""Data: downloads of every public view (CSV, Parquet) and their columns."""

from __future__ import annotations

import dash
import dash_bootstrap_components as dbc
from dash import html

from core.i18n import colon, format_number, valid_language
from dashboard.components import HtmlAttributes, browser_title, not_available, not_found, page_header
from dashboard.data import PUBLIC_VIEWS, PublicData, current_data
from dashboard.i18n import gettext_for
from exports.editions import list_editions
from warehouse.layout import Layout

dash.register_page(__name__, path_template="/<lang>/data", title=browser_title("data"), order=4)


def layout(lang: str | None = None, **_query: str) -> html.Div:
    """The data page in ``lang``."""
    lang = valid_language(lang)
    if lang is None:
        return not_found()
    _ = gettext_for(lang)
    data = current_data()
    columns = data.columns()
    built = [v for v in PUBLIC_VIEWS if v in columns]
    missing = [v for v in PUBLIC_VIEWS if v not in columns]
    return html.Div(
        [
            page_header(
                _("Data"),
                _(
                    "The public views of the warehouse, as CSV (for spreadsheets) or Parquet (for "
                    "analysis). Text cells that a spreadsheet would read as a formula are prefixed "
                    "with an apostrophe in CSV files."
                ),
            ),
            *([_download_table(data, built, lang)] if built else [not_available(lang)]),
            html.P(
                [
                    html.A(
                        _("Download everything as a Frictionless data package (zip)"),
                        href="/download/datapackage.zip",
                        className="btn btn-outline-primary",
                    ),
                    " ",
                    html.Span(
                        _("table schemas, licences, sources, citation, CSV and Parquet"),
                        className="text-body-secondary",
                    ),
                ]
            ),
            *_editions(data, lang),
            *(
                [
                    html.P(
                        [
                            html.Strong(_("Not built yet") + colon(lang)),
                            ", ".join(f"public.{v}" for v in missing),
                        ],
                        className="text-body-secondary",
                    )
                ]
                if missing
                else []
            ),
            html.H2(_("Columns of the public views"), className="h4 mt-4 mb-3"),
            *[
                html.Details(
                    [
                        html.Summary(html.Code(f"public.{view}")),
                        dbc.Table(
                            [
                                html.Thead(
                                    html.Tr(
                                        [html.Th(_("Column"), scope="col"), html.Th(_("Type"), scope="col")]
                                    )
                                ),
                                html.Tbody(
                                    [html.Tr([html.Td(html.Code(c)), html.Td(t)]) for c, t in columns[view]]
                                ),
                            ],
                            size="sm",
                            className="mt-2",
                        ),
                    ],
                    className="mb-2",
                )
                for view in built
            ],
        ]
    )


def _editions(data: PublicData, lang: str) -> list:
    """Published editions (frozen, citable copies of the public tables), newest first."""
    _ = gettext_for(lang)
    editions = list_editions(Layout(data.reader.path).editions)[::-1]
    if not editions:
        return []
    rows = [
        html.Tr(
            [
                html.Td(html.Strong(e["edition"])),
                html.Td(e["published_at"][:10]),
                html.Td(e["citation"]),
                html.Td(
                    [
                        html.A(_("statistics"), href=f"/api/v1/statistics?edition={e['edition']}&format=csv"),
                        " · ",
                        html.A(_("changes"), href="/api/v1/editions"),
                    ]
                ),
            ]
        )
        for e in editions
    ]
    head = html.Thead(
        html.Tr(
            [
                html.Th(_("Edition"), scope="col"),
                html.Th(_("Published"), scope="col"),
                html.Th(_("Suggested citation"), scope="col"),
                html.Th(_("Data"), scope="col"),
            ]
        )
    )
    return [
        html.H2(_("Editions"), className="h4 mt-4 mb-3"),
        dbc.Table([head, html.Tbody(rows)], size="sm", className="editions"),
    ]


def _download_table(data: PublicData, views: list[str], lang: str) -> dbc.Table:
    _ = gettext_for(lang)
    rows = []
    for view in views:
        count = data.query(f"SELECT count(*) AS n FROM public.{view}")["n"].iloc[0]
        rows.append(
            html.Tr(
                [
                    html.Td(html.Code(f"public.{view}")),
                    html.Td(format_number(count, lang, 0)),
                    html.Td(
                        [
                            html.A(
                                "CSV",
                                href=f"/download/{view}.csv",
                                download=f"{view}.csv",
                                **HtmlAttributes({"aria-label": f"{view} CSV"}),
                            ),
                            " · ",
                            html.A(
                                "Parquet",
                                href=f"/download/{view}.parquet",
                                download=f"{view}.parquet",
                                **HtmlAttributes({"aria-label": f"{view} Parquet"}),
                            ),
                        ]
                    ),
                ]
            )
        )
    head = html.Thead(
        html.Tr(
            [
                html.Th(_("View"), scope="col"),
                html.Th(_("Rows"), scope="col"),
                html.Th(_("Download"), scope="col"),
            ]
        )
    )
    return dbc.Table([head, html.Tbody(rows)], striped=True, size="sm", className="downloads")
