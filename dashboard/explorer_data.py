"""What the explorer shows: one public series or survey indicator, a breakdown, a period.

The same ``ExplorerView`` feeds the page (chart, table, map, sources) and the CSV download,
so a shared link and its download always show the same numbers.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field

import numpy as np
import pandas as pd

from core.i18n import LANGUAGES, decimals_for, format_number, is_missing
from dashboard.data import PublicData
from dashboard.formatting import unit_suffix
from dashboard.i18n import gettext_for
from dashboard.survey_data import (
    THEMES,
    catalogue,
    category_order,
    cell_label,
    sources_of,
    suppressed_text,
    theme_labels,
    trends,
)
from indicators.estimation import Z_95

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
    #: The catalogue record of a survey indicator (None for a public series).
    info: dict | None = None

    @property
    def unit_label(self) -> str | None:
        """The indicator's own unit label (what a generic unit code such as ``ratio`` means)."""
        return None if self.info is None else self.info.get("unit_label")

    @property
    def decimals(self) -> int | None:
        """Decimals shown: survey indicators by unit, public series as published."""
        return None if self.info is None else decimals_for(self.unit)

    @property
    def is_countries(self) -> bool:
        """Whether the categories are countries (the map tab applies)."""
        return (
            self.breakdown == "geo"
            and bool(len(self.frame))
            and bool(self.frame["category"].str.len().eq(2).all())
        )


def choices(data: PublicData, lang: str) -> list[dict]:
    """Dropdown options: survey indicators grouped by theme (a disabled heading per theme),
    then public series. Kept per warehouse version."""
    _check(lang)
    return data.memo(("explorer-choices", lang), lambda: _choices(data, lang))


def _choices(data: PublicData, lang: str) -> list[dict]:
    _ = gettext_for(lang)
    options: list[dict] = []
    meta = catalogue(data, lang)
    if meta:
        present = set(data.query("SELECT DISTINCT indicator_id FROM public.indicator_values")["indicator_id"])
        themes = theme_labels(_)
        for theme in [*THEMES, *sorted({m["theme"] for m in meta.values()} - set(THEMES))]:
            rows = sorted((m["title"], i) for i, m in meta.items() if m["theme"] == theme and i in present)
            if rows:
                options.append(
                    {"label": f"— {themes.get(theme, theme)} —", "value": f"theme:{theme}", "disabled": True}
                )
                options += [{"label": title, "value": f"indicator:{i}"} for title, i in rows]
    if data.has_view("series") and data.has_view("statistics"):
        frame = data.query(
            f"SELECT series, title_{lang} AS title FROM public.series "
            "WHERE unit <> 'text' AND series IN "
            "(SELECT series FROM public.statistics WHERE value IS NOT NULL) "
            "ORDER BY title"
        )
        options.append(
            {
                "label": "— " + _("Public statistics: all series") + " —",
                "value": "theme:series",
                "disabled": True,
            }
        )
        options += [{"label": r.title, "value": f"series:{r.series}"} for r in frame.itertuples(index=False)]
    return options


def breakdowns(data: PublicData, key: str, lang: str) -> list[dict[str, str]]:
    """Breakdown options of a selection (geography for public series)."""
    _ = gettext_for(lang)
    kind, ident = _split(key)
    if kind == "series":
        return [{"label": _("Geography"), "value": "geo"}]
    if kind == "indicator" and data.has_view("indicator_values"):
        frame = data.query(
            "SELECT DISTINCT breakdown FROM public.indicator_values "
            "WHERE indicator_id = ? ORDER BY breakdown",
            [ident],
        )
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
        "group_phase": _("Life phase of the volunteer group"),
    }


def periods(data: PublicData, key: str) -> list[str]:
    """Periods available for a selection, oldest first."""
    kind, ident = _split(key)
    if kind == "series" and data.has_view("statistics"):
        sql = "SELECT DISTINCT period FROM public.statistics WHERE series = ? ORDER BY period"
    elif kind == "indicator" and data.has_view("indicator_values"):
        sql = "SELECT DISTINCT period FROM public.indicator_values WHERE indicator_id = ? ORDER BY period"
    else:
        return []
    return [str(p) for p in data.query(sql, [ident])["period"]]


