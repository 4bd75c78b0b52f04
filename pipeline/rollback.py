"""The rollback service: put the previous build back in place of the warehouse."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import duckdb

from etl import landing
from etl.snapshots import SnapshotError, load_source
from etl.steps.survey.step import META as SURVEY_STEP
from pipeline.results import Result
from warehouse.history import NoHistoryError, build_id_of
from warehouse.history import rollback as restore_previous
from warehouse.layout import Layout
from warehouse.lock import BuildLockedError
from warehouse.sql import connect_readonly

File = tuple[int, str]  # (wave, name)


@dataclass(frozen=True)
class Restored:
    build_id: str  # of the build now in place
    warehouse: Path
    comes_back: tuple[File, ...] = ()  # landed files the restored build lacks: the next build loads them
    goes_away: tuple[
        File, ...
    ] = ()  # files of the restored build no longer landed: the next build drops them


def rollback(warehouse: Path) -> Result[Restored]:
    """Restore the newest kept build atomically (the current one is kept in its place); failed
    when no earlier build is kept or while a build runs (nothing changes). The landed survey
    files stay as they are: the result names those the restored build does not match."""
    try:
        restore_previous(warehouse)
    except (NoHistoryError, BuildLockedError) as exc:
        return Result.failed(exc.messages)
    try:
        comes_back, goes_away = survey_files_out_of_step(warehouse)
    except (duckdb.Error, OSError, ValueError):  # advice only: the rollback itself is done
        comes_back, goes_away = (), ()
    return Result.done(Restored(build_id_of(warehouse), warehouse, comes_back, goes_away))


def survey_files_out_of_step(warehouse: Path) -> tuple[tuple[File, ...], tuple[File, ...]]:
    """Landed files missing from the warehouse's build, and files of the build (not the demo
    survey) that are no longer landed, each as sorted (wave, name)."""
    landed = {(f.wave, f.sha256): f.name for f in landing.registry(Layout(warehouse).landing)}
    try:
        demo = {f.sha256 for f in load_source(SURVEY_STEP.data["demo_snapshot"]).files}
    except SnapshotError:
        demo = set()
    con = connect_readonly(warehouse)
    try:
        built = {
            (w, sha): name
            for name, w, sha in con.execute("SELECT file, wave, sha256 FROM meta.survey_loads").fetchall()
        }
    finally:
        con.close()
    comes_back = sorted((w, name) for (w, sha), name in landed.items() if (w, sha) not in built)
    goes_away = sorted(
        (w, name) for (w, sha), name in built.items() if (w, sha) not in landed and sha not in demo
    )
    return tuple(comes_back), tuple(goes_away)
