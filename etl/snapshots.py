"""Checksummed snapshots of source data shipped in the repository.

Each source has a folder ``etl/snapshots/<source_id>/`` holding its files and a
``source.yaml`` manifest (title, producer, licence, citation, and per file: sha256,
retrieval date, origin URL). A step reads a file only through :meth:`Snapshot.path`,
which verifies the checksum first. ``refresh`` fetches the origin URL with retries,
lets the caller validate the payload, then rewrites the file and its manifest entry.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import os
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING

import yaml

from core.filecache import PerFileVersion
from core.settings import settings
from core.yamlfile import read_yaml

if TYPE_CHECKING:
    import requests

DEFAULT_DIR = Path(__file__).parent / "snapshots"
USER_AGENT = "sector-monitor/0.1 (+open data refresh; contact: maintainers of sector-monitor)"


class SnapshotError(RuntimeError):
    """A snapshot is missing, corrupted or could not be refreshed."""


def sha256_file(path: Path) -> str:
    digest = hashlib.sha256()
    with open(path, "rb") as fh:
        for chunk in iter(lambda: fh.read(1 << 20), b""):
            digest.update(chunk)
    return digest.hexdigest()


@PerFileVersion
def sha256_once(path: Path) -> str:
    """:func:`sha256_file`, computed once per version of the file in this process: an ingest
    needs the checksum of the file it reads for the survey's input key and for the landing
    registry (a second pass costs 0.7 s per GB)."""
    return sha256_file(path)


@dataclass
class SnapshotFile:
    path: str
    sha256: str
    retrieved_on: dt.date | None = None
    origin: str | None = None


@dataclass
class Source:
    """One source folder and its manifest."""

    folder: Path
    source_id: str
    title: str
    producer: str
    url: str
    licence: str
    citation: str
    note: str | None = None
    files: list[SnapshotFile] = field(default_factory=list)
    i18n: dict[str, dict[str, str]] = field(default_factory=dict)  # lang -> title/producer/citation

    @property
    def manifest(self) -> Path:
        return self.folder / "source.yaml"

    @property
    def sha256(self) -> str:
        """Checksums of all files of the source, ';'-joined."""
        return ";".join(f.sha256 for f in self.files)

    @property
    def retrieved_on(self) -> dt.date | None:
        dates = [f.retrieved_on for f in self.files if f.retrieved_on]
        return max(dates) if dates else None

    def file(self, name: str) -> SnapshotFile:
        for f in self.files:
            if f.path == name:
                return f
        raise SnapshotError(f"{self.manifest}: no file {name!r} is declared")

    def path(self, name: str) -> Path:
        """Verified path of one snapshot file (raises SnapshotError on mismatch)."""
        entry = self.file(name)
        path = self.folder / entry.path
        if not path.is_file():
            raise SnapshotError(
                f"snapshot file missing: {path} (declared in {self.manifest}). "
                "Restore it from the repository or run `sector-monitor build --refresh`."
            )
        actual = sha256_file(path)
        if actual != entry.sha256:
            raise SnapshotError(
                f"checksum mismatch for {path}: expected sha256 {entry.sha256}, found {actual}. "
                "The file was changed or corrupted: restore it from the repository "
                "(git checkout -- <file>) or refresh it with `sector-monitor build --refresh`."
            )
        return path

    def save(self) -> None:
        """Rewrite the manifest (after a refresh)."""
        data = read_yaml(self.manifest)
        data["files"] = [{k: v for k, v in vars(f).items() if v is not None} for f in self.files]
        self.manifest.write_text(yaml.safe_dump(data, sort_keys=False, allow_unicode=True), encoding="utf-8")


def snapshots_dir() -> Path:
    """The snapshots folder: $SECTOR_MONITOR_SNAPSHOTS, else the one shipped in the package."""
    return settings().snapshots or DEFAULT_DIR


def load_source(source_id: str, root: Path | None = None) -> Source:
    folder = (root or snapshots_dir()) / source_id
    manifest = folder / "source.yaml"
    if not manifest.is_file():
        raise SnapshotError(f"no manifest for source {source_id!r}: {manifest} is missing")
    data = read_yaml(manifest)
    files = [SnapshotFile(**f) for f in data.pop("files")]
    return Source(folder=folder, files=files, **data)


def http_session(retries: int = 3) -> requests.Session:
    import requests  # here: only a refresh goes online (requests costs a build ~0.08 s to import)
    from requests.adapters import HTTPAdapter
    from urllib3.util.retry import Retry

    session = requests.Session()
    retry = Retry(
        total=retries,
        backoff_factor=0.5,
        status_forcelist=(429, 500, 502, 503, 504),
        allowed_methods=("GET",),
    )
    session.mount("http://", HTTPAdapter(max_retries=retry))
    session.mount("https://", HTTPAdapter(max_retries=retry))
    session.headers["User-Agent"] = USER_AGENT
    return session


def refresh(
    source: Source,
    validate: Callable[[Path, bytes], None],
    timeout: float = 30.0,
    rewrite_origin: Callable[[str], str] | None = None,
) -> list[str]:
    """Fetch every file of ``source`` that has an origin; ``validate(path, payload)`` must
    raise on bad content. Files are replaced only once all of them validated.
    Returns the names of the files whose content changed."""
    import requests

    session = http_session()
    fetched: list[tuple[SnapshotFile, bytes]] = []
    for entry in source.files:
        if not entry.origin:
            continue
        url = rewrite_origin(entry.origin) if rewrite_origin else entry.origin
        try:
            response = session.get(url, timeout=timeout)
            response.raise_for_status()
        except requests.RequestException as exc:
            raise SnapshotError(
                f"refresh of {source.source_id}/{entry.path} from {url} failed: {exc}"
            ) from exc
        try:
            validate(source.folder / entry.path, response.content)
        except Exception as exc:
            raise SnapshotError(
                f"refresh of {source.source_id}/{entry.path}: the downloaded data is not valid ({exc}); "
                "the shipped snapshot is kept"
            ) from exc
        fetched.append((entry, response.content))
    changed = []
    today = dt.date.today()
    for entry, payload in fetched:
        digest = hashlib.sha256(payload).hexdigest()
        if digest != entry.sha256:
            target = source.folder / entry.path
            tmp = target.with_name(target.name + ".part")
            tmp.write_bytes(payload)
            os.replace(tmp, target)
            entry.sha256 = digest
            changed.append(entry.path)
        entry.retrieved_on = today
    if fetched:
        source.save()
    return changed
