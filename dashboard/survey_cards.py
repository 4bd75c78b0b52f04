"""Chart cards of survey indicators: over waves, by breakdown, a family side by side.

Every card carries the 95 % CIs (error bars), n, the flags, a one-sentence summary, the data
table, the source and period, and a link to the indicator in the explorer.
"""

from __future__ import annotations

from collections.abc import Sequence
from urllib.parse import urlencode

import pandas as pd
from dash import html

from core.i18n import colon, format_number, is_missing
from dashboard import charts
from dashboard.components import chart_card, page_href, source_line
from dashboard.data import PublicData
from dashboard.formatting import unit_suffix
from dashboard.i18n import gettext_for
from dashboard.survey_data import (
    catalogue,
    category_order,
    cell_label,
    cells,
    ci_text,
    estimate_text,
    latest,
    sources_of,
    suppressed_text,
    trends,
)


def explorer_href(
    lang: str, indicator_id: str, breakdown: str = "all", period: str | None = None, tab: str = "chart"
) -> str:
    """The explorer URL of one survey indicator."""
    query = {"indicator": f"indicator:{indicator_id}", "breakdown": breakdown}
    if period:
        query["period"] = period
    query["tab"] = tab
    return page_href(lang, "explorer", "?" + urlencode(query))


def value_text(row: pd.Series, unit: str, lang: str, label: str | None = None) -> str:
    """A cell's value for charts and tables: the estimate (unit ``label``: see estimate_text),
    or why it is suppressed."""
    if row["flag"] == "suppressed" or is_missing(row["estimate"]):
        return suppressed_text(row.get("flag_reason"), lang)
    return estimate_text(row["estimate"], unit, lang, label)


def flag_text(flag: object, lang: str) -> str:
    """The reader-facing name of a cell flag."""
    _ = gettext_for(lang)
    return {"low_reliability": _("low reliability"), "suppressed": _("suppressed")}.get(str(flag), "")


def cell_table(
    frame: pd.DataFrame, meta: dict[str, dict], lang: str, first: str, first_values: Sequence[str]
) -> pd.DataFrame:
    """Formatted table of cells: ``first`` column, period, value, CI, n, flag."""
    _ = gettext_for(lang)
    units = [(meta[i]["unit"], meta[i]["unit_label"]) for i in frame["indicator_id"]]
    return pd.DataFrame(
        {
            first: list(first_values),
            _("Period"): frame["period"].astype(str).tolist(),
            _("Value"): [
                value_text(r, u, lang, lb) for (_i, r), (u, lb) in zip(frame.iterrows(), units, strict=True)
            ],
            _("95 % CI"): [
                ci_text(r["ci_low"], r["ci_high"], lang, u).replace(_("95 % CI") + " ", "")
                if r["flag"] != "suppressed"
                else ""
                for (_i, r), (u, _lb) in zip(frame.iterrows(), units, strict=True)
            ],
            "n": [format_number(n, lang, 0) for n in frame["n"]],
            _("Reliability"): [flag_text(f, lang) for f in frame["flag"]],
        }
    )


def _survey_sources(
    data: PublicData, meta: dict[str, dict], ids: Sequence[str], lang: str, periods: str
) -> list[html.P]:
    source_ids = sorted({s for i in ids for s in str(meta[i]["sources"] or "").split()})
    frame = sources_of(data, source_ids, lang)
    return [source_line(lang, str(r.title), periods, str(r.source_id)) for r in frame.itertuples(index=False)]


def sampling_frame(data: PublicData) -> pd.DataFrame | None:
    """The frame the survey weights rest on (``public.sampling_frame``), None if not built."""
    return data.memo("sampling_frame", lambda: data.view("sampling_frame"))


