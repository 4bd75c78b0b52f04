"""Recommendations R1-R8: text, rule-based evidence summary and live evidence indicators."""

from __future__ import annotations

import dash
import dash_bootstrap_components as dbc
import pandas as pd
from dash import html

from dashboard.components import (
    browser_title,
    cached_page,
    not_available,
    page_header,
    synthetic_banner,
)
from dashboard.data import PublicData
from dashboard.formatting import format_number, is_missing
from dashboard.i18n import gettext_for
from dashboard.survey_cards import explorer_href, flag_text, value_text
from dashboard.survey_data import catalogue, cells, ci_text, latest, trends

dash.register_page(__name__, path_template="/<lang>/recommendations",
                   title=browser_title("recommendations"), order=6)

STATUS_COLOURS = {"supported": "success", "not_supported": "secondary",
                  "insufficient_data": "warning"}


def layout(lang: str | None = None, **_query: str) -> html.Div:
    """The recommendations page in ``lang``."""
    return cached_page("recommendations-page", lang, _page)


def _page(data: PublicData, lang: str) -> html.Div:
    _ = gettext_for(lang)
    header = page_header(_("Recommendations"), _(
        "The eight recommendations of the sector, each with the evidence the monitor finds for "
        "it: a rule-based summary and the latest value of every linked indicator."))
    if not data.has_view("recommendations"):
        return html.Div([header, not_available(lang, _("Recommendations"))])
    recs = data.query(
        f"SELECT recommendation_id, title_{lang} AS title, text_{lang} AS text, indicators, "
        f"evidence_status, evidence_{lang} AS evidence, evidence_period, synthetic "
        "FROM public.recommendations ORDER BY recommendation_id")
    banner = [synthetic_banner(lang)] if bool(recs["synthetic"].any()) else []
    toc = html.Nav(html.Ul([html.Li(html.A(f"{r.recommendation_id} · {r.title}",
                                           href=f"#{r.recommendation_id}"))
                            for r in recs.itertuples(index=False)], className="mb-4"),
                   **{"aria-label": _("Recommendations")})
    return html.Div([header, *banner, toc,
                     *[_card(data, lang, r) for _i, r in recs.iterrows()]])


def _status_labels(lang: str) -> dict[str, str]:
    _ = gettext_for(lang)
    return {"supported": _("supported by the evidence"),
            "not_supported": _("not supported by the evidence"),
            "insufficient_data": _("insufficient data")}


def _card(data: PublicData, lang: str, rec: pd.Series) -> dbc.Card:
    _ = gettext_for(lang)
    status = str(rec["evidence_status"])
    return dbc.Card(dbc.CardBody([
        html.H2([html.Span(rec["recommendation_id"], className="badge text-bg-primary me-2"),
                 rec["title"]], className="h5 card-title"),
        html.P(rec["text"]),
        html.P([html.Strong(_("Evidence") + ": "),
                dbc.Badge(_status_labels(lang).get(status, status),
                          color=STATUS_COLOURS.get(status, "secondary"), className="me-2"),
                rec["evidence"] or ""], className="mb-2"),
        _evidence_table(data, lang, str(rec["indicators"] or "").split()),
    ]), id=str(rec["recommendation_id"]), className="mb-4 shadow-sm recommendation")


def _evidence_table(data: PublicData, lang: str, ids: list[str]) -> dbc.Table:
    _ = gettext_for(lang)
    meta = catalogue(data, lang)
    ids = [i for i in ids if i in meta]
    values = latest(cells(data, ids)).set_index("indicator_id")
    change = trends(data, ids)
    last_change = change.groupby("indicator_id").tail(1).set_index("indicator_id") if len(
        change) else pd.DataFrame()
    rows = []
    for i in ids:
        info = meta[i]
        if i not in values.index:
            rows.append(html.Tr([html.Td(info["title"]), html.Td(_("not available"), colSpan=5)]))
            continue
        cell = values.loc[i]
        rows.append(html.Tr([
            html.Td(html.A(info["title"], href=explorer_href(lang, i))),
            html.Td(str(cell["period"])),
            html.Td(value_text(cell, str(info["unit"]), lang)),
            html.Td(ci_text(cell["ci_low"], cell["ci_high"], lang, str(info["unit"]))
                    if cell["flag"] != "suppressed" else ""),
            html.Td(format_number(cell["n"], lang, 0) if not is_missing(cell["n"]) else ""),
            html.Td(_trend_text(last_change.loc[i], lang) if i in last_change.index
                    else flag_text(cell["flag"], lang)),
        ]))
    head = html.Thead(html.Tr([html.Th(h, scope="col") for h in (
        _("Indicator"), _("Period"), _("Value"), _("95 % CI"), "n", _("Change since the "
                                                                      "previous wave"))]))
    return dbc.Table([head, html.Tbody(rows)], size="sm", responsive=True, striped=True,
                     className="data-table mb-0")


def _trend_text(row: pd.Series, lang: str) -> str:
    _ = gettext_for(lang)
    if row["flag"] == "suppressed" or is_missing(row["change"]):
        return _("not available")
    directions = {"worse": _("worse"), "better": _("better"), "up": _("up"), "down": _("down"),
                  "stable": _("no significant change")}
    sign = "+" if row["change"] > 0 else ""
    return (f"{sign}{format_number(row['change'], lang, 1)} ({row['previous_period']} → "
            f"{row['period']}): {directions.get(str(row['direction']), str(row['direction']))}")
