"""Staged uploads: validate a survey export and build a candidate warehouse, then publish it
(atomic swap) or discard it.

Each upload gets ``<warehouse dir>/admin/staging/<id>/`` holding the uploaded file
(``input/``), a copy of the live landing area (``landing/``), a link to the live ``secrets/``
(the same pseudonymisation key) and the candidate ``warehouse.duckdb``. The candidate is built
by the ingest service (:func:`pipeline.survey.ingest`) run on that folder, so the staging folder is a
miniature deployment: :func:`pipeline.build.build` derives its landing area and key
from the warehouse's folder. It is on the live warehouse's file system, so publishing is an
``os.replace`` (through :func:`warehouse.history.swap_in`, which keeps the previous build).
"""

from __future__ import annotations

import datetime as dt
import fcntl
import hashlib
import json
import logging
import os
import re
import secrets
import shutil
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

from core.errors import Explained
from etl import landing
from etl.snapshots import sha256_file
from etl.survey.filecheck import FileSummary
from pipeline.results import Outcome, Result
from pipeline.survey import ingest, landed_files, listed_errors, remove
from warehouse.history import swap_in
from warehouse.layout import SCRATCH, Layout
from warehouse.lock import BuildLockedError, build_lock
from warehouse.private import copy_private, private_dir, tighten_tree, write_private

log = logging.getLogger(__name__)
MAX_SHOWN = 200  # error rows listed on the report page
UPLOAD_ID = re.compile(r"^[0-9a-f]{16}$")
CANDIDATE = "warehouse.duckdb"


class PublishBusyError(RuntimeError):
    """Another publication (or a build of the live warehouse) is running."""


class StaleUploadError(RuntimeError):
    """The live landing area changed since the upload was staged: its candidate is outdated."""


@dataclass
class Upload:
    id: str
    user: str
    file_name: str
    sha256: str
    wave: int
    format: str
    uploaded_at: str
    base_registry: str  # sha256 of the live landing registry the candidate was built from
    status: str = "building"  # building, ready, refused (file-level checks), unreadable, failed
    report: dict[str, Any] = field(default_factory=dict)
    error: dict[str, str] = field(default_factory=dict)  # fr/nl/en message, or {"ref": id}
    synthetic: bool | None = None  # declared test data (None: as declared for a file landed before)
    lang: str = "en"  # the uploader's language: the report's and the quarantine CSV's messages

    def audit_details(self) -> dict[str, Any]:
        declared = {} if self.synthetic is None else {"synthetic": self.synthetic}
        return {
            "upload": self.id,
            "file": self.file_name,
            "sha256": self.sha256,
            "wave": self.wave,
            **declared,
        }


def _registry_digest(area: Path) -> str:
    path = area / landing.REGISTRY
    return hashlib.sha256(path.read_bytes()).hexdigest() if path.exists() else ""


@contextmanager
def _exclusive(path: Path) -> Iterator[None]:
    path.parent.mkdir(parents=True, exist_ok=True)
    with open(path, "w") as handle:
        try:
            fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError as exc:
            raise PublishBusyError(str(path)) from exc
        yield


