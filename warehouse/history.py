"""The last builds of a warehouse, kept beside it, and rollback to them.

Before a build (or a rollback) replaces ``<dir>/<name>.duckdb``, the current file is hard-linked
to ``<dir>/history/<UTC time>-<build_id>.duckdb``; the replace itself stays one ``os.replace``.
The newest ``$SECTOR_MONITOR_KEEP_BUILDS`` files (default 3, 0 keeps none) are kept.
:func:`rollback` swaps the newest kept build in and keeps the current one in its place, so a
second rollback returns to where the first started. Rolling back does not touch the landing
area: the next build replays every landed survey file again.
"""

from __future__ import annotations

import datetime as dt
import os
import shutil
from dataclasses import dataclass
from pathlib import Path

import duckdb

ENV_KEEP = "SECTOR_MONITOR_KEEP_BUILDS"
DEFAULT_KEEP = 3
_STAMP = "%Y%m%dT%H%M%S%fZ"


class NoHistoryError(RuntimeError):
    """Rollback was asked for but no earlier build is kept."""


@dataclass(frozen=True)
class KeptBuild:
    """One earlier warehouse file kept in history."""

    path: Path
    kept_at: dt.datetime  # when it stopped being the current warehouse (UTC)
    build_id: str


def history_dir(warehouse: Path) -> Path:
    return warehouse.parent / "history"


def keep_count() -> int:
    """How many earlier builds to keep ($SECTOR_MONITOR_KEEP_BUILDS, default 3)."""
    value = os.environ.get(ENV_KEEP, "").strip()
    return max(int(value), 0) if value else DEFAULT_KEEP


def _fsync_dir(directory: Path) -> None:
    fd = os.open(directory, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


def build_id_of(warehouse: Path) -> str:
    """The id of the build that wrote ``warehouse`` ('unknown' when it cannot be read)."""
    con = duckdb.connect(":memory:")
    try:
        con.execute(f"ATTACH '{str(warehouse).replace(chr(39), chr(39) * 2)}' AS wh (READ_ONLY)")
        row = con.execute("SELECT build_id FROM wh.meta.build ORDER BY started_at DESC LIMIT 1"
                          ).fetchone()
        return row[0] if row else "unknown"
    except duckdb.Error:
        return "unknown"
    finally:
        con.close()


def list_builds(warehouse: Path) -> list[KeptBuild]:
    """Kept earlier builds of ``warehouse``, newest first."""
    folder = history_dir(warehouse)
    kept = []
    for path in folder.glob(f"*-*{warehouse.suffix}") if folder.is_dir() else ():
        stamp, _, build_id = path.stem.partition("-")
        try:
            when = dt.datetime.strptime(stamp, _STAMP).replace(tzinfo=dt.UTC)
        except ValueError:
            continue  # not one of ours
        kept.append(KeptBuild(path, when, build_id))
    return sorted(kept, key=lambda k: k.path.name, reverse=True)


def keep_current(warehouse: Path) -> Path | None:
    """Hard-link (else copy) the current warehouse into history; None when there is none."""
    if not warehouse.exists() or keep_count() == 0:
        return None
    folder = history_dir(warehouse)
    folder.mkdir(exist_ok=True)
    stamp = dt.datetime.now(dt.UTC).strftime(_STAMP)
    target = folder / f"{stamp}-{build_id_of(warehouse)}{warehouse.suffix}"
    try:
        os.link(warehouse, target)
    except OSError:  # file systems without hard links
        shutil.copy2(warehouse, target)
    return target


def prune(warehouse: Path) -> None:
    """Delete kept builds beyond the newest :func:`keep_count`."""
    for old in list_builds(warehouse)[keep_count():]:
        old.path.unlink(missing_ok=True)


def swap_in(new: Path, warehouse: Path) -> None:
    """Keep the current ``warehouse`` in history, then atomically replace it by ``new``."""
    keep_current(warehouse)
    os.replace(new, warehouse)
    _fsync_dir(warehouse.parent)
    prune(warehouse)


def rollback(warehouse: Path) -> Path:
    """Restore the newest kept build atomically; the current one is kept in its place.

    Returns the history path the restored file had (its name holds the build id; the file is
    now the warehouse). Raises :class:`NoHistoryError` when no earlier
    build is kept and ``warehouse.build.BuildLockedError`` while a build is running."""
    from warehouse.build import build_lock  # build imports this module

    with build_lock(warehouse):
        kept = list_builds(warehouse)
        if not kept:
            raise NoHistoryError(
                f"no earlier build of {warehouse} is kept in {history_dir(warehouse)}: nothing to "
                f"roll back to (builds are kept from the next rebuild on; "
                f"${ENV_KEEP}={keep_count()})")
        swap_in(kept[0].path, warehouse)  # moves it out of history, keeps the current one
        return kept[0].path
