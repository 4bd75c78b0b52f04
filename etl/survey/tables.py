"""Raw table reading: bytes -> text (BOM, strict UTF-8, then cp1252), CSV/TSV or XLSX -> strings.

Every reader returns a :class:`RawTable` of strings (``""`` for empty) with the file line (or
sheet row) where each record starts, counting the header as line 1.

Reading is bounded: files over :func:`max_file_bytes` are refused from their size alone, and
workbooks whose entries would expand beyond :data:`MAX_UNCOMPRESSED_BYTES` (zip bombs) from the
zip directory, before any parsing. Binary files (NUL bytes: images, PDFs, UTF-16 without BOM),
tables with duplicated column names, more than :data:`MAX_COLUMNS` columns or no row below the
header are refused with a message saying what to do.
"""

from __future__ import annotations

import codecs
import contextlib
import csv
import datetime as dt
import io
import os
import re
import warnings
import zipfile
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import pandas as pd
from openpyxl import load_workbook

from etl.survey.errors import SurveyReadError, unreadable

DELIMITERS = (";", ",", "\t")
MAX_FILE_BYTES = 1_000_000_000  # default; 1M Kobo answers are ~0.9 GB, a census a few MB
ENV_MAX_MB = "SECTOR_MONITOR_MAX_SURVEY_MB"  # a deployment may lower (or raise) the limit
MAX_UNCOMPRESSED_BYTES = 100_000_000  # the sheet XML of 5,000 answers is ~25 MB
MAX_COLUMNS = 2_000
_BOMS = (
    (codecs.BOM_UTF8, "utf-8-sig"),
    (codecs.BOM_UTF32_LE, "utf-32"),  # before UTF-16 LE: its BOM starts the same way
    (codecs.BOM_UTF32_BE, "utf-32"),
    (codecs.BOM_UTF16_LE, "utf-16"),
    (codecs.BOM_UTF16_BE, "utf-16"),
)


def max_file_bytes() -> int:
    """The largest export read: $SECTOR_MONITOR_MAX_SURVEY_MB megabytes, else MAX_FILE_BYTES."""
    configured = os.environ.get(ENV_MAX_MB)
    return int(float(configured) * 10**6) if configured else MAX_FILE_BYTES


@dataclass
class RawTable:
    """A table of strings with the starting line of each record and how it was read."""

    frame: pd.DataFrame
    lines: np.ndarray
    dialect: dict = field(default_factory=dict)


_MAGIC = (  # what a binary file given as a table most likely is
    (b"\x89PNG", "PNG image"),
    (b"\xff\xd8\xff", "JPEG image"),
    (b"GIF8", "GIF image"),
    (b"%PDF", "PDF document"),
    (b"\x1f\x8b", "gzip archive"),
)


def _binary(data: bytes, path: object) -> SurveyReadError:
    kind = next((name for magic, name in _MAGIC if data.startswith(magic)), None)
    position = data.find(b"\x00")
    what_fr = f"c'est un fichier {kind}, pas un tableau" if kind else (
        f"fichier binaire ou texte UTF-16 sans BOM (octet nul à la position {position})")
    what_nl = f"dit is een {kind}, geen tabel" if kind else (
        f"binair bestand of UTF-16-tekst zonder BOM (nulbyte op positie {position})")
    what_en = f"this is a {kind}, not a table" if kind else (
        f"binary file or UTF-16 text without BOM (NUL byte at position {position})")
    return unreadable(
        path,
        f"{what_fr}. Exportez les réponses en CSV UTF-8 ou en .xlsx.",
        f"{what_nl}. Exporteer de antwoorden als CSV UTF-8 of .xlsx.",
        f"{what_en}. Export the answers as CSV UTF-8 or .xlsx.",
    )


def decode(data: bytes, path: object = "") -> tuple[str, str]:
    """Decode bytes: BOM first, then strict UTF-8, then cp1252. Returns ``(text, encoding)``.

    Text with a NUL character is refused as binary (see :func:`_binary`)."""
    for bom, encoding in _BOMS:
        if data.startswith(bom):
            try:
                text = data.decode(encoding)
            except UnicodeDecodeError as error:
                raise _binary(data, path) from error
            if "\x00" in text:
                raise _binary(text.encode("utf-8"), path)
            return text, encoding
    if b"\x00" in data or any(data.startswith(magic) for magic, _ in _MAGIC):
        raise _binary(data, path)
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


_FIELD_COUNT = re.compile(r"Expected (\d+) fields in line (\d+), saw (\d+)")


def _check_header(header: list[str], path: object) -> None:
    """Refuse more than MAX_COLUMNS columns or a column name given twice."""
    if len(header) > MAX_COLUMNS:
        raise unreadable(
            path,
            f"{len(header):,} colonnes (au plus {MAX_COLUMNS:,} attendues). Exportez uniquement "
            "les questions du questionnaire.",
            f"{len(header):,} kolommen (hoogstens {MAX_COLUMNS:,} verwacht). Exporteer enkel de "
            "vragen van de vragenlijst.",
            f"{len(header):,} columns (at most {MAX_COLUMNS:,} expected). Export the "
            "questionnaire's questions only.",
        )
    seen: dict[str, int] = {}
    for number, name in enumerate((h.strip() for h in header), start=1):
        if name and name in seen:
            raise unreadable(
                path,
                f"la colonne « {name} » apparaît deux fois (colonnes {seen[name]} et {number}). "
                "Supprimez ou renommez le doublon.",
                f"de kolom '{name}' komt twee keer voor (kolommen {seen[name]} en {number}). "
                "Verwijder of hernoem het duplicaat.",
                f"column '{name}' appears twice (columns {seen[name]} and {number}). Delete or "
                "rename the duplicate.",
            )
        seen[name] = number


