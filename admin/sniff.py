"""Type sniffing of uploaded survey exports: a CSV/TSV text file or a genuine, bounded XLSX."""

from __future__ import annotations

import codecs
import zipfile
from pathlib import Path

TEXT_SUFFIXES = {".csv", ".tsv", ".txt"}
XLSX_SUFFIX = ".xlsx"
XLSX_MEMBERS = {"[Content_Types].xml", "xl/workbook.xml"}
MAX_UNCOMPRESSED = 300 * 1024 * 1024  # a zip bomb is refused before openpyxl inflates it
MAX_RATIO = 200
_SAMPLE = 64 * 1024


def _is_text(sample: bytes) -> bool:
    if sample.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        return True
    if b"\x00" in sample:
        return False
    try:
        sample.decode("utf-8")
    except UnicodeDecodeError as exc:
        if exc.start < len(sample) - 4:  # not just a character cut at the end of the sample
            try:
                sample.decode("cp1252")
            except UnicodeDecodeError:
                return False
    return True


def _is_xlsx(path: Path) -> bool:
    if not zipfile.is_zipfile(path):
        return False
    with zipfile.ZipFile(path) as archive:
        members = archive.infolist()
        names = {m.filename for m in members}
        total = sum(m.file_size for m in members)
        ratio_ok = all(
            m.file_size <= MAX_RATIO * max(m.compress_size, 1) or m.file_size < 1_000_000 for m in members
        )
    return names >= XLSX_MEMBERS and total <= MAX_UNCOMPRESSED and ratio_ok


def sniff(path: Path, name: str) -> str | None:
    """``"text"`` or ``"xlsx"`` when the content matches the file name's type, else None."""
    suffix = Path(name).suffix.lower()
    if suffix == XLSX_SUFFIX:
        return "xlsx" if _is_xlsx(path) else None
    if suffix in TEXT_SUFFIXES:
        with path.open("rb") as handle:
            return "text" if _is_text(handle.read(_SAMPLE)) else None
    return None
