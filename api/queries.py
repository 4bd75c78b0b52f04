"""Parameterised queries of the API over the ``public`` schema (of the warehouse or an edition).

Only the SELECTs below run: table and column names are fixed here, ``{lang}`` is one of the
three language codes checked against the OpenAPI enum, and every value is a bound parameter.

JSON pages are served from :class:`ListingCache`: the public tables are small (thousands of
rows) and never change within a data version, so each listing is read once per version and
language and a page is a filter over Python tuples (a DuckDB query costs milliseconds of fixed
overhead, the filter microseconds).
"""

from __future__ import annotations

import math
import threading
from collections import OrderedDict
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import duckdb
import pandas as pd

from core.i18n import LANGUAGES


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
        "recommendations, scope_geo, versions FROM public.indicators",
        ("indicator_id", "theme"),
        ("indicator_id",),
    ),
    "values": Listing(
        "SELECT v.indicator_id, v.period, v.breakdown, v.breakdown_value, "
        "COALESCE(c.label_{lang}, g.label_{lang}) AS breakdown_label, v.estimate, v.se, v.ci_low, "
        "v.ci_high, v.n, v.flag, v.synthetic, v.value_low, v.value_high "
        "FROM public.indicator_values v LEFT JOIN public.categories c "
        "ON c.variable = v.breakdown AND c.code = v.breakdown_value "
        "LEFT JOIN public.geography g ON v.breakdown = 'geo' AND g.geo_code = v.breakdown_value",
        ("indicator_id", "period", "breakdown", "breakdown_value"),
        ("period", "breakdown", "breakdown_value"),
    ),
    "statistics": Listing(
        "SELECT source_id, dataset, series, geo_code, geo_label, period, sex, age, value, unit, "
        "flag, note FROM public.statistics",
        ("series", "source_id", "geo_code", "period", "sex", "age"),
        ("series", "geo_code", "period", "sex", "age"),
    ),
    "series": Listing(
        "SELECT series, source_id, dataset, title_{lang} AS title, unit, "
        "comparability_note_{lang} AS comparability_note FROM public.series",
        ("source_id",),
        ("series",),
    ),
    "sources": Listing(
        "SELECT source_id, title, producer, url, licence, "
        "CAST(retrieved_on AS VARCHAR) AS retrieved_on, sha256, citation FROM public.sources",
        (),
        ("source_id",),
    ),
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
    row = cur.execute(f"SELECT count(*) {base}", params).fetchone()
    assert row is not None  # an aggregate without GROUP BY always yields one row
    return int(row[0])


def fetch_page(
    cur: duckdb.DuckDBPyConnection,
    listing: str,
    lang: str,
    filters: dict[str, str | None],
    limit: int,
    offset: int,
) -> tuple[pd.DataFrame, int]:
    """One page of ``listing`` as a DataFrame (for CSV), and the total number of matching rows."""
    base, order, params = _select(listing, lang, filters)
    frame = cur.execute(f"SELECT * {base} ORDER BY {order} LIMIT ? OFFSET ?", [*params, limit, offset]).df()
    return frame, _count(cur, base, params)


def fetch_records(
    cur: duckdb.DuckDBPyConnection,
    listing: str,
    lang: str,
    filters: dict[str, str | None],
    limit: int,
    offset: int,
) -> tuple[list[dict[str, Any]], int]:
    """One page of ``listing`` as plain records (for JSON), and the total number of matching
    rows; one query (the total is a window count) unless the page is empty."""
    base, order, params = _select(listing, lang, filters)
    rows = cur.execute(
        f"SELECT *, count(*) OVER () {base} ORDER BY {order} LIMIT ? OFFSET ?", [*params, limit, offset]
    ).fetchall()
    columns = [d[0] for d in cur.description][:-1]
    total = int(rows[0][-1]) if rows else (_count(cur, base, params) if offset else 0)
    return [dict(zip(columns, map(_plain, row[:-1]), strict=True)) for row in rows], total


def _plain(value: Any) -> Any:
    """A DuckDB value as JSON needs it: NaN as None, like SQL NULL."""
    return None if isinstance(value, float) and math.isnan(value) else value


def indicator_detail(cur: duckdb.DuckDBPyConnection, lang: str, indicator_id: str) -> dict[str, Any] | None:
    """The indicator in ``lang`` with the periods and breakdowns it has values for."""
    found, _ = fetch_records(cur, "indicators", lang, {"indicator_id": indicator_id}, 1, 0)
    if not found:
        return None
    detail = found[0]
    for column, key in (("period", "periods"), ("breakdown", "breakdowns")):
        detail[key] = [
            row[0]
            for row in cur.execute(
                f"SELECT DISTINCT {column} FROM public.indicator_values WHERE indicator_id = ? "
                f"ORDER BY {column}",
                [indicator_id],
            ).fetchall()
        ]
    return detail


@dataclass
class ListingRows:
    """Every row of one listing in its order, indexed by its first filter column."""

    columns: list[str]
    rows: list[tuple]
    indexed: str | None = None
    index: dict[Any, list[int]] = field(default_factory=dict)

    def page(self, filters: dict[str, Any], limit: int, offset: int) -> tuple[list[dict[str, Any]], int]:
        """Records of the rows equal to every filter not None, and how many rows match."""
        given = [(self.columns.index(k), v) for k, v in filters.items() if v is not None]
        positions: range | list[int] = range(len(self.rows))
        if self.indexed is not None and filters.get(self.indexed) is not None:
            positions = self.index.get(filters[self.indexed], [])
        matching = [self.rows[i] for i in positions if all(self.rows[i][c] == v for c, v in given)]
        chosen = matching[offset : offset + limit]
        return [dict(zip(self.columns, map(_plain, row), strict=True)) for row in chosen], len(matching)


class ListingCache:
    """:class:`ListingRows` per (data version, listing, language), the most recent ``keep``."""

    def __init__(self, keep: int = 32) -> None:
        self._kept: OrderedDict[tuple[str, str, str], ListingRows] = OrderedDict()
        self._keep = keep
        self._lock = threading.Lock()

    def rows(
        self, version: str, cursor: Callable[[], duckdb.DuckDBPyConnection], listing: str, lang: str
    ) -> ListingRows:
        key = (version, listing, lang)
        with self._lock:
            if key in self._kept:
                self._kept.move_to_end(key)
                return self._kept[key]
        base, order, _ = _select(listing, lang, {})
        cur = cursor()
        try:
            rows = cur.execute(f"SELECT * {base} ORDER BY {order}").fetchall()
            columns = [d[0] for d in cur.description]
        finally:
            cur.close()
        spec = LISTINGS[listing]
        table = ListingRows(columns, rows, spec.filters[0] if spec.filters else None)
        if table.indexed:
            position = columns.index(table.indexed)
            for i, row in enumerate(rows):
                table.index.setdefault(row[position], []).append(i)
        with self._lock:
            self._kept[key] = table
            while len(self._kept) > self._keep:
                self._kept.popitem(last=False)
        return table
