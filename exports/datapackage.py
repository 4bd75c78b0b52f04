"""Downloadable Frictionless Data Package of every public table: ``datapackage.json`` (table
schemas, licences, sources, citation), spreadsheet-safe CSVs, Parquet files and a README."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from pathlib import Path

import pandas as pd
import pyarrow as pa

from exports.csv_safety import safe_csv
from exports.public_tables import (
    PRODUCT,
    PUBLIC_TABLES,
    available_tables,
    build_id,
    read_table,
    write_parquet,
)
from warehouse.docs import ObjectDoc, public_docs
from warehouse.reader import Reader

NULLABLE = {
    pa.int8(): pd.Int8Dtype(),
    pa.int16(): pd.Int16Dtype(),
    pa.int32(): pd.Int32Dtype(),
    pa.int64(): pd.Int64Dtype(),
    pa.bool_(): pd.BooleanDtype(),
}


def export_package(warehouse: Path, out: Path) -> Path:
    """Write the data package of ``warehouse``'s public tables into ``out``; returns the path of
    ``datapackage.json``. CSVs go to ``out/data/``, Parquet files to ``out/parquet/``."""
    reader = Reader(warehouse)
    cursor = reader.cursor()
    try:
        docs = public_docs(cursor)  # the DDL's COMMENT ON: the same text as docs/public-views.md
    finally:
        cursor.close()
    resources, synthetic = [], False
    for name in available_tables(reader):
        table = read_table(reader, name)
        write_parquet(table, out / "parquet" / f"{name}.parquet")
        frame = table.to_pandas(types_mapper=NULLABLE.get)
        safe_csv(frame, _mkparent(out / "data" / f"{name}.csv"))
        if "synthetic" in frame.columns:
            synthetic = synthetic or bool(frame["synthetic"].fillna(False).any())
        doc = docs.get(name, ObjectDoc(""))
        description, columns = doc.summary, doc.column_comments()
        resources.append(
            {
                "name": name,
                "path": f"data/{name}.csv",
                "format": "csv",
                "mediatype": "text/csv",
                "encoding": "utf-8",
                "dialect": {"delimiter": ",", "quoteChar": '"', "header": True},
                "description": description,
                "schema": {
                    "fields": [_field(f, columns.get(f.name, "")) for f in table.schema],
                    "primaryKey": list(PUBLIC_TABLES[name]),
                },
            }
        )
    sources = (
        reader.query("SELECT title, producer, url, licence, citation FROM public.sources ORDER BY source_id")
        if "sources" in available_tables(reader)
        else None
    )
    created = datetime.now(UTC)
    build = build_id(reader)
    citation = f"{PRODUCT}. Public data package, build {build}, exported {created.date().isoformat()}."
    descriptor = {
        "name": "sector-monitor-public-data",
        "title": "Brussels social sector monitor: public data",
        "description": (
            "Public statistics, indicator estimates with 95 % confidence intervals, "
            "the disinvestment pressure index and their sources and definitions. "
            "Rows with synthetic = true come from synthetic survey data (demo or test)."
        ),
        "created": created.isoformat(timespec="seconds"),
        "warehouse_build_id": build,
        "synthetic": synthetic,
        "citation": citation,
        "licenses": [
            {
                "name": "other-at",
                "title": "Mixed: the licence and attribution of each "
                "source apply (see sources and README.md)",
            }
        ],
        "sources": []
        if sources is None
        else [
            {"title": f"{s.title} ({s.producer}). Licence: {s.licence}"}
            | ({"path": s.url} if isinstance(s.url, str) else {})
            for s in sources.itertuples(index=False)
        ],
        "resources": resources,
    }
    (out / "README.md").write_text(_readme(descriptor, sources), encoding="utf-8")
    path = out / "datapackage.json"
    path.write_text(json.dumps(descriptor, indent=2, ensure_ascii=False) + "\n", encoding="utf-8")
    return path


def _mkparent(path: Path) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    return path


def _field(field: pa.Field, description: str) -> dict[str, str]:
    kind = field.type
    if pa.types.is_integer(kind):
        name = "integer"
    elif pa.types.is_floating(kind) or pa.types.is_decimal(kind):
        name = "number"
    elif pa.types.is_boolean(kind):
        name = "boolean"
    elif pa.types.is_date(kind):
        name = "date"
    elif pa.types.is_timestamp(kind):
        name = "datetime"
    else:
        name = "string"
    return {"name": field.name, "type": name} | ({"description": description} if description else {})


def _readme(descriptor: dict, sources: pd.DataFrame | None) -> str:
    lines = [
        f"# {descriptor['title']}",
        "",
        descriptor["description"],
        "",
        f"Exported {descriptor['created']} from warehouse build {descriptor['warehouse_build_id']}.",
        "",
    ]
    if descriptor["synthetic"]:
        lines += [
            "**Survey figures with synthetic = true in this package are computed from synthetic "
            "data: they illustrate the method and are not statistics about "
            "real associations.**",
            "",
        ]
    lines += ["## Files", "", "| table | CSV | Parquet | about |", "|---|---|---|---|"]
    lines += [
        f"| {r['name']} | {r['path']} | parquet/{r['name']}.parquet | {r['description']} |"
        for r in descriptor["resources"]
    ]
    lines += [
        "",
        "`datapackage.json` describes every column (Frictionless Data Package). In the "
        "CSVs, text cells beginning with `=`, `+`, `-`, `@`, a tab or a carriage return are "
        "prefixed with `'` so that spreadsheets do not run them as formulas; the Parquet "
        "files keep the original values.",
        "",
        "## Sources and licences",
        "",
    ]
    if sources is not None:
        lines += [
            f"- {s.title} ({s.producer})"
            + (f", {s.url}" if isinstance(s.url, str) else "")
            + f". Licence: {s.licence}. Citation: {s.citation}"
            for s in sources.itertuples(index=False)
        ]
    lines += ["", "## How to cite", "", descriptor["citation"], ""]
    return "\n".join(lines)
