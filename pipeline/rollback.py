"""The rollback service: put the previous build back in place of the warehouse."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from pipeline.results import Result
from warehouse.history import NoHistoryError, build_id_of
from warehouse.history import rollback as restore_previous
from warehouse.lock import BuildLockedError


@dataclass(frozen=True)
class Restored:
    build_id: str  # of the build now in place
    warehouse: Path


def rollback(warehouse: Path) -> Result[Restored]:
    """Restore the newest kept build atomically (the current one is kept in its place); failed
    when no earlier build is kept or while a build runs (nothing changes)."""
    try:
        restore_previous(warehouse)
    except (NoHistoryError, BuildLockedError) as exc:
        return Result.failed(exc.messages)
    return Result.done(Restored(build_id_of(warehouse), warehouse))  # the restored file is now it
