"""The warehouse's DDL: the ``warehouse/sql/*.sql`` files shipped in the package, applied once
per build (:func:`warehouse.build.atomic_build`)."""

from __future__ import annotations

from importlib import resources
from importlib.resources.abc import Traversable

import duckdb


def ddl_files(folder: str = "sql") -> list[Traversable]:
    """The ``warehouse/<folder>/*.sql`` files in name order (the order they are applied in)."""
    sql_dir = resources.files("warehouse").joinpath(*folder.split("/"))
    return sorted((p for p in sql_dir.iterdir() if p.name.endswith(".sql")), key=lambda p: p.name)


def apply_ddl(con: duckdb.DuckDBPyConnection, folder: str = "sql") -> None:
    """Run every file of :func:`ddl_files` (schemas, tables and views with their comments), in
    one transaction: one commit to the write-ahead log, not one per statement."""
    con.begin()
    try:
        for path in ddl_files(folder):
            con.execute(path.read_text(encoding="utf-8"))
    except BaseException:
        con.rollback()
        raise
    con.commit()
