"""The audit log of the survey data: one JSON object per line (who did what to which file,
when), written by the services and the admin area, shown in the admin area.

It names users and uploaded files: the log is 0600 and its folder 0700, whatever the umask."""

from __future__ import annotations

import datetime as dt
import fcntl
import json
from pathlib import Path
from typing import Any

from warehouse.private import open_private, private_dir, restrict


def record(path: Path, user: str, action: str, **details: Any) -> dict[str, Any]:
    """Append an entry (``at`` UTC, ``user``, ``action`` and the details); return it."""
    entry = {
        "at": dt.datetime.now(dt.UTC).isoformat(timespec="seconds"),
        "user": user,
        "action": action,
        **details,
    }
    private_dir(path.parent)
    restrict(path)  # a log created before this rule
    with open_private(path, "a", encoding="utf-8") as handle:
        fcntl.flock(handle, fcntl.LOCK_EX)
        handle.write(json.dumps(entry, ensure_ascii=False) + "\n")
    return entry


def entries(path: Path, last: int = 20) -> list[dict[str, Any]]:
    """The ``last`` entries, newest first."""
    if not path.exists():
        return []
    lines = path.read_text(encoding="utf-8").splitlines()[-last:]
    return [json.loads(line) for line in reversed(lines) if line.strip()]
