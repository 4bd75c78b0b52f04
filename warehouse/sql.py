"""Warehouse access: quoting, read-only connections, ATTACH and inserts by column name.

Every module that opens the warehouse or writes rows goes through these functions, so that a
path with a quote in it, a column added to the DDL or a reordered table cannot break a build.
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import TYPE_CHECKING

import duckdb

if TYPE_CHECKING:
    import pandas as pd


def quote_ident(name: str) -> str:
    """A quoted SQL identifier: ``"name"`` (a double quote inside is doubled)."""
    return '"' + name.replace('"', '""') + '"'


def quote_literal(value: str | os.PathLike[str]) -> str:
    """A quoted SQL string literal: ``'value'`` (a single quote inside is doubled)."""
    return "'" + str(value).replace("'", "''") + "'"


def attach(
    con: duckdb.DuckDBPyConnection, path: str | os.PathLike[str], alias: str, *, read_only: bool = True
) -> None:
    """ATTACH the DuckDB file ``path`` as ``alias`` (read-only unless asked otherwise)."""
    mode = " (READ_ONLY)" if read_only else ""
    con.execute(f"ATTACH {quote_literal(path)} AS {quote_ident(alias)}{mode}")


BUILD_STATE = "sm_build_state"


def build_state(con: duckdb.DuckDBPyConnection) -> str:
    """The name of an in-memory database, attached once per DuckDB instance, for a build's
    working tables (the privacy guard's values, the previous build's runs): every cursor of the
    build's connection sees it (a TEMP table is one connection's only) and it is never written
    to the warehouse file."""
    con.execute(f"ATTACH IF NOT EXISTS ':memory:' AS {BUILD_STATE}")
    return BUILD_STATE


def connect_readonly(path: str | os.PathLike[str], alias: str = "wh") -> duckdb.DuckDBPyConnection:
    """An in-memory connection with the warehouse ``path`` attached read-only as ``alias`` and
    selected (``USE``), so unqualified names (``public.statistics``) resolve in the warehouse."""
    con = duckdb.connect(":memory:")
    try:
        attach(con, Path(path), alias)
        con.execute(f"USE {quote_ident(alias)}")
    except BaseException:
        con.close()
        raise
    return con


@contextmanager
def registered(con: duckdb.DuckDBPyConnection, name: str, frame: pd.DataFrame) -> Iterator[str]:
    """``frame`` visible to SQL as ``name`` for the duration of the block, then unregistered."""
    con.register(name, frame)
    try:
        yield name
    finally:
        con.unregister(name)


def insert_frame(con: duckdb.DuckDBPyConnection, table: str, frame: pd.DataFrame) -> int:
    """Insert the rows of ``frame`` into ``table`` matching columns by name (never by position);
    columns of the table that the frame lacks take their default (NULL). Returns the row count.

    ``table`` is a (possibly qualified) name written by the code, e.g. ``wh.public.statistics``.
    The frame is read by DuckDB's replacement scan of this function's local ``frame`` (no table
    has that name): registering and unregistering it would cost milliseconds more."""
    if frame.empty:
        return 0
    con.execute(f"INSERT INTO {table} BY NAME SELECT * FROM frame")
    return len(frame)
