"""Evidence on the theme pages: answers computed from the current warehouse, the KBS barometer
figures beside the survey estimates, and the warning lights of the group-life model by phase.

Nothing here asserts a finding: every sentence is generated from the published values
(``public.indicator_values``, ``public.indicator_trends``) with the wording of
``indicators/evidence_wording.yaml`` (:func:`indicators.recommendations.finding`).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence

import pandas as pd
from dash import html

from core.i18n import LANGUAGES, colon, format_number, is_missing
from dashboard import charts
from dashboard.components import chart_card, source_line
from dashboard.data import PublicData
from dashboard.formatting import unit_suffix
from dashboard.i18n import gettext_for
from dashboard.survey_cards import explorer_href
from dashboard.survey_data import (
    catalogue,
    category_labels,
    category_order,
    cells,
    ci_text,
    estimate_text,
    has_indicators,
    sources_of,
    suppressed_text,
)
from indicators.catalogue import Indicator
from indicators.recommendations import finding, indicator_from_public

#: A warning light counts as "on" in a group of associations when the whole 95 % CI of the share
#: recognising it lies above this value (more than a quarter), "off" when it lies below it.
LIGHT_THRESHOLD = 25.0
Check = tuple[str, Mapping]


def _indicators(data: PublicData, ids: Sequence[str]) -> dict[str, Indicator]:
    """The indicators ``ids`` in every language, from ``public.indicators``."""
    if not has_indicators(data):
        return {}
    frame = data.query("SELECT * FROM public.indicators WHERE list_contains(?, indicator_id)", [list(ids)])
    frame = frame.astype(object).where(frame.notna(), None)
    return {r["indicator_id"]: indicator_from_public(r) for r in frame.to_dict("records")}


def _geo_labels(data: PublicData) -> dict[str, dict[str, str]]:
    if not all(data.has_column("geography", f"label_{lg}") for lg in LANGUAGES):
        return {}
    frame = data.query("SELECT geo_code, label_fr, label_nl, label_en FROM public.geography")
    return {
        r.geo_code: {"fr": r.label_fr, "nl": r.label_nl, "en": r.label_en}
        for r in frame.itertuples(index=False)
    }


def answers(data: PublicData, lang: str, checks: Sequence[Check]) -> list[str]:
    """The computed answer of each check (see :func:`indicators.recommendations.finding`), in
    ``lang``; checks without data are left out."""
    ids = list(dict.fromkeys(i for i, _c in checks))
    meta = _indicators(data, ids)
    if not meta:
        return []
    values = cells(data, ids, "all")
    # changes between two waves only: a linear trend row spans the same waves as the first to
    # last change (its change is the fitted one)
    linear = " AND kind <> 'linear'" if data.has_column("indicator_trends", "kind") else ""
    trends = (
        data.query(
            "SELECT * FROM public.indicator_trends WHERE list_contains(?, "
            f"indicator_id) AND breakdown = 'all'{linear}",
            [ids],
        )
        if data.has_view("indicator_trends")
        else pd.DataFrame()
    )
    geo = _geo_labels(data)
    out = []
    for ind_id, check in checks:
        if ind_id in meta:
            sentence = finding(check, meta[ind_id], values, trends, lang, geo)
            if sentence:
                out.append(sentence)
    return out


def answers_block(data: PublicData, lang: str, checks: Sequence[Check]) -> html.Div | None:
    """'What the current data say': the computed answers as a list, or nothing without data."""
    found = answers(data, lang, checks)
    if not found:
        return None
    _ = gettext_for(lang)
    note = []
    if data.survey_is_synthetic():
        note = [
            html.P(
                _(
                    "Survey answers come from synthetic data: they show how the answer "
                    "is computed, not what the sector looks like. Answers marked with a "
                    "geography are public statistics."
                ),
                className="small mb-0",
            )
        ]
    return html.Div(
        [
            html.H2(_("What the current data say"), className="h5"),
            html.Ul([html.Li(s) for s in found], className="mb-2"),
            *note,
        ],
        className="answers border-start border-4 border-primary ps-3 mb-4",
        id="theme-answers",
    )


def barometer_card(data: PublicData, lang: str, ids: Sequence[str], title: str, card_id: str) -> html.Div:
    """Public-series indicators (the KBS barometer, Belgium-wide) with every published year,
    their source edition and caveats: a table, no chart (the barometer asks not to chart
    different questions together)."""
    _ = gettext_for(lang)
    meta = catalogue(data, lang)
    ids = [i for i in ids if i in meta]
    frame = cells(data, ids, "all")
    if frame.empty:
        return html.Div()
    frame = frame.dropna(subset=["estimate"])
    frame = frame.assign(_order=frame["indicator_id"].map(ids.index)).sort_values(["_order", "period"])
    series = {i: str(meta[i]["questions"] or "").split() for i in ids}
    stats = data.query(
        "SELECT st.series, st.period, st.geo_code, st.source_id, "
        f"so.{data.localised('sources', 'title', lang)} AS source_title, "
        f"se.comparability_note_{lang} AS note FROM public.statistics st "
        "JOIN public.series se USING (series) LEFT JOIN public.sources so "
        "ON so.source_id = st.source_id "
        "WHERE list_contains(?, st.series)",
        [[s for v in series.values() for s in v]],
    )
    localised = _source_titles(data, lang)
    geo = data.geo_names(lang)
    rows, sentences, source_rows = [], [], []
    for ind_id, group in frame.groupby("indicator_id", sort=False):
        info = meta[ind_id]
        texts = []
        for r in group.itertuples(index=False):
            value = estimate_text(r.estimate, str(info["unit"]), lang, info["unit_label"])
            src = stats[stats["series"].isin(series[ind_id]) & (stats["period"] == r.period)]
            scope = geo.get(str(src["geo_code"].iloc[0]), "") if len(src) else ""
            names = [localised.get(s, t) for s, t in zip(src["source_id"], src["source_title"], strict=True)]
            rows.append(
                {
                    _("Indicator"): info["title"],
                    _("Year"): str(r.period),
                    _("Value"): _with_label(r.estimate, str(info["unit_label"] or ""), lang),
                    _("Geography"): scope,
                    _("Source"): "; ".join(names),
                }
            )
            texts.append(_("{value} in {year}").format(value=value, year=r.period))
            source_rows += list(zip(src["source_id"], names, [str(r.period)] * len(src), strict=True))
        sentences.append(f"{info['title']}{colon(lang)}{', '.join(texts)}")
    summary = _("Barometer of associations, Belgium: ") + "; ".join(sentences) + "."
    by_source: dict[tuple[str, str], list[str]] = {}
    for source_id, name, period in source_rows:
        by_source.setdefault((source_id, name), []).append(period)
    sources = [
        source_line(lang, name, ", ".join(sorted(set(p))), source_id)
        for (source_id, name), p in sorted(by_source.items())
    ]
    sources.append(
        html.P(
            [
                _("Details in the explorer") + colon(lang),
                *[
                    part
                    for k, i in enumerate(ids)
                    for part in ([", "] if k else [])
                    + [html.A(meta[i]["title"], href=explorer_href(lang, i))]
                ],
            ],
            className="small mb-1",
        )
    )
    return chart_card(
        lang,
        title=title,
        chart=None,
        summary=summary,
        table=pd.DataFrame(rows),
        sources=sources,
        notes=_barometer_notes(meta, ids, stats, lang),
        card_id=card_id,
    )


def _with_label(value: float, label: str, lang: str) -> str:
    """``38,0 % des associations``, ``20.0% of working time``."""
    glue = "" if label.startswith("%") and lang != "fr" else " "
    return f"{format_number(value, lang, 1)}{glue}{label}".strip()


def _source_titles(data: PublicData, lang: str) -> dict[str, str]:
    frame = data.query(
        f"SELECT source_id, {data.localised('sources', 'title', lang)} AS title FROM public.sources"
    )
    return dict(zip(frame["source_id"], frame["title"], strict=True))


def _barometer_notes(meta: dict[str, dict], ids: Sequence[str], stats: pd.DataFrame, lang: str) -> list[str]:
    """Caveats once: what the indicators share, then each series' own comparability note."""
    notes: list[str] = []
    for i in ids:
        caveat = str(meta[i]["caveats"] or "")
        own = [
            n
            for s in str(meta[i]["questions"] or "").split()
            for n in stats.loc[stats["series"] == s, "note"].dropna().unique()
            if n
        ]
        for n in own:
            caveat = caveat.replace(n, "").strip()
        notes += [caveat] if caveat else []
        notes += [f"{meta[i]['title']}{colon(lang)}{n}" for n in own]
    return list(dict.fromkeys(notes))


