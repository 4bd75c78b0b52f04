"""Raw table reading into DuckDB: bytes -> UTF-8 text, CSV/TSV or XLSX -> a table of strings.

Every reader creates, in a DuckDB connection, a relation with one VARCHAR column per header
(``c0``, ``c1``, ... in header order; NULL for an empty field) and ``_line``, the file line (or
sheet row) where the record starts, counting the header as line 1. Rows whose fields are all
empty are left out.

CSV files are parsed by DuckDB's ``read_csv`` (parallel and strict: a row with too many fields
or a quote never closed is refused with its line; a short row is padded with empty fields).
UTF-8 files, with or without BOM, are read in place; UTF-16/32 (with BOM), cp1252 and old Mac
line ends are first transcoded, streaming, to a temporary UTF-8 copy. Decoding rule: BOM, then
strict UTF-8, then cp1252. The file is scanned once, in chunks, before parsing: NUL bytes
(binary files), the encoding and the line count, which gives each record's line without
re-parsing when no value spans lines (otherwise the newlines inside values are counted).

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
import re
import tempfile
import warnings
import zipfile
from collections.abc import Iterator
from contextvars import ContextVar
from dataclasses import dataclass, field
from functools import cached_property
from pathlib import Path

import duckdb

from core.filecache import PerFileVersion
from core.i18n import format_number
from core.settings import settings
from etl.survey.errors import SurveyReadError, unreadable
from etl.survey.sql import create_from_frame
from warehouse.sql import quote_literal

DELIMITERS = (";", ",", "\t")
MAX_FILE_BYTES = 1_000_000_000  # default; 1M Kobo answers are ~0.9 GB, a census a few MB
MAX_UNCOMPRESSED_BYTES = 100_000_000  # the sheet XML of 5,000 answers is ~25 MB
MAX_COLUMNS = 2_000
# A header cell that is an answer, as a whole: a date (and time), or an enterprise number.
_ANSWER_CELL = re.compile(
    r"\d{4}-\d{2}-\d{2}([ T]\d{1,2}:\d{2}.*)?"  # 2024-03-01, 2024-03-01T00:09:49.000+01:00
    r"|\d{1,2}/\d{1,2}/\d{4}( \d{1,2}:\d{2}.*)?"  # 01/03/2024 10:12 (Google Forms, Excel)
    r"|(BE)?\s?[01]?\d{3}[.\s]?\d{3}[.\s]?\d{3}",  # 0123456789, 0123.456.789, BE 0123 456 789
    re.IGNORECASE,
)
_BOMS = (
    (codecs.BOM_UTF8, "utf-8-sig"),
    (codecs.BOM_UTF32_LE, "utf-32"),  # before UTF-16 LE: its BOM starts the same way
    (codecs.BOM_UTF32_BE, "utf-32"),
    (codecs.BOM_UTF16_LE, "utf-16"),
    (codecs.BOM_UTF16_BE, "utf-16"),
)


def max_file_bytes() -> int:
    """The largest export read: $SECTOR_MONITOR_MAX_SURVEY_MB megabytes, else MAX_FILE_BYTES."""
    configured = settings().max_survey_mb  # a deployment may lower (or raise) the limit
    return int(configured * 10**6) if configured is not None else MAX_FILE_BYTES


CHUNK = 1 << 24  # bytes per read when scanning or transcoding
MAX_LINE_BYTES = 64_000_000  # one record (a long free-text answer can be megabytes)
_CP1252_UNDEFINED = re.compile(rb"[\x81\x8d\x8f\x90\x9d]")


@dataclass
class RawTable:
    """A relation of strings (``c0`` ... ``cN``, ``_line``) in ``con`` and how it was read;
    ``stored``: the table holding the same rows (with or without ``_line``), for what needs no
    line: scanned without the join that numbers the lines of a CSV file, its dictionary-encoded
    strings stay encoded (DuckDB then groups them without decoding each row)."""

    con: duckdb.DuckDBPyConnection
    relation: str
    headers: list[str]
    stored: str
    dialect: dict = field(default_factory=dict)

    def column(self, header: str) -> str:
        """The SQL column holding ``header``'s values."""
        return f"c{self.headers.index(header)}"

    @cached_property
    def rows(self) -> int:
        """The number of rows (counted once: the rows do not change once read)."""
        [(n,)] = self.con.execute(f"SELECT count(*) FROM {self.stored}").fetchall()
        return n


