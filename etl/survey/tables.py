"""Raw table reading: bytes -> text (BOM, strict UTF-8, then cp1252), CSV/TSV or XLSX -> strings.

Every reader returns a :class:`RawTable` of strings (``""`` for empty) with the file line (or
sheet row) where each record starts, counting the header as line 1.
"""

from __future__ import annotations

import codecs
import csv
import datetime as dt
import io
import warnings
import zipfile
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import pandas as pd
from openpyxl import load_workbook

from etl.survey.errors import unreadable

DELIMITERS = (";", ",", "\t")
_BOMS = (
    (codecs.BOM_UTF8, "utf-8-sig"),
    (codecs.BOM_UTF16_LE, "utf-16"),
    (codecs.BOM_UTF16_BE, "utf-16"),
)


@dataclass
class RawTable:
    """A table of strings with the starting line of each record and how it was read."""

    frame: pd.DataFrame
    lines: np.ndarray
    dialect: dict = field(default_factory=dict)


def decode(data: bytes, path: object = "") -> tuple[str, str]:
    """Decode bytes: BOM first, then strict UTF-8, then cp1252. Returns ``(text, encoding)``."""
    for bom, encoding in _BOMS:
        if data.startswith(bom):
            return data.decode(encoding), encoding
    try:
        return data.decode("utf-8"), "utf-8"
    except UnicodeDecodeError:
        pass
    try:
        return data.decode("cp1252"), "cp1252"
    except UnicodeDecodeError as error:
        raise unreadable(
            path,
            f"encodage de caractères inconnu (octet {error.start}). Réenregistrez-le en CSV UTF-8.",
            f"onbekende tekenset (byte {error.start}). Sla het opnieuw op als CSV UTF-8.",
            f"unknown character encoding (byte {error.start}). Save it again as CSV UTF-8.",
        ) from error


def sniff_delimiter(header_line: str) -> str:
    """The delimiter that splits the header into the most fields."""

    def width(delimiter: str) -> int:
        return len(next(csv.reader([header_line], delimiter=delimiter), []))

    return max(DELIMITERS, key=width)


def _record_starts(text: str, delimiter: str) -> np.ndarray:
    """Line where each non-empty record starts (header excluded), honouring quoted newlines."""
    reader = csv.reader(io.StringIO(text), delimiter=delimiter)
    starts, previous_end = [], 0
    for row in reader:
        if any(row):
            starts.append(previous_end + 1)
        previous_end = reader.line_num
    return np.asarray(starts[1:], dtype="int64")


def _fast_record_starts(frame: pd.DataFrame, text: str) -> np.ndarray | None:
    """Record starts from the newlines inside values; None if blank lines make it ambiguous."""
    extra = np.zeros(len(frame), dtype="int64")
    for column in frame.columns:
        values = frame[column]
        if values.str.contains("\n", regex=False).any():
            extra += values.str.count("\n").to_numpy(dtype="int64")
    header_lines = 1 + sum(str(c).count("\n") for c in frame.columns)
    if header_lines + len(frame) + extra.sum() != text.strip("\n").count("\n") + 1:
        return None
    return header_lines + 1 + np.concatenate([[0], np.cumsum(extra + 1)[:-1]]).astype("int64")


def read_csv_table(path: Path) -> RawTable:
    """Read a delimited text file (any of ``;`` ``,`` tab) as strings."""
    text, encoding = decode(Path(path).read_bytes(), path)
    text = text.replace("\r\n", "\n").replace("\r", "\n")
    header_line = text.lstrip("\n").split("\n", 1)[0]
    if not header_line.strip():
        raise unreadable(path, "le fichier est vide.", "het bestand is leeg.", "the file is empty.")
    delimiter = sniff_delimiter(header_line)
    try:
        frame = pd.read_csv(
            io.StringIO(text),
            sep=delimiter,
            dtype=str,
            keep_default_na=False,
            na_filter=False,
            skip_blank_lines=True,
        )
    except (pd.errors.ParserError, csv.Error) as error:
        raise unreadable(
            path,
            f"tableau illisible ({error}). Vérifiez les guillemets et le séparateur "
            f"({delimiter!r}).",
            f"onleesbare tabel ({error}). Controleer de aanhalingstekens en het scheidingsteken "
            f"({delimiter!r}).",
            f"unreadable table ({error}). Check the quotes and the delimiter ({delimiter!r}).",
        ) from error
    lines = _fast_record_starts(frame, text)
    if lines is None:
        lines = _record_starts(text, delimiter)
    frame = frame.loc[
        :, [not str(c).startswith("Unnamed: ") or frame[c].ne("").any() for c in frame.columns]
    ]
    return RawTable(
        frame,
        lines,
        {
            "delimiter": delimiter,
            "encoding": encoding,
            "container": "tsv" if delimiter == "\t" else "csv",
        },
    )


