"""Coordinator accounts: a JSON file of argon2id password hashes (argon2-cffi)."""

from __future__ import annotations

import datetime as dt
import getpass
import json
import os
import re
from pathlib import Path

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError

from admin.paths import users_file

HASHER = PasswordHasher()
USER_NAME = re.compile(r"^[A-Za-z0-9._-]{1,64}$")
MIN_PASSWORD = 12
#: Verified when the user does not exist, so that a wrong name costs as long as a wrong password.
_DUMMY_HASH = HASHER.hash("not a password")


def load_users(path: Path) -> dict[str, dict]:
    """``name -> {"hash": ..., "created": ...}``; empty when the file does not exist."""
    if not path.exists():
        return {}
    return json.loads(path.read_text(encoding="utf-8")).get("users", {})


def add_user(path: Path, name: str, password: str) -> None:
    """Create or replace the account ``name`` (written atomically, file mode 0600)."""
    if not USER_NAME.match(name):
        raise ValueError("user names use letters, digits, '.', '_' or '-' (at most 64)")
    if len(password) < MIN_PASSWORD:
        raise ValueError(f"the password needs at least {MIN_PASSWORD} characters")
    users = load_users(path)
    users[name] = {"hash": HASHER.hash(password),
                   "created": dt.datetime.now(dt.UTC).isoformat(timespec="seconds")}
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_name(path.name + ".tmp")
    descriptor = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(descriptor, "w", encoding="utf-8") as handle:
        json.dump({"users": users}, handle, indent=2)
    os.replace(tmp, path)


def verify(path: Path, name: str, password: str) -> bool:
    """Whether ``password`` is that of ``name`` (constant work for unknown users)."""
    stored = load_users(path).get(name, {}).get("hash")
    try:
        return HASHER.verify(stored or _DUMMY_HASH, password) and stored is not None
    except (VerificationError, InvalidHashError):
        return False


def add_user_command(warehouse: Path, name: str) -> int:
    """``sector-monitor admin add-user NAME``: ask the password twice, store its hash.

    Returns the exit code (0 done, 1 refused)."""
    password = getpass.getpass(f"Password for {name}: ")
    if password != getpass.getpass("Repeat the password: "):
        print("The passwords differ: nothing changed.")
        return 1
    path = users_file(warehouse)
    try:
        add_user(path, name, password)
    except ValueError as exc:
        print(f"Refused: {exc}.")
        return 1
    print(f"User {name} saved in {path}.")
    return 0
