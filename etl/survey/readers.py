"""``read_export``: detect the survey tool behind a file and return the canonical relation.

Formats: ``kobo`` (KoboToolbox CSV or XLSX), ``limesurvey`` (CSV, codes or full answers),
``google_forms`` (CSV/TSV with question labels as headers) and ``spreadsheet`` (the Excel
template, as XLSX or Belgian Excel CSV). See :mod:`etl.survey.canonical` for the value rules.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from pathlib import Path

import duckdb
import pandas as pd

from etl.survey.canonical import canonical_columns, clean, map_columns, parse_datetime, select_list
from etl.survey.codebook import CODEBOOK, Codebook
from etl.survey.errors import unreadable
from etl.survey.sql import temp_name
from etl.survey.tables import RawTable, read_table
from etl.survey.workbooks import SUBMITTED_AT, TEMPLATE_SHEET

FORMATS = ("kobo", "limesurvey", "google_forms", "spreadsheet")
GOOGLE_TIMESTAMPS = {
    "timestamp",
    "horodateur",
    "tijdstempel",
    "marca temporal",
    "zeitstempel",
    "informazioni cronologiche",
}
GOOGLE_METADATA = {"email address", "adresse e-mail", "e-mailadres", "score", "punten", "note"}
LIMESURVEY_METADATA = {
    "id",
    "submitdate",
    "lastpage",
    "startlanguage",
    "seed",
    "startdate",
    "datestamp",
    "ipaddr",
    "refurl",
    "token",
}
KOBO_METADATA = {
    "start",
    "end",
    "today",
    "deviceid",
    "subscriberid",
    "simserial",
    "phonenumber",
    "username",
    "audit",
    "__version__",
    "instanceid",
}
_KOBO_PREFIX = re.compile(r"^(_|meta[/.]|formhub[/.])")


@dataclass
class Export:
    """A survey export in canonical form: ``relation`` in ``con`` has one VARCHAR column per
    codebook code, ``_line``, ``_submitted_at`` (TIMESTAMP) and ``_source_id``."""

    format: str
    con: duckdb.DuckDBPyConnection
    relation: str
    incomplete: list[int] = field(default_factory=list)
    dialect: dict = field(default_factory=dict)

    @property
    def frame(self) -> pd.DataFrame:
        """The canonical rows as a DataFrame, in file order (for small files and tests)."""
        return self.con.execute(f"SELECT * FROM {self.relation} ORDER BY _line").df()


def _lower(headers: list[str]) -> set[str]:
    return {h.strip().lower() for h in headers}


def detect_format(headers: list[str], codebook: Codebook = CODEBOOK) -> str | None:
    """Guess the tool from the header row; None when nothing is recognised."""
    names = _lower(headers)
    first = headers[0].strip().lower() if headers else ""
    if {"id", "submitdate"} <= names and names & {"lastpage", "startlanguage", "seed"}:
        return "limesurvey"
    if first in GOOGLE_TIMESTAMPS:
        return "google_forms"
    if names & {"_uuid", "_submission_time", "_index", "_id", "meta/instanceid"}:
        return "kobo"
    if SUBMITTED_AT in names:
        return "spreadsheet"
    if any("/" in h for h in headers):
        return "kobo"
    if sum(h.strip() in codebook.by_code for h in headers) >= len(headers) / 2:
        return "spreadsheet"
    return None


def _metadata(fmt: str, headers: list[str]) -> set[str]:
    if fmt == "kobo":
        return {h for h in headers if _KOBO_PREFIX.match(h) or h.strip().lower() in KOBO_METADATA}
    if fmt == "limesurvey":
        return {h for h in headers if h.strip().lower() in LIMESURVEY_METADATA}
    if fmt == "google_forms":
        return {headers[0], *(h for h in headers if h.strip().lower() in GOOGLE_METADATA)}
    return {h for h in headers if h.strip().lower() == SUBMITTED_AT}


def _column(raw: RawTable, *names: str) -> str | None:
    """SQL column of the first of ``names`` (case-insensitive header) present."""
    lowered = {h.strip().lower(): h for h in raw.headers}
    return next((raw.column(lowered[n]) for n in names if n in lowered), None)


def _submission(fmt: str, raw: RawTable) -> tuple[str, str]:
    """SQL of the submission time and of the tool's own record id."""
    if fmt == "kobo":
        time = _column(raw, "_submission_time", "end", "start")
        source = _column(raw, "_uuid")
        if source is None and (instance := _column(raw, "meta/instanceid")) is not None:
            source = f"regexp_replace({instance}, '^uuid:', '')"
    elif fmt == "limesurvey":
        time, source = _column(raw, "submitdate"), _column(raw, "id")
    elif fmt == "google_forms":
        time, source = raw.column(raw.headers[0]), None
    else:
        time, source = _column(raw, SUBMITTED_AT), None
    parsed = parse_datetime(time) if time else "CAST(NULL AS TIMESTAMP)"
    return parsed, source or "CAST(NULL AS VARCHAR)"