def frame_note(data: PublicData, lang: str) -> html.P | None:
    """Which sampling frame the weights of a survey figure rest on; with the illustrative demo
    frame, that the weighted figures are illustrative. Linked to the frame on the methods page."""
    _ = gettext_for(lang)
    frame = sampling_frame(data)
    if frame is None or frame.empty:
        return None
    first = frame.iloc[0]
    total = format_number(int(frame["n_associations"].sum()), lang, 0)
    if first["status"] == "illustrative":
        text = _(
            "Weights: an illustrative sampling frame (invented cells; only its total of "
            "{total} associations is real), so the weighted figures are illustrative."
        )
    else:
        text = _("Weights: sampling frame {source}, {total} associations.")
    link = html.A(_("What the frame counts"), href=page_href(lang, "methods", anchor="sampling-frame"))
    return html.P(
        [text.format(total=total, source=first[f"source_{lang}"]), " ", link],
        className="frame-note small text-body-secondary mb-1",
    )


def _links(lang: str, meta: dict[str, dict], ids: Sequence[str], breakdown: str = "all") -> html.P:
    _ = gettext_for(lang)
    items: list = [_("Details in the explorer") + colon(lang)]
    for k, i in enumerate(ids):
        items += ([", "] if k else []) + [html.A(meta[i]["title"], href=explorer_href(lang, i, breakdown))]
    return html.P(items, className="small mb-1")


def waves_card(
    data: PublicData, lang: str, ids: Sequence[str], title: str, card_id: str | None = None
) -> html.Div:
    """Indicators of one unit over the waves (all associations), with CI error bars."""
    _ = gettext_for(lang)
    meta = catalogue(data, lang)
    ids = [i for i in ids if i in meta]
    frame = cells(data, ids, "all")
    if frame.empty:
        return html.Div()
    unit = str(meta[ids[0]]["unit"])
    lines, errors, sentences = {}, {}, []
    change = trends(data, ids)
    for indicator, rows in frame.groupby("indicator_id", sort=False):
        name = str(meta[indicator]["title"])
        shown = rows.dropna(subset=["estimate"])
        lines[name] = (shown["period"].astype(str).tolist(), shown["estimate"].tolist())
        errors[name] = (
            (shown["estimate"] - shown["ci_low"]).tolist(),
            (shown["ci_high"] - shown["estimate"]).tolist(),
        )
        if shown.empty:
            continue
        last = shown.iloc[-1]
        sentence = _("{title}: {value} in {period} ({ci})").format(
            title=name,
            value=estimate_text(last["estimate"], unit, lang, meta[indicator]["unit_label"]),
            period=last["period"],
            ci=ci_text(last["ci_low"], last["ci_high"], lang, unit),
        )
        moves = change[(change["indicator_id"] == indicator)] if len(change) else change
        if len(moves):
            step = moves.iloc[-1]
            sentence += ", " + (
                _("a significant change since {previous}").format(previous=step["previous_period"])
                if bool(step["significant"])
                else _("no significant change since {previous}").format(previous=step["previous_period"])
            )
        sentences.append(sentence)
    labels = {meta[i]["unit_label"] for i in ids}  # one indicator's own unit, when they share it
    suffix = unit_suffix(unit, lang, labels.pop() if len(labels) == 1 else None)
    fig = charts.trend_lines(lines, lang, unit_suffix=suffix, errors=errors)
    summary = "; ".join(sentences) + "."
    table = cell_table(frame, meta, lang, _("Indicator"), [meta[i]["title"] for i in frame["indicator_id"]])
    periods = ", ".join(sorted(frame["period"].astype(str).unique()))
    return chart_card(
        lang,
        title=title,
        chart=charts.graph(fig, lang, card_id or f"waves-{ids[0]}", summary),
        summary=summary,
        table=table,
        sources=[
            *_survey_sources(data, meta, ids, lang, periods),
            *_frame(data, lang),
            _links(lang, meta, ids),
        ],
        notes=_caveats(meta, ids),
        card_id=card_id,
    )


