"""Atomic rebuild of the warehouse file.

A build writes ``<path>.tmp`` in the same directory, checkpoints and closes it, then
``os.replace()``s it over ``<path>``: readers see the old file or the new one, never a
half-written one, and a build that fails or is killed leaves the previous file untouched.
A lock file serialises concurrent builds (:mod:`warehouse.lock`). Before the swap the previous
file is hard-linked into ``<dir>/history/`` (see :mod:`warehouse.history`), so the last builds
can be restored.

The last step before the swap is the privacy guard (:mod:`warehouse.guard`): a build whose
warehouse would hold an enterprise number, a name or free text of the landed files fails and
nothing is swapped in. The new file is 0600 from its creation (and its write-ahead log); the
build spills to a folder in the restricted ``<landing>/.scratch/``, not beside the warehouse.
"""

from __future__ import annotations

import os
import shutil
import uuid
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path

import duckdb

from warehouse import guard
from warehouse.history import check_kept, purge, swap_in
from warehouse.layout import Layout
from warehouse.lock import build_lock
from warehouse.private import FILE_MODE, copy_private, remove_build_leftovers, restrict, scratch_dir
from warehouse.schema import apply_ddl
from warehouse.sql import quote_literal


def _remove(*paths: Path) -> None:
    for p in paths:
        p.unlink(missing_ok=True)


@contextmanager
def atomic_build(
    path: Path,
    before_swap: Callable[[], None] | None = None,
    from_current: Callable[[], bool] | None = None,
    written: list[Path] | None = None,
) -> Iterator[duckdb.DuckDBPyConnection]:
    """Yield a connection to a fresh ``<path>.tmp`` with the DDL applied; swap it in on success.

    ``before_swap`` runs, under the build lock, once the new file passed every check and just
    before it replaces the old one (e.g. landing the file a survey ingest was built from); if it
    raises, nothing is swapped in. When ``from_current`` (asked under the lock) says so,
    ``<path>.tmp`` starts as a copy of the current file instead (an incremental build).
    ``written``: files the build writes beside the warehouse for later builds (filled in while it
    runs), deleted under the lock if it fails before the swap."""
    tmp = Layout(path).tmp
    wal = tmp.with_name(tmp.name + ".wal")
    with build_lock(path):
        remove_build_leftovers(path)  # a killed build's .tmp and scratch files
        spill = scratch_dir(path) / f"{path.name}.spill_{uuid.uuid4().hex[:10]}"
        copy = from_current is not None and from_current()
        if copy:
            copy_private(path, tmp)
        con = duckdb.connect(str(tmp))
        try:
            restrict(tmp)  # 0600 before any row is written, whatever the umask
            os.close(os.open(wal, os.O_WRONLY | os.O_CREAT, FILE_MODE))  # DuckDB keeps it
            restrict(wal)
            con.execute(f"SET temp_directory = {quote_literal(spill)}")
            if not copy:
                apply_ddl(con)
            yield con
            guard.enforce(con)  # raises: nothing is swapped in
            unsafe = check_kept(con, path)  # earlier builds written before the guard
            con.execute("CHECKPOINT")
            con.close()
            with open(tmp, "rb") as fh:
                os.fsync(fh.fileno())
            if before_swap is not None:
                before_swap()
            swap_in(tmp, path, keep=path not in unsafe)
            written = None  # they belong to the warehouse now in place
            purge(path, unsafe)
        except BaseException:
            con.close()
            _remove(tmp, wal, *(written or ()))
            raise
        finally:
            shutil.rmtree(spill, ignore_errors=True)
