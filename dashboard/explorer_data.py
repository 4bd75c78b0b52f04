"""What the explorer shows: one public series or survey indicator, a breakdown, a period.

The same ``ExplorerView`` feeds the page (chart, table, map, sources) and the CSV download,
so a shared link and its download always show the same numbers.
"""

from __future__ import annotations

import io
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date

import pandas as pd

from dashboard.csv_export import neutralise
from dashboard.data import PublicData
from dashboard.formatting import format_number, is_missing, unit_suffix
from dashboard.i18n import LANGUAGES, gettext_for

ALL_PERIODS = "all"
TABS = ("chart", "table", "map", "sources")
#: Columns of ``ExplorerView.frame``.
COLUMNS = ["category", "label", "period", "estimate", "ci_low", "ci_high", "n", "flag", "note"]


@dataclass
class ExplorerView:
    """The data of one explorer selection, ready to chart, tabulate or download."""

    key: str
    title: str
    unit: str
    breakdown: str
    period: str
    frame: pd.DataFrame
    sources: pd.DataFrame
    notes: list[str] = field(default_factory=list)
    synthetic: bool = False

    @property
    def is_countries(self) -> bool:
        """Whether the categories are countries (the map tab applies)."""
        return self.breakdown == "geo" and bool(len(self.frame)) and bool(
            self.frame["category"].str.len().eq(2).all())


def choices(data: PublicData, lang: str) -> list[dict[str, str]]:
    """Dropdown options: survey indicators (when built) then public series, by title."""
    _check(lang)
    options: list[dict[str, str]] = []
    if data.has_view("indicators") and data.has_view("indicator_values"):
        frame = data.query(f"SELECT indicator_id, title_{lang} AS title FROM public.indicators "
                           "WHERE indicator_id IN (SELECT indicator_id FROM public.indicator_values) "
                           "ORDER BY title")
        _ = gettext_for(lang)
        survey = _("survey")
        options += [{"label": f"{r.title} ({survey})", "value": f"indicator:{r.indicator_id}"}
                    for r in frame.itertuples(index=False)]
    if data.has_view("series") and data.has_view("statistics"):
        frame = data.query(f"SELECT series, title_{lang} AS title FROM public.series "
                           "WHERE unit <> 'text' AND series IN "
                           "(SELECT series FROM public.statistics WHERE value IS NOT NULL) "
                           "ORDER BY title")
        options += [{"label": r.title, "value": f"series:{r.series}"}
                    for r in frame.itertuples(index=False)]
    return options


def breakdowns(data: PublicData, key: str, lang: str) -> list[dict[str, str]]:
    """Breakdown options of a selection (geography for public series)."""
    _ = gettext_for(lang)
    kind, ident = _split(key)
    if kind == "series":
        return [{"label": _("Geography"), "value": "geo"}]
    if kind == "indicator" and data.has_view("indicator_values"):
        frame = data.query("SELECT DISTINCT breakdown FROM public.indicator_values "
                           "WHERE indicator_id = ? ORDER BY breakdown", [ident])
        labels = breakdown_labels(_)
        return [{"label": labels.get(b, b), "value": b} for b in frame["breakdown"]]
    return []


def breakdown_labels(_: Callable[[str], str]) -> dict[str, str]:
    """Translated names of the breakdowns."""
    return {
        "all": _("All associations"),
        "subsector": _("Subsector"),
        "size_class": _("Size class"),
        "volunteer_model": _("Volunteer model"),
        "region": _("Region"),
        "geo": _("Geography"),
    }


def periods(data: PublicData, key: str) -> list[str]:
    """Periods available for a selection, oldest first."""
    kind, ident = _split(key)
    if kind == "series" and data.has_view("statistics"):
        sql = "SELECT DISTINCT period FROM public.statistics WHERE series = ? ORDER BY period"
    elif kind == "indicator" and data.has_view("indicator_values"):
        sql = ("SELECT DISTINCT period FROM public.indicator_values WHERE indicator_id = ? "
               "ORDER BY period")
    else:
        return []
    return [str(p) for p in data.query(sql, [ident])["period"]]


def build_view(data: PublicData, lang: str, key: str | None, breakdown: str | None,
               period: str | None) -> ExplorerView | None:
    """The view of a selection; None when the selection does not exist (e.g. stale link)."""
    _check(lang)
    valid = {o["value"] for o in choices(data, lang)}
    if not key or key not in valid:
        return None
    options = [o["value"] for o in breakdowns(data, key, lang)]
    breakdown = breakdown if breakdown in options else (options[0] if options else "geo")
    available = periods(data, key)
    period = period if period in [*available, ALL_PERIODS] else (available[-1] if available
                                                                  else ALL_PERIODS)
    kind, ident = _split(key)
    if kind == "series":
        return _series_view(data, lang, ident, period)
    return _indicator_view(data, lang, ident, breakdown, period)


def _series_view(data: PublicData, lang: str, series: str, period: str) -> ExplorerView:
    meta = data.query(f"SELECT title_{lang} AS title, unit, source_id, "
                      f"comparability_note_{lang} AS note FROM public.series WHERE series = ?",
                      [series]).iloc[0]
    rows = data.query("SELECT geo_code, period, value, flag, note FROM public.statistics "
                      "WHERE series = ? AND sex = 'T' ORDER BY period, geo_code", [series])
    if period != ALL_PERIODS:
        rows = rows[rows["period"] == period]
    names = data.geo_names(lang)
    frame = pd.DataFrame({
        "category": rows["geo_code"].astype(str),
        "label": [names.get(g, g) for g in rows["geo_code"]],
        "period": rows["period"].astype(str),
        "estimate": rows["value"],
        "ci_low": None, "ci_high": None, "n": None,
        "flag": rows["flag"],
        "note": rows["note"],
    }, columns=COLUMNS)
    return ExplorerView(
        key=f"series:{series}", title=str(meta["title"]), unit=str(meta["unit"]),
        breakdown="geo", period=period, frame=frame.reset_index(drop=True),
        sources=_sources(data, [str(meta["source_id"])]),
        notes=[str(meta["note"])] if not pd.isna(meta["note"]) else [],
    )


