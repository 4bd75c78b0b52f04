"""The build lock: one build (or rollback) of a warehouse at a time."""

from __future__ import annotations

import fcntl
import os
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from core.errors import Explained
from warehouse.layout import Layout
from warehouse.private import FILE_MODE


class BuildLockedError(Explained, RuntimeError):
    """Another build of the same warehouse is running."""


@contextmanager
def build_lock(path: Path) -> Iterator[None]:
    """Hold ``<path>.lock`` exclusively (builds and rollbacks); fail at once if it is taken."""
    path.parent.mkdir(parents=True, exist_ok=True)
    descriptor = os.open(Layout(path).lock, os.O_WRONLY | os.O_CREAT, FILE_MODE)
    with os.fdopen(descriptor, "w") as lock:
        try:
            fcntl.flock(lock, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError as exc:
            raise BuildLockedError(
                f"une autre construction de {path} est en cours ; réessayez quand elle sera terminée",
                f"er loopt al een andere opbouw van {path}; probeer opnieuw wanneer die klaar is",
                f"another build of {path} is running; try again when it ends",
            ) from exc
        yield
