"""Parameterised queries of the API over the ``public`` schema (of the warehouse or an edition).

Only the SELECTs below run: table and column names are fixed here, ``{lang}`` is one of the
three language codes checked against the OpenAPI enum, and every value is a bound parameter.
"""

from __future__ import annotations

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


def fetch_page(cur: duckdb.DuckDBPyConnection, listing: str, lang: str,
               filters: dict[str, str | None], limit: int, offset: int) -> tuple[pd.DataFrame, int]:
    """One page of ``listing`` (rows, total matching rows); filters set to None are ignored."""
    spec = LISTINGS[listing]
    if lang not in LANGUAGES or not set(filters) <= set(spec.filters):
        raise ValueError(f"invalid query on {listing}: {lang}, {sorted(filters)}")
    given = {k: v for k, v in filters.items() if v is not None}
    where = (" WHERE " + " AND ".join(f'"{c}" = ?' for c in given)) if given else ""
    base = f"FROM ({spec.select.format(lang=lang)}){where}"
    params = list(given.values())
    total = cur.execute(f"SELECT count(*) {base}", params).fetchone()[0]
    order = ", ".join(f'"{c}"' for c in spec.order)
    frame = cur.execute(f"SELECT * {base} ORDER BY {order} LIMIT ? OFFSET ?",
                        [*params, limit, offset]).df()
    return frame, int(total)


def indicator_detail(cur: duckdb.DuckDBPyConnection, lang: str,
                     indicator_id: str) -> dict[str, Any] | None:
    """The indicator in ``lang`` with the periods and breakdowns it has values for."""
    frame, total = fetch_page(cur, "indicators", lang, {"indicator_id": indicator_id}, 1, 0)
    if not total:
        return None
    detail = records(frame)[0]
    for column, key in (("period", "periods"), ("breakdown", "breakdowns")):
        detail[key] = [row[0] for row in cur.execute(
            f"SELECT DISTINCT {column} FROM public.indicator_values WHERE indicator_id = ? "
            f"ORDER BY {column}", [indicator_id]).fetchall()]
    return detail


def indicator_exists(cur: duckdb.DuckDBPyConnection, indicator_id: str) -> bool:
    """Whether ``indicator_id`` is in the catalogue."""
    return cur.execute("SELECT count(*) FROM public.indicators WHERE indicator_id = ?",
                       [indicator_id]).fetchone()[0] > 0


def records(frame: pd.DataFrame) -> list[dict[str, Any]]:
    """Rows as dicts of plain Python values, missing values as None."""
    return frame.astype(object).where(frame.notna(), None).to_dict("records")
