"""Where the coordinator workspace keeps its files: all beside the warehouse, never in the repo."""

from __future__ import annotations

import os
from pathlib import Path

from warehouse.paths import admin_dir
from warehouse.private import private_dir

ENV_USERS = "SECTOR_MONITOR_ADMIN_USERS"


def users_file(warehouse: Path) -> Path:
    """The accounts file: $SECTOR_MONITOR_ADMIN_USERS, else ``<warehouse dir>/admin/users.json``."""
    chosen = os.environ.get(ENV_USERS)
    return Path(chosen).expanduser().resolve() if chosen else admin_dir(warehouse) / "users.json"


def secret_key_file(warehouse: Path) -> Path:
    """The Flask secret key (signs session cookies): ``<warehouse dir>/secrets/flask.key``."""
    return warehouse.parent / "secrets" / "flask.key"


def throttle_db(warehouse: Path) -> Path:
    return admin_dir(warehouse) / "login_failures.sqlite3"


def staging_root(warehouse: Path) -> Path:
    return admin_dir(warehouse) / "staging"


def publish_lock(warehouse: Path) -> Path:
    return admin_dir(warehouse) / "publish.lock"


def read_or_create_secret(path: Path, size: int = 32) -> bytes:
    """The secret in ``path``, created 0600 on first use (safe when several workers race)."""
    if path.exists():
        return path.read_bytes()
    private_dir(path.parent)  # secrets/: 0700
    tmp = path.with_name(f".{path.name}.{os.getpid()}")
    descriptor = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(descriptor, "wb") as handle:
        handle.write(os.urandom(size))
    try:
        os.link(tmp, path)  # fails if another process created it first: keep theirs
    except FileExistsError:
        pass
    finally:
        tmp.unlink()
    return path.read_bytes()
