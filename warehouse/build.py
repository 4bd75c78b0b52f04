"""Atomic rebuild of the warehouse file.

A build writes ``<path>.tmp`` in the same directory, checkpoints and closes it, then
``os.replace()``s it over ``<path>``: readers see the old file or the new one, never a
half-written one, and a build that fails or is killed leaves the previous file untouched.
A lock file serialises concurrent builds. Before the swap the previous file is hard-linked
into ``<dir>/history/`` (see :mod:`warehouse.history`), so the last builds can be restored.
"""

from __future__ import annotations

import fcntl
import os
from collections.abc import Iterator
from contextlib import contextmanager
from importlib import resources
from pathlib import Path

import duckdb

from warehouse.history import swap_in


class BuildLockedError(RuntimeError):
    """Another build of the same warehouse is running."""


def apply_ddl(con: duckdb.DuckDBPyConnection, folder: str = "sql") -> None:
    """Run every ``warehouse/<folder>/*.sql`` file in name order."""
    sql_dir = resources.files("warehouse").joinpath(*folder.split("/"))
    for name in sorted(p.name for p in sql_dir.iterdir() if p.name.endswith(".sql")):
        con.execute((sql_dir / name).read_text(encoding="utf-8"))


def _remove(*paths: Path) -> None:
    for p in paths:
        p.unlink(missing_ok=True)


@contextmanager
def build_lock(path: Path) -> Iterator[None]:
    """Hold ``<path>.lock`` exclusively (builds and rollbacks); fail at once if it is taken."""
    path.parent.mkdir(parents=True, exist_ok=True)
    with open(path.with_name(path.name + ".lock"), "w") as lock:
        try:
            fcntl.flock(lock, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError as exc:
            raise BuildLockedError(f"another build of {path} is running; try again when it ends") from exc
        yield


@contextmanager
def atomic_build(path: Path) -> Iterator[duckdb.DuckDBPyConnection]:
    """Yield a connection to a fresh ``<path>.tmp`` with the DDL applied; swap it in on success."""
    tmp = path.with_name(path.name + ".tmp")
    wal = tmp.with_name(tmp.name + ".wal")
    with build_lock(path):
        _remove(tmp, wal)
        con = duckdb.connect(str(tmp))
        try:
            apply_ddl(con)
            yield con
            con.execute("CHECKPOINT")
            con.close()
            with open(tmp, "rb") as fh:
                os.fsync(fh.fileno())
            swap_in(tmp, path)
        except BaseException:
            con.close()
            _remove(tmp, wal)
            raise
