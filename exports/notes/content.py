"""What the note says: figures, charts, recommendations and sources read from public views.

Reads only the ``public`` schema of the warehouse (and ``meta.build`` for the edition line)
through an in-memory DuckDB connection that ATTACHes the file read-only.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from datetime import date
from pathlib import Path

import pandas as pd

from core.i18n import MISSING, is_missing, long_date
from exports.notes.formatting import change_with_interval, number
from exports.notes.model import (
    Chart,
    ChartSpec,
    KeyFigure,
    Note,
    Point,
    Recommendation,
    Source,
    UnpublishedFigure,
)
from exports.notes.texts import TEXTS
from indicators.catalogue import SURVEY_ESTIMATORS
from warehouse.reader import Reader

MAX_CHARTS = 4
MAX_TRENDS = 4
POINT_UNITS = ("percent", "net_balance")
# Catalogue source ids whose snapshot has another id in public.sources (synthetic demo survey).
SOURCE_ALIASES = {"association_survey": ("survey_demo",)}
SEED_SOURCE = "seed_pfv_crebis_2024"
# The sector's headline figures (public.statistics series of the seed report) by placeholder.
HEADLINE_SERIES = {
    "be_volunteers": ("seed_belgium_volunteers", "persons"),
    "be_rate": ("seed_belgium_volunteering_rate", "percent"),
    "bxl_rate": ("seed_brussels_volunteering_rate", "percent"),
    "social_volunteers": ("seed_brussels_social_sector_volunteers", "persons"),
    "social_share": ("seed_brussels_social_sector_share", "percent"),
    "culture_share": ("seed_brussels_cultural_sector_share", "percent"),
}
HEADLINES = {
    "headline_volunteers": ("be_volunteers", "be_rate", "bxl_rate"),
    "headline_social": ("social_volunteers", "social_share", "culture_share"),
}


def build_note(
    warehouse: Path,
    lang: str,
    recommendations: Sequence[str] = (),
    indicators: Sequence[str] = (),
    period: str | None = None,
    breakdown: str = "all",
) -> Note:
    """The note on ``recommendations`` and ``indicators`` (all R1-R8 when both are empty).

    Key figures are each indicator's cells of ``breakdown`` for ``period`` (default: the
    indicator's latest period). Suppressed cells are listed with the reason, never printed.
    Raises ValueError for an unknown language, recommendation or indicator.
    """
    if lang not in TEXTS:
        raise ValueError(f"unknown language {lang!r}: choose one of {', '.join(TEXTS)}")
    t = TEXTS[lang]
    reader = Reader(warehouse)
    recs = reader.query("SELECT * FROM public.recommendations ORDER BY recommendation_id")
    catalogue = reader.query("SELECT * FROM public.indicators").set_index("indicator_id")
    rec_ids, ind_ids = _selection(recs, catalogue, recommendations, indicators)
    cells = reader.query(
        "SELECT * FROM public.indicator_values WHERE list_contains(?, indicator_id) "
        "AND breakdown IN (?, 'all') ORDER BY indicator_id, period",
        [ind_ids, breakdown],
    )
    survey = set(catalogue.index[catalogue["estimator"].isin(SURVEY_ESTIMATORS)])
    chosen = _chosen_cells(cells[cells["breakdown"] == breakdown], period, survey)
    wave = period or _latest_wave(reader)
    citations = _Citations(reader, lang)
    context = tuple(t["context_text"]) + _headlines(reader, citations, lang, t)
    sources = {ind: _figure_sources(reader, citations, catalogue.loc[ind]) for ind in ind_ids}
    categories = _category_labels(reader, breakdown, lang)
    scopes = _scopes(reader, catalogue, lang, t)

    figures: list[KeyFigure] = []
    unpublished: list[UnpublishedFigure] = []
    for ind in ind_ids:
        info = catalogue.loc[ind]
        rows = chosen[chosen["indicator_id"] == ind]
        rows = rows.assign(
            _pos=rows["breakdown_value"].map(lambda c: categories.get(c, (len(categories), c))[0])
        ).sort_values("_pos")
        if rows.empty:
            unpublished.append(
                UnpublishedFigure(
                    ind,
                    period,
                    None,
                    t["unpublished_line"].format(
                        what=_what(info[f"title_{lang}"], None, period, t), reason=t["reason_no_value"]
                    ),
                )
            )
        for row in rows.itertuples():
            category = (
                None
                if breakdown == "all"
                else categories.get(row.breakdown_value, (0, row.breakdown_value))[1]
            )
            if row.flag == "suppressed":
                reason = _suppression_reason(getattr(row, "flag_reason", None), row.n, t)
                unpublished.append(
                    UnpublishedFigure(
                        ind,
                        row.period,
                        category,
                        t["unpublished_line"].format(
                            what=_what(info[f"title_{lang}"], category, row.period, t), reason=reason
                        ),
                    )
                )
            else:
                figures.append(
                    _key_figure(row, info, category, sources[ind](row.period), scopes[ind], wave, lang, t)
                )

    synthetic = bool(chosen["synthetic"].any()) or bool(
        recs[recs["recommendation_id"].isin(rec_ids)]["synthetic"].any()
    )
    banner = t["synthetic_banner"] if synthetic else None
    chosen_recs = recs[recs["recommendation_id"].isin(rec_ids)]
    rec_items = [_recommendation(r, lang, t) for r in chosen_recs.itertuples()]
    summary = (
        ([t["synthetic_sentence"]] if synthetic else [])
        + _verdicts_period(chosen_recs, period, t)
        + [t["labelled"].format(label=r.heading, text=f"{r.status}. {r.evidence}") for r in rec_items]
        + _trend_sentences(reader, figures, catalogue, lang, t)
    )
    return Note(
        lang=lang,
        title=t["title"],
        date=long_date(date.today(), lang),
        edition=_edition(reader, lang, t),
        context=context,
        summary=tuple(summary),
        key_figures=tuple(figures),
        unpublished=tuple(unpublished),
        charts=tuple(_charts(cells, figures, unpublished, catalogue, breakdown, lang, t, banner)),
        recommendations=tuple(rec_items),
        methods=tuple(t["methods_text"]) + _survey_waves(reader, figures, t),
        caveats=tuple(
            dict.fromkeys(
                t["labelled"].format(label=catalogue.loc[i, f"title_{lang}"], text=c)
                for i in ind_ids
                if not is_missing(c := catalogue.loc[i, f"caveats_{lang}"])
            )
        ),
        sources=citations.cited(),
        synthetic=synthetic,
        wave=wave,
        labels={k: v for k, v in t.items() if isinstance(v, str)},
    )


def selection_errors(
    warehouse: Path,
    lang: str,
    recommendations: Sequence[str],
    indicators: Sequence[str],
    periods: Sequence[str],
    names: Mapping[str, str] | None = None,
) -> list[str]:
    """One message (in ``lang``) per field of a note request that holds a value the warehouse
    does not publish, listing the valid values; empty when the request is valid. ``names``:
    how the caller names the fields ``rec``, ``ind`` and ``period`` (command-line options)."""
    t = TEXTS[lang if lang in TEXTS else "en"]
    reader = Reader(warehouse)
    valid = {
        "rec": reader.query("SELECT recommendation_id AS v FROM public.recommendations ORDER BY 1")[
            "v"
        ].tolist(),
        "ind": reader.query("SELECT indicator_id AS v FROM public.indicators ORDER BY 1")["v"].tolist(),
        "period": reader.query("SELECT DISTINCT period AS v FROM public.indicator_values ORDER BY 1")[
            "v"
        ].tolist(),
    }
    asked = {"rec": recommendations, "ind": indicators, "period": periods}
    errors = []
    for name, values in asked.items():
        wrong = [v for v in values if v not in valid[name]]
        if wrong:
            errors.append(
                t["bad_request"].format(
                    field=(names or {}).get(name, name),
                    values=", ".join(repr(w[:40]) for w in wrong[:5]),
                    valid=", ".join(valid[name]),
                )
            )
    return errors


def _selection(
    recs: pd.DataFrame, catalogue: pd.DataFrame, recommendations: Sequence[str], indicators: Sequence[str]
) -> tuple[list[str], list[str]]:
    """The recommendations and indicators of the note, in order, checked against the views."""
    linked = dict(zip(recs["recommendation_id"], recs["indicators"].fillna("").str.split(), strict=True))
    unknown = [r for r in recommendations if r not in linked]
    unknown += [i for i in indicators if i not in catalogue.index]
    if unknown:
        raise ValueError(f"unknown recommendation or indicator: {', '.join(unknown)}")
    rec_ids = list(dict.fromkeys(recommendations))
    if not rec_ids and not indicators:
        rec_ids = list(linked)
    ind_ids = list(dict.fromkeys([*indicators, *(i for r in rec_ids for i in linked[r])]))
    ind_ids = [i for i in ind_ids if i in catalogue.index]
    if not rec_ids:
        rec_ids = [r for r, ids in linked.items() if set(ids) & set(ind_ids)]
    return rec_ids, ind_ids


def _chosen_cells(cells: pd.DataFrame, period: str | None, survey: set[str]) -> pd.DataFrame:
    """Each indicator's cells of its latest period; with ``period``, a survey indicator's cells
    of that wave, and a public figure's of its latest period up to it (else its first one): a
    public series is not published every survey wave."""
    is_survey = cells["indicator_id"].isin(survey)
    if period is None:
        return _latest(cells)
    public = cells[~is_survey]
    up_to = public[public["period"] <= period]
    later = public[~public["indicator_id"].isin(up_to["indicator_id"])]
    first = later[later["period"] == later.groupby("indicator_id")["period"].transform("min")]
    return pd.concat([cells[is_survey & (cells["period"] == period)], _latest(up_to), first])


def _latest(cells: pd.DataFrame) -> pd.DataFrame:
    return cells[cells["period"] == cells.groupby("indicator_id")["period"].transform("max")]


class _Citations:
    """The sources of ``public.sources`` in the note's language, numbered in order of use."""

    def __init__(self, reader: Reader, lang: str) -> None:
        self.table = reader.query("SELECT * FROM public.sources ORDER BY source_id")
        self.lang = lang
        self.numbered: dict[str, Source] = {}

    def matching(self, source_id: str) -> list[str]:
        """Ids of ``public.sources`` for an id of the catalogue: itself, a snapshot id
        extending it (``kbs_barometer_associations`` -> ``..._2020``) and its aliases."""
        ids = self.table["source_id"]
        return ids[
            ids.isin([source_id, *SOURCE_ALIASES.get(source_id, ())]) | ids.str.startswith(source_id + "_")
        ].tolist()

    def cite(self, source_id: str) -> Source:
        if source_id not in self.numbered:
            row = self.table[self.table["source_id"] == source_id].iloc[0]
            lang = self.lang
            self.numbered[source_id] = Source(
                len(self.numbered) + 1,
                source_id,
                row[f"producer_{lang}"],
                row[f"title_{lang}"],
                row[f"citation_{lang}"],
                _text(row["url"]),
            )
        return self.numbered[source_id]

    def cited(self) -> tuple[Source, ...]:
        return tuple(self.numbered.values())


