"""The build: every step (etl/dag.yml: the ETL steps, then the indicators) into a fresh
warehouse swapped in atomically, with its history and report."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass
from pathlib import Path

import duckdb

from core.version import version
from etl import reuse, snapshots
from etl.landing import Pending
from etl.runner import Context, discover, run_steps
from warehouse.build import atomic_build
from warehouse.guard import run_id
from warehouse.layout import Layout
from warehouse.sql import connect_readonly


@dataclass
class BuildReport:
    build_id: str
    warehouse: Path
    seconds: float
    steps: list[tuple[str, int | None, int | None, str]]  # name, rows in, rows out, status


def build(
    warehouse: Path,
    refresh: bool = False,
    on_step: Callable[[str, str], None] | None = None,
    pending: Pending | None = None,
    before_swap: Callable[[], None] | None = None,
    exclude: Iterable[tuple[int, str]] = (),
    full: bool = False,
) -> BuildReport:
    """Rebuild ``warehouse`` from the snapshots and the landing area; atomic.

    ``pending``: a survey file being ingested, read from where it is (not landed yet) and
    checked first (file-level checks: a refusal fails the build as soon as the file is read);
    ``before_swap`` lands it once the new warehouse passed every check (see atomic_build).
    ``exclude``: landed survey files, as (wave, name), being taken out (not replayed).
    Unless ``full``, the build starts from a copy of the current warehouse and keeps the rows
    of the steps (and survey waves) whose code and inputs are unchanged (:mod:`etl.reuse`)."""
    build_id = run_id()
    started = dt.datetime.now(dt.UTC).replace(tzinfo=None)
    code = reuse.all_code(s.folder for s in discover())
    incremental = False

    def from_current() -> bool:  # asked under the build lock
        nonlocal incremental
        incremental = not (full or refresh) and _written_by(warehouse, code)
        return incremental

    written: list[Path] = []  # Context.written: removed if the build fails before its swap
    with atomic_build(warehouse, before_swap, from_current, written) as con:
        previous = None
        if incremental:
            [(previous,)] = con.execute("SELECT max(build_id) FROM meta.build").fetchall()
            reuse.forget_build(con)
        con.execute(
            "INSERT INTO meta.build (build_id, started_at, tool_version, code_sha256) VALUES (?, ?, ?, ?)",
            [build_id, started, version(), code],
        )
        ctx = Context(
            con=con,
            build_id=build_id,
            warehouse=warehouse,
            snapshots_root=snapshots.snapshots_dir(),
            landing=Layout(warehouse).landing,
            refresh=refresh,
            pending=pending,
            exclude=frozenset(exclude),
            incremental=incremental,
            written=written,
        )
        run_steps(ctx, on_step=on_step)
        [(kept,)] = con.execute(
            "SELECT (SELECT count(*) FROM meta.etl_runs WHERE status = 'reused') + "
            "(SELECT count(*) FROM meta.survey_loads WHERE reused_from IS NOT NULL)"
        ).fetchall()
        con.execute(
            "UPDATE meta.build SET finished_at = ?, inputs_sha256 = "
            "(SELECT sha256(string_agg(sha256, ';' ORDER BY path)) FROM meta.snapshots), "
            "previous_build = ?, full_build = ?",
            [dt.datetime.now(dt.UTC).replace(tzinfo=None), previous if kept else None, not kept],
        )
        steps = con.execute(
            "SELECT step, rows_in, rows_out, status FROM meta.etl_runs ORDER BY started_at"
        ).fetchall()
    seconds = (dt.datetime.now(dt.UTC).replace(tzinfo=None) - started).total_seconds()
    return BuildReport(build_id, warehouse, seconds, steps)


def _written_by(warehouse: Path, code: str) -> bool:
    """True when ``warehouse`` is a warehouse DuckDB can read, written by the code ``code``."""
    if not warehouse.is_file():
        return False
    try:
        with connect_readonly(warehouse) as con:
            rows = con.execute(
                "SELECT code_sha256 FROM meta.build WHERE EXISTS (SELECT 1 FROM duckdb_columns() "
                "WHERE schema_name = 'meta' AND table_name = 'build' AND column_name = 'code_sha256')"
            ).fetchall()
    except duckdb.Error:  # not a warehouse: the build replaces it
        return False
    return rows == [(code,)]


def input_files(warehouse: Path) -> Iterator[Path]:
    """Every file a build reads: snapshots, step and indicator definitions, landed surveys."""
    package_root = Path(__file__).resolve().parent.parent
    for folder in (
        snapshots.snapshots_dir(),
        package_root / "etl",
        package_root / "indicators",
        package_root / "warehouse" / "sql",
        Layout(warehouse).landing,
    ):
        if folder.exists():
            yield from (p for p in folder.rglob("*") if p.is_file() and "__pycache__" not in p.parts)


def is_stale(warehouse: Path) -> bool:
    """True when the warehouse is missing or older than any of its inputs."""
    if not warehouse.exists():
        return True
    built = warehouse.stat().st_mtime
    return any(p.stat().st_mtime > built for p in input_files(warehouse))
