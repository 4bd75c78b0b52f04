"""Files and folders that hold restricted data, and the leftovers of killed builds.

Whatever the process umask, restricted folders are made 0700 and restricted files 0600 where
they are created: the landing area (raw exports with enterprise numbers and names, quarantine
files, registry), the survey scratch databases, the warehouse file and its history copies, the
secrets and the coordinators' audit log. Every entry point also sets ``umask 077`` so that the
files DuckDB creates by itself (write-ahead logs, spill files) are private too.

The survey step reads raw answers into a scratch database in ``<landing>/.scratch/`` and a build
spills to a folder there; a build killed meanwhile leaves them behind. :func:`remove_leftovers`
deletes them, and the ``<warehouse>.tmp`` of a killed build, whenever no build of that warehouse
is running: :func:`warehouse.layout.warehouse_path` calls it, so the next command that opens the
warehouse (not only the next build) removes them.
"""

from __future__ import annotations

import contextlib
import fcntl
import os
import shutil
import stat
from collections.abc import Iterator
from pathlib import Path
from typing import IO, Any

from warehouse.layout import Layout

DIR_MODE = 0o700
FILE_MODE = 0o600


def private_dir(path: Path, root: Path | None = None) -> Path:
    """Create ``path`` (and parents); it and every folder between ``root`` and it are 0700.

    Existing folders are tightened too (an area created 0755 before this rule)."""
    path = Path(path)
    path.mkdir(mode=DIR_MODE, parents=True, exist_ok=True)
    chain = [path]
    if root is not None:
        root = Path(root)
        chain = [root, *[p for p in path.parents if root in p.parents], path]
    for folder in chain:
        if folder.is_dir() and stat.S_IMODE(folder.stat().st_mode) != DIR_MODE:
            os.chmod(folder, DIR_MODE)
    return path


def restrict(path: Path) -> None:
    """Make an existing file 0600 (no-op when it is missing)."""
    with contextlib.suppress(FileNotFoundError):
        if stat.S_IMODE(os.stat(path).st_mode) != FILE_MODE:
            os.chmod(path, FILE_MODE)


def open_private(path: Path, mode: str = "w", **kwargs: Any) -> IO[Any]:
    """``open(path, mode)`` for writing, the file created (or truncated) 0600."""
    flags = os.O_WRONLY | os.O_CREAT | (os.O_APPEND if "a" in mode else os.O_TRUNC)
    descriptor = os.open(path, flags, FILE_MODE)
    os.fchmod(descriptor, FILE_MODE)
    return os.fdopen(descriptor, mode, **kwargs)


def write_private(path: Path, data: str | bytes, encoding: str = "utf-8") -> None:
    if isinstance(data, bytes):
        with open_private(path, "wb") as handle:
            handle.write(data)
    else:
        with open_private(path, "w", encoding=encoding) as handle:
            handle.write(data)


def copy_private(source: Path, target: Path, keep_times: bool = False) -> None:
    """Copy ``source`` to ``target`` created 0600 (``keep_times``: same access/modification time)."""
    with open(source, "rb") as src, open_private(target, "wb") as dst:
        shutil.copyfileobj(src, dst, 1 << 20)
    if keep_times:
        st = os.stat(source)
        os.utime(target, ns=(st.st_atime_ns, st.st_mtime_ns))


def read_or_create_secret(path: Path, size: int = 32) -> bytes:
    """The secret in ``path``, created 0600 on first use (safe when several workers race)."""
    if path.exists():
        return path.read_bytes()
    private_dir(path.parent)  # secrets/: 0700
    tmp = path.with_name(f".{path.name}.{os.getpid()}")
    descriptor = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, FILE_MODE)
    with os.fdopen(descriptor, "wb") as handle:
        handle.write(os.urandom(size))
    try:
        os.link(tmp, path)  # fails if another process created it first: keep theirs
    except FileExistsError:
        pass
    finally:
        tmp.unlink()
    return path.read_bytes()


def tighten_tree(root: Path) -> None:
    """Make ``root`` and every folder below it 0700 and every file 0600 (an area created with
    looser modes before this rule). Symbolic links are not followed."""
    if not root.is_dir():
        return
    private_dir(root)
    for folder, dirs, files in os.walk(root):
        for name in dirs:
            path = Path(folder) / name
            if not path.is_symlink():
                private_dir(path)
        for name in files:
            path = Path(folder) / name
            if not path.is_symlink():
                restrict(path)


def scratch_dir(warehouse: Path, create: bool = True) -> Path:
    """``<landing>/.scratch``: scratch databases and spill files of the builds (0700)."""
    layout = Layout(warehouse)
    return private_dir(layout.scratch, root=layout.landing) if create else layout.scratch


def _remove(path: Path) -> None:
    if path.is_dir() and not path.is_symlink():
        shutil.rmtree(path, ignore_errors=True)
    else:
        with contextlib.suppress(FileNotFoundError):
            path.unlink()


def scratch_leftovers(warehouse: Path) -> list[Path]:
    """Scratch databases and spill folders of ``warehouse``'s builds, and those kept beside the
    warehouse by versions before the restricted scratch folder."""
    found = list(warehouse.parent.glob(f".{warehouse.name}.survey_scratch_*"))
    folder = scratch_dir(warehouse, create=False)
    if folder.is_dir():
        found += folder.glob(f"{warehouse.name}.*")
    return found


def build_leftovers(warehouse: Path) -> list[Path]:
    """Everything a killed build of ``warehouse`` leaves: scratch files and ``<warehouse>.tmp``."""
    tmp = Layout(warehouse).tmp
    extra = [tmp, tmp.with_name(tmp.name + ".wal"), tmp.with_name(tmp.name + ".tmp")]
    return scratch_leftovers(warehouse) + [p for p in extra if os.path.lexists(p)]


def remove_build_leftovers(warehouse: Path) -> None:
    """Delete :func:`build_leftovers` (call it holding the build lock)."""
    for path in build_leftovers(warehouse):
        _remove(path)


@contextlib.contextmanager
def _try_build_lock(warehouse: Path) -> Iterator[bool]:
    """Hold ``<warehouse>.lock`` if no build (or rollback) holds it; yields whether it was taken
    (for the clean-up below; builds and rollbacks take :func:`warehouse.lock.build_lock`)."""
    try:
        descriptor = os.open(Layout(warehouse).lock, os.O_WRONLY | os.O_CREAT, FILE_MODE)
    except OSError:
        yield False
        return
    try:
        try:
            fcntl.flock(descriptor, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except OSError:
            yield False
            return
        yield True
    finally:
        os.close(descriptor)  # releases the lock


def remove_leftovers(warehouse: Path) -> bool:
    """Delete what killed builds of ``warehouse`` left, unless a build is running now.

    Cheap when there is nothing to delete (a few ``stat`` calls; the lock is only taken when
    something is found). Returns whether something was deleted. Never raises."""
    try:
        if not build_leftovers(warehouse):
            return False
        with _try_build_lock(warehouse) as locked:
            if not locked:
                return False  # a running build owns them
            remove_build_leftovers(warehouse)
        return True
    except OSError:
        return False
