"""The public tables that may leave the warehouse, their keys, and how to read them."""

from __future__ import annotations

import hashlib
from pathlib import Path

import pyarrow as pa
import pyarrow.parquet as pq

from warehouse.reader import Reader

#: Name of the product in citations of published data.
PRODUCT = "Brussels social sector monitor (sector-monitor)"

#: Every table of the ``public`` schema that is published (the whitelist), with its key columns
#: (empty when rows have no documented key).
PUBLIC_TABLES: dict[str, tuple[str, ...]] = {
    "sources": ("source_id",),
    "series": ("series",),
    "statistics": ("series", "geo_code", "period", "sex", "age"),
    "geography": ("geo_code",),
    "categories": ("variable", "code"),
    "survey_responses_summary": ("wave", "subsector"),
    "indicators": ("indicator_id",),
    "indicator_values": ("indicator_id", "period", "breakdown", "breakdown_value"),
    "indicator_trends": ("indicator_id", "period", "breakdown", "breakdown_value", "previous_period", "kind"),
    "index_values": ("period", "breakdown", "breakdown_value"),
    "index_components": ("period", "breakdown", "breakdown_value", "indicator_id"),
    "recommendations": ("recommendation_id",),
    "recommendation_evidence": ("recommendation_id", "rule_no"),
    "sampling_frame": (),  # a cell's size class or region may be unknown (NULL)
    "questionnaire_versions": ("version",),
}


def available_tables(reader: Reader) -> list[str]:
    """The whitelisted tables present in the warehouse, in ``PUBLIC_TABLES`` order."""
    return [name for name in PUBLIC_TABLES if reader.has_table("public", name)]


def read_table(reader: Reader, name: str) -> pa.Table:
    """All rows of ``public.<name>`` (``name`` must be whitelisted), sorted by its key."""
    if name not in PUBLIC_TABLES:
        raise ValueError(f"not a public table: {name!r}")
    order = ", ".join(f'"{c}"' for c in PUBLIC_TABLES[name]) or "ALL"
    cur = reader.cursor()
    try:
        return cur.sql(f'SELECT * FROM public."{name}" ORDER BY {order}').to_arrow_table()
    finally:
        cur.close()


def write_parquet(table: pa.Table, path: Path) -> None:
    """Write ``table`` as a Parquet file (zstd), creating the parent folder."""
    path.parent.mkdir(parents=True, exist_ok=True)
    pq.write_table(table, path, compression="zstd")


def sha256_of(path: Path) -> str:
    """SHA-256 hex digest of a file."""
    digest = hashlib.sha256()
    with path.open("rb") as handle:
        for block in iter(lambda: handle.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def build_id(reader: Reader) -> str | None:
    """Id of the build that produced the warehouse (``meta.build``), if recorded."""
    frame = reader.query("SELECT build_id FROM meta.build ORDER BY started_at DESC LIMIT 1")
    return None if frame.empty else str(frame.iloc[0, 0])