def _figure_sources(
    reader: Reader, citations: _Citations, info: pd.Series
) -> Callable[[str], tuple[Source, ...]]:
    """A function giving the sources of one figure of ``ind`` by period: for a public series,
    the sources of its published rows of that period (the barometer edition of that year);
    otherwise the indicator's sources."""

    def all_sources(_period: str) -> tuple[Source, ...]:
        ids = [i for sid in _text(info["sources"]).split() for i in citations.matching(sid)]
        return tuple(dict.fromkeys(citations.cite(i) for i in ids))

    if info["estimator"] != "public_series":
        return all_sources
    rows = reader.query(
        "SELECT DISTINCT period, source_id FROM public.statistics WHERE list_contains(?, series) "
        "AND geo_code = ? ORDER BY source_id",
        [_text(info["questions"]).split(), _text(info["scope_geo"])],
    )

    def by_period(period: str) -> tuple[Source, ...]:
        ids = rows.loc[rows["period"] == period, "source_id"].tolist()
        return tuple(citations.cite(i) for i in ids) if ids else all_sources(period)

    return by_period


def _headlines(reader: Reader, citations: _Citations, lang: str, t: dict) -> tuple[str, ...]:
    """The sector's headline figures, from the seed report's rows of ``public.statistics``,
    each sentence with its citation (skipped when its figures are not in the warehouse)."""
    rows = reader.query(
        "SELECT series, value FROM public.statistics WHERE source_id = ? AND value IS NOT NULL", [SEED_SOURCE]
    )
    values = dict(zip(rows["series"], rows["value"], strict=True))
    texts = {}
    for key, (series, unit) in HEADLINE_SERIES.items():
        if series in values:
            whole = float(values[series]).is_integer()
            text = number(values[series], lang, "persons" if whole else None)
            texts[key] = t["percent"].format(value=text) if unit == "percent" else text
    out = []
    for sentence, keys in HEADLINES.items():
        if all(k in texts for k in keys):
            ref = citations.cite(SEED_SOURCE).ref
            cite = t["cite_" + sentence.removeprefix("headline_")].format(ref=ref)
            out.append(t[sentence].format(cite=cite, **texts))
    return tuple(out)


