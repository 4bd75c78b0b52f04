"""Coordinator accounts: a JSON file of argon2id password hashes (argon2-cffi).

Each account also holds a random *session generation*. A session records the generation it
was opened with and is valid only while the account still has it: logging out and resetting
the password draw a new one, which ends every earlier session of that user on the server
side (the session cookie itself cannot be revoked). Writes are serialised by an exclusive
lock on ``<users file>.lock``, so a web worker's logout and a concurrent ``admin add-user``
do not lose each other's change.
"""

from __future__ import annotations

import datetime as dt
import fcntl
import json
import os
import re
import secrets
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError

HASHER = PasswordHasher()
USER_NAME = re.compile(r"^[A-Za-z0-9._-]{1,64}$")
MIN_PASSWORD = 12
#: Verified when the user does not exist, so that a wrong name costs as long as a wrong password.
_DUMMY_HASH = HASHER.hash("not a password")


def load_users(path: Path) -> dict[str, dict]:
    """``name -> {"hash", "created", "session_generation"}``; empty when the file does not exist."""
    if not path.exists():
        return {}
    return json.loads(path.read_text(encoding="utf-8")).get("users", {})


@contextmanager
def _locked(path: Path) -> Iterator[None]:
    """Hold the exclusive write lock of the users file ``path`` (lock file 0600)."""
    path.parent.mkdir(parents=True, exist_ok=True)
    descriptor = os.open(path.with_name(path.name + ".lock"), os.O_RDWR | os.O_CREAT, 0o600)
    try:
        fcntl.flock(descriptor, fcntl.LOCK_EX)
        yield
    finally:
        os.close(descriptor)  # releases the lock


def _write(path: Path, users: dict[str, dict]) -> None:
    """Replace the users file atomically (mode 0600); call with the lock held."""
    tmp = path.with_name(path.name + ".tmp")
    descriptor = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(descriptor, "w", encoding="utf-8") as handle:
        json.dump({"users": users}, handle, indent=2)
    os.replace(tmp, path)


def _update(path: Path, change: Callable[[dict[str, dict]], None]) -> None:
    with _locked(path):
        users = load_users(path)
        change(users)
        _write(path, users)


def new_generation() -> str:
    return secrets.token_hex(16)


class AccountRefused(ValueError):
    """An account that cannot be saved; ``reason`` names why (``bad_name``, ``short_password``)
    for a caller that says it in the user's language."""

    def __init__(self, reason: str, message: str) -> None:
        super().__init__(message)
        self.reason = reason


def add_user(path: Path, name: str, password: str) -> None:
    """Create or replace the account ``name`` (written atomically, file mode 0600).

    Replacing an account (a password reset) ends every session opened before."""
    if not USER_NAME.match(name):
        raise AccountRefused("bad_name", "user names use letters, digits, '.', '_' or '-' (at most 64)")
    if len(password) < MIN_PASSWORD:
        raise AccountRefused("short_password", f"the password needs at least {MIN_PASSWORD} characters")
    entry = {
        "hash": HASHER.hash(password),
        "created": dt.datetime.now(dt.UTC).isoformat(timespec="seconds"),
        "session_generation": new_generation(),
    }
    _update(path, lambda users: users.__setitem__(name, entry))


def session_generation(path: Path, name: str) -> str | None:
    """The current session generation of ``name`` ("" for accounts written before sessions
    had one), or None when the account does not exist."""
    user = load_users(path).get(name)
    return None if user is None else user.get("session_generation", "")


def end_sessions(path: Path, name: str) -> None:
    """End every session of ``name`` (a new session generation); no-op for unknown users."""

    def change(users: dict[str, dict]) -> None:
        if name in users:
            users[name]["session_generation"] = new_generation()

    _update(path, change)


def verify(path: Path, name: str, password: str) -> bool:
    """Whether ``password`` is that of ``name`` (constant work for unknown users)."""
    stored = load_users(path).get(name, {}).get("hash")
    try:
        return HASHER.verify(stored or _DUMMY_HASH, password) and stored is not None
    except (VerificationError, InvalidHashError):
        return False