def light_state(row: Mapping | pd.Series | None) -> str:
    """``on`` / ``off`` / ``unclear`` / ``suppressed`` / ``missing`` for one published cell."""
    if row is None:
        return "missing"
    if row["flag"] == "suppressed" or is_missing(row["estimate"]):
        return "suppressed"
    low = row["estimate"] if is_missing(row["ci_low"]) else row["ci_low"]
    high = row["estimate"] if is_missing(row["ci_high"]) else row["ci_high"]
    return "on" if low > LIGHT_THRESHOLD else "off" if high < LIGHT_THRESHOLD else "unclear"


def warning_lights_card(
    data: PublicData, lang: str, lights: Sequence[str], title: str, card_id: str = "warning-lights"
) -> html.Div:
    """Which of the four warning lights are on, for all associations and by life phase of the
    group (latest wave): a grouped bar chart, a table with each cell's state and CI, and a
    summary sentence generated from the values."""
    _ = gettext_for(lang)
    meta = catalogue(data, lang)
    lights = [i for i in lights if i in meta]
    if not lights:
        return html.Div()
    everyone = cells(data, lights, "all")
    if everyone.empty:
        return html.Div()
    period = str(everyone["period"].max())
    phases = cells(data, lights, "group_phase")
    phases = phases[phases["period"].astype(str) == period] if len(phases) else phases
    frame = pd.concat([everyone[everyone["period"].astype(str) == period], phases])
    order = category_order(data)
    codes = [
        "all",
        *sorted(
            phases["breakdown_value"].unique() if len(phases) else [],
            key=lambda c: order.get(("group_phase", str(c)), 99),
        ),
    ]
    phase_names = category_labels(data, lang)
    name = {c: _("All associations") if c == "all" else phase_names.get(("group_phase", c), c) for c in codes}
    codebook = {
        r: phase_names.get(("warning_lights", r.removeprefix("gl_light_")), meta[r]["title"]) for r in lights
    }
    states = {
        "on": _("on"),
        "off": _("off"),
        "unclear": _("unclear"),
        "suppressed": _("suppressed"),
        "missing": _("not available"),
    }
    table: list[dict[str, str]] = []
    groups: dict[str, list[float | None]] = {codebook[r]: [] for r in lights}
    on_by_group: dict[str, list[str]] = {}
    for code in codes:
        row = {_("Group"): name[code]}
        for light in lights:
            cell = frame[(frame["indicator_id"] == light) & (frame["breakdown_value"] == code)]
            cell = cell.iloc[0] if len(cell) else None
            state = light_state(cell)
            if cell is None:  # state "missing"
                shown = ""
            elif state == "suppressed":
                shown = suppressed_text(cell.get("flag_reason"), lang)
            else:
                shown = (
                    f"{estimate_text(cell['estimate'], 'percent', lang)} "
                    f"({ci_text(cell['ci_low'], cell['ci_high'], lang)})"
                )
            if cell is not None and cell["flag"] == "low_reliability":
                shown += ", " + _("low reliability")
            row[codebook[light]] = f"{states[state]}: {shown}" if shown else states[state]
            groups[codebook[light]].append(
                None if state in ("suppressed", "missing") else float(cell["estimate"])
            )
            if state == "on":
                on_by_group.setdefault(code, []).append(codebook[light])
        table.append(row)
    parts = [
        name[c] + colon(lang) + (", ".join(on_by_group[c]) if c in on_by_group else _("no light clearly on"))
        for c in codes
    ]
    summary = (
        _(
            "Warning lights on in {period} (more than a quarter of the groups recognise "
            "them, with 95 % confidence): "
        ).format(period=period)
        + "; ".join(parts)
        + "."
    )
    if len(codes) == 1:
        summary += " " + _("The breakdown by life phase of the group is not published in this warehouse.")
    fig = charts.grouped_bars(
        [name[c] for c in codes], groups, lang, unit_suffix=unit_suffix("percent", lang)
    )
    fig.add_hline(y=LIGHT_THRESHOLD, line_dash="dot", line_color="#495057", line_width=1.5)
    reading = _(
        "A light is on when clearly more than a quarter of the associations of the "
        "group recognise it (the whole 95 % confidence interval lies above a quarter), "
        "off when clearly fewer do, and unclear otherwise."
    )
    survey = sources_of(
        data, sorted({s for i in lights for s in str(meta[i]["sources"] or "").split()}), lang
    )
    sources = [
        *[source_line(lang, str(r.title), period, str(r.source_id)) for r in survey.itertuples(index=False)],
        html.P(
            [
                _("Details in the explorer") + colon(lang),
                *[
                    part
                    for k, i in enumerate(lights)
                    for part in ([", "] if k else [])
                    + [html.A(codebook[i], href=explorer_href(lang, i, "group_phase"))]
                ],
            ],
            className="small mb-1",
        ),
    ]
    notes = [reading, *dict.fromkeys(str(meta[i]["caveats"]) for i in lights if meta[i]["caveats"])]
    return chart_card(
        lang,
        title=title,
        chart=charts.graph(fig, lang, f"{card_id}-chart", summary),
        summary=summary,
        table=pd.DataFrame(table),
        sources=sources,
        notes=notes,
        card_id=card_id,
    )