def _scopes(reader: Reader, catalogue: pd.DataFrame, lang: str, t: dict) -> dict[str, str]:
    """What each indicator's figures cover: the survey's associations, or a geography."""
    geo = reader.query(f"SELECT geo_code, label_{lang} AS label FROM public.geography")
    labels = dict(zip(geo["geo_code"], geo["label"], strict=True))
    return {ind: labels.get(_text(row["scope_geo"]), t["scope_survey"]) for ind, row in catalogue.iterrows()}


def _latest_wave(reader: Reader) -> str | None:
    waves = reader.query("SELECT max(wave) AS wave FROM public.survey_responses_summary")
    return None if waves.empty or is_missing(waves["wave"].iloc[0]) else str(waves["wave"].iloc[0])


def _text(value: object) -> str:
    return "" if value is None or (isinstance(value, float) and is_missing(value)) else str(value)


def _category_labels(reader: Reader, breakdown: str, lang: str) -> dict[str, tuple[int, str]]:
    """Position and label of each category code of ``breakdown``."""
    if breakdown == "geo":
        frame = reader.query(
            f"SELECT geo_code AS code, 0 AS position, label_{lang} AS label FROM public.geography"
        )
    else:
        frame = reader.query(
            f"SELECT code, position, label_{lang} AS label FROM public.categories WHERE variable = ?",
            [breakdown],
        )
    return {r.code: (int(r.position), r.label) for r in frame.itertuples()}


