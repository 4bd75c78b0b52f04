"""Where a warehouse and the files kept beside it live.

Everything a deployment writes sits in the warehouse's folder, never in the repository::

    <dir>/<name>.duckdb        the warehouse (swapped in atomically by each build)
    <dir>/<name>.duckdb.lock   held by a build or a rollback
    <dir>/landing/             restricted: landed survey files, quarantine, registry, .scratch/
    <dir>/history/             restricted: the last builds, for rollback
    <dir>/secrets/             restricted: pseudonymisation key, Flask secret key
    <dir>/admin/               coordinators' accounts, audit log, login throttle, staged uploads
    <dir>/editions/            published editions of the public tables
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path

from core.errors import Explained
from core.settings import DEFAULT_WAREHOUSE, settings

SCRATCH = ".scratch"


def warehouse_path(arg: str | os.PathLike[str] | None = None) -> Path:
    """The warehouse file: ``--warehouse`` argument, else $SECTOR_MONITOR_WAREHOUSE, else default.

    Every command resolves its warehouse here, so this is also where the restricted leftovers of
    a killed build (scratch databases with raw answers, ``<warehouse>.tmp``) are removed when no
    build is running (:func:`warehouse.private.remove_leftovers`)."""
    from warehouse.private import remove_leftovers

    chosen = arg or settings().warehouse or DEFAULT_WAREHOUSE
    path = Path(chosen).expanduser().resolve()
    refuse_other_file(path)
    remove_leftovers(path)
    return path


class NotAWarehouseError(Explained, ValueError):
    """The warehouse path names a folder or a file that is not a DuckDB database."""


DUCKDB_MAGIC = b"DUCK"  # bytes 8-11 of every DuckDB database file


def refuse_other_file(path: Path) -> None:
    """Refuse a warehouse path that names a folder, or an existing file that is not a DuckDB
    database: a build would replace it (a note, a spreadsheet...) with a warehouse."""
    if path.is_dir():
        example = path / "warehouse.duckdb"
        raise NotAWarehouseError.about(
            path,
            f"c'est un dossier. Donnez le chemin du fichier de l'entrepôt, par exemple {example}.",
            f"dit is een map. Geef het pad van het bestand van de datawarehouse, bijvoorbeeld {example}.",
            f"this is a folder. Give the path of the warehouse file, for example {example}.",
        )
    if path.is_file():
        with path.open("rb") as handle:
            magic = handle.read(12)[8:]
        if magic != DUCKDB_MAGIC:
            raise NotAWarehouseError.about(
                path,
                "ce fichier n'est pas un entrepôt (une base DuckDB) : il n'est ni lu ni remplacé. "
                "Vérifiez --warehouse ou $SECTOR_MONITOR_WAREHOUSE.",
                "dit bestand is geen datawarehouse (een DuckDB-databank): het wordt niet gelezen of "
                "vervangen. Controleer --warehouse of $SECTOR_MONITOR_WAREHOUSE.",
                "this file is not a warehouse (a DuckDB database): it is neither read nor replaced. "
                "Check --warehouse or $SECTOR_MONITOR_WAREHOUSE.",
            )


@dataclass(frozen=True)
class Layout:
    """The on-disk layout beside the warehouse file ``warehouse``."""

    warehouse: Path

    @property
    def root(self) -> Path:
        """The folder holding the warehouse and everything beside it."""
        return self.warehouse.parent

    @property
    def lock(self) -> Path:
        """``<warehouse>.lock``: held by a build or a rollback (:mod:`warehouse.lock`)."""
        return self.warehouse.with_name(self.warehouse.name + ".lock")

    @property
    def tmp(self) -> Path:
        """``<warehouse>.tmp``: the file a build writes before it is swapped in."""
        return self.warehouse.with_name(self.warehouse.name + ".tmp")

    @property
    def landing(self) -> Path:
        """Restricted landing area (raw uploads, quarantine, free text)."""
        return self.root / "landing"

    @property
    def scratch(self) -> Path:
        """``<landing>/.scratch``: scratch databases and spill files of the builds."""
        return self.landing / SCRATCH

    @property
    def guard_cache(self) -> Path:
        """``<landing>/.guard``: the restricted values of each survey file read (for the privacy
        guard of builds that reuse the file's rows instead of reading it again)."""
        return self.landing / ".guard"

    @property
    def history(self) -> Path:
        """Earlier builds kept for rollback (:mod:`warehouse.history`)."""
        return self.root / "history"

    @property
    def secrets(self) -> Path:
        return self.root / "secrets"

    @property
    def pseudonym_key(self) -> Path:
        """Pseudonymisation key file: beside the warehouse, never inside it."""
        return self.secrets / "pseudonym.key"

    @property
    def flask_key(self) -> Path:
        """The Flask secret key (signs the admin session cookies)."""
        return self.secrets / "flask.key"

    @property
    def admin(self) -> Path:
        """The coordinators' workspace: users, audit log, login throttle, staged uploads."""
        return self.root / "admin"

    @property
    def users(self) -> Path:
        """The accounts file: $SECTOR_MONITOR_ADMIN_USERS, else ``<admin>/users.json``."""
        chosen = settings().admin_users
        return chosen.resolve() if chosen else self.admin / "users.json"

    @property
    def audit_log(self) -> Path:
        return self.admin / "audit.log"

    @property
    def throttle_db(self) -> Path:
        return self.admin / "login_failures.sqlite3"

    @property
    def staging(self) -> Path:
        """Uploads staged by the coordinators, each with its candidate build."""
        return self.admin / "staging"

    @property
    def publish_lock(self) -> Path:
        return self.admin / "publish.lock"

    @property
    def editions(self) -> Path:
        """Published editions (:mod:`exports.editions`)."""
        return self.root / "editions"
