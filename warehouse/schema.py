"""The warehouse's DDL: the ``warehouse/sql/*.sql`` files shipped in the package."""

from __future__ import annotations

from importlib import resources

import duckdb


def apply_ddl(con: duckdb.DuckDBPyConnection, folder: str = "sql") -> None:
    """Run every ``warehouse/<folder>/*.sql`` file in name order (once per build: the files
    create the schemas, tables and views with their comments)."""
    sql_dir = resources.files("warehouse").joinpath(*folder.split("/"))
    for name in sorted(p.name for p in sql_dir.iterdir() if p.name.endswith(".sql")):
        con.execute((sql_dir / name).read_text(encoding="utf-8"))