def _key_figure(
    row,
    info: pd.Series,
    category: str | None,
    sources: tuple[Source, ...],
    scope: str,
    wave: str | None,
    lang: str,
    t: dict,
) -> KeyFigure:
    unit = info["unit"]
    if not is_missing(row.ci_low):
        ci_text = f"{number(row.ci_low, lang, unit)} – {number(row.ci_high, lang, unit)}"
    elif not is_missing(row.value_low):
        ci_text = t["range"].format(
            low=number(row.value_low, lang, unit), high=number(row.value_high, lang, unit)
        )
    else:
        ci_text = MISSING
    n = None if is_missing(row.n) else int(row.n)
    return KeyFigure(
        indicator_id=row.indicator_id,
        title=info[f"title_{lang}"],
        unit_label=info[f"unit_label_{lang}"] or "",
        scope=scope,
        period=row.period,
        other_year=wave is not None and row.period != wave,
        category=category,
        value=float(row.estimate),
        ci_low=None if is_missing(row.ci_low) else float(row.ci_low),
        ci_high=None if is_missing(row.ci_high) else float(row.ci_high),
        n=n,
        flag=row.flag,
        synthetic=bool(row.synthetic),
        value_text=number(row.estimate, lang, unit),
        ci_text=ci_text,
        n_text=MISSING if n is None else number(n, lang, "count"),
        sources=sources,
    )


def _what(title: str, category: str | None, period: str | None, t: dict) -> str:
    return ", ".join(p for p in (title, category, period) if p)


def _suppression_reason(reason: object, n: object, t: dict) -> str:
    """Why a cell is suppressed, from its published ``flag_reason`` (and n)."""
    count = "?" if is_missing(n) else int(n)  # type: ignore[call-overload]  # a count: not missing
    if reason == "min_n":
        return t["reason_min_n"].format(n=count)
    if reason == "money_min_n":
        return t["reason_money_min_n"].format(n=count)
    return t["reason_dominance"] if reason == "dominance" else t["reason_secondary"]


