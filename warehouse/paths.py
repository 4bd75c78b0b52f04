"""Where the warehouse and its restricted landing area live."""

from __future__ import annotations

import os
from pathlib import Path

DEFAULT_WAREHOUSE = Path("var/warehouse.duckdb")
ENV_WAREHOUSE = "SECTOR_MONITOR_WAREHOUSE"


def warehouse_path(arg: str | os.PathLike[str] | None = None) -> Path:
    """The warehouse file: ``--warehouse`` argument, else $SECTOR_MONITOR_WAREHOUSE, else default.

    Every command resolves its warehouse here, so this is also where the restricted leftovers of
    a killed build (scratch databases with raw answers, ``<warehouse>.tmp``) are removed when no
    build is running (:func:`warehouse.private.remove_leftovers`)."""
    from warehouse.private import remove_leftovers

    chosen = arg or os.environ.get(ENV_WAREHOUSE) or DEFAULT_WAREHOUSE
    path = Path(chosen).expanduser().resolve()
    remove_leftovers(path)
    return path


def landing_dir(warehouse: Path) -> Path:
    """Restricted landing area beside the warehouse (raw uploads, quarantine, free text)."""
    return warehouse.parent / "landing"


def admin_dir(warehouse: Path) -> Path:
    """Restricted folder of the coordinators' workspace beside the warehouse: users, audit log,
    login throttle, staged uploads."""
    return warehouse.parent / "admin"


def key_file(warehouse: Path) -> Path:
    """Pseudonymisation key file: beside the warehouse, never inside it."""
    return warehouse.parent / "secrets" / "pseudonym.key"
