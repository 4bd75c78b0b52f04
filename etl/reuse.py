"""Incremental builds: what a step's rows depend on (its *input key*), and a build that starts
from a copy of the previous warehouse and computes only the steps whose key changed.

The key of a step is the SHA-256 of

- the code every step of its layer runs (the packages ``core``, ``warehouse``, ``etl`` and, for
  the indicators, ``indicators``; step folders and snapshots excluded), and its own folder;
- the bytes of its snapshots (``etl/snapshots/<source_id>/``: manifest and files) and whatever
  else the step's module declares it reads (an optional ``inputs(ctx) -> list[str]``);
- the keys of the steps it depends on (``depends``, transitively) and of every earlier step in
  the build's order that is not ``isolated``: steps add rows to shared tables (a country to
  ``core.geography``) only when an earlier step did not, so a later step's rows depend on what
  ran before it. An ``isolated`` step (``isolated: true`` in its meta.yml) writes tables no other
  ETL step reads or writes (the survey).

When the current warehouse was written by the same code (:func:`all_code`, kept in
``meta.build``), the build starts from a copy of that file instead of an empty one: a step whose
key is unchanged keeps its rows as they are (status ``reused``); the rows of every other step
(those whose ``load_id`` is its previous run's, and the tables it ``owns`` in its meta.yml) are
deleted before any step runs, and the step runs again. A step that reuses parts of its own
(``reuse: parts``: the survey, wave by wave) deletes what it recomputes itself. Copying the file
costs a file copy, not a copy of each row. The result equals a full build's
(tests/pipeline/test_incremental.py); ``build --full`` and a live refresh of the snapshots start
from an empty file.
"""

from __future__ import annotations

import functools
import hashlib
import hmac
import os
from collections.abc import Iterable
from pathlib import Path

import duckdb

from etl import snapshots
from warehouse.sql import BUILD_STATE, build_state, quote_ident

PACKAGES = ("core", "warehouse", "etl", "indicators")  # in layer order
REPO = Path(__file__).resolve().parent.parent
SKIP = ("__pycache__",)


def _digest_files(digest: hashlib._Hash, files: Iterable[Path], root: Path) -> None:
    for path in sorted(files):
        digest.update(path.relative_to(root).as_posix().encode() + b"\0")
        digest.update(hashlib.sha256(path.read_bytes()).digest())


def _files(folder: Path, exclude: tuple[Path, ...] = ()) -> Iterable[Path]:
    """The files under ``folder``, the ``exclude`` folders and caches left out (pruned while
    walking: testing every file against every excluded folder cost more than hashing)."""
    pruned = {str(e) for e in exclude}
    for top, dirs, names in os.walk(folder):
        dirs[:] = [d for d in dirs if d not in SKIP and os.path.join(top, d) not in pruned]
        yield from (Path(top, n) for n in names if not n.endswith(".pyc"))


@functools.cache
def code_digest(package: str, excluded: tuple[Path, ...]) -> str:
    """SHA-256 of the code of ``PACKAGES`` up to ``package`` (all of them for a package outside
    the list) and of the DDL, without the folders ``excluded`` (the step folders and the
    snapshots)."""
    digest = hashlib.sha256()
    layers = PACKAGES[: PACKAGES.index(package) + 1] if package in PACKAGES else PACKAGES
    for name in layers:
        _digest_files(digest, _files(REPO / name, excluded), REPO)
    return digest.hexdigest()


def folder_digest(folder: Path) -> str:
    digest = hashlib.sha256()
    _digest_files(digest, _files(folder), folder)
    return digest.hexdigest()


def key_of(*parts: str) -> str:
    """One SHA-256 of ``parts``, in order."""
    return hashlib.sha256("\0".join(parts).encode()).hexdigest()


def key_fingerprint(key: bytes) -> str:
    """What a pseudonymisation key contributes to a key: its HMAC of a fixed text (the key
    itself never enters a warehouse)."""
    return hmac.new(key, b"sector-monitor input key", hashlib.sha256).hexdigest()


def snapshot_digest(source_id: str, root: Path) -> str:
    """SHA-256 of the snapshot folder of ``source_id`` (manifest and files)."""
    return folder_digest(root / source_id)


def excluded_folders(step_folders: Iterable[Path]) -> tuple[Path, ...]:
    return (*sorted(step_folders), snapshots.DEFAULT_DIR)


# ---- a build that starts from a copy of the previous warehouse ------------------------------

PREVIOUS_RUNS = f"{BUILD_STATE}.main.previous_runs"  # the runs of the build the copy comes from
BUILD_TABLES = ("meta.etl_runs", "meta.build", "meta.privacy_guard")  # one build's records


def all_code(step_folders: Iterable[Path]) -> str:
    """Digest of the code of every package (step folders and snapshots excluded): a build
    starts from a copy of the previous warehouse only when it was written by the same code, so
    that its tables have the same columns (the steps' own code is in their keys)."""
    return code_digest(PACKAGES[-1], excluded_folders(step_folders))


def forget_build(con: duckdb.DuckDBPyConnection) -> None:
    """On the copy of the previous warehouse: keep its step runs in the build's in-memory
    database (:func:`warehouse.sql.build_state`: what each step's rows were keyed by, and their
    load id; every cursor of the build sees it) and delete that build's records."""
    build_state(con)
    con.execute(
        f"CREATE OR REPLACE TABLE {PREVIOUS_RUNS} AS SELECT step, input_key, coalesce(reused_from, load_id) "
        "AS rows_load_id, rows_in, rows_out FROM meta.etl_runs WHERE status IN ('ok', 'reused')"
    )
    for table in BUILD_TABLES:
        con.execute(f"DELETE FROM {table}")


def previous_run(con: duckdb.DuckDBPyConnection, step: str) -> tuple[str, str, int | None, int | None] | None:
    """(input key, load id of its rows, rows in, rows out) of ``step`` in the previous build."""
    rows = con.execute(
        f"SELECT input_key, rows_load_id, rows_in, rows_out FROM {PREVIOUS_RUNS} WHERE step = ?",
        [step],
    ).fetchall()
    return rows[0] if rows else None


def delete_rows(con: duckdb.DuckDBPyConnection, load_ids: Iterable[str], owned: Iterable[str]) -> None:
    """Delete the rows of the runs ``load_ids`` from every table, empty the tables ``owned`` by
    the steps that run again, and drop the ``raw`` tables left empty (their step creates them)."""
    ids = sorted(set(load_ids))
    [(home,)] = con.execute("SELECT current_database()").fetchall()
    tables = con.execute(
        "SELECT c.schema_name || '.' || c.table_name FROM duckdb_columns() c JOIN duckdb_tables() t "
        "USING (database_name, schema_name, table_name) WHERE database_name = ? AND column_name = 'load_id'",
        [home],
    ).fetchall()
    for (table,) in tables:
        if ids and table not in BUILD_TABLES:
            con.execute(f"DELETE FROM {table} WHERE load_id IN (SELECT unnest(?))", [ids])
    for table in owned:
        con.execute(f"DELETE FROM {table}")
    raw = con.execute(
        "SELECT table_name FROM duckdb_tables() WHERE database_name = ? AND schema_name = 'raw'", [home]
    ).fetchall()
    for (name,) in raw:
        table = f"raw.{quote_ident(name)}"
        if not con.execute(f"SELECT count(*) FROM {table}").fetchall()[0][0]:
            con.execute(f"DROP TABLE {table}")