class Workspace:
    """The staged uploads of one live warehouse."""

    def __init__(self, warehouse: Path) -> None:
        self.warehouse = Path(warehouse).resolve()
        self.root = Layout(self.warehouse).staging

    def folder(self, upload_id: str) -> Path:
        if not UPLOAD_ID.match(upload_id):
            raise KeyError(upload_id)
        return self.root / upload_id

    def candidate(self, upload: Upload) -> Path:
        return self.folder(upload.id) / CANDIDATE

    def input_file(self, upload: Upload) -> Path:
        return self.folder(upload.id) / "input" / upload.file_name

    def _save(self, upload: Upload) -> None:
        path = self.folder(upload.id) / "upload.json"
        tmp = path.with_suffix(".tmp")
        write_private(tmp, json.dumps(asdict(upload), ensure_ascii=False))
        os.replace(tmp, path)

    def get(self, upload_id: str) -> Upload | None:
        """The staged upload, or None (also for ids that are not ours)."""
        try:
            path = self.folder(upload_id) / "upload.json"
        except KeyError:
            return None
        if not path.exists():
            return None
        return Upload(**json.loads(path.read_text(encoding="utf-8")))

    def pending(self) -> list[Upload]:
        """Every staged upload, newest first."""
        if not self.root.exists():
            return []
        uploads = (self.get(p.name) for p in self.root.iterdir() if p.is_dir())
        return sorted((u for u in uploads if u), key=lambda u: u.uploaded_at, reverse=True)

    def stage(
        self,
        source: Path,
        file_name: str,
        wave: int,
        fmt: str,
        user: str,
        synthetic: bool | None = None,
        lang: str = "en",
    ) -> Upload:
        """Move the received ``source`` (saved as ``file_name``, already sanitised) into a new
        staging folder with a copy of the live landing area."""
        upload_id = secrets.token_hex(8)
        folder = self.folder(upload_id)
        folder.parent.mkdir(parents=True, exist_ok=True)
        folder.mkdir(mode=0o700)  # a new id: fails if it exists
        private_dir(folder / "input", root=self.root.parent)  # admin/, staging/, <id>/: 0700
        live, staged = Layout(self.warehouse), Layout(folder / CANDIDATE)
        base = _registry_digest(live.landing)
        if live.landing.exists():
            shutil.copytree(
                live.landing, staged.landing, ignore=shutil.ignore_patterns("*.previous", SCRATCH)
            )
            tighten_tree(staged.landing)
        private_dir(live.secrets)
        staged.secrets.symlink_to(live.secrets, target_is_directory=True)
        if self.warehouse.is_file():  # the candidate's build reuses the live rows (never written)
            os.link(self.warehouse, folder / CANDIDATE)
        target = folder / "input" / file_name
        shutil.move(source, target)
        upload = Upload(
            upload_id,
            user,
            file_name,
            sha256_file(target),
            wave,
            fmt,
            dt.datetime.now(dt.UTC).isoformat(timespec="seconds"),
            base,
            synthetic=synthetic,
            lang=lang,
        )
        self._save(upload)
        return upload

    def build_candidate(self, upload: Upload) -> Upload:
        """Validate the file and build the candidate warehouse; record the outcome."""
        file = self.input_file(upload)
        try:
            result = ingest(
                self.candidate(upload),
                file,
                upload.wave,
                upload.format,
                upload.lang,
                user=upload.user,
                synthetic=upload.synthetic,
            )
            report = result.report or {}
            upload.error = dict(result.messages)
            if result.outcome is Outcome.REFUSED:  # file-level checks: the summary says why
                upload.status, upload.report = "refused", {"summary": report["summary"]}
            elif result.outcome is Outcome.FAILED:
                upload.status = "unreadable"
            else:
                upload.status = "ready"
                upload.report = {
                    k: report[k]
                    for k in (
                        "format",
                        "version",
                        "rows_read",
                        "rows_loaded",
                        "rows_quarantined",
                        "rows_superseded",
                        "rows_incomplete",
                        "synthetic",
                        "summary",
                        "warnings",
                    )
                }
        except Exception as exc:
            ref = secrets.token_hex(4)
            log.exception("candidate build of upload %s failed (ref %s)", upload.id, ref)
            explained = exc.messages if isinstance(exc, Explained) else {}  # e.g. the privacy guard's
            upload.status, upload.error = "failed", {**explained, "ref": ref}
        self._save(upload)
        return upload

    def summary(self, upload: Upload) -> FileSummary | None:
        """The file-level summary (errors grouped by field and rule) of a checked upload."""
        data = upload.report.get("summary")
        return FileSummary.from_dict(data) if data else None

    def validation_rows(
        self, upload: Upload, lang: str, limit: int = MAX_SHOWN
    ) -> list[tuple[int, str, str]]:
        """(line, field, message in ``lang``) of the first ``limit`` errors of this file (the
        summary counts them all; the quarantine CSV has every row)."""
        path = self.candidate(upload)
        if upload.status != "ready" or not path.exists():
            return []
        errors, _ = listed_errors(path, upload.file_name, upload.wave, lang, limit)
        return [(e["line"], e["field"], e["message"]) for e in errors]

    def quarantine_file(self, upload: Upload) -> Path | None:
        """The quarantined rows with their original values, as written by the candidate build."""
        path = (
            Layout(self.candidate(upload)).landing
            / "quarantine"
            / str(upload.wave)
            / f"{upload.file_name}.quarantine.csv"
        )
        return path if path.exists() else None

    def publish(self, upload: Upload) -> None:
        """Land the file in the live landing area and swap the candidate in, atomically.

        Raises :class:`PublishBusyError` when another publication or build runs and
        :class:`StaleUploadError` when the live data changed since the upload was staged."""
        area = Layout(self.warehouse).landing
        with _exclusive(Layout(self.warehouse).publish_lock):
            if upload.status != "ready" or not self.candidate(upload).exists():
                raise StaleUploadError(upload.id)
            file = self.input_file(upload)
            staged = landing.find(Layout(self.candidate(upload)).landing, file.name, upload.wave)
            if _registry_digest(area) != upload.base_registry or staged is None:
                raise StaleUploadError(upload.id)
            try:
                with build_lock(self.warehouse):
                    entry, previous = landing.land(  # as the candidate read it: version, declared flag
                        area,
                        file,
                        upload.wave,
                        upload.format,
                        upload.user,
                        staged.version,
                        staged.synthetic,
                        staged.lang,
                    )
                    try:
                        quarantine = self.quarantine_file(upload)
                        if quarantine:
                            target = area / quarantine.relative_to(Layout(self.candidate(upload)).landing)
                            private_dir(target.parent, root=area)
                            copy_private(quarantine, target)
                        self._keep_guard_values(upload)
                        swap_in(self.candidate(upload), self.warehouse)
                    except BaseException:
                        landing.restore(area, previous, entry)
                        raise
                    landing.commit(area, entry)
            except BuildLockedError as exc:
                raise PublishBusyError(str(exc)) from exc
        self.discard(upload)

    def _keep_guard_values(self, upload: Upload) -> None:
        """The privacy guard's values of the files the candidate read, for the next live build
        to reuse their wave (etl/steps/survey/step.py)."""
        staged, live = Layout(self.candidate(upload)).guard_cache, Layout(self.warehouse).guard_cache
        for source in staged.glob("*.parquet") if staged.is_dir() else ():
            if not (live / source.name).exists():
                private_dir(live, root=live.parent)
                copy_private(source, live / source.name)

    def landed(self) -> list[dict[str, Any]]:
        """The files landed in the live landing area, with what the live warehouse loaded."""
        return landed_files(self.warehouse)

    def landed_quarantine(self, name: str, wave: int) -> Path | None:
        """The quarantine CSV of a landed file (only names in the registry: no path from users)."""
        area = Layout(self.warehouse).landing
        if landing.find(area, name, wave) is None:
            return None
        path = landing.quarantine_file(area, wave, name)
        return path if path.exists() else None

    def remove(self, name: str, wave: int, user: str, address: str | None = None) -> Result[dict[str, Any]]:
        """Take a landed file out of the live warehouse: the remove service
        (:func:`pipeline.survey.remove`), refused when no such file is landed.

        Raises :class:`PublishBusyError` when a publication or a build runs."""
        with _exclusive(Layout(self.warehouse).publish_lock):
            result = remove(self.warehouse, name, wave, user, address)
        if result.outcome is Outcome.FAILED:  # a build of the live warehouse runs
            raise PublishBusyError(result.message("en"))
        return result

    def discard(self, upload: Upload) -> None:
        """Delete the staging folder and its candidate warehouse."""
        shutil.rmtree(self.folder(upload.id), ignore_errors=True)
