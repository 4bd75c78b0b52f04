"""Recommendations R1-R8: text, verdict computed both ways (rule by rule) and live evidence
indicators."""

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
    synthetic_banner,
)
from dashboard.data import PublicData
from dashboard.i18n import gettext_for
from dashboard.survey_cards import explorer_href, flag_text, frame_note, value_text
from dashboard.survey_data import catalogue, cells, ci_text, latest, sources_of, trends

dash.register_page(
    __name__, path_template="/<lang>/recommendations", title=browser_title("recommendations"), order=6
)

STATUS_COLOURS = {
    "supported": "success",
    "mixed": "info",
    "not_supported": "danger",
    "insufficient_evidence": "secondary",
    "insufficient_data": "warning",
}
RESULT_COLOURS = {"supports": "success", "contradicts": "danger", "inconclusive": "light", "no_data": "light"}


def layout(lang: str | None = None, **_query: str) -> html.Div:
    """The recommendations page in ``lang``."""
    return cached_page("recommendations-page", lang, _page)


def _page(data: PublicData, lang: str) -> html.Div:
    _ = gettext_for(lang)
    header = page_header(
        _("Recommendations"),
        _(
            "The eight recommendations of the sector, each tested against the data: rules say what "
            "would support it and what would contradict it; the verdict counts the rules that hold. "
            "Survey figures from synthetic data are shown as illustrations and never counted."
        ),
    )
    if not data.has_view("recommendations"):
        return html.Div([header, not_available(lang, _("Recommendations"))])
    recs = data.query(
        f"SELECT recommendation_id, title_{lang} AS title, text_{lang} AS text, indicators, "
        f"evidence_status, evidence_{lang} AS evidence, evidence_period, synthetic, "
        + (
            "illustration_status "
            if data.has_column("recommendations", "illustration_status")
            else "NULL AS illustration_status "
        )
        + "FROM public.recommendations ORDER BY recommendation_id"
    )
    banner = [synthetic_banner(lang)] if bool(recs["synthetic"].any()) else []
    toc = html.Nav(
        html.Ul(
            [
                html.Li(html.A(f"{r.recommendation_id} · {r.title}", href=f"#{r.recommendation_id}"))
                for r in recs.itertuples(index=False)
            ],
            className="mb-4",
        ),
        **HtmlAttributes({"aria-label": _("Recommendations")}),
    )
    frame = frame_note(data, lang)  # the sampling frame the survey figures' weights rest on
    return html.Div(
        [
            header,
            *banner,
            *([frame] if frame is not None else []),
            toc,
            *[_card(data, lang, r) for _i, r in recs.iterrows()],
        ]
    )


def _status_labels(lang: str) -> dict[str, str]:
    _ = gettext_for(lang)
    return {
        "supported": _("supported by the evidence"),
        "mixed": _("mixed evidence"),
        "not_supported": _("not supported by the evidence"),
        "insufficient_evidence": _("no evidence that settles it yet"),
        "insufficient_data": _("insufficient data"),
    }


def _result_labels(lang: str) -> dict[str, str]:
    _ = gettext_for(lang)
    return {
        "supports": _("supports it"),
        "contradicts": _("contradicts it"),
        "inconclusive": _("inconclusive"),
        "no_data": _("no data"),
    }


def _card(data: PublicData, lang: str, rec: pd.Series) -> dbc.Card:
    _ = gettext_for(lang)
    status = str(rec["evidence_status"])
    illustrated = rec.get("illustration_status")
    sep = colon(lang)
    badges = [
        dbc.Badge(
            _status_labels(lang).get(status, status),
            color=STATUS_COLOURS.get(status, "secondary"),
            className="me-2",
        )
    ]
    if isinstance(illustrated, str) and bool(rec["synthetic"]):
        verdict = _status_labels(lang).get(illustrated, illustrated)
        badges.append(
            dbc.Badge(
                _("illustration (synthetic data)") + sep + verdict,
                color="warning",
                text_color="dark",
                className="me-2",
            )
        )
    return dbc.Card(
        dbc.CardBody(
            [
                html.H2(
                    [
                        html.Span(rec["recommendation_id"], className="badge text-bg-primary me-2"),
                        rec["title"],
                    ],
                    className="h5 card-title",
                ),
                html.P(rec["text"]),
                html.P([html.Strong(_("Evidence") + sep), *badges, rec["evidence"] or ""], className="mb-2"),
                _rules_table(data, lang, str(rec["recommendation_id"])),
                _evidence_table(data, lang, str(rec["indicators"] or "").split()),
            ]
        ),
        id=str(rec["recommendation_id"]),
        className="mb-4 shadow-sm recommendation",
    )