def build_view(
    data: PublicData, lang: str, key: str | None, breakdown: str | None, period: str | None
) -> ExplorerView | None:
    """The view of a selection; None when the selection does not exist (e.g. stale link)."""
    _check(lang)
    valid = {o["value"] for o in choices(data, lang) if not o.get("disabled")}
    if not key or key not in valid:
        return None
    options = [o["value"] for o in breakdowns(data, key, lang)]
    breakdown = breakdown if breakdown in options else (options[0] if options else "geo")
    available = periods(data, key)
    # two periods or more: the time series; else the one period there is
    period = (
        period
        if period in [*available, ALL_PERIODS]
        else (available[-1] if len(available) == 1 else ALL_PERIODS)
    )
    kind, ident = _split(key)
    if kind == "series":
        return data.memo(
            ("series-view", lang, ident, period), lambda: _series_view(data, lang, ident, period)
        )
    return data.memo(
        ("indicator-view", lang, ident, breakdown, period),
        lambda: _indicator_view(data, lang, ident, breakdown, period),
    )


def _series_view(data: PublicData, lang: str, series: str, period: str) -> ExplorerView:
    meta = data.query(
        f"SELECT title_{lang} AS title, unit, source_id, "
        f"comparability_note_{lang} AS note FROM public.series WHERE series = ?",
        [series],
    ).iloc[0]
    rows = data.query(
        "SELECT geo_code, period, value, flag, note FROM public.statistics "
        "WHERE series = ? AND sex = 'T' ORDER BY period, geo_code",
        [series],
    )
    if period != ALL_PERIODS:
        rows = rows[rows["period"] == period]
    names = data.geo_names(lang)
    frame = pd.DataFrame(
        {
            "category": rows["geo_code"].astype(str),
            "label": [names.get(g, g) for g in rows["geo_code"]],
            "period": rows["period"].astype(str),
            "estimate": rows["value"],
            "ci_low": None,
            "ci_high": None,
            "n": None,
            "flag": rows["flag"],
            # a statistic's own note (its source page, a computation) is in English: marked as such
            "note": rows["note"]
            if lang == "en"
            else rows["note"].map(lambda n: f"(EN) {n}" if isinstance(n, str) and n else n),
        },
        columns=COLUMNS,
    )
    return ExplorerView(
        key=f"series:{series}",
        title=str(meta["title"]),
        unit=str(meta["unit"]),
        breakdown="geo",
        period=period,
        frame=frame.reset_index(drop=True),
        sources=sources_of(data, [str(meta["source_id"])], lang),
        notes=[str(meta["note"])] if not pd.isna(meta["note"]) else [],
    )


def _indicator_view(data: PublicData, lang: str, indicator: str, breakdown: str, period: str) -> ExplorerView:
    info = catalogue(data, lang)[indicator]
    rows = data.query(
        "SELECT * FROM public.indicator_values WHERE indicator_id = ? "
        "AND breakdown = ? ORDER BY period, breakdown_value",
        [indicator, breakdown],
    )
    if period != ALL_PERIODS:
        rows = rows[rows["period"].astype(str) == period]
    order = category_order(data)
    rows = rows.assign(
        _pos=[order.get((breakdown, str(c)), 99) for c in rows["breakdown_value"]]
    ).sort_values(["period", "_pos", "breakdown_value"])
    frame = pd.DataFrame(
        {
            "category": rows["breakdown_value"].astype(str),
            "label": [cell_label(data, lang, breakdown, str(c)) for c in rows["breakdown_value"]],
            "period": rows["period"].astype(str),
            "estimate": rows["estimate"],
            "ci_low": rows["ci_low"],
            "ci_high": rows["ci_high"],
            "n": rows["n"],
            "flag": rows["flag"],
            "note": [
                _range_note(lo, hi, lang)
                for lo, hi in zip(rows["value_low"], rows["value_high"], strict=True)
            ],
        },
        columns=COLUMNS,
    )
    return ExplorerView(
        key=f"indicator:{indicator}",
        title=str(info["title"]),
        unit=str(info["unit"]),
        breakdown=breakdown,
        period=period,
        frame=frame.reset_index(drop=True),
        sources=sources_of(data, str(info["sources"] or "").split(), lang),
        notes=[str(info["caveats"])] if info["caveats"] else [],
        synthetic=bool(rows["synthetic"].fillna(False).any()) if len(rows) else False,
        info=info,
    )


