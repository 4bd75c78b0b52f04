"""Login throttling: at most N failed logins per user and address in a time window.

Failures are kept in a small SQLite file so that every server worker sees the same count.
"""

from __future__ import annotations

import sqlite3
import time
from pathlib import Path

MAX_FAILURES = 5
WINDOW_S = 15 * 60


class LoginThrottle:
    def __init__(self, path: Path, max_failures: int = MAX_FAILURES,
                 window_s: float = WINDOW_S) -> None:
        self.path, self.max_failures, self.window_s = path, max_failures, window_s

    def _connect(self) -> sqlite3.Connection:
        self.path.parent.mkdir(parents=True, exist_ok=True)
        con = sqlite3.connect(self.path, timeout=10)
        con.execute("CREATE TABLE IF NOT EXISTS failures (key TEXT NOT NULL, at REAL NOT NULL)")
        return con

    def blocked(self, user: str, address: str) -> bool:
        """Whether ``user`` from ``address`` has used up its failures in the window."""
        with self._connect() as con:
            (count,) = con.execute("SELECT count(*) FROM failures WHERE key = ? AND at > ?",
                                   [f"{user}|{address}", time.time() - self.window_s]).fetchone()
        return count >= self.max_failures

    def failed(self, user: str, address: str) -> None:
        now = time.time()
        with self._connect() as con:
            con.execute("DELETE FROM failures WHERE at <= ?", [now - self.window_s])
            con.execute("INSERT INTO failures VALUES (?, ?)", [f"{user}|{address}", now])

    def succeeded(self, user: str, address: str) -> None:
        with self._connect() as con:
            con.execute("DELETE FROM failures WHERE key = ?", [f"{user}|{address}"])
