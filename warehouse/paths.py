"""Where the warehouse and its restricted landing area live."""

from __future__ import annotations

import os
from pathlib import Path

DEFAULT_WAREHOUSE = Path("var/warehouse.duckdb")
ENV_WAREHOUSE = "SECTOR_MONITOR_WAREHOUSE"


def warehouse_path(arg: str | os.PathLike[str] | None = None) -> Path:
    """The warehouse file: ``--warehouse`` argument, else $SECTOR_MONITOR_WAREHOUSE, else default."""
    chosen = arg or os.environ.get(ENV_WAREHOUSE) or DEFAULT_WAREHOUSE
    return Path(chosen).expanduser().resolve()


def landing_dir(warehouse: Path) -> Path:
    """Restricted landing area beside the warehouse (raw uploads, quarantine, free text)."""
    return warehouse.parent / "landing"


def key_file(warehouse: Path) -> Path:
    """Pseudonymisation key file: beside the warehouse, never inside it."""
    return warehouse.parent / "secrets" / "pseudonym.key"