def _recommendation(row, lang: str, t: dict) -> Recommendation:
    """A recommendation with its status (supported, mixed, not supported, insufficient
    evidence: counted rules only); evidence resting on synthetic survey figures alone is an
    illustration, never "supported by the evidence"."""
    status = row.evidence_status
    if not hasattr(row, "illustration_status"):  # warehouse built before verdicts both ways
        status = "illustration" if row.synthetic and status == "supported" else status
    elif (
        status == "insufficient_evidence"
        and isinstance(row.illustration_status, str)
        and row.illustration_status != "insufficient_evidence"
    ):
        status = "illustration"
    return Recommendation(
        recommendation_id=row.recommendation_id,
        title=getattr(row, f"title_{lang}"),
        text=getattr(row, f"text_{lang}"),
        status=t[f"status_{status}"],
        evidence=getattr(row, f"evidence_{lang}") or "",
        indicators=tuple((row.indicators or "").split()),
    )


def _verdicts_period(recs: pd.DataFrame, period: str | None, t: dict) -> list[str]:
    """A sentence when the key figures are of another period than the verdicts: the warehouse
    judges each recommendation on the latest published figures only."""
    if period is None or "evidence_period" not in recs:
        return []
    latest = recs["evidence_period"].dropna().astype(str)
    if latest.empty or latest.max() <= period:  # no verdict rests on a figure after the period
        return []
    return [t["verdicts_latest"].format(latest=latest.max(), period=period)]


def _trend_sentences(
    reader: Reader, figures: list[KeyFigure], catalogue: pd.DataFrame, lang: str, t: dict
) -> list[str]:
    """Significant changes of the key figures (breakdown ``all``): from the first wave to the
    figure's wave when it is the last one (``first_last`` rows), else since the previous wave."""
    keys = [(f.indicator_id, f.period) for f in figures if f.category is None]
    if not keys:
        return []
    has_kind = (
        reader.query(
            "SELECT count(*) AS n FROM information_schema.columns WHERE table_schema = 'public' "
            "AND table_name = 'indicator_trends' AND column_name = 'kind'"
        )["n"].iloc[0]
        > 0
    )
    trends = reader.query(
        "SELECT * FROM public.indicator_trends WHERE breakdown = 'all' "
        + ("AND kind IN ('first_last', 'consecutive') " if has_kind else "")
        + "AND list_contains(?, indicator_id || '@' || period)",
        [[f"{i}@{p}" for i, p in keys]],
    )
    if has_kind:  # one change per figure: first to last when there is one
        trends = trends.sort_values("kind", key=lambda k: k != "first_last", kind="stable").drop_duplicates(
            ["indicator_id", "period"]
        )
    trends = trends[trends["significant"].fillna(False).astype(bool) & (trends["flag"] == "ok")].reset_index(
        drop=True
    )
    order = {f"{i}@{p}": k for k, (i, p) in enumerate(keys)}
    trends = trends.sort_values("indicator_id", key=lambda s: (s + "@" + trends["period"]).map(order))
    out = []
    for row in trends.itertuples():
        info = catalogue.loc[row.indicator_id]
        unit = info["unit"]
        scale = t["points"] if unit in POINT_UNITS else info[f"unit_label_{lang}"]
        change, low, high = change_with_interval(row.change, row.ci_low, row.ci_high, lang, unit)
        out.append(
            t["trend_sentence"].format(
                title=info[f"title_{lang}"],
                previous=row.previous_period,
                period=row.period,
                direction=t["trend_up"] if row.change > 0 else t["trend_down"],
                change=f"{change} {scale}",
                low=low,
                high=high,
            )
        )
    return out[:MAX_TRENDS]


def _edition(reader: Reader, lang: str, t: dict) -> str:
    """Build date, id and tool version of the warehouse (``meta.build``)."""
    build = reader.query(
        "SELECT build_id, finished_at, tool_version FROM meta.build "
        "WHERE finished_at IS NOT NULL ORDER BY finished_at DESC LIMIT 1"
    )
    if build.empty:
        return ""
    row = build.iloc[0]
    return t["edition"].format(
        built=long_date(row["finished_at"].date(), lang), build=row["build_id"], version=row["tool_version"]
    )