def read_export(path: Path, fmt: str = "auto", codebook: Codebook = CODEBOOK,
                con: duckdb.DuckDBPyConnection | None = None) -> Export:
    """Read one export file into an :class:`Export` (see module docstring).

    The relations are created in ``con`` (a new in-memory database when not given)."""
    con = con if con is not None else duckdb.connect()
    name = temp_name("survey_raw")
    table: RawTable = read_table(Path(path), con, name, preferred_sheet=TEMPLATE_SHEET)
    headers = table.headers
    detected = detect_format(headers, codebook) if fmt == "auto" else fmt
    if detected not in FORMATS:
        raise unreadable(
            path,
            "format non reconnu : ni export KoboToolbox, LimeSurvey ou Google Forms, ni modèle "
            "Excel du questionnaire. Exportez avec les codes des questions en en-tête ou utilisez "
            "le modèle.",
            "onbekend formaat: geen export van KoboToolbox, LimeSurvey of Google Forms en geen "
            "Excel-sjabloon van de vragenlijst. Exporteer met de vraagcodes als kolomkop of "
            "gebruik het sjabloon.",
            "format not recognised: not a KoboToolbox, LimeSurvey or Google Forms export nor the "
            "questionnaire's Excel template. Export with question codes as headers or use the "
            "template.",
        )
    cleaned = RawTable(con, f"{name}_clean", headers, table.dialect)
    con.execute(f"CREATE VIEW {cleaned.relation} AS SELECT "
                f"{', '.join(f'{clean(c)} AS {c}' for c in map(table.column, headers))}, _line FROM {name}")
    incomplete: list[int] = []
    submitted = "true"
    if detected == "limesurvey" and (submitdate := _column(cleaned, "submitdate")) is not None:
        submitted = f"{submitdate} IS NOT NULL"
        incomplete = [line for (line,) in con.execute(
            f"SELECT _line FROM {cleaned.relation} WHERE NOT ({submitted}) ORDER BY _line").fetchall()]
    metadata = _metadata(detected, headers)
    columns = map_columns(codebook, headers, metadata)
    if len(headers) == 1 and not columns.joined and not columns.options:  # wrong delimiter
        raise unreadable(
            path,
            "l'en-tête n'a qu'une colonne et aucune question du questionnaire n'est reconnue. "
            "Utilisez « ; », « , » ou une tabulation comme séparateur.",
            "de kopregel heeft maar één kolom en geen enkele vraag van de vragenlijst wordt "
            "herkend. Gebruik ';', ',' of een tab als scheidingsteken.",
            "the header has a single column and no question of the questionnaire is "
            "recognised. Use ';', ',' or a tab as the delimiter.",
        )
    time, source = _submission(detected, cleaned)
    relation = f"{name}_canonical"
    con.execute(
        f"CREATE VIEW {relation} AS SELECT {select_list(canonical_columns(cleaned, codebook, columns))}, "
        f"_line, {time} AS _submitted_at, {source} AS _source_id FROM {cleaned.relation} WHERE {submitted}"
    )
    dialect = {
        **table.dialect,
        "header_style": columns.header_style,
        "split_multi": sorted(columns.options),
        "metadata_columns": sorted(metadata),
        "unknown_columns": [h for h in columns.unknown if h.strip()],
    }
    return Export(detected, con, relation, incomplete, dialect)