def _indicator_view(data: PublicData, lang: str, indicator: str, breakdown: str,
                    period: str) -> ExplorerView:
    meta = data.query(f"SELECT title_{lang} AS title, unit, sources, "
                      f"caveats_{lang} AS caveats FROM public.indicators WHERE indicator_id = ?",
                      [indicator]).iloc[0]
    rows = data.query("SELECT * FROM public.indicator_values WHERE indicator_id = ? "
                      "AND breakdown = ? ORDER BY period, breakdown_value", [indicator, breakdown])
    if period != ALL_PERIODS:
        rows = rows[rows["period"].astype(str) == period]
    frame = pd.DataFrame({
        "category": rows["breakdown_value"].astype(str),
        "label": rows["breakdown_value"].astype(str),
        "period": rows["period"].astype(str),
        "estimate": rows["estimate"], "ci_low": rows["ci_low"], "ci_high": rows["ci_high"],
        "n": rows["n"], "flag": rows["flag"], "note": None,
    }, columns=COLUMNS)
    source_ids = str(meta["sources"] or "").split()
    return ExplorerView(
        key=f"indicator:{indicator}", title=str(meta["title"]), unit=str(meta["unit"]),
        breakdown=breakdown, period=period, frame=frame.reset_index(drop=True),
        sources=_sources(data, source_ids),
        notes=[str(meta["caveats"])] if not pd.isna(meta["caveats"]) else [],
        synthetic=bool(rows["synthetic"].fillna(False).any()) if len(rows) else False,
    )


def _sources(data: PublicData, source_ids: list[str]) -> pd.DataFrame:
    if not source_ids or not data.has_view("sources"):
        return pd.DataFrame(columns=["source_id", "title", "producer", "url", "licence",
                                     "retrieved_on", "citation"])
    return data.query("SELECT source_id, title, producer, url, licence, retrieved_on, citation "
                      "FROM public.sources WHERE list_contains(?, source_id) ORDER BY source_id",
                      [source_ids])


def cell_text(row: pd.Series, unit: str, lang: str) -> str:
    """The displayed value of one cell: never a number for a suppressed or missing cell."""
    _ = gettext_for(lang)
    if row["flag"] == "suppressed":
        return _("suppressed (too few responses: disclosure control)")
    if is_missing(row["estimate"]):
        flag = row["flag"]
        flag_text = _("flag {flag}").format(flag=flag) if isinstance(flag, str) else ""
        return _("not available") + (f" ({flag_text})" if flag_text else "")
    text = format_number(row["estimate"], lang) + unit_suffix(unit, lang)
    if not is_missing(row["ci_low"]):
        text += (f" [{format_number(row['ci_low'], lang)} – "
                 f"{format_number(row['ci_high'], lang)}]")
    return text


def display_table(view: ExplorerView, lang: str) -> pd.DataFrame:
    """The view as a table of translated headers and formatted cells."""
    _ = gettext_for(lang)
    flags = {"low_reliability": _("low reliability"), "ok": "", "u": _("low reliability"),
             "suppressed": ""}
    out = pd.DataFrame({
        breakdown_labels(_).get(view.breakdown, view.breakdown): view.frame["label"],
        _("Period"): view.frame["period"],
        _("Value") + " [" + _("95 % CI") + "]": [cell_text(r, view.unit, lang)
                                                 for _i, r in view.frame.iterrows()],
        "n": [format_number(n, lang, 0) if not is_missing(n) else "" for n in view.frame["n"]],
        _("Note"): [" · ".join(x for x in (flags.get(f, f) if isinstance(f, str) else "",
                                           note if isinstance(note, str) else "") if x)
                    for f, note in zip(view.frame["flag"], view.frame["note"], strict=True)],
    })
    if view.frame["n"].isna().all():
        out = out.drop(columns="n")
    return out


def view_csv(view: ExplorerView, lang: str) -> str:
    """The view as CSV: ``#`` metadata lines (title, sources, citation, notes) then the rows."""
    lines = io.StringIO()
    meta = [("title", view.title), ("selection", view.key), ("breakdown", view.breakdown),
            ("period", view.period), ("unit", view.unit), ("synthetic", str(view.synthetic)),
            ("downloaded", date.today().isoformat())]
    meta += [("note", n) for n in view.notes]
    for src in view.sources.itertuples(index=False):
        meta += [("source", f"{src.title} ({src.producer}) {src.url}"),
                 ("licence", str(src.licence)), ("citation", str(src.citation))]
    for name, value in meta:
        lines.write(f"# {name}: {' '.join(str(value).split())}\n")
    frame = view.frame.copy()
    frame.loc[frame["flag"] == "suppressed", ["estimate", "ci_low", "ci_high"]] = None
    neutralise(frame).to_csv(lines, index=False, lineterminator="\n")
    return lines.getvalue()


def _split(key: str) -> tuple[str, str]:
    kind, _sep, ident = key.partition(":")
    return kind, ident


def _check(lang: str) -> None:
    if lang not in LANGUAGES:
        raise ValueError(f"unknown language {lang!r}")
