"""Parameterised queries of the API over the ``public`` schema (of the warehouse or an edition).

Only the SELECTs below run: table and column names are fixed here, ``{lang}`` is one of the
three language codes checked against the OpenAPI enum, and every value is a bound parameter.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Any

import duckdb
import pandas as pd

LANGUAGES = ("fr", "nl", "en")


@dataclass(frozen=True)
class Listing:
    """A paginated list: one SELECT (``{lang}`` placeholder), equality filters, a stable order."""

    select: str
    filters: tuple[str, ...]
    order: tuple[str, ...]


LISTINGS: dict[str, Listing] = {
    "indicators": Listing(
        "SELECT indicator_id, theme, family, unit, unit_label_{lang} AS unit_label, polarity, "
        "estimator, money, title_{lang} AS title, summary_{lang} AS summary, "
        "description_{lang} AS description, caveats_{lang} AS caveats, questions, sources, "
        "recommendations FROM public.indicators",
        ("indicator_id", "theme"), ("indicator_id",)),
    "values": Listing(
        "SELECT v.indicator_id, v.period, v.breakdown, v.breakdown_value, "
        "COALESCE(c.label_{lang}, g.label_{lang}) AS breakdown_label, v.estimate, v.se, v.ci_low, "
        "v.ci_high, v.n, v.flag, v.synthetic, v.value_low, v.value_high "
        "FROM public.indicator_values v LEFT JOIN public.categories c "
        "ON c.variable = v.breakdown AND c.code = v.breakdown_value "
        "LEFT JOIN public.geography g ON v.breakdown = 'geo' AND g.geo_code = v.breakdown_value",
        ("indicator_id", "period", "breakdown", "breakdown_value"),
        ("period", "breakdown", "breakdown_value")),
    "statistics": Listing(
        "SELECT source_id, dataset, series, geo_code, geo_label, period, sex, age, value, unit, "
        "flag, note FROM public.statistics",
        ("series", "source_id", "geo_code", "period", "sex", "age"),
        ("series", "geo_code", "period", "sex", "age")),
    "series": Listing(
        "SELECT series, source_id, dataset, title_{lang} AS title, unit, "
        "comparability_note_{lang} AS comparability_note FROM public.series",
        ("source_id",), ("series",)),
    "sources": Listing(
        "SELECT source_id, title, producer, url, licence, "
        "CAST(retrieved_on AS VARCHAR) AS retrieved_on, sha256, citation FROM public.sources",
        (), ("source_id",)),
}


def _select(listing: str, lang: str, filters: dict[str, str | None]) -> tuple[str, str, list[Any]]:
    """``(FROM clause with WHERE, ORDER BY columns, bound values)`` of ``listing``; filters set to
    None are ignored."""
    spec = LISTINGS[listing]
    if lang not in LANGUAGES or not set(filters) <= set(spec.filters):
        raise ValueError(f"invalid query on {listing}: {lang}, {sorted(filters)}")
    given = {k: v for k, v in filters.items() if v is not None}
    where = (" WHERE " + " AND ".join(f'"{c}" = ?' for c in given)) if given else ""
    order = ", ".join(f'"{c}"' for c in spec.order)
    return f"FROM ({spec.select.format(lang=lang)}){where}", order, list(given.values())


def _count(cur: duckdb.DuckDBPyConnection, base: str, params: list[Any]) -> int:
    return int(cur.execute(f"SELECT count(*) {base}", params).fetchone()[0])


def fetch_page(cur: duckdb.DuckDBPyConnection, listing: str, lang: str,
               filters: dict[str, str | None], limit: int, offset: int) -> tuple[pd.DataFrame, int]:
    """One page of ``listing`` as a DataFrame (for CSV), and the total number of matching rows."""
    base, order, params = _select(listing, lang, filters)
    frame = cur.execute(f"SELECT * {base} ORDER BY {order} LIMIT ? OFFSET ?",
                        [*params, limit, offset]).df()
    return frame, _count(cur, base, params)


def fetch_records(cur: duckdb.DuckDBPyConnection, listing: str, lang: str,
                  filters: dict[str, str | None], limit: int, offset: int
                  ) -> tuple[list[dict[str, Any]], int]:
    """One page of ``listing`` as plain records (for JSON), and the total number of matching
    rows; one query (the total is a window count) unless the page is empty."""
    base, order, params = _select(listing, lang, filters)
    rows = cur.execute(f"SELECT *, count(*) OVER () {base} ORDER BY {order} LIMIT ? OFFSET ?",
                       [*params, limit, offset]).fetchall()
    columns = [d[0] for d in cur.description][:-1]
    total = int(rows[0][-1]) if rows else (_count(cur, base, params) if offset else 0)
    return [dict(zip(columns, map(_plain, row[:-1]), strict=True)) for row in rows], total


def _plain(value: Any) -> Any:
    """A DuckDB value as JSON needs it: NaN as None, like SQL NULL."""
    return None if isinstance(value, float) and math.isnan(value) else value


def indicator_detail(cur: duckdb.DuckDBPyConnection, lang: str,
                     indicator_id: str) -> dict[str, Any] | None:
    """The indicator in ``lang`` with the periods and breakdowns it has values for."""
    found, _ = fetch_records(cur, "indicators", lang, {"indicator_id": indicator_id}, 1, 0)
    if not found:
        return None
    detail = found[0]
    for column, key in (("period", "periods"), ("breakdown", "breakdowns")):
        detail[key] = [row[0] for row in cur.execute(
            f"SELECT DISTINCT {column} FROM public.indicator_values WHERE indicator_id = ? "
            f"ORDER BY {column}", [indicator_id]).fetchall()]
    return detail


def indicator_exists(cur: duckdb.DuckDBPyConnection, indicator_id: str) -> bool:
    """Whether ``indicator_id`` is in the catalogue."""
    return cur.execute("SELECT count(*) FROM public.indicators WHERE indicator_id = ?",
                       [indicator_id]).fetchone()[0] > 0
