"""Named editions: the public tables frozen as Parquet files with a manifest, kept side by side
(``var/editions/2024.1/``), each with a changelog of the values changed since the previous one
and a suggested citation. Editions are never overwritten."""

from __future__ import annotations

import json
import re
import shutil
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import duckdb
import numpy as np
import pandas as pd
import pyarrow.compute as pc

from core.errors import Explained
from exports.csv_safety import safe_csv
from exports.public_tables import (
    PRODUCT,
    PUBLIC_TABLES,
    available_tables,
    build_id,
    read_table,
    sha256_of,
    write_parquet,
)
from pipeline.results import Result
from warehouse.layout import Layout, warehouse_path
from warehouse.reader import Reader


class EditionNameError(Explained, ValueError):
    """An edition name that is not valid."""


class EditionExistsError(Explained, FileExistsError):
    """An edition that is already published (editions are never overwritten)."""


EDITION_NAME = re.compile(r"[0-9A-Za-z][0-9A-Za-z._-]{0,31}")
MANIFEST = "manifest.json"
#: Tables whose values the changelog follows, with the compared column.
TRACKED_VALUES = {"indicator_values": "estimate", "statistics": "value"}


def _resolve(editions_dir: Path | None) -> Path:
    return editions_dir if editions_dir is not None else Layout(warehouse_path()).editions


def check_edition_name(edition: str) -> str:
    """``edition`` if it is a valid name (letters, digits, ``._-``, at most 32), else ValueError."""
    if not EDITION_NAME.fullmatch(edition):
        raise EditionNameError(
            f"nom d'édition non valable : {edition!r} (lettres, chiffres, « . », « _ » ou « - », 32 au plus)",
            f"ongeldige editienaam: {edition!r} (letters, cijfers, '.', '_' of '-', hoogstens 32)",
            f"invalid edition name: {edition!r} (letters, digits, '.', '_' or '-', at most 32)",
        )
    return edition


def edition_citation(edition: str, published_on: str, synthetic: bool) -> str:
    """Suggested citation of an edition."""
    text = (
        f"{PRODUCT}. Public data, edition {edition} (published {published_on}). "
        "Tables and SHA-256 checksums in manifest.json."
    )
    marked = " Survey figures with synthetic = true are computed from SYNTHETIC data."
    return text + (marked if synthetic else "")


def publish_edition(warehouse: Path, edition: str, editions_dir: Path) -> Path:
    """Freeze every public table of ``warehouse`` as edition ``edition`` under ``editions_dir``.

    Writes ``<table>.parquet``, ``changelog_<table>.csv`` (values added, removed or changed
    since the latest earlier edition) and ``manifest.json`` (checksums, row counts, change
    counts, citation) into a temporary folder renamed into place at the end. Returns the
    edition folder; raises FileExistsError if the edition already exists.
    """
    target = editions_dir / check_edition_name(edition)
    if target.exists():
        raise EditionExistsError(
            f"l'édition {edition} existe déjà : {target} (une édition n'est jamais remplacée)",
            f"editie {edition} bestaat al: {target} (een editie wordt nooit overschreven)",
            f"edition {edition} already exists: {target} (an edition is never overwritten)",
        )
    previous = list_editions(editions_dir)
    reader = Reader(warehouse)
    tmp = editions_dir / f".{edition}.tmp"
    shutil.rmtree(tmp, ignore_errors=True)
    tmp.mkdir(parents=True)
    tables: dict[str, dict[str, Any]] = {}
    synthetic = False
    for name in available_tables(reader):
        table = read_table(reader, name)
        write_parquet(table, tmp / f"{name}.parquet")
        tables[name] = {
            "path": f"{name}.parquet",
            "rows": table.num_rows,
            "sha256": sha256_of(tmp / f"{name}.parquet"),
        }
        if "synthetic" in table.column_names:
            synthetic = synthetic or bool(pc.any(table.column("synthetic")).as_py())
    changes: dict[str, dict[str, int]] = {}
    for name, column in TRACKED_VALUES.items():
        if name not in tables:
            continue
        current = pd.read_parquet(tmp / f"{name}.parquet")
        before = (
            load_edition_table(previous[-1]["edition"], name, editions_dir)
            if previous and name in previous[-1]["tables"]
            else current.iloc[0:0]
        )
        log = diff_values(before, current, PUBLIC_TABLES[name], column)
        safe_csv(log, tmp / f"changelog_{name}.csv")
        changes[name] = {kind: int((log["change"] == kind).sum()) for kind in ("added", "removed", "changed")}
    published_at = datetime.now(UTC)
    manifest = {
        "edition": edition,
        "published_at": published_at.isoformat(),
        "previous_edition": previous[-1]["edition"] if previous else None,
        "warehouse_build_id": build_id(reader),
        "synthetic": synthetic,
        "citation": edition_citation(edition, published_at.date().isoformat(), synthetic),
        "tables": tables,
        "changes": changes,
    }
    (tmp / MANIFEST).write_text(json.dumps(manifest, indent=2, ensure_ascii=False) + "\n", encoding="utf-8")
    tmp.rename(target)
    return target


