"""Read public statistics (``public.statistics`` / ``public.series``) for the indicators."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

import duckdb
import pandas as pd

from indicators.catalogue import Indicator

UNIT_FACTORS = {
    "percent": 1.0,
    "persons": 1.0,
    "hours": 1.0,
    "units": 1.0,
    "eur_million": 1e6,
    "thousand_jobs": 1e3,
}
UNRELIABLE_FLAGS = ("u",)


class MissingSeriesError(LookupError):
    """A series the catalogue or the combined assumptions refer to is not in the warehouse."""


def require_series(con: duckdb.DuckDBPyConnection, ids: Iterable[str]) -> None:
    """Fail with the list of every missing series id (and where the warehouse stands)."""
    wanted = sorted(set(ids))
    try:
        present = {r[0] for r in con.execute("SELECT DISTINCT series FROM public.series").fetchall()}
    except duckdb.CatalogException as err:
        raise MissingSeriesError(f"public.series is not built; needed: {wanted}") from err
    missing = [s for s in wanted if s not in present]
    if missing:
        raise MissingSeriesError(f"series missing from public.series: {missing}")


def read_statistics(con: duckdb.DuckDBPyConnection, series: Iterable[str]) -> list[dict[str, Any]]:
    """Non-null values of ``series`` in public.statistics, one dict per row (every column), in
    one query: the indicators' few hundred rows are then filtered in Python, not by pandas."""
    cursor = con.execute(
        "SELECT * FROM public.statistics WHERE list_contains(?, series) AND value IS NOT NULL",
        [sorted(set(series))],
    )
    names = [d[0] for d in cursor.description]
    return [dict(zip(names, row, strict=True)) for row in cursor.fetchall()]


def series_rows(stats: list[dict[str, Any]], series: str, filters: dict[str, str]) -> list[dict[str, Any]]:
    """Rows of one series in ``stats`` (from :func:`read_statistics`) after filters; one value
    per period and geography."""
    rows = [r for r in stats if r["series"] == series and all(r[k] == v for k, v in filters.items())]
    seen: set[tuple[str, str]] = set()
    dup = []
    for r in rows:
        key = (r["period"], r["geo_code"])
        if key in seen:
            dup.append(list(key))
        seen.add(key)
    if dup:
        raise ValueError(
            f"series {series!r} has several values per period and geography (add filters): {dup}"
        )
    return rows


def series_value(con: duckdb.DuckDBPyConnection, series: str, geo: str) -> tuple[float, str]:
    """Latest value of a series for one geography, in base units (e.g. euros, jobs)."""
    rows = series_rows(read_statistics(con, [series]), series, {"geo_code": geo})
    if not rows:
        raise MissingSeriesError(f"series {series!r} has no value for geo_code {geo!r}")
    last = max(rows, key=lambda r: r["period"])
    if last["unit"] not in UNIT_FACTORS:
        raise ValueError(f"series {series!r}: unit {last['unit']!r} has no conversion factor")
    return float(last["value"]) * UNIT_FACTORS[last["unit"]], str(last["period"])


def indicator_rows(stats: list[dict[str, Any]], indicators: Iterable[Indicator]) -> pd.DataFrame:
    """Values of public-series indicators (their series in ``stats``, from
    :func:`read_statistics`): ``all`` = the headline geography, ``geo`` = every geography
    (breakdown_value = geo_code)."""
    out = []
    for ind in indicators:
        rows = [r for s in ind.series for r in series_rows(stats, s, dict(ind.filters))]
        cells = [(r, "all", "all") for r in rows if r["geo_code"] == ind.headline_geo]
        cells += [(r, "geo", r["geo_code"]) for r in rows]
        out += [
            (
                ind.id,
                str(r["period"]),
                breakdown,
                value,
                float(r["value"]),
                "low_reliability" if r["flag"] in UNRELIABLE_FLAGS else "ok",
            )
            for r, breakdown, value in cells
        ]
    return pd.DataFrame(
        out, columns=["indicator_id", "period", "breakdown", "breakdown_value", "estimate", "flag"]
    )
