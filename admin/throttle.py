"""Login throttling: at most N failed logins per user and address, and M per address (any
user names), in a time window.

Attempts are kept in a small SQLite file so that every server worker and thread sees the
same count. A login *reserves* its attempt before the password is checked, in one write
transaction with the count (``BEGIN IMMEDIATE``): concurrent wrong logins cannot all pass
the check before any failure is recorded. A reserved attempt counts as a failure until
:meth:`LoginThrottle.succeeded` removes it.
"""

from __future__ import annotations

import os
import sqlite3
import time
from pathlib import Path

MAX_FAILURES = 5  # per user name and address
MAX_ADDRESS_FAILURES = 20  # per address, whatever the user names
WINDOW_S = 15 * 60


class LoginThrottle:
    def __init__(
        self,
        path: Path,
        max_failures: int = MAX_FAILURES,
        window_s: float = WINDOW_S,
        max_address_failures: int = MAX_ADDRESS_FAILURES,
    ) -> None:
        self.path, self.max_failures, self.window_s = path, max_failures, window_s
        self.max_address_failures = max_address_failures

    def _connect(self) -> sqlite3.Connection:
        self.path.parent.mkdir(parents=True, exist_ok=True)
        if not self.path.exists():  # user names and addresses: private (0600) from the start
            os.close(os.open(self.path, os.O_WRONLY | os.O_CREAT, 0o600))
        con = sqlite3.connect(self.path, timeout=30, isolation_level=None)
        con.execute(
            "CREATE TABLE IF NOT EXISTS attempts "
            "(user TEXT NOT NULL, address TEXT NOT NULL, at REAL NOT NULL)"
        )
        con.execute("CREATE INDEX IF NOT EXISTS attempts_address ON attempts (address, at)")
        return con

    def reserve(self, user: str, address: str) -> bool:
        """Count one login attempt of ``user`` from ``address``, atomically with the check.

        Returns False (nothing recorded) when the user from that address, or the address
        with any user names, has used up its failures in the window."""
        now = time.time()
        con = self._connect()
        try:
            con.execute("BEGIN IMMEDIATE")  # one writer at a time: check and insert together
            con.execute("DELETE FROM attempts WHERE at <= ?", [now - self.window_s])
            (by_address, by_user) = con.execute(
                "SELECT count(*), count(*) FILTER (WHERE user = ?) FROM attempts WHERE address = ?",
                [user, address],
            ).fetchone()
            allowed = by_user < self.max_failures and by_address < self.max_address_failures
            if allowed:
                con.execute("INSERT INTO attempts (user, address, at) VALUES (?, ?, ?)", [user, address, now])
            con.execute("COMMIT")
            return allowed
        except BaseException:
            if con.in_transaction:
                con.execute("ROLLBACK")
            raise
        finally:
            con.close()

    def blocked(self, user: str, address: str) -> bool:
        """Whether a login of ``user`` from ``address`` would be refused now (read only)."""
        con = self._connect()
        try:
            (by_address, by_user) = con.execute(
                "SELECT count(*), count(*) FILTER (WHERE user = ?) FROM attempts "
                "WHERE address = ? AND at > ?",
                [user, address, time.time() - self.window_s],
            ).fetchone()
        finally:
            con.close()
        return by_user >= self.max_failures or by_address >= self.max_address_failures

    def succeeded(self, user: str, address: str) -> None:
        """The password was right: forget the failures of ``user`` from ``address`` (the
        address's failures on other user names stay counted)."""
        con = self._connect()
        try:
            con.execute("DELETE FROM attempts WHERE user = ? AND address = ?", [user, address])
        finally:
            con.close()
