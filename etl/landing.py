"""The restricted landing area beside the warehouse.

Accepted survey files are kept under ``landing/surveys/<wave>/<name>`` with a registry
(``landing/surveys/registry.json``) that every build replays, so ingested data survives
rebuilds. Quarantined rows, with their original values for the coordinator to fix, are
written to ``landing/quarantine/<wave>/``. The sampling frame loaded by ``survey frame`` is
``landing/frame.csv``, with its provenance in ``landing/frame.json`` (both published as
``public.sampling_frame``). A file taken out (``survey remove``) is moved, with its quarantine
file and its registry entry, to ``landing/archive/<wave>/`` (still restricted; never replayed).
Nothing else here is ever exposed by a public view, the API or exports.

Everything here is created 0700 (folders) and 0600 (files), whatever the umask.
"""

from __future__ import annotations

import datetime as dt
import json
import os
from dataclasses import asdict, dataclass
from pathlib import Path

from etl.snapshots import sha256_once
from warehouse.private import copy_private, private_dir, write_private

REGISTRY = "surveys/registry.json"


@dataclass(frozen=True)
class LandedFile:
    wave: int
    name: str  # the file name as uploaded; one entry per (wave, name)
    stored: str  # path relative to the landing folder
    sha256: str
    format: str  # auto, kobo, limesurvey, google_forms, spreadsheet
    ingested_at: str
    landed_by: str = "-"  # the coordinator (admin user, or the system user of the CLI)
    version: str = "v1"  # questionnaire version (detected from the header, or --version)
    synthetic: bool = False  # declared test data (``survey ingest --synthetic``)
    lang: str | None = None  # the sender's language: its quarantine CSV's messages (None: fr, nl, en)


@dataclass(frozen=True)
class Pending:
    """A file being ingested: read from where it is, landed only if the build succeeds."""

    path: Path
    wave: int
    format: str = "auto"
    share: float | None = None  # largest share of rows that may fail one rule (None: default)
    version: str = "v1"  # questionnaire version (detected from the header by the ingest)
    synthetic: bool = False  # declared test data (a file tagged synthetic is marked when read)
    lang: str | None = None  # the sender's language (its quarantine CSV's messages)


def registry(landing: Path) -> list[LandedFile]:
    path = landing / REGISTRY
    if not path.exists():
        return []
    return [LandedFile(**e) for e in json.loads(path.read_text(encoding="utf-8"))]


def _write_registry(landing: Path, entries: list[LandedFile]) -> None:
    path = landing / REGISTRY
    private_dir(path.parent, root=landing)
    tmp = path.with_suffix(".tmp")
    write_private(tmp, json.dumps([asdict(e) for e in entries], indent=2))
    os.replace(tmp, path)


def land(
    landing: Path,
    file: Path,
    wave: int,
    fmt: str,
    user: str = "-",
    version: str = "v1",
    synthetic: bool = False,
    lang: str | None = None,
) -> tuple[LandedFile, list[LandedFile]]:
    """Copy ``file`` into the landing area, replacing an earlier file of the same wave and name.

    Returns the new entry and the previous registry (pass it to :func:`restore` to undo)."""
    previous = registry(landing)
    stored = Path("surveys") / str(wave) / file.name
    target = landing / stored
    private_dir(target.parent, root=landing)
    backup = None
    if target.exists():
        backup = target.with_name(target.name + ".previous")
        copy_private(target, backup, keep_times=True)
    copy_private(file, target)
    entry = LandedFile(
        wave,
        file.name,
        str(stored),
        sha256_once(file),  # the bytes just copied; the build hashed them already
        fmt,
        dt.datetime.now(dt.UTC).isoformat(timespec="seconds"),
        user,
        version,
        synthetic,
        lang,
    )
    same = [e for e in previous if (e.wave, e.name) == (wave, file.name)]
    if same and (same[0].sha256, same[0].synthetic, same[0].lang) == (entry.sha256, synthetic, lang):
        entry = same[0]  # the same file again: nothing changes
    _write_registry(landing, [e for e in previous if (e.wave, e.name) != (wave, file.name)] + [entry])
    return entry, previous


