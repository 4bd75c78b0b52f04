"""The build: every step (etl/dag.yml: the ETL steps, then the indicators) into a fresh
warehouse swapped in atomically, with its history and report."""

from __future__ import annotations

import datetime as dt
import uuid
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass
from pathlib import Path

import duckdb

from core.version import version
from etl import reuse, snapshots
from etl.landing import Pending
from etl.runner import Context, run_steps
from warehouse.build import atomic_build
from warehouse.layout import Layout
from warehouse.sql import attach, quote_ident


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
    checked first (file-level checks: a refusal fails the build before anything else runs);
    ``before_swap`` lands it once the new warehouse passed every check (see atomic_build).
    ``exclude``: landed survey files, as (wave, name), being taken out (not replayed).
    Steps (and survey waves) whose inputs and code are unchanged copy their rows from the
    current warehouse instead of computing them again (:mod:`etl.reuse`), unless ``full``."""
    build_id = uuid.uuid4().hex[:12]
    started = dt.datetime.now(dt.UTC).replace(tzinfo=None)
    with atomic_build(warehouse, before_swap) as con:
        con.execute(
            "INSERT INTO meta.build (build_id, started_at, tool_version) VALUES (?, ?, ?)",
            [build_id, started, version()],
        )
        previous = _attach_previous(con, warehouse) if not (full or refresh) else None
        ctx = Context(
            con=con,
            build_id=build_id,
            warehouse=warehouse,
            snapshots_root=snapshots.snapshots_dir(),
            landing=Layout(warehouse).landing,
            refresh=refresh,
            pending=pending,
            exclude=frozenset(exclude),
            previous=previous,
        )
        try:
            run_steps(ctx, on_step=on_step)
            reused_from = _reused_build(con, previous)
        finally:
            if previous is not None:
                con.execute(f"DETACH {quote_ident(previous)}")
        con.execute(
            "UPDATE meta.build SET finished_at = ?, inputs_sha256 = "
            "(SELECT sha256(string_agg(sha256, ';' ORDER BY path)) FROM meta.snapshots), "
            "previous_build = ?, full_build = ?",
            [dt.datetime.now(dt.UTC).replace(tzinfo=None), reused_from, reused_from is None],
        )
        steps = con.execute(
            "SELECT step, rows_in, rows_out, status FROM meta.etl_runs ORDER BY started_at"
        ).fetchall()
    seconds = (dt.datetime.now(dt.UTC).replace(tzinfo=None) - started).total_seconds()
    return BuildReport(build_id, warehouse, seconds, steps)


PREVIOUS = "previous_build"


def _attach_previous(con: duckdb.DuckDBPyConnection, warehouse: Path) -> str | None:
    """Attach the current warehouse (read-only) for the steps to reuse its unchanged rows;
    None when there is none, it cannot be read or it predates incremental builds."""
    if not warehouse.is_file():
        return None
    try:
        attach(con, warehouse, PREVIOUS)
    except duckdb.Error:  # not a warehouse DuckDB can read: nothing to reuse, the build replaces it
        return None
    if not reuse.has_column(con, PREVIOUS, "meta.etl_runs", "input_key"):
        con.execute(f"DETACH {PREVIOUS}")
        return None
    return PREVIOUS


def _reused_build(con: duckdb.DuckDBPyConnection, previous: str | None) -> str | None:
    """The previous build's id when this build reused any of its rows."""
    if previous is None:
        return None
    [(reused,)] = con.execute(
        "SELECT (SELECT count(*) FROM meta.etl_runs WHERE status = 'reused') + "
        "(SELECT count(*) FROM meta.survey_loads WHERE reused_from IS NOT NULL)"
    ).fetchall()
    if not reused:
        return None
    [(build_id,)] = con.execute(f"SELECT max(build_id) FROM {quote_ident(previous)}.meta.build").fetchall()
    return str(build_id)


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