def _cell_text(value: object) -> str:
    if value is None:
        return ""
    if isinstance(value, bool):
        return "1" if value else "0"
    if isinstance(value, float):
        return str(int(value)) if value.is_integer() else repr(value)
    if isinstance(value, dt.datetime):
        return value.isoformat(sep=" ")
    if isinstance(value, dt.date):
        return value.isoformat()
    return str(value).strip()


def read_xlsx_table(path: Path, preferred_sheet: str | None = None) -> RawTable:
    """Read the preferred sheet (or the first one) of a workbook as strings; lines = row numbers."""
    try:
        workbook = load_workbook(
            io.BytesIO(Path(path).read_bytes()), read_only=True, data_only=True
        )
    except (zipfile.BadZipFile, OSError, KeyError, ValueError) as error:
        raise unreadable(
            path,
            "classeur Excel illisible ou endommagé. Rouvrez-le dans Excel et réenregistrez-le "
            "en .xlsx.",
            "onleesbare of beschadigde Excel-werkmap. Open ze opnieuw in Excel en sla "
            "ze op als .xlsx.",
            "unreadable or damaged Excel workbook. Open it in Excel and save it again as .xlsx.",
        ) from error
    sheet_name = (
        preferred_sheet if preferred_sheet in workbook.sheetnames else workbook.sheetnames[0]
    )
    rows = workbook[sheet_name].iter_rows(values_only=True)
    header = [_cell_text(v) for v in next(rows, ())]
    records, lines = [], []
    for row_number, row in enumerate(rows, start=2):
        cells = [_cell_text(v) for v in row][: len(header)]
        if any(cells):
            records.append(cells + [""] * (len(header) - len(cells)))
            lines.append(row_number)
    workbook.close()
    keep = [i for i, name in enumerate(header) if name or any(r[i] for r in records)]
    frame = pd.DataFrame(
        [[r[i] for i in keep] for r in records], columns=[header[i] for i in keep], dtype="str"
    )
    return RawTable(
        frame,
        np.asarray(lines, dtype="int64"),
        {"container": "xlsx", "sheet": sheet_name, "encoding": None, "delimiter": None},
    )


def read_table(path: Path, preferred_sheet: str | None = None) -> RawTable:
    """Read CSV/TSV or XLSX (detected from the content, not the extension)."""
    path = Path(path)
    if not path.is_file():
        raise unreadable(
            path,
            "fichier introuvable. Vérifiez le chemin.",
            "bestand niet gevonden. Controleer het pad.",
            "file not found. Check the path.",
        )
    with path.open("rb") as handle:
        magic = handle.read(4)
    if magic == b"PK\x03\x04":
        with warnings.catch_warnings():  # print headers/footers of real workbooks are irrelevant
            warnings.filterwarnings("ignore", message="Cannot parse header or footer")
            return read_xlsx_table(path, preferred_sheet)
    if magic.startswith(b"\xd0\xcf\x11\xe0"):
        raise unreadable(
            path,
            "ancien format Excel (.xls). Réenregistrez-le en .xlsx ou en CSV.",
            "oud Excel-formaat (.xls). Sla het opnieuw op als .xlsx of CSV.",
            "old Excel format (.xls). Save it again as .xlsx or CSV.",
        )
    return read_csv_table(path)
