"""Read public statistics (``public.statistics`` / ``public.series``) for the indicators."""

from __future__ import annotations

from collections.abc import Iterable

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


def series_rows(con: duckdb.DuckDBPyConnection, series: str, filters: dict[str, str]) -> pd.DataFrame:
    """Non-null values of one series (period, geo_code, value, unit, flag) after filters."""
    where = " AND ".join(f"{k} = ?" for k in filters)
    sql = (
        "SELECT period, geo_code, value, unit, flag, source_id FROM public.statistics "
        f"WHERE series = ? AND value IS NOT NULL {'AND ' + where if where else ''}"
    )
    rows = con.execute(sql, [series, *filters.values()]).df()
    dup = rows.duplicated(["period", "geo_code"])
    if dup.any():
        raise ValueError(
            f"series {series!r} has several values per period and geography "
            f"(add filters): {rows.loc[dup, ['period', 'geo_code']].values.tolist()}"
        )
    return rows


def series_value(con: duckdb.DuckDBPyConnection, series: str, geo: str) -> tuple[float, str]:
    """Latest value of a series for one geography, in base units (e.g. euros, jobs)."""
    rows = series_rows(con, series, {"geo_code": geo})
    if rows.empty:
        raise MissingSeriesError(f"series {series!r} has no value for geo_code {geo!r}")
    last = rows.sort_values("period").iloc[-1]
    if last["unit"] not in UNIT_FACTORS:
        raise ValueError(f"series {series!r}: unit {last['unit']!r} has no conversion factor")
    return float(last["value"]) * UNIT_FACTORS[last["unit"]], str(last["period"])


def indicator_rows(con: duckdb.DuckDBPyConnection, ind: Indicator) -> pd.DataFrame:
    """Values of a public-series indicator: ``all`` = its headline geography, ``geo`` = every
    geography (breakdown_value = geo_code)."""
    frames = [series_rows(con, s, dict(ind.filters)) for s in ind.series]
    rows = pd.concat(frames, ignore_index=True)
    flag = rows["flag"].isin(UNRELIABLE_FLAGS).map({True: "low_reliability", False: "ok"})
    geo = rows.assign(breakdown="geo", breakdown_value=rows["geo_code"], flag=flag)
    head = geo[geo["geo_code"] == ind.headline_geo].assign(breakdown="all", breakdown_value="all")
    out = pd.concat([head, geo], ignore_index=True)
    return pd.DataFrame(
        {
            "indicator_id": ind.id,
            "period": out["period"].astype(str),
            "breakdown": out["breakdown"],
            "breakdown_value": out["breakdown_value"],
            "estimate": out["value"].astype(float),
            "flag": out["flag"],
        }
    )
