"""Incremental builds: what a step's rows depend on (its *input key*) and reusing the previous
build's rows when that key is unchanged.

The key of a step is the SHA-256 of

- the code every step of its layer runs (the packages ``core``, ``warehouse``, ``etl`` and, for
  the indicators, ``indicators``; step folders and snapshots excluded), and its own folder;
- the bytes of its snapshots (``etl/snapshots/<source_id>/``: manifest and files) and whatever
  else the step's module declares it reads (an optional ``inputs(ctx) -> list[str]``);
- the keys of the steps it depends on (``depends``, transitively) and of every earlier step in
  the build's order that is not ``isolated``: steps add rows to shared tables (a country to
  ``core.geography``) only when an earlier step did not, so a later step's rows depend on what
  ran before it. An ``isolated`` step (``isolated: true`` in its meta.yml) writes tables no other
  ETL step reads or writes (the survey);
- the DDL of the warehouse (in ``warehouse``).

When the previous warehouse holds a run of the same step with the same key, the step is not run:
its rows are copied from that warehouse (:func:`copy_step_rows`). Rows are a step's when their
``load_id`` is the step run's, and the tables a step ``owns`` (meta.yml) are copied whole. The
result equals a full build's (tests/pipeline/test_incremental.py). ``build --full`` and a live
refresh of the snapshots reuse nothing.
"""

from __future__ import annotations

import functools
import hashlib
import hmac
from collections.abc import Iterable
from pathlib import Path

import duckdb

from etl import snapshots
from warehouse.sql import quote_ident, quote_literal

PACKAGES = ("core", "warehouse", "etl", "indicators")  # in layer order
REPO = Path(__file__).resolve().parent.parent
SKIP = ("__pycache__",)


def _digest_files(digest: hashlib._Hash, files: Iterable[Path], root: Path) -> None:
    for path in sorted(files):
        digest.update(path.relative_to(root).as_posix().encode() + b"\0")
        digest.update(hashlib.sha256(path.read_bytes()).digest())


def _files(folder: Path, exclude: tuple[Path, ...] = ()) -> Iterable[Path]:
    return (
        p
        for p in folder.rglob("*")
        if p.is_file()
        and not any(s in p.parts for s in SKIP)
        and not p.name.endswith(".pyc")
        and not any(p.is_relative_to(e) for e in exclude)
    )


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


# ---- copying from the previous warehouse -------------------------------------------------


def has_column(con: duckdb.DuckDBPyConnection, database: str, table: str, column: str) -> bool:
    schema, name = table.split(".")
    return bool(
        con.execute(
            "SELECT count(*) FROM duckdb_columns() WHERE database_name = ? AND schema_name = ? "
            "AND table_name = ? AND column_name = ?",
            [database, schema, name, column],
        ).fetchall()[0][0]
    )


def previous_run(
    con: duckdb.DuckDBPyConnection, previous: str, step: str, key: str
) -> tuple[str, int | None, int | None] | None:
    """(load_id, rows in, rows out) of the previous build's run of ``step`` with ``key``."""
    rows = con.execute(
        f"SELECT load_id, rows_in, rows_out FROM {quote_ident(previous)}.meta.etl_runs "
        "WHERE step = ? AND input_key = ? AND status IN ('ok', 'reused')",
        [step, key],
    ).fetchall()
    return rows[0] if rows else None


def _tables(con: duckdb.DuckDBPyConnection, database: str) -> list[tuple[str, str]]:
    return [
        (s, t)
        for s, t in con.execute(
            "SELECT schema_name, table_name FROM duckdb_tables() WHERE database_name = ? "
            "ORDER BY schema_name, table_name",
            [database],
        ).fetchall()
    ]


def copy_step_rows(
    con: duckdb.DuckDBPyConnection,
    previous: str,
    old_load_id: str,
    new_load_id: str,
    owns: Iterable[str] = (),
) -> None:
    """Copy into the current database every row of ``previous`` whose ``load_id`` is
    ``old_load_id`` (stamped ``new_load_id``; a table the step created is created) and the
    tables ``owns`` whole (emptied first)."""
    [(home,)] = con.execute("SELECT current_database()").fetchall()
    here = {f"{s}.{t}" for s, t in _tables(con, home)}
    with_load_id = {
        f"{s}.{t}"
        for s, t in con.execute(
            "SELECT schema_name, table_name FROM duckdb_columns() WHERE database_name = ? "
            "AND column_name = 'load_id'",
            [previous],
        ).fetchall()
    } - {"meta.etl_runs", "meta.build"}
    prev = quote_ident(previous)
    for s, t in _tables(con, previous):
        name = f"{s}.{t}"
        source = f"{prev}.{quote_ident(s)}.{quote_ident(t)}"
        target = f"{quote_ident(s)}.{quote_ident(t)}"
        if name in owns:
            con.execute(f"DELETE FROM {target}")
            con.execute(f"INSERT INTO {target} BY NAME SELECT * FROM {source}")
            continue
        if name not in with_load_id:
            continue
        select = (
            f"SELECT * REPLACE ({quote_literal(new_load_id)} AS load_id) FROM {source} "
            f"WHERE load_id = {quote_literal(old_load_id)}"
        )
        if name in here:
            con.execute(f"INSERT INTO {target} BY NAME {select}")
        elif con.execute(f"SELECT count(*) FROM {source} WHERE load_id = ?", [old_load_id]).fetchall()[0][0]:
            con.execute(f"CREATE TABLE {target} AS {select}")