def _range_note(low: object, high: object, lang: str) -> str | None:
    if is_missing(low) or is_missing(high):
        return None
    _ = gettext_for(lang)
    return _("range {low} – {high} depending on the assumptions").format(
        low=format_number(low, lang, 0), high=format_number(high, lang, 0)
    )


@dataclass
class TrendView:
    """A survey indicator's trend in one breakdown: the change between two waves (``pair``,
    first to last by default) and the linear trend over all waves, one row per category."""

    periods: list[str]
    pair: tuple[str, str]
    #: label, change, ci_low, ci_high, significant, method, flag (of the pair's change) and
    #: slope, slope_ci_low, slope_ci_high, slope_significant, slope_flag (of the linear trend)
    frame: pd.DataFrame


def compare_pair(available: list[str], value: str | None) -> tuple[str, str] | None:
    """The two waves of a ``compare`` value (``2022-2024``), oldest first; the first and the
    last wave when it is missing or names no two distinct available waves."""
    if len(available) < 2:
        return None
    parts = str(value or "").split("-")
    if len(parts) == 2 and parts[0] != parts[1] and set(parts) <= set(available):
        older, newer = sorted(parts, key=available.index)
        return older, newer
    return available[0], available[-1]


def trend_view(
    data: PublicData, lang: str, view: ExplorerView, compare: str | None = None
) -> TrendView | None:
    """The trend of the survey indicator of ``view`` (None for a public series or a single
    wave). A pair stored in ``public.indicator_trends`` (consecutive waves, first to last) keeps
    its published, panel-paired SE; another pair is computed here from the two published
    estimates as independent samples (``sqrt(se_a² + se_b²)``, conservative when the panel makes
    the waves positively correlated)."""
    if view.info is None:
        return None
    indicator = view.key.partition(":")[2]
    available = periods(data, view.key)
    pair = compare_pair(available, compare)
    if pair is None:
        return None
    return data.memo(
        ("trend-view", lang, indicator, view.breakdown, pair),
        lambda: _trend_view(data, lang, indicator, view.breakdown, available, pair),
    )


def _trend_view(
    data: PublicData, lang: str, indicator: str, breakdown: str, available: list[str], pair: tuple[str, str]
) -> TrendView:
    first, last = pair
    cells = data.query(
        "SELECT breakdown_value, period, estimate, se, flag FROM "
        "public.indicator_values WHERE indicator_id = ? AND breakdown = ? "
        "AND period IN (?, ?)",
        [indicator, breakdown, first, last],
    )
    wide = cells.pivot(index="breakdown_value", columns="period")
    order = category_order(data)
    codes = sorted(wide.index, key=lambda c: (order.get((breakdown, str(c)), 99), str(c)))
    out = pd.DataFrame({"category": codes}).set_index("category", drop=False)
    stored = pd.concat(
        [trends(data, [indicator], breakdown, kind) for kind in ("consecutive", "first_last")],
        ignore_index=True,
    )
    if len(stored):
        stored = stored[
            (stored["previous_period"].astype(str) == first) & (stored["period"].astype(str) == last)
        ]
    if len(stored):
        stored = stored.drop_duplicates("breakdown_value").set_index("breakdown_value")
        for col in ("change", "ci_low", "ci_high", "significant", "method", "flag"):
            out[col] = stored[col].reindex(out.index)
    else:  # not stored: independent samples from the published estimates

        def published(name: str, period: str) -> pd.Series:
            if (name, period) not in wide:
                return pd.Series(np.nan, index=out.index)
            return wide[(name, period)].reindex(out.index)

        hidden = (published("flag", first) == "suppressed") | (published("flag", last) == "suppressed")
        change = (published("estimate", last) - published("estimate", first)).astype(float)
        se = np.sqrt(published("se", first).astype(float) ** 2 + published("se", last).astype(float) ** 2)
        ok = ~hidden & change.notna()
        out["change"] = change.where(ok)
        out["ci_low"] = (change - Z_95 * se).where(ok)
        out["ci_high"] = (change + Z_95 * se).where(ok)
        out["significant"] = ((change.abs() > Z_95 * se) & (se > 0)).where(ok)
        out["method"] = "independent"
        # None as a 0-d object array: the same result, in the types numpy declares
        out["flag"] = np.where(hidden, "suppressed", np.where(ok, "ok", np.array(None, dtype=object)))
    linear = trends(data, [indicator], breakdown, "linear")
    linear = (
        linear.set_index("breakdown_value").reindex(out.index)
        if len(linear)
        else pd.DataFrame(
            index=out.index, columns=["slope", "slope_ci_low", "slope_ci_high", "significant", "flag"]
        )
    )
    out["slope"], out["slope_ci_low"] = linear["slope"], linear["slope_ci_low"]
    out["slope_ci_high"], out["slope_significant"] = linear["slope_ci_high"], linear["significant"]
    out["slope_flag"] = linear["flag"]
    out["label"] = [cell_label(data, lang, breakdown, str(c)) for c in out.index]
    return TrendView(periods=available, pair=pair, frame=out.reset_index(drop=True))