def _source_titles(data: PublicData, lang: str, ids: str) -> str:
    """Titles (in ``lang``) of the sources of a rule: a barometer edition, the survey..."""
    frame = sources_of(data, ids.split(), lang)  # titles in lang, ordered by source id
    return "; ".join(dict.fromkeys(str(t) for t in frame["title"]))


def _rules_table(data: PublicData, lang: str, rec_id: str) -> html.Details | None:
    """Each evidence rule of the recommendation: what it tests, what it found, its result."""
    if not data.has_view("recommendation_evidence"):
        return None
    _ = gettext_for(lang)
    rules = data.query(
        f"SELECT rule_no, indicator_id, direction, meaning_{lang} AS meaning, "
        f"finding_{lang} AS finding, sources, result, illustration FROM "
        "public.recommendation_evidence WHERE recommendation_id = ? ORDER BY rule_no",
        [rec_id],
    )
    meta = catalogue(data, lang)
    sides = {"supports": _("would support it"), "contradicts": _("would contradict it")}
    rows = []
    for r in rules.itertuples(index=False):
        title = meta.get(r.indicator_id, {}).get("title") or r.indicator_id
        result = _result_labels(lang).get(r.result, r.result)
        if bool(r.illustration) and r.result != "no_data":
            result += " (" + _("illustration (synthetic data), not counted") + ")"
        rows.append(
            html.Tr(
                [
                    html.Td(html.A(title, href=explorer_href(lang, r.indicator_id))),
                    html.Td(f"{r.meaning or ''} {sides.get(r.direction, r.direction)}".strip()),
                    html.Td(r.finding),
                    html.Td(_source_titles(data, lang, str(r.sources or ""))),
                    html.Td(
                        dbc.Badge(
                            result,
                            color=RESULT_COLOURS.get(r.result, "light"),
                            text_color="dark" if r.result in ("inconclusive", "no_data") else None,
                        )
                    ),
                ]
            )
        )
    head = html.Thead(
        html.Tr(
            [
                html.Th(h, scope="col")
                for h in (_("Indicator"), _("Rule"), _("What the data show"), _("Source"), _("Result"))
            ]
        )
    )
    table = dbc.Table(
        [head, html.Tbody(rows)], size="sm", responsive=True, striped=True, className="data-table mb-0"
    )
    return html.Details(
        [html.Summary(_("How the verdict is computed, rule by rule")), table], className="mb-3 rules"
    )


def _evidence_table(data: PublicData, lang: str, ids: list[str]) -> dbc.Table:
    _ = gettext_for(lang)
    meta = catalogue(data, lang)
    ids = [i for i in ids if i in meta]
    values = latest(cells(data, ids)).set_index("indicator_id")
    change = trends(data, ids)
    last_change = (
        change.groupby("indicator_id").tail(1).set_index("indicator_id") if len(change) else pd.DataFrame()
    )
    rows = []
    for i in ids:
        info = meta[i]
        if i not in values.index:
            rows.append(html.Tr([html.Td(info["title"]), html.Td(_("not available"), colSpan=5)]))
            continue
        cell = values.loc[i]
        rows.append(
            html.Tr(
                [
                    html.Td(html.A(info["title"], href=explorer_href(lang, i))),
                    html.Td(str(cell["period"])),
                    html.Td(value_text(cell, str(info["unit"]), lang, info["unit_label"])),
                    html.Td(
                        ci_text(cell["ci_low"], cell["ci_high"], lang, str(info["unit"]))
                        if cell["flag"] != "suppressed"
                        else ""
                    ),
                    html.Td(format_number(cell["n"], lang, 0) if not is_missing(cell["n"]) else ""),
                    html.Td(
                        _trend_text(last_change.loc[i], lang)
                        if i in last_change.index
                        else flag_text(cell["flag"], lang)
                    ),
                ]
            )
        )
    head = html.Thead(
        html.Tr(
            [
                html.Th(h, scope="col")
                for h in (
                    _("Indicator"),
                    _("Period"),
                    _("Value"),
                    _("95 % CI"),
                    "n",
                    _("Change since the previous wave"),
                )
            ]
        )
    )
    return dbc.Table(
        [head, html.Tbody(rows)], size="sm", responsive=True, striped=True, className="data-table mb-0"
    )


def _trend_text(row: pd.Series, lang: str) -> str:
    _ = gettext_for(lang)
    if row["flag"] == "suppressed" or is_missing(row["change"]):
        return _("not available")
    directions = {
        "worse": _("worse"),
        "better": _("better"),
        "up": _("up"),
        "down": _("down"),
        "stable": _("no significant change"),
    }
    sign = "+" if row["change"] > 0 else ""
    return (
        f"{sign}{format_number(row['change'], lang, 1)} ({row['previous_period']} → "
        f"{row['period']}): {directions.get(str(row['direction']), str(row['direction']))}"
    )