def _check_rows(frame: pd.DataFrame, path: object) -> None:
    """Refuse a table without any answer below its header."""
    if frame.empty or not frame.ne("").any().any():
        raise unreadable(
            path,
            "aucune réponse sous la ligne d'en-tête. Exportez le fichier avec ses réponses.",
            "geen antwoorden onder de kopregel. Exporteer het bestand met de antwoorden.",
            "no answers below the header row. Export the file with its answers.",
        )


def read_csv_table(path: Path) -> RawTable:
    """Read a delimited text file (any of ``;`` ``,`` tab) as strings."""
    text, encoding = decode(Path(path).read_bytes(), path)
    text = text.replace("\r\n", "\n").replace("\r", "\n")
    header_line = text.lstrip("\n").split("\n", 1)[0]
    if not header_line.strip():
        raise unreadable(path, "le fichier est vide.", "het bestand is leeg.", "the file is empty.")
    delimiter = sniff_delimiter(header_line)
    _check_header(next(csv.reader([header_line], delimiter=delimiter)), path)
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
        if fields := _FIELD_COUNT.search(str(error)):
            expected, line, seen = fields.groups()
            raise unreadable(
                path,
                f"la ligne {line} a {seen} champs au lieu de {expected}. Vérifiez les "
                f"guillemets et les séparateurs ({delimiter!r}) sur cette ligne.",
                f"rij {line} heeft {seen} velden in plaats van {expected}. Controleer de "
                f"aanhalingstekens en scheidingstekens ({delimiter!r}) op die rij.",
                f"line {line} has {seen} fields instead of {expected}. Check the quotes and "
                f"delimiters ({delimiter!r}) on that line.",
            ) from error
        if "EOF inside string" in str(error):
            raise unreadable(
                path,
                "un guillemet ouvert n'est jamais refermé (fichier tronqué ?). Réexportez le "
                "fichier complet depuis l'outil d'enquête.",
                "een aanhalingsteken wordt nooit gesloten (bestand afgebroken?). Exporteer het "
                "volledige bestand opnieuw uit de enquêtetool.",
                "a quote is opened and never closed (file cut short?). Export the whole file "
                "again from the survey tool.",
            ) from error
        raise unreadable(
            path,
            f"tableau illisible ({error}). Vérifiez les guillemets et le séparateur "
            f"({delimiter!r}).",
            f"onleesbare tabel ({error}). Controleer de aanhalingstekens en het scheidingsteken "
            f"({delimiter!r}).",
            f"unreadable table ({error}). Check the quotes and the delimiter ({delimiter!r}).",
        ) from error
    _check_rows(frame, path)
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


def _check_expansion(path: Path) -> None:
    """Refuse a workbook whose zip entries would expand beyond MAX_UNCOMPRESSED_BYTES.

    The sizes come from the zip directory; an entry that lies about its size is cut there by
    :mod:`zipfile` (and then fails to parse), so reading stays bounded either way."""
    with zipfile.ZipFile(path) as archive:
        expanded = sum(info.file_size for info in archive.infolist())
    if expanded > MAX_UNCOMPRESSED_BYTES:
        mb = f"{expanded / 1e6:,.0f}"
        raise unreadable(
            path,
            f"ce classeur se décompresse en {mb} Mo (au plus {MAX_UNCOMPRESSED_BYTES // 10**6} "
            "Mo admis) : fichier malformé ou malveillant. Réenregistrez les réponses en .xlsx "
            "ou en CSV depuis l'outil d'enquête.",
            f"deze werkmap pakt uit tot {mb} MB (hoogstens {MAX_UNCOMPRESSED_BYTES // 10**6} MB "
            "toegelaten): misvormd of kwaadaardig bestand. Exporteer de antwoorden opnieuw als "
            ".xlsx of CSV uit de enquêtetool.",
            f"this workbook expands to {mb} MB (at most {MAX_UNCOMPRESSED_BYTES // 10**6} MB "
            "allowed): malformed or malicious file. Export the answers again as .xlsx or CSV "
            "from the survey tool.",
        )


def read_xlsx_table(path: Path, preferred_sheet: str | None = None) -> RawTable:
    """Read the preferred sheet (or the first one) of a workbook as strings; lines = row numbers."""
    with contextlib.suppress(zipfile.BadZipFile):  # reported below with other damaged workbooks
        _check_expansion(path)
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
    _check_header(header, path)
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
    _check_rows(frame, path)
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
    size, limit = path.stat().st_size, max_file_bytes()
    if size > limit:
        raise unreadable(
            path,
            f"fichier de {size / 1e6:,.0f} Mo, trop grand pour un export d'enquête (au plus "
            f"{limit // 10**6} Mo). Vérifiez qu'il s'agit du bon fichier.",
            f"bestand van {size / 1e6:,.0f} MB, te groot voor een enquête-export (hoogstens "
            f"{limit // 10**6} MB). Controleer of het het juiste bestand is.",
            f"file of {size / 1e6:,.0f} MB, too large for a survey export (at most "
            f"{limit // 10**6} MB). Check that it is the right file.",
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