def signed_text(value: float | None, unit: str, lang: str, label: str | None = None) -> str:
    """A change: signed, rounded like the estimates, in points for a percentage (``label``:
    see unit_suffix)."""
    _ = gettext_for(lang)
    if value is None or is_missing(value):
        return ""
    text = format_number(value, lang, decimals_for(unit))
    sign = "+" if float(value) > 0 else ""
    suffix = "\u00a0" + _("points") if unit in ("percent", "net_balance") else unit_suffix(unit, lang, label)
    return f"{sign}{text}{suffix}"


def cell_text(row: pd.Series, view: ExplorerView, lang: str) -> str:
    """The displayed value of one cell: never a number for a suppressed or missing cell."""
    _ = gettext_for(lang)
    if row["flag"] == "suppressed":
        return suppressed_text(row.get("flag_reason"), lang)
    if is_missing(row["estimate"]):
        flag = row["flag"]
        flag_text = _("flag {flag}").format(flag=flag) if isinstance(flag, str) else ""
        return _("not available") + (f" ({flag_text})" if flag_text else "")
    return format_number(row["estimate"], lang, view.decimals) + unit_suffix(view.unit, lang, view.unit_label)


#: Sortable table columns -> the frame columns they sort by.
SORT_KEYS = {"label": "label", "period": "period", "value": "estimate", "n": "n", "flag": "flag"}


def display_table(
    view: ExplorerView, lang: str, sort: tuple[str, bool] | None = None
) -> tuple[list[str], pd.DataFrame]:
    """The view as formatted cells, optionally sorted by ``(column key, ascending)``.

    Returns the column keys (``label``, ``period``, ``value``, ``ci``, ``n``, ``flag``; ``ci``
    and ``n`` only for survey indicators) and the table with translated headers.
    """
    _ = gettext_for(lang)
    frame = view.frame
    if sort and sort[0] in SORT_KEYS:
        frame = frame.sort_values(SORT_KEYS[sort[0]], ascending=sort[1], na_position="last", kind="stable")
    flags = {
        "low_reliability": _("low reliability"),
        "u": _("low reliability"),
        "suppressed": _("suppressed"),
        "ok": "",
    }
    columns = {
        "label": (breakdown_labels(_).get(view.breakdown, view.breakdown), frame["label"]),
        "period": (_("Period"), frame["period"]),
        "value": (_("Value"), [cell_text(r, view, lang) for _i, r in frame.iterrows()]),
    }
    if view.info is not None:
        columns["ci"] = (
            _("95 % CI"),
            [
                f"{format_number(lo, lang, view.decimals)} – {format_number(hi, lang, view.decimals)}"
                if f != "suppressed" and not is_missing(lo)
                else ""
                for lo, hi, f in zip(frame["ci_low"], frame["ci_high"], frame["flag"], strict=True)
            ],
        )
        columns["n"] = ("n", [format_number(n, lang, 0) if not is_missing(n) else "" for n in frame["n"]])
    columns["flag"] = (
        _("Note"),
        [
            " · ".join(
                x
                for x in (
                    flags.get(f, f) if isinstance(f, str) else "",
                    note if isinstance(note, str) else "",
                )
                if x
            )
            for f, note in zip(frame["flag"], frame["note"], strict=True)
        ],
    )
    table = pd.DataFrame({header: list(values) for header, values in columns.values()})
    return list(columns), table


def _split(key: str) -> tuple[str, str]:
    kind, _sep, ident = key.partition(":")
    return kind, ident


def _check(lang: str) -> None:
    if lang not in LANGUAGES:
        raise ValueError(f"unknown language {lang!r}")