@dataclass(frozen=True)
class Published:
    folder: Path
    manifest: dict[str, Any]


def publish(warehouse: Path, edition: str) -> Result[Published]:
    """The publish service: freeze the public tables of ``warehouse`` as edition ``edition``
    in the editions folder beside it (:func:`publish_edition`); refused for an invalid name or
    an edition that exists (nothing is written)."""
    editions_dir = Layout(warehouse).editions
    try:
        folder = publish_edition(warehouse, edition, editions_dir)
    except (EditionNameError, EditionExistsError) as exc:
        return Result.refused(exc.messages)
    return Result.done(Published(folder, edition_manifest(edition, editions_dir)))


def diff_values(
    previous: pd.DataFrame, current: pd.DataFrame, keys: tuple[str, ...], column: str
) -> pd.DataFrame:
    """Rows (by ``keys``) added, removed, or whose ``column`` changed (NULL vs NULL is equal):
    the keys, ``change``, ``<column>_previous`` and ``<column>``, sorted by key."""
    merged = previous[[*keys, column]].merge(
        current[[*keys, column]], on=list(keys), how="outer", suffixes=("_previous", ""), indicator=True
    )
    old, new = merged[f"{column}_previous"], merged[column]
    same = (old == new) | (old.isna() & new.isna())
    merged["change"] = np.select(
        [merged["_merge"] == "right_only", merged["_merge"] == "left_only", ~same],
        ["added", "removed", "changed"],
        default="",
    )
    log = merged.loc[merged["change"] != "", [*keys, "change", f"{column}_previous", column]]
    return log.sort_values(list(keys)).reset_index(drop=True)


def list_editions(editions_dir: Path | None = None) -> list[dict[str, Any]]:
    """Manifests of the published editions, oldest first."""
    root = _resolve(editions_dir)
    manifests = (
        [
            json.loads(path.read_text(encoding="utf-8"))
            for path in root.glob(f"*/{MANIFEST}")
            if EDITION_NAME.fullmatch(path.parent.name)
        ]
        if root.is_dir()
        else []
    )
    return sorted(manifests, key=lambda m: (m["published_at"], m["edition"]))


def edition_manifest(edition: str, editions_dir: Path | None = None) -> dict[str, Any]:
    """The manifest of one edition; LookupError if it does not exist."""
    path = _resolve(editions_dir) / check_edition_name(edition) / MANIFEST
    if not path.is_file():
        raise LookupError(f"no edition {edition!r}")
    return json.loads(path.read_text(encoding="utf-8"))


def edition_file(edition: str, table: str, editions_dir: Path | None = None) -> Path:
    """The Parquet file of ``table`` in ``edition``, checked against the manifest's SHA-256;
    LookupError if the edition or table does not exist, ValueError if the file was altered."""
    manifest = edition_manifest(edition, editions_dir)
    entry = manifest["tables"].get(table)
    if entry is None:
        raise LookupError(f"edition {edition} has no table {table!r}")
    path = _resolve(editions_dir) / edition / entry["path"]
    if sha256_of(path) != entry["sha256"]:
        raise ValueError(f"{path} does not match the checksum of edition {edition}")
    return path


def load_edition_table(edition: str, table: str, editions_dir: Path | None = None) -> pd.DataFrame:
    """One public table as frozen in ``edition``."""
    return pd.read_parquet(edition_file(edition, table, editions_dir))


def edition_changelog(edition: str, table: str, editions_dir: Path | None = None) -> pd.DataFrame:
    """The changelog of ``table`` (one of ``TRACKED_VALUES``) in ``edition``."""
    check_edition_name(edition)
    if table not in TRACKED_VALUES:
        raise LookupError(f"no changelog for {table!r}")
    keys = PUBLIC_TABLES[table]
    path = _resolve(editions_dir) / edition / f"changelog_{table}.csv"
    return pd.read_csv(path, dtype=dict.fromkeys((*keys, "change"), "string"))


def open_edition(edition: str, editions_dir: Path | None = None) -> duckdb.DuckDBPyConnection:
    """An in-memory DuckDB connection whose schema ``public`` holds the edition's tables as
    views, so that queries written for the warehouse run unchanged on the edition."""
    manifest = edition_manifest(edition, editions_dir)
    con = duckdb.connect(":memory:")
    con.execute("CREATE SCHEMA public")
    con.execute("USE public")
    for table in manifest["tables"]:
        con.read_parquet(str(edition_file(edition, table, editions_dir))).create_view(table)
    return con
