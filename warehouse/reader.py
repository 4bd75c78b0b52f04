"""Read-only access to the warehouse for long-running processes (dashboard, API).

One in-memory DuckDB connection per process ATTACHes the warehouse file READ_ONLY and
re-attaches it when the file's (inode, mtime, size) changes, i.e. after an atomic rebuild.
``duckdb.connect(path, read_only=True)`` is not used: in-process it returns DuckDB's cached
instance for that path, which keeps serving the replaced file after an atomic swap.
Each query runs on its own cursor, so the reader is safe to share between threads.
"""

from __future__ import annotations

import os
import threading
from pathlib import Path
from typing import Any

import duckdb
import pandas as pd

from warehouse.private import remove_leftovers
from warehouse.sql import connect_readonly


class Reader:
    """Thread-safe read-only view of one warehouse file that follows atomic rebuilds."""

    def __init__(self, path: str | os.PathLike[str]) -> None:
        self.path = Path(path).resolve()
        remove_leftovers(self.path)  # restricted scratch files of a killed build, if any
        self._lock = threading.Lock()
        self._con: duckdb.DuckDBPyConnection | None = None
        self._stamp: tuple[int, int, int] | None = None

    def _file_stamp(self) -> tuple[int, int, int]:
        st = os.stat(self.path)
        return (st.st_ino, st.st_mtime_ns, st.st_size)

    @staticmethod
    def _token(stamp: tuple[int, int, int]) -> str:
        ino, mtime, size = stamp
        return f"{ino:x}-{mtime:x}-{size:x}"

    @staticmethod
    def parse_version(token: str) -> tuple[int, int, int]:
        """``(inode, mtime in ns, size)`` of a :attr:`version` token."""
        ino, mtime, size = (int(part, 16) for part in token.split("-"))
        return ino, mtime, size

    @property
    def version(self) -> str:
        """A token that changes whenever the warehouse file is replaced."""
        return self._token(self._file_stamp())

    def _connection(self) -> duckdb.DuckDBPyConnection:
        return self._current()[1]

    def _current(self) -> tuple[tuple[int, int, int], duckdb.DuckDBPyConnection]:
        stamp = self._file_stamp()
        with self._lock:
            if self._con is None or stamp != self._stamp:
                con = connect_readonly(self.path)
                # the previous connection is not closed here: cursors of requests still
                # running on the old version keep it alive until they are done (GC)
                self._con, self._stamp = con, stamp
            return self._stamp, self._con

    def pinned(self) -> tuple[str, duckdb.DuckDBPyConnection]:
        """``(version, cursor)`` of one consistent version: run every query of a request on
        this cursor and it sees one warehouse, even if a rebuild swaps the file meanwhile."""
        stamp, con = self._current()
        cur = con.cursor()
        cur.execute("USE wh")
        return self._token(stamp), cur

    def cursor(self) -> duckdb.DuckDBPyConnection:
        """A fresh cursor on the current warehouse version (``USE wh`` already applied)."""
        cur = self._connection().cursor()
        cur.execute("USE wh")
        return cur

    def query(self, sql: str, params: list[Any] | dict[str, Any] | None = None) -> pd.DataFrame:
        """Run a parameterised query and return a DataFrame."""
        cur = self.cursor()
        try:
            return cur.execute(sql, params).df() if params is not None else cur.execute(sql).df()
        finally:
            cur.close()

    def has_table(self, schema: str, name: str) -> bool:
        """Whether ``schema.name`` exists (table or view) in the current version."""
        df = self.query(
            "SELECT 1 FROM information_schema.tables WHERE table_schema = ? AND table_name = ?",
            [schema, name],
        )
        return not df.empty