_MAGIC = (  # what a binary file given as a table most likely is, in fr, nl and en
    (b"\x89PNG", ("une image PNG", "een PNG-afbeelding", "a PNG image")),
    (b"\xff\xd8\xff", ("une image JPEG", "een JPEG-afbeelding", "a JPEG image")),
    (b"GIF8", ("une image GIF", "een GIF-afbeelding", "a GIF image")),
    (b"%PDF", ("un document PDF", "een PDF-document", "a PDF document")),
    (b"\x1f\x8b", ("une archive gzip", "een gzip-archief", "a gzip archive")),
)


def _binary(head: bytes, position: int, path: object) -> SurveyReadError:
    """Refusal of a binary file: ``head`` is its start, ``position`` that of its first NUL."""
    kind = next((names for magic, names in _MAGIC if head.startswith(magic)), None)
    what_fr = (
        f"c'est {kind[0]}, pas un tableau"
        if kind
        else (f"fichier binaire ou texte UTF-16 sans BOM (octet nul à la position {position})")
    )
    what_nl = (
        f"dit is {kind[1]}, geen tabel"
        if kind
        else (f"binair bestand of UTF-16-tekst zonder BOM (nulbyte op positie {position})")
    )
    what_en = (
        f"this is {kind[2]}, not a table"
        if kind
        else (f"binary file or UTF-16 text without BOM (NUL byte at position {position})")
    )
    return unreadable(
        path,
        f"{what_fr}. Exportez les réponses en CSV UTF-8 ou en .xlsx.",
        f"{what_nl}. Exporteer de antwoorden als CSV UTF-8 of .xlsx.",
        f"{what_en}. Export the answers as CSV UTF-8 or .xlsx.",
    )


def _unknown_encoding(position: int, path: object) -> SurveyReadError:
    return unreadable(
        path,
        f"encodage de caractères inconnu (octet {position}). Réenregistrez-le en CSV UTF-8.",
        f"onbekende tekenset (byte {position}). Sla het opnieuw op als CSV UTF-8.",
        f"unknown character encoding (byte {position}). Save it again as CSV UTF-8.",
    )


@dataclass
class _Scan:
    """What one pass over a text file's bytes tells: encoding and line ends."""

    encoding: str
    newlines: int = 0  # "\n" count
    lone_cr: bool = False  # "\r" line ends and no "\n" at all (old Mac files)
    ends_with_newline: bool = True


@PerFileVersion
def _scan(path: Path) -> _Scan:
    """Encoding (BOM, strict UTF-8, else cp1252), NUL bytes and line ends, chunk by chunk; a
    file scanned before and unchanged since is not read again: ``survey ingest`` checks the
    header row (:func:`read_header`), then the build reads the file (2 s per GB). The result is
    shared: do not modify it."""
    with path.open("rb") as handle:
        head = handle.read(4)
        for bom, encoding in _BOMS:
            if head.startswith(bom):
                return _Scan(encoding)
        if any(head.startswith(magic) for magic, _ in _MAGIC):
            raise _binary(head, head.find(b"\x00"), path)
        handle.seek(0)
        utf8, scan = codecs.getincrementaldecoder("utf-8")(), _Scan("utf-8")
        offset, previous = 0, b""
        while chunk := handle.read(CHUNK):
            if (nul := chunk.find(b"\x00")) >= 0:
                raise _binary(head, offset + nul, path)
            if scan.encoding == "utf-8":
                try:
                    utf8.decode(chunk)
                except UnicodeDecodeError:
                    scan.encoding = "cp1252"
            if scan.encoding == "cp1252" and (bad := _CP1252_UNDEFINED.search(chunk)):
                raise _unknown_encoding(offset + bad.start(), path)
            scan.newlines += chunk.count(b"\n")
            scan.lone_cr = scan.lone_cr or (not scan.newlines and b"\r" in chunk)
            offset, previous = offset + len(chunk), chunk
        if scan.encoding == "utf-8":
            try:
                utf8.decode(b"", final=True)
            except UnicodeDecodeError:
                scan.encoding = "cp1252"
        scan.lone_cr = scan.lone_cr and not scan.newlines
        scan.ends_with_newline = previous.endswith((b"\n", b"\r"))
    return scan


