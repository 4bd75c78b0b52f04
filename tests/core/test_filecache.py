"""A value of a file is computed once per version of the file."""

from __future__ import annotations

import os
from pathlib import Path

from core.filecache import PerFileVersion


def test_computed_once_until_the_file_changes(tmp_path: Path) -> None:
    reads: list[Path] = []

    @PerFileVersion
    def size(path: Path) -> int:
        reads.append(path)
        return len(path.read_bytes())

    path = tmp_path / "export.csv"
    path.write_bytes(b"a;b\n1;2\n")
    assert size(path) == size(path) == 8 and len(reads) == 1
    path.write_bytes(b"a;b\n1;2\n3;4\n")  # another size
    assert size(path) == 12 and len(reads) == 2
    path.write_bytes(b"a;b\n5;6\n7;8\n")  # same size, later modification time
    stat = path.stat()
    os.utime(path, ns=(stat.st_atime_ns, stat.st_mtime_ns + 1_000_000))
    assert size(path) == 12 and len(reads) == 3
    assert size.cache_info().misses == 3