def _survey_waves(reader: Reader, figures: list[KeyFigure], t: dict) -> tuple[str, ...]:
    """The survey sample sizes by wave, when the note shows survey estimates."""
    if not any(f.n is not None for f in figures):
        return ()
    waves = reader.query(
        "SELECT wave, sum(n_responses) AS n FROM public.survey_responses_summary GROUP BY wave ORDER BY wave"
    )
    if waves.empty:
        return ()
    items = ", ".join(t["wave"].format(wave=r.wave, n=int(r.n)) for r in waves.itertuples())
    lang = next(code for code, texts in TEXTS.items() if texts is t)  # the frame of the weights
    frame = (
        reader.query(f"SELECT any_value(source_{lang}) AS s FROM public.sampling_frame")
        if reader.has_table("public", "sampling_frame")
        else pd.DataFrame()
    )
    named = (
        (t["sampling_frame"].format(frame=str(frame["s"].iloc[0]).rstrip(".")),)
        if len(frame) and not is_missing(frame["s"].iloc[0])
        else ()
    )
    return (t["survey_waves"].format(waves=items), *named)


def _charts(
    cells: pd.DataFrame,
    figures: list[KeyFigure],
    unpublished: list[UnpublishedFigure],
    catalogue: pd.DataFrame,
    breakdown: str,
    lang: str,
    t: dict,
    banner: str | None,
) -> list[Chart]:
    """Up to four charts: for ``all``, an overview of the percent-like key figures and the
    trends of survey indicators over waves; for a breakdown, one chart per indicator."""
    with_ci = [f for f in figures if f.ci_low is not None]
    out: list[Chart] = []
    if breakdown == "all":
        overview = [f for f in with_ci if catalogue.loc[f.indicator_id, "unit"] in POINT_UNITS]
        overview = [f for f in overview if overview and f.unit_label == overview[0].unit_label]
        if len(overview) >= 2:
            out.append(
                _chart(
                    t["chart_overview"],
                    [Point(f"{f.title} ({f.period})", f.value, f.ci_low, f.ci_high) for f in overview],
                    overview[0].unit_label,
                    overview,
                    lang,
                    t,
                    banner,
                    over_time=False,
                )
            )
        history = cells[(cells["breakdown"] == "all") & cells["ci_low"].notna()]
        for f in with_ci:
            rows = history[(history["indicator_id"] == f.indicator_id) & (history["period"] <= f.period)]
            if len(rows) >= 2 and len(out) < MAX_CHARTS:
                out.append(
                    _chart(
                        f.title,
                        [Point(r.period, r.estimate, r.ci_low, r.ci_high) for r in rows.itertuples()],
                        f.unit_label,
                        [f],
                        lang,
                        t,
                        banner,
                        over_time=True,
                    )
                )
        return out
    for ind in dict.fromkeys(f.indicator_id for f in with_ci):
        cell_figures = [f for f in with_ci if f.indicator_id == ind]
        hidden = [u.category for u in unpublished if u.indicator_id == ind and u.category]
        title = f"{cell_figures[0].title} ({cell_figures[0].period})"
        chart = _chart(
            title,
            [Point(f.category or "", f.value, f.ci_low, f.ci_high) for f in cell_figures],
            cell_figures[0].unit_label,
            cell_figures,
            lang,
            t,
            banner,
            over_time=False,
        )
        if hidden:
            chart = Chart(
                chart.title,
                chart.spec,
                chart.caption + " " + t["chart_not_published"].format(items=", ".join(hidden)),
            )
        out.append(chart)
    return out[:MAX_CHARTS]


def _chart(
    title: str,
    points: list[Point],
    axis: str,
    figures: list[KeyFigure],
    lang: str,
    t: dict,
    banner: str | None,
    over_time: bool,
) -> Chart:
    refs = dict.fromkeys(s.label for f in figures for s in f.sources)
    caption = t["chart_error_bars"] + " " + t["chart_source"].format(sources="; ".join(refs))
    return Chart(title, ChartSpec(title, tuple(points), axis, lang, over_time, banner), caption)
