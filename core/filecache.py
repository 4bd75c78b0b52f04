"""Values computed from a file once per version of the file, in this process: an ingest reads
the same export for its header check, its input key, the build and the landing registry."""

from __future__ import annotations

import functools
from collections.abc import Callable
from pathlib import Path
from typing import Generic, TypeVar

T = TypeVar("T")


class PerFileVersion(Generic[T]):
    """``fn(path)``, computed again only when the file changed (another inode, size or
    modification time). The value is shared between callers: they must not modify it."""

    def __init__(self, fn: Callable[[Path], T], maxsize: int = 64) -> None:
        functools.update_wrapper(self, fn)
        self._cached = functools.lru_cache(maxsize=maxsize)(
            lambda path, inode, size, mtime_ns: fn(path)  # the other arguments key the cache
        )

    def __call__(self, path: Path) -> T:
        status = path.stat()
        return self._cached(path, status.st_ino, status.st_size, status.st_mtime_ns)

    def cache_clear(self) -> None:
        self._cached.cache_clear()

    def cache_info(self) -> functools._CacheInfo:
        return self._cached.cache_info()