def restore(landing: Path, previous: list[LandedFile], entry: LandedFile) -> None:
    """Undo :func:`land` after a failed rebuild."""
    target = landing / entry.stored
    backup = target.with_name(target.name + ".previous")
    if backup.exists():
        os.replace(backup, target)
    elif not any(e.stored == entry.stored for e in previous):
        target.unlink(missing_ok=True)
    _write_registry(landing, previous)


def commit(landing: Path, entry: LandedFile) -> None:
    """Drop the backup kept by :func:`land` once the rebuild succeeded."""
    (landing / entry.stored).with_name(Path(entry.stored).name + ".previous").unlink(missing_ok=True)


def find(landing: Path, name: str, wave: int) -> LandedFile | None:
    return next((e for e in registry(landing) if (e.wave, e.name) == (wave, name)), None)


@dataclass(frozen=True)
class Archived:
    """Where :func:`archive` moved a landed file (and what to undo)."""

    entry: LandedFile
    file: Path
    quarantine: Path | None
    previous: list[LandedFile]


def quarantine_file(landing: Path, wave: int, name: str) -> Path:
    return landing / "quarantine" / str(wave) / f"{name}.quarantine.csv"


def archive(landing: Path, entry: LandedFile, user: str = "-") -> Archived:
    """Take ``entry`` out of the registry: its file and quarantine file move to
    ``archive/<wave>/<UTC time>-<name>`` (with a ``.json`` of its entry and who removed it)."""
    previous = registry(landing)
    stamp = dt.datetime.now(dt.UTC).strftime("%Y%m%dT%H%M%SZ")
    target = landing / "archive" / str(entry.wave) / f"{stamp}-{entry.name}"
    private_dir(target.parent, root=landing)
    os.replace(landing / entry.stored, target)
    quarantine, moved = quarantine_file(landing, entry.wave, entry.name), None
    if quarantine.exists():
        moved = target.with_name(target.name + ".quarantine.csv")
        os.replace(quarantine, moved)
    write_private(
        target.with_name(target.name + ".json"),
        json.dumps(
            {
                **asdict(entry),
                "removed_by": user,
                "removed_at": dt.datetime.now(dt.UTC).isoformat(timespec="seconds"),
            },
            indent=2,
        ),
    )
    _write_registry(landing, [e for e in previous if (e.wave, e.name) != (entry.wave, entry.name)])
    return Archived(entry, target, moved, previous)


def unarchive(landing: Path, archived: Archived) -> None:
    """Undo :func:`archive` (the rebuild that should have followed it failed)."""
    os.replace(archived.file, landing / archived.entry.stored)
    if archived.quarantine is not None:
        os.replace(archived.quarantine, quarantine_file(landing, archived.entry.wave, archived.entry.name))
    archived.file.with_name(archived.file.name + ".json").unlink(missing_ok=True)
    _write_registry(landing, archived.previous)


FRAME = "frame.csv"  # the deployment's sampling frame; its provenance in frame.json


def frame_file(landing: Path) -> Path | None:
    """The deployment's sampling frame, if one was loaded (``survey frame``)."""
    path = landing / FRAME
    return path if path.exists() else None


def store_frame(landing: Path, text: str, provenance: str) -> tuple[Path, dict[str, bytes | None]]:
    """Write ``frame.csv`` and ``frame.json``; returns the frame and the previous contents
    (None: absent), for :func:`restore_frame`."""
    private_dir(landing)
    paths = {FRAME: landing / FRAME, "frame.json": landing / "frame.json"}
    previous = {name: p.read_bytes() if p.exists() else None for name, p in paths.items()}
    for name, data in ((FRAME, text), ("frame.json", provenance)):
        tmp = paths[name].with_suffix(".tmp")
        write_private(tmp, data)
        os.replace(tmp, paths[name])
    return paths[FRAME], previous


def clear_frame(landing: Path) -> dict[str, bytes | None]:
    """Remove the loaded frame (back to the illustrative demo frame); returns what was there."""
    previous = {}
    for name in (FRAME, "frame.json"):
        path = landing / name
        previous[name] = path.read_bytes() if path.exists() else None
        path.unlink(missing_ok=True)
    return previous


def restore_frame(landing: Path, previous: dict[str, bytes | None]) -> None:
    """Put back the frame files as they were before :func:`store_frame` (or remove them)."""
    for name, data in previous.items():
        path = landing / name
        if data is None:
            path.unlink(missing_ok=True)
        else:
            write_private(path, data)
