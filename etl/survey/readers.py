"""``read_export``: detect the survey tool behind a file and return the canonical frame.

Formats: ``kobo`` (KoboToolbox CSV or XLSX), ``limesurvey`` (CSV, codes or full answers),
``google_forms`` (CSV/TSV with question labels as headers) and ``spreadsheet`` (the Excel
template, as XLSX or Belgian Excel CSV). See :mod:`etl.survey.canonical` for the value rules.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from pathlib import Path

import pandas as pd

from etl.survey.canonical import canonical_frame, map_columns, parse_datetimes
from etl.survey.codebook import CODEBOOK, Codebook
from etl.survey.errors import unreadable
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
    """A survey export in canonical form."""

    format: str
    frame: pd.DataFrame
    incomplete: list[int] = field(default_factory=list)
    dialect: dict = field(default_factory=dict)


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


def _column(raw: pd.DataFrame, *names: str) -> pd.Series | None:
    lowered = {str(c).strip().lower(): c for c in raw.columns}
    for name in names:
        if name in lowered:
            values = raw[lowered[name]].astype("str").str.strip()
            return values.mask(values.eq(""))
    return None


def _submission(fmt: str, raw: pd.DataFrame) -> tuple[pd.Series, pd.Series]:
    """Submission time and the tool's own record id."""
    none = pd.Series(pd.NA, index=raw.index, dtype="str")
    if fmt == "kobo":
        time = _column(raw, "_submission_time", "end", "start")
        source = _column(raw, "_uuid")
        if source is None and (instance := _column(raw, "meta/instanceid")) is not None:
            source = instance.str.replace(r"^uuid:", "", regex=True)
    elif fmt == "limesurvey":
        time, source = _column(raw, "submitdate"), _column(raw, "id")
    elif fmt == "google_forms":
        time, source = raw.iloc[:, 0].astype("str").str.strip(), None
    else:
        time, source = _column(raw, SUBMITTED_AT), None
    parsed = parse_datetimes(time) if time is not None else pd.Series(pd.NaT, index=raw.index)
    return parsed.astype("datetime64[ns]"), source if source is not None else none


def read_export(path: Path, fmt: str = "auto", codebook: Codebook = CODEBOOK) -> Export:
    """Read one export file into an :class:`Export` (see module docstring)."""
    table: RawTable = read_table(Path(path), preferred_sheet=TEMPLATE_SHEET)
    headers = [str(c) for c in table.frame.columns]
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
    raw, lines = table.frame, table.lines
    incomplete: list[int] = []
    if detected == "limesurvey" and (submitted := _column(raw, "submitdate")) is not None:
        done = submitted.notna().to_numpy()
        incomplete = [int(x) for x in lines[~done]]
        raw, lines = raw.loc[done].reset_index(drop=True), lines[done]
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
    frame = canonical_frame(raw, codebook, columns)
    frame["_line"] = lines
    frame["_submitted_at"], frame["_source_id"] = _submission(detected, raw)
    dialect = {
        **table.dialect,
        "header_style": columns.header_style,
        "split_multi": sorted(columns.options),
        "metadata_columns": sorted(metadata),
        "unknown_columns": columns.unknown,
    }
    return Export(detected, frame, incomplete, dialect)
