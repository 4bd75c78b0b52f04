"""Advocacy note builder: choose recommendations, indicators and a wave, preview the note,
download it as PDF, DOCX or Markdown (built by ``exports.notes`` from the public views)."""

from __future__ import annotations

import dash
import dash_bootstrap_components as dbc
from dash import Input, Output, State, callback, dcc, html

from core.i18n import valid_language
from dashboard.chrome import language_of_path
from dashboard.components import browser_title, not_available, not_found, page_header
from dashboard.data import current_data
from dashboard.downloads import note_query
from dashboard.i18n import gettext_for
from dashboard.survey_data import catalogue
from exports.notes.content import build_note
from exports.notes.writer import render_note

dash.register_page(__name__, path_template="/<lang>/note", title=browser_title("note"), order=7)


def layout(lang: str | None = None, **_query: str) -> html.Div:
    """The note builder in ``lang``."""
    lang = valid_language(lang)
    if lang is None:
        return not_found()
    _ = gettext_for(lang)
    data = current_data()
    header = page_header(
        _("Advocacy note"),
        _(
            "Choose the recommendations and indicators to argue for, preview the note, then download "
            "it as PDF, Word (editable) or Markdown. Every figure keeps its source, 95 % CI and n; "
            "figures withheld by disclosure control are never printed."
        ),
    )
    if not data.has_view("recommendations"):
        return html.Div([header, not_available(lang, _("Advocacy note"))])
    recs = data.query(
        f"SELECT recommendation_id AS id, title_{lang} AS title "
        "FROM public.recommendations ORDER BY recommendation_id"
    )
    indicators = [
        {"label": f"{r['title']} ({r['indicator_id']})", "value": r["indicator_id"]}
        for r in catalogue(data, lang).values()
        if r["estimator"] != "public_series"
    ]
    waves = data.query(
        "SELECT DISTINCT CAST(wave AS VARCHAR) AS wave "
        "FROM public.survey_responses_summary ORDER BY wave DESC"
    )["wave"].tolist()
    return html.Div(
        [
            header,
            dbc.Row(
                [
                    dbc.Col(
                        [
                            html.Label(_("Recommendations"), htmlFor="note-recs", className="fw-bold"),
                            dbc.Checklist(
                                id="note-recs",
                                value=["R4"],
                                options=[
                                    {"label": f"{r.id} · {r.title}", "value": r.id} for r in recs.itertuples()
                                ],
                            ),
                        ],
                        md=6,
                    ),
                    dbc.Col(
                        [
                            html.Label(
                                _("Additional indicators"), htmlFor="note-indicators", className="fw-bold"
                            ),
                            dcc.Dropdown(id="note-indicators", options=indicators, multi=True, value=[]),
                            html.Label(_("Survey wave"), htmlFor="note-period", className="fw-bold mt-3"),
                            dcc.Dropdown(
                                id="note-period",
                                options=[{"label": w, "value": w} for w in waves],
                                value=waves[0] if waves else None,
                                clearable=False,
                            ),
                        ],
                        md=6,
                    ),
                ],
                className="mb-3",
            ),
            html.Div(id="note-downloads", className="mb-3"),
            dcc.Loading(
                dcc.Markdown(id="note-preview", className="border rounded p-3 bg-light"), type="default"
            ),
        ]
    )


@callback(
    Output("note-preview", "children"),
    Output("note-downloads", "children"),
    Input("note-recs", "value"),
    Input("note-indicators", "value"),
    Input("note-period", "value"),
    State("url", "pathname"),
)
def preview(recs: list[str], indicators: list[str], period: str | None, pathname: str) -> tuple[str, list]:
    """The note as Markdown, and download links for the same choices."""
    lang = language_of_path(pathname)
    _ = gettext_for(lang)
    recs, indicators = recs or [], indicators or []
    if not recs and not indicators:
        return _("Choose at least one recommendation or indicator."), []
    data = current_data()
    query = note_query(lang, recs, indicators, period)
    text = data.memo(
        ("note-preview", query),
        lambda: _preview(
            render_note(
                build_note(
                    data.reader.path, lang, recommendations=recs, indicators=indicators, period=period
                ),
                "md",
            ).decode("utf-8")
        ),
    )
    links = [
        dbc.Button(
            label,
            href=f"/download/note.{fmt}?{query}",
            external_link=True,
            color="primary",
            outline=True,
            className="me-2",
        )
        for fmt, label in (
            ("pdf", _("Download PDF")),
            ("docx", _("Download Word")),
            ("md", _("Download Markdown")),
        )
    ]
    return text, links


def _preview(markdown: str) -> str:
    """The note's Markdown as the page shows it: headings one level down (the page has its own
    h1), and "<" ">" as entities (dcc.Markdown's parser leaves the escape "\\<" visible)."""
    lines = ("#" + line if line.startswith("#") else line for line in markdown.split("\n"))
    return "\n".join(lines).replace("\\<", "&lt;").replace("\\>", "&gt;")