def _utf8_copy(path: Path, encoding: str, folder: Path) -> tuple[Path, _Scan]:
    """Transcode to UTF-8 with "\\n" line ends (universal newlines), streaming."""
    out, scan = folder / "utf8.csv", _Scan("utf-8")
    last = ""
    try:
        with (
            path.open(encoding=encoding, newline=None) as source,
            out.open("w", encoding="utf-8", newline="\n") as target,
        ):
            while text := source.read(CHUNK):
                if (nul := text.find("\x00")) >= 0:
                    raise _binary(b"", nul, path)
                scan.newlines += text.count("\n")
                target.write(text)
                last = text
    except UnicodeDecodeError as error:  # a BOM followed by bytes of another encoding
        raise _binary(b"", error.start, path) from error
    scan.ends_with_newline = last.endswith("\n")
    return out, scan


def sniff_delimiter(header_line: str) -> str:
    """The delimiter that splits the header into the most fields."""

    def width(delimiter: str) -> int:
        return len(next(csv.reader([header_line], delimiter=delimiter), []))

    return max(DELIMITERS, key=width)


def _header(path: Path, encoding: str) -> tuple[str, int]:
    """The first non-blank line and its number (1-based)."""
    with path.open(encoding=encoding, newline=None, errors="replace") as handle:
        for number, line in enumerate(handle, start=1):
            if line.strip("\r\n"):
                return line.rstrip("\r\n"), number
    return "", 0


def _numbers(*values: float) -> tuple[list[str], list[str], list[str]]:
    """``values`` as French, Dutch and English write them (``2 000``, ``2.000``, ``2,000``)."""
    fr, nl, en = ([format_number(v, lang, 0) for v in values] for lang in ("fr", "nl", "en"))
    return fr, nl, en


def looks_like_answers(header: list[str]) -> bool:
    """Whether a "header row" holds answers: a cell that is, as a whole, a date or an enterprise
    number (no question is named so; a label that mentions one, "N° (ex. 0123.456.789)", is
    not one): the export lacks its header row, and its cells must never be quoted back."""
    return any(_ANSWER_CELL.fullmatch(h.strip()) for h in header)