def family_card(
    data: PublicData,
    lang: str,
    ids: Sequence[str],
    title: str,
    *,
    ranked: bool = False,
    labels: Sequence[str] | None = None,
    card_id: str | None = None,
) -> html.Div:
    """Indicators side by side in the latest wave (all associations), CI error bars.

    ``ranked`` sorts them largest first (else the given order, e.g. the support funnel);
    ``labels`` replace the indicator titles on the chart.
    """
    _ = gettext_for(lang)
    meta = catalogue(data, lang)
    ids = [i for i in ids if i in meta]
    frame = latest(cells(data, ids, "all"))
    if frame.empty:
        return html.Div()
    names = dict(zip(ids, labels or [meta[i]["title"] for i in ids], strict=True))
    frame = frame.set_index("indicator_id").reindex(ids).dropna(subset=["period"]).reset_index()
    if ranked:
        frame = frame.sort_values("estimate", ascending=False, na_position="last")
    return _bars_card(
        data,
        lang,
        frame,
        meta,
        [names[i] for i in frame["indicator_id"]],
        title,
        card_id or f"family-{ids[0]}",
        ids,
    )


def breakdown_card(
    data: PublicData, lang: str, indicator: str, breakdown: str, title: str, card_id: str | None = None
) -> html.Div:
    """One indicator in the latest wave by a breakdown (codebook order), CI error bars."""
    meta = catalogue(data, lang)
    if indicator not in meta:
        return html.Div()
    frame = latest(cells(data, [indicator], breakdown))
    if frame.empty:
        return html.Div()
    order = category_order(data)
    frame = frame.assign(
        _pos=[order.get((breakdown, str(c)), 99) for c in frame["breakdown_value"]]
    ).sort_values("_pos")
    labels = [cell_label(data, lang, breakdown, str(c)) for c in frame["breakdown_value"]]
    return _bars_card(
        data,
        lang,
        frame,
        meta,
        labels,
        title,
        card_id or f"breakdown-{indicator}-{breakdown}",
        [indicator],
        breakdown,
    )


def _bars_card(
    data: PublicData,
    lang: str,
    frame: pd.DataFrame,
    meta: dict[str, dict],
    labels: list[str],
    title: str,
    card_id: str,
    ids: Sequence[str],
    breakdown: str = "all",
) -> html.Div:
    _ = gettext_for(lang)
    units = [(str(meta[i]["unit"]), meta[i]["unit_label"]) for i in frame["indicator_id"]]
    texts = [value_text(r, u, lang, lb) for (_i, r), (u, lb) in zip(frame.iterrows(), units, strict=True)]
    fig = charts.estimate_bars(
        labels,
        frame["estimate"].tolist(),
        frame["ci_low"].tolist(),
        frame["ci_high"].tolist(),
        frame["flag"].tolist(),
        lang,
        texts=texts,
        legend=(_("Estimate (95 % CI)"), _("Low reliability (n < 30 or CV > 16.5 %)")),
    )
    period = str(frame["period"].max())
    shown = [(label, text) for label, text, f in zip(labels, texts, frame["flag"], strict=True)]
    summary = (
        _("Wave {period}: ").format(period=period)
        + "; ".join(f"{label}: {text}" for label, text in shown)
        + "."
    )
    table = cell_table(frame, meta, lang, _("Category") if breakdown != "all" else _("Indicator"), labels)
    return chart_card(
        lang,
        title=title,
        chart=charts.graph(fig, lang, card_id, summary),
        summary=summary,
        table=table,
        sources=[
            *_survey_sources(data, meta, ids, lang, period),
            *_frame(data, lang),
            _links(lang, meta, ids[:1] if breakdown != "all" else ids, breakdown),
        ],
        notes=_caveats(meta, ids),
        card_id=card_id,
    )


def _caveats(meta: dict[str, dict], ids: Sequence[str]) -> list[str]:
    return list(dict.fromkeys(str(meta[i]["caveats"]) for i in ids if meta[i]["caveats"]))


def _frame(data: PublicData, lang: str) -> list[html.P]:
    note = frame_note(data, lang)
    return [note] if note is not None else []
