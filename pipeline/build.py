"""The build: every step (etl/dag.yml: the ETL steps, then the indicators) into a fresh
warehouse swapped in atomically, with its history and report."""

from __future__ import annotations

import datetime as dt
import uuid
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass
from pathlib import Path

from core.version import version
from etl import snapshots
from etl.landing import Pending
from etl.runner import Context, run_steps
from warehouse.build import atomic_build
from warehouse.layout import Layout


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
) -> BuildReport:
    """Rebuild ``warehouse`` from the snapshots and the landing area; atomic.

    ``pending``: a survey file being ingested, read from where it is (not landed yet) and
    checked first (file-level checks: a refusal fails the build before anything else runs);
    ``before_swap`` lands it once the new warehouse passed every check (see atomic_build).
    ``exclude``: landed survey files, as (wave, name), being taken out (not replayed)."""
    build_id = uuid.uuid4().hex[:12]
    started = dt.datetime.now(dt.UTC).replace(tzinfo=None)
    with atomic_build(warehouse, before_swap) as con:
        con.execute(
            "INSERT INTO meta.build (build_id, started_at, tool_version) VALUES (?, ?, ?)",
            [build_id, started, version()],
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
        )
        run_steps(ctx, on_step=on_step)
        con.execute(
            "UPDATE meta.build SET finished_at = ?, inputs_sha256 = "
            "(SELECT sha256(string_agg(sha256, ';' ORDER BY path)) FROM meta.snapshots)",
            [dt.datetime.now(dt.UTC).replace(tzinfo=None)],
        )
        steps = con.execute(
            "SELECT step, rows_in, rows_out, status FROM meta.etl_runs ORDER BY started_at"
        ).fetchall()
    seconds = (dt.datetime.now(dt.UTC).replace(tzinfo=None) - started).total_seconds()
    return BuildReport(build_id, warehouse, seconds, steps)


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