def _check_header(header: list[str], path: object) -> None:
    """Refuse a first row of answers (no header row), more than MAX_COLUMNS columns or a column
    name given twice."""
    if header and header[0].lstrip().startswith(("[{", "{")):
        raise unreadable(
            path,
            "c'est un fichier JSON, pas un tableau. Exportez les réponses en CSV ou en XLSX.",
            "dit is een JSON-bestand, geen tabel. Exporteer de antwoorden als CSV of XLSX.",
            "this is a JSON file, not a table. Export the answers as CSV or XLSX.",
        )
    if looks_like_answers(header):
        raise unreadable(
            path,
            "la première ligne contient des réponses (dates, nombres ou un numéro d'entreprise), "
            "pas les noms des colonnes : la ligne d'en-tête manque. Exportez à nouveau le fichier "
            "avec les codes ou les libellés des questions en première ligne.",
            "de eerste regel bevat antwoorden (datums, getallen of een ondernemingsnummer), geen "
            "kolomnamen: de kopregel ontbreekt. Exporteer het bestand opnieuw met de codes of de "
            "labels van de vragen op de eerste regel.",
            "the first line holds answers (dates, numbers or an enterprise number), not column "
            "names: the header row is missing. Export the file again with the questions' codes "
            "or labels on the first line.",
        )
    if len(header) > MAX_COLUMNS:
        fr, nl, en = _numbers(len(header), MAX_COLUMNS)
        raise unreadable(
            path,
            f"{fr[0]} colonnes (au plus {fr[1]} attendues). Exportez uniquement les questions du "
            "questionnaire.",
            f"{nl[0]} kolommen (hoogstens {nl[1]} verwacht). Exporteer enkel de vragen van de vragenlijst.",
            f"{en[0]} columns (at most {en[1]} expected). Export the questionnaire's questions only.",
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


def _not_empty(width: int) -> str:
    """SQL predicate: at least one field of the row has a non-blank value."""
    return " OR ".join(f"trim(c{i}) <> ''" for i in range(width)) or "false"


def _check_rows(table: RawTable, path: object) -> None:
    """Refuse a table without any answer below its header."""
    if table.rows == 0:
        raise unreadable(
            path,
            "aucune réponse sous la ligne d'en-tête. Exportez le fichier avec ses réponses.",
            "geen antwoorden onder de kopregel. Exporteer het bestand met de antwoorden.",
            "no answers below the header row. Export the file with its answers.",
        )


_DUCKDB_LINE = re.compile(r"CSV Error on Line: (\d+)")
_DUCKDB_COUNT = re.compile(r"Expected Number of Columns: (\d+) Found: (\d+)")


def _fields_at(source: Path, delimiter: str, line: int) -> int | None:
    """Number of fields of the record starting at ``line`` (DuckDB stops counting at one extra)."""
    limit = csv.field_size_limit()
    csv.field_size_limit(MAX_LINE_BYTES)
    try:
        with source.open(encoding="utf-8-sig", newline="") as handle:
            reader, previous_end = csv.reader(handle, delimiter=delimiter), 0
            for row in reader:
                if previous_end + 1 == line:
                    return len(row)
                if previous_end >= line:
                    return None
                previous_end = reader.line_num
    finally:
        csv.field_size_limit(limit)
    return None


def _csv_error(error: duckdb.Error, path: object, source: Path, delimiter: str) -> SurveyReadError:
    """A DuckDB CSV error as a coordinator's message (line, what is wrong, how to fix it)."""
    text = str(error)
    line = _DUCKDB_LINE.search(text)
    count = _DUCKDB_COUNT.search(text)
    if line and count:
        expected, seen = count.groups()
        seen = str(_fields_at(source, delimiter, int(line[1])) or seen)
        return unreadable(
            path,
            f"la ligne {line[1]} a {seen} champs au lieu de {expected}. Vérifiez les "
            f"guillemets et les séparateurs ({delimiter!r}) sur cette ligne.",
            f"rij {line[1]} heeft {seen} velden in plaats van {expected}. Controleer de "
            f"aanhalingstekens en scheidingstekens ({delimiter!r}) op die rij.",
            f"line {line[1]} has {seen} fields instead of {expected}. Check the quotes and "
            f"delimiters ({delimiter!r}) on that line.",
        )
    if "unterminated quote" in text:
        return unreadable(
            path,
            "un guillemet ouvert n'est jamais refermé (fichier tronqué ?). Réexportez le "
            "fichier complet depuis l'outil d'enquête.",
            "een aanhalingsteken wordt nooit gesloten (bestand afgebroken?). Exporteer het "
            "volledige bestand opnieuw uit de enquêtetool.",
            "a quote is opened and never closed (file cut short?). Export the whole file "
            "again from the survey tool.",
        )
    first = next((t for t in text.splitlines()[1:] if t.strip()), type(error).__name__).strip()
    fr, nl, en = (f" ({word} {line[1]})" if line else "" for word in ("ligne", "rij", "line"))
    return unreadable(  # DuckDB's own words are English: quoted as they are
        path,
        f"tableau illisible{fr} : « {first} ». Vérifiez les guillemets et le séparateur ({delimiter!r}).",
        f"onleesbare tabel{nl}: '{first}'. Controleer de aanhalingstekens en het "
        f"scheidingsteken ({delimiter!r}).",
        f"unreadable table{en}: {first}. Check the quotes and the delimiter ({delimiter!r}).",
    )


def _exact_record_starts(source: Path, delimiter: str, header_line: int) -> list[int]:
    """Line where each record after the header starts, from Python's csv parser (slow path)."""
    limit = csv.field_size_limit()
    csv.field_size_limit(MAX_LINE_BYTES)
    try:
        with source.open(encoding="utf-8-sig", newline="") as handle:
            reader = csv.reader(handle, delimiter=delimiter)
            starts, previous_end = [], 0
            for row in reader:
                if row and previous_end >= header_line:
                    starts.append(previous_end + 1)
                previous_end = reader.line_num
    finally:
        csv.field_size_limit(limit)
    return starts


def _with_lines(
    con: duckdb.DuckDBPyConnection,
    table: str,
    width: int,
    scan: _Scan,
    header_line: int,
    source: Path,
    delimiter: str,
) -> str:
    """SQL selecting every row of ``table`` with ``_line``, the line where the record starts."""
    [(rows,)] = con.execute(f"SELECT count(*) FROM {table}").fetchall()
    lines_after_header = scan.newlines + (not scan.ends_with_newline) - header_line
    if lines_after_header == rows:  # no blank line, no value spanning lines
        return f"SELECT *, rowid + {header_line + 1} AS _line FROM {table}"
    [spans] = con.execute(
        f"SELECT {', '.join(f'bool_or(contains(c{i}, chr(10)))' for i in range(width))} FROM {table}"
    ).fetchall()
    extra = (
        " + ".join(
            f"coalesce(length(c{i}) - length(replace(c{i}, chr(10), '')), 0)"
            for i, spanning in enumerate(spans)
            if spanning
        )
        or "0"
    )
    [(total,)] = con.execute(f"SELECT coalesce(sum({extra}), 0) FROM {table}").fetchall()
    lines = f"{table}_lines"  # record (rowid) -> line, joined on rowid (parallel, unlike a window)
    if rows + total == lines_after_header:  # values span lines, but no blank line
        con.execute(
            f"CREATE TABLE {lines} AS SELECT rowid AS record, CAST({header_line + 1} + sum(1 + "
            f"{extra}) OVER (ORDER BY rowid ROWS BETWEEN UNBOUNDED PRECEDING AND CURRENT ROW) - "
            f"(1 + {extra}) AS BIGINT) AS _line FROM {table}"
        )
        return f"SELECT t.*, l._line FROM {table} t JOIN {lines} l ON l.record = t.rowid"
    starts = _exact_record_starts(source, delimiter, header_line)
    if len(starts) != rows:  # never lose a record silently
        fr, nl, en = _numbers(len(starts), rows)
        raise unreadable(
            source,
            f"{fr[0]} enregistrements attendus, {fr[1]} lus : guillemets ou séparateur "
            f"({delimiter!r}) incohérents. Réexportez le fichier depuis l'outil d'enquête.",
            f"{nl[0]} records verwacht, {nl[1]} gelezen: aanhalingstekens of "
            f"scheidingsteken ({delimiter!r}) kloppen niet. Exporteer het bestand opnieuw uit de "
            "enquêtetool.",
            f"{en[0]} records expected, {en[1]} read: quotes or delimiter ({delimiter!r}) "
            "do not match. Export the file again from the survey tool.",
        )
    con.execute(
        f"CREATE TABLE {lines} AS SELECT unnest(range(?)) AS record, unnest(?::BIGINT[]) AS _line",
        [len(starts), starts],
    )
    return f"SELECT t.*, l._line FROM {table} t JOIN {lines} l ON l.record = t.rowid"


_COPIES: ContextVar[tuple[Path, str] | None] = ContextVar("copies", default=None)


@contextlib.contextmanager
def copies_in(folder: Path, prefix: str) -> Iterator[None]:
    """Write the UTF-8 copies of the files read meanwhile (they hold raw answers) in a folder
    ``<prefix>survey-read-*`` of ``folder`` (a build's restricted scratch folder, which the next
    command cleans if the build is killed) instead of the system's temporary folder."""
    token = _COPIES.set((folder, prefix))
    try:
        yield
    finally:
        _COPIES.reset(token)


def read_csv_table(path: Path, con: duckdb.DuckDBPyConnection, name: str) -> RawTable:
    """Read a delimited text file (any of ``;`` ``,`` tab) into relation ``name``."""
    scan = _scan(path)
    parent, prefix = _COPIES.get() or (None, "")
    with tempfile.TemporaryDirectory(prefix=f"{prefix}survey-read-", dir=parent) as folder:
        source, encoding = path, scan.encoding
        if scan.encoding not in ("utf-8", "utf-8-sig") or scan.lone_cr:
            source, scan = _utf8_copy(path, scan.encoding, Path(folder))
        header_line, header_number = _header(source, "utf-8-sig")
        if not header_line.strip():
            raise unreadable(path, "le fichier est vide.", "het bestand is leeg.", "the file is empty.")
        delimiter = sniff_delimiter(header_line)
        header = next(csv.reader([header_line], delimiter=delimiter))
        _check_header(header, path)
        types = "{" + ", ".join(f"'c{i}': 'VARCHAR'" for i in range(len(header))) + "}"
        table = f"{name}_csv"
        quote = "'\"'" if len(header) > 1 else "''"  # one column: a delimiter problem, shown later
        read = (
            f"CREATE TABLE {table} AS SELECT * FROM read_csv({quote_literal(str(source))}, "
            f"delim={quote_literal(delimiter)}, quote={quote}, escape={quote}, header=false, "
            f"skip={header_number}, auto_detect=false, strict_mode=true, columns={types}"
        )
        try:
            try:
                con.execute(read + ")")  # parallel, lines up to DuckDB's default 2 MB
            except duckdb.Error as error:
                count = _DUCKDB_COUNT.search(str(error))
                short_row = count and int(count[2]) < int(count[1])  # padded with empty fields
                if not short_row and "maximum line size" not in str(error).lower():
                    raise
                con.execute(f"DROP TABLE IF EXISTS {table}")
                con.execute(
                    read + f", null_padding={bool(short_row)}, parallel=false, "
                    f"max_line_size={MAX_LINE_BYTES})"
                )
        except duckdb.Error as error:
            raise _csv_error(error, path, source, delimiter) from error
        numbered = _with_lines(con, table, len(header), scan, header_number, source, delimiter)
    con.execute(f"DELETE FROM {table} WHERE NOT ({_not_empty(len(header))})")  # rowids stay
    con.execute(f"CREATE VIEW {name} AS {numbered}")
    raw = RawTable(
        con,
        name,
        header,
        table,
        {"delimiter": delimiter, "encoding": encoding, "container": "tsv" if delimiter == "\t" else "csv"},
    )
    _check_rows(raw, path)
    return raw


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
        fr, nl, en = _numbers(expanded / 1e6, MAX_UNCOMPRESSED_BYTES // 10**6)
        raise unreadable(
            path,
            f"ce classeur se décompresse en {fr[0]} Mo (au plus {fr[1]} Mo admis) : fichier "
            "malformé ou malveillant. Réenregistrez les réponses en .xlsx ou en CSV depuis l'outil "
            "d'enquête.",
            f"deze werkmap pakt uit tot {nl[0]} MB (hoogstens {nl[1]} MB toegelaten): misvormd of "
            "kwaadaardig bestand. Exporteer de antwoorden opnieuw als .xlsx of CSV uit de "
            "enquêtetool.",
            f"this workbook expands to {en[0]} MB (at most {en[1]} MB allowed): malformed or "
            "malicious file. Export the answers again as .xlsx or CSV from the survey tool.",
        )


def read_xlsx_table(
    path: Path, con: duckdb.DuckDBPyConnection, name: str, preferred_sheet: str | None = None
) -> RawTable:
    """Read the preferred sheet (or the first one) of a workbook; lines = row numbers."""
    with contextlib.suppress(zipfile.BadZipFile):  # reported below with other damaged workbooks
        _check_expansion(path)
    from openpyxl import load_workbook  # here: a CSV needs neither openpyxl nor pandas

    try:
        workbook = load_workbook(io.BytesIO(Path(path).read_bytes()), read_only=True, data_only=True)
    except (zipfile.BadZipFile, OSError, KeyError, ValueError) as error:
        raise unreadable(
            path,
            "classeur Excel illisible ou endommagé. Rouvrez-le dans Excel et réenregistrez-le en .xlsx.",
            "onleesbare of beschadigde Excel-werkmap. Open ze opnieuw in Excel en sla ze op als .xlsx.",
            "unreadable or damaged Excel workbook. Open it in Excel and save it again as .xlsx.",
        ) from error
    sheet_name = preferred_sheet if preferred_sheet in workbook.sheetnames else workbook.sheetnames[0]
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
    import pandas as pd

    keep = [i for i, title in enumerate(header) if title or any(r[i] for r in records)]
    frame = pd.DataFrame(
        {f"c{j}": pd.Series([r[i] or None for r in records], dtype="str") for j, i in enumerate(keep)}
    )
    frame["_line"] = pd.Series(lines, dtype="int64")
    create_from_frame(con, name, frame)
    raw = RawTable(
        con,
        name,
        [header[i] for i in keep],
        name,
        {"container": "xlsx", "sheet": sheet_name, "encoding": None, "delimiter": None},
    )
    _check_rows(raw, path)
    return raw


def read_table(
    path: Path, con: duckdb.DuckDBPyConnection, name: str, preferred_sheet: str | None = None
) -> RawTable:
    """Read CSV/TSV or XLSX (detected from the content, not the extension) into ``name``."""
    path = Path(path)
    magic = _checked_magic(path)
    if magic == b"PK\x03\x04":
        with warnings.catch_warnings():  # print headers/footers of real workbooks are irrelevant
            warnings.filterwarnings("ignore", message="Cannot parse header or footer")
            return read_xlsx_table(path, con, name, preferred_sheet)
    return read_csv_table(path, con, name)


def read_header(path: Path, preferred_sheet: str | None = None) -> tuple[list[str], int]:
    """The header row of a table and the number of lines (CSV) or rows (XLSX) below it, without
    parsing the rows: what file-level checks need (fractions of a second on 100 MB). Raises
    the same refusals as :func:`read_table` for files that cannot be a table."""
    path = Path(path)
    if _checked_magic(path) == b"PK\x03\x04":
        from openpyxl import load_workbook

        with contextlib.suppress(zipfile.BadZipFile):
            _check_expansion(path)
        try:
            with warnings.catch_warnings():
                warnings.filterwarnings("ignore", message="Cannot parse header or footer")
                workbook = load_workbook(io.BytesIO(path.read_bytes()), read_only=True, data_only=True)
        except (zipfile.BadZipFile, OSError, KeyError, ValueError):
            return [], 0  # read_table says why
        sheet = workbook[
            preferred_sheet if preferred_sheet in workbook.sheetnames else workbook.sheetnames[0]
        ]
        header = [_cell_text(v) for v in next(sheet.iter_rows(values_only=True), ())]
        rows = max((sheet.max_row or 1) - 1, 0)
        workbook.close()
        while header and not header[-1]:
            header.pop()
        _check_header(header, path)
        return header, rows
    scan = _scan(path)
    line, number = _header(path, scan.encoding)
    if not line.strip():
        return [], 0
    if scan.lone_cr:
        line = line.split("\r")[0]
    newlines = scan.newlines
    if scan.encoding == "utf-8-sig":  # the scan stopped at the BOM: count the lines here
        with path.open("rb") as handle:
            newlines = sum(chunk.count(b"\n") for chunk in iter(lambda: handle.read(CHUNK), b""))
    header = next(csv.reader([line], delimiter=sniff_delimiter(line)))
    _check_header(header, path)
    return header, max(newlines + (not scan.ends_with_newline) - number, 0)


def _checked_magic(path: Path) -> bytes:
    """The first bytes of ``path`` after the checks every reader makes (exists, size, .xls)."""
    if not path.is_file():
        raise unreadable(
            path,
            "fichier introuvable. Vérifiez le chemin.",
            "bestand niet gevonden. Controleer het pad.",
            "file not found. Check the path.",
        )
    size, limit = path.stat().st_size, max_file_bytes()
    if size > limit:
        fr, nl, en = _numbers(size / 1e6, limit // 10**6)
        raise unreadable(
            path,
            f"fichier de {fr[0]} Mo, trop grand pour un export d'enquête (au plus {fr[1]} Mo). "
            "Vérifiez qu'il s'agit du bon fichier.",
            f"bestand van {nl[0]} MB, te groot voor een enquête-export (hoogstens {nl[1]} MB). "
            "Controleer of het het juiste bestand is.",
            f"file of {en[0]} MB, too large for a survey export (at most {en[1]} MB). Check that "
            "it is the right file.",
        )
    with path.open("rb") as handle:
        magic = handle.read(4)
    if magic.startswith(b"\xd0\xcf\x11\xe0"):
        raise unreadable(
            path,
            "ancien format Excel (.xls). Réenregistrez-le en .xlsx ou en CSV.",
            "oud Excel-formaat (.xls). Sla het opnieuw op als .xlsx of CSV.",
            "old Excel format (.xls). Save it again as .xlsx or CSV.",
        )
    return magic
