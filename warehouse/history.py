"""The last builds of a warehouse, kept beside it, and rollback to them.

Before a build (or a rollback) replaces ``<dir>/<name>.duckdb``, the current file is hard-linked
to ``<dir>/history/<UTC time>-<build_id>.duckdb``; the replace itself stays one ``os.replace``.
The newest ``$SECTOR_MONITOR_KEEP_BUILDS`` files (default 3, 0 keeps none) are kept.
:func:`rollback` swaps the newest kept build in and keeps the current one in its place, so a
second rollback returns to where the first started. Rolling back does not touch the landing
area: the next build replays every landed survey file again.

History copies hold restricted data: the folder is 0700 and the copies 0600. Each build is
checked by the privacy guard (:mod:`warehouse.guard`) before it is swapped in and records it in
``meta.privacy_guard``. Copies written before the guard existed (no such row) may quote
enterprise numbers or names in their messages: every build scans them (and the warehouse it
replaces) with the guard, deletes those that fail and lists those that pass in
``history/.privacy_checked.json``; :func:`rollback` deletes copies that are neither stamped nor
checked before choosing one. So an upgrade purges unsafe history at the first build (or
rollback) and keeps the safe copies.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import json
import os
import shutil
from dataclasses import dataclass
from pathlib import Path

import duckdb

from core.errors import Explained
from core.settings import settings
from warehouse import guard
from warehouse.layout import Layout
from warehouse.lock import build_lock
from warehouse.private import private_dir, restrict, write_private
from warehouse.sql import attach, connect_readonly, quote_ident

CHECKED = ".privacy_checked.json"  # copies without guard stamp that passed a later guard scan
_STAMP = "%Y%m%dT%H%M%S%fZ"


class NoHistoryError(Explained, RuntimeError):
    """Rollback was asked for but no earlier build is kept."""


@dataclass(frozen=True)
class KeptBuild:
    """One earlier warehouse file kept in history."""

    path: Path
    kept_at: dt.datetime  # when it stopped being the current warehouse (UTC)
    build_id: str


def keep_count() -> int:
    """How many earlier builds to keep ($SECTOR_MONITOR_KEEP_BUILDS, default 3)."""
    return settings().keep_builds


def _fsync_dir(directory: Path) -> None:
    fd = os.open(directory, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


def build_id_of(warehouse: Path) -> str:
    """The id of the build that wrote ``warehouse`` ('unknown' when it cannot be read)."""
    try:
        con = connect_readonly(warehouse)
    except duckdb.Error:
        return "unknown"
    try:
        row = con.execute("SELECT build_id FROM wh.meta.build ORDER BY started_at DESC LIMIT 1").fetchone()
        return row[0] if row else "unknown"
    except duckdb.Error:
        return "unknown"
    finally:
        con.close()


def list_builds(warehouse: Path) -> list[KeptBuild]:
    """Kept earlier builds of ``warehouse``, newest first."""
    folder = Layout(warehouse).history
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
    folder = private_dir(Layout(warehouse).history)
    stamp = dt.datetime.now(dt.UTC).strftime(_STAMP)
    target = folder / f"{stamp}-{build_id_of(warehouse)}{warehouse.suffix}"
    try:
        os.link(warehouse, target)
    except OSError:  # file systems without hard links
        shutil.copy2(warehouse, target)
    restrict(target)  # a warehouse written before the 0600 rule
    return target


def prune(warehouse: Path) -> None:
    """Delete kept builds beyond the newest :func:`keep_count`."""
    for old in list_builds(warehouse)[keep_count() :]:
        old.path.unlink(missing_ok=True)


def swap_in(new: Path, warehouse: Path, keep: bool = True) -> None:
    """Keep the current ``warehouse`` in history (unless ``keep`` is false: it failed the privacy
    guard), then atomically replace it by ``new``."""
    if keep:
        keep_current(warehouse)
    restrict(new)
    os.replace(new, warehouse)
    _fsync_dir(warehouse.parent)
    prune(warehouse)


def _identity(path: Path) -> str:
    """Inode, size and modification time: the same for every hard link of one file."""
    st = path.stat()
    return f"{st.st_ino:x}-{st.st_size:x}-{st.st_mtime_ns:x}"


def _checked(warehouse: Path) -> dict[str, int]:
    path = Layout(warehouse).history / CHECKED
    try:
        return json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return {}


def _write_checked(warehouse: Path, checked: dict[str, int]) -> None:
    present = {_identity(k.path) for k in list_builds(warehouse) if k.path.exists()}
    if warehouse.exists():
        present.add(_identity(warehouse))
    checked = {k: v for k, v in checked.items() if k in present}
    folder = Layout(warehouse).history
    if not checked and not (folder / CHECKED).exists():
        return
    private_dir(folder)
    tmp = folder / f".{CHECKED}.{os.getpid()}"
    write_private(tmp, json.dumps(checked, indent=1))
    os.replace(tmp, folder / CHECKED)


def _verified(con: duckdb.DuckDBPyConnection, path: Path, checked: dict[str, int], scan: bool) -> bool | None:
    """True when ``path`` carries the guard's stamp or passed a scan before; else the result of
    a scan now (``scan``) or None. An unreadable file is not verified (False)."""
    if checked.get(_identity(path), 0) >= guard.GUARD_VERSION:
        return True
    alias = "privacy_kept"
    try:
        attach(con, path, alias)
    except duckdb.Error:
        return False
    try:
        if guard.is_stamped(con, alias):
            return True
        if not scan:
            return None
        passed = not guard.scan(con, alias).findings
        if passed:
            checked[_identity(path)] = guard.GUARD_VERSION
        return passed
    except duckdb.Error:
        return False
    finally:
        con.execute(f"DETACH {quote_ident(alias)}")


def check_kept(con: duckdb.DuckDBPyConnection, warehouse: Path) -> set[Path]:
    """Scan ``warehouse`` and its history copies that predate the guard, with the guard and
    ``con``'s restricted values (the build's); returns the files that fail it (the caller
    deletes them, or does not keep the warehouse it replaces)."""
    checked = _checked(warehouse)
    candidates = [warehouse] if warehouse.exists() else []
    candidates += [k.path for k in list_builds(warehouse)]
    if Layout(warehouse).history.is_dir():
        private_dir(Layout(warehouse).history)  # a folder created before the 0700 rule
    for path in candidates:
        restrict(path)
    unsafe = {p for p in candidates if _verified(con, p, checked, scan=True) is False}
    _write_checked(warehouse, checked)
    return unsafe


def purge(warehouse: Path, unsafe: set[Path]) -> None:
    """Delete the history copies in ``unsafe``."""
    for path in unsafe:
        if path.parent == Layout(warehouse).history:
            with contextlib.suppress(FileNotFoundError):
                path.unlink()


def purge_unverified(warehouse: Path) -> list[Path]:
    """Delete history copies that carry no guard stamp and were never scanned by a build."""
    checked = _checked(warehouse)
    con = duckdb.connect(":memory:")
    try:
        gone = [k.path for k in list_builds(warehouse) if not _verified(con, k.path, checked, scan=False)]
    finally:
        con.close()
    purge(warehouse, set(gone))
    return gone


def rollback(warehouse: Path) -> Path:
    """Restore the newest kept build atomically; the current one is kept in its place.

    Returns the history path the restored file had (its name holds the build id; the file is
    now the warehouse). Raises :class:`NoHistoryError` when no earlier
    build is kept and :class:`warehouse.lock.BuildLockedError` while a build is running."""
    with build_lock(warehouse):
        purged = purge_unverified(warehouse)
        kept = list_builds(warehouse)
        if not kept:
            history, n, keep = (
                Layout(warehouse).history,
                len(purged),
                f"$SECTOR_MONITOR_KEEP_BUILDS={keep_count()}",
            )
            raise NoHistoryError(
                f"aucun build antérieur de {warehouse} n'est gardé dans {history} : rien à restaurer "
                f"(les builds sont gardés à partir de la prochaine reconstruction ; {keep})"
                + (
                    f" ; {n} copie(s) écrite(s) avant le contrôle de confidentialité supprimée(s)"
                    if n
                    else ""
                ),
                f"geen eerdere build van {warehouse} bewaard in {history}: niets om terug te zetten "
                f"(builds worden bewaard vanaf de volgende opbouw; {keep})"
                + (f"; {n} kopie(ën) van vóór de privacycontrole ongecontroleerd verwijderd" if n else ""),
                f"no earlier build of {warehouse} is kept in {history}: nothing to roll back to "
                f"(builds are kept from the next rebuild on; {keep})"
                + (f"; {n} copy(ies) written before the privacy guard were deleted unchecked" if n else ""),
            )
        swap_in(kept[0].path, warehouse)  # moves it out of history, keeps the current one
        return kept[0].path
