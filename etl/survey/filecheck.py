"""File-level checks of a survey export, before its rows are loaded.

A structurally wrong export (a required question without a column, an export of another
questionnaire, a column shifted in every row) is one fact about the file, not thousands of
row-level errors. A file is refused when

* a required question has no column (after mapping headers and setting aside the tool's
  metadata): :func:`header_check`, from the header row alone (no row is parsed, so it answers
  in a fraction of a second whatever the size), or
* more than a share of its rows (default :data:`core.settings.DEFAULT_MAX_FAILING_SHARE`, see
  :func:`max_failing_share`) fail the same rule of the same question: :func:`summarise`, on
  the validated rows (their errors stay a relation; only their counts per (field, rule) are
  computed), run by the build on the file being ingested before anything is swapped in or
  landed (:class:`SurveyRefusedError`).

A refused file is never landed. The summary (:class:`FileSummary`) names the missing questions,
the headers set aside as tool metadata or not recognised, and the top causes with their counts
and first lines, in the user's language; the JSON report and the admin preview show the same
summary for accepted files too.
"""

from __future__ import annotations

import difflib
from collections.abc import Iterable
from dataclasses import asdict, dataclass, field
from pathlib import Path

import duckdb

from core.i18n import LANGUAGES, colon, format_number
from core.settings import settings
from etl.survey.codebook import CODEBOOK, LATEST, Codebook, codebook_for, normalise_label
from etl.survey.errors import SurveyReadError
from etl.survey.messages import SUBMITTED_AT_LABELS
from etl.survey.readers import (
    KOBO_TOOL_FIELDS,
    Export,
    detect_version,
    map_headers,
    missing_required,
    read_export,
)
from etl.survey.tables import read_header
from etl.survey.validation import Cause, Validation, validate
from etl.survey.workbooks import TEMPLATE_SHEET

SHOWN = 8  # headers and causes named in a message (the rest are counted)


def max_failing_share(explicit: float | None = None) -> float:
    """The largest share of rows that may fail one rule: ``explicit``, else
    $SECTOR_MONITOR_MAX_FAILING_SHARE, else 0.5. 1 turns the rule off."""
    if explicit is not None:
        return float(explicit)
    return settings().max_failing_share


@dataclass(frozen=True)
class FileSummary:
    """What is wrong with a file as a whole, and the errors of its rows grouped."""

    file: str
    rows: int
    failed_rows: int
    missing: list[str]  # required question codes without a column
    metadata: list[str]  # headers set aside as the tool's metadata
    unknown: list[str]  # headers matching no question
    causes: list[Cause]  # errors grouped by (field, rule), most frequent first
    max_share: float
    closest: dict[str, str] = field(default_factory=dict)  # missing code -> a similar header
    version: str = "v1"  # questionnaire version the file was read with

    @property
    def dominant(self) -> list[Cause]:
        """Causes failing more than the allowed share of the rows."""
        if self.max_share >= 1 or not self.rows:
            return []
        return [c for c in self.causes if c.count > self.max_share * self.rows]

    @property
    def refused(self) -> bool:
        return bool(self.missing or self.dominant)

    def as_dict(self) -> dict:
        """For the JSON report (no value of any answer: codes, headers, counts and lines)."""
        out = asdict(self)
        out["causes"] = [asdict(c) | {"first_lines": list(c.first_lines)} for c in self.causes]
        out["refused"] = self.refused
        out["dominant"] = [{"field": c.field, "rule": c.rule} for c in self.dominant]
        return out

    @classmethod
    def from_dict(cls, data: dict) -> FileSummary:
        kept = {k: v for k, v in data.items() if k in cls.__dataclass_fields__}
        kept["causes"] = [
            Cause(c["field"], c["rule"], c["count"], tuple(c["first_lines"])) for c in data.get("causes", [])
        ]
        return cls(**kept)

    def message(self, lang: str, codebook: Codebook | None = None) -> str:
        """One message in ``lang`` saying why the file is refused (or what its rows lack)."""
        return "\n".join(self.lines(lang, codebook))

    def lines(self, lang: str, codebook: Codebook | None = None) -> list[str]:
        codebook = codebook or codebook_for(self.version)
        t = TEXTS[lang]
        out = [
            t["refused" if self.refused else "summary"].format(
                file=self.file, rows=_n(self.rows, lang), failed=_n(self.failed_rows, lang)
            )
        ]
        if self.refused and not self.causes:  # refused from the header: no row was validated
            out[0] = t["refused_header"].format(file=self.file, rows=_n(self.rows, lang))
        if self.missing:
            named = "; ".join(_missing(code, self.closest.get(code), lang, codebook) for code in self.missing)
            out.append(t["missing"].format(n=len(self.missing), questions=named))
        suspicious = [h for h in self.metadata if not _plain_tool_field(h)]
        if self.missing and suspicious:
            out.append(t["metadata"].format(headers=_listed(suspicious, lang)))
        if self.unknown and (self.missing or self.refused):
            out.append(t["unknown"].format(n=len(self.unknown), headers=_listed(self.unknown, lang)))
        for cause in self.causes[:SHOWN]:
            share = cause.count / self.rows if self.rows else 0
            key = "cause_dominant" if cause in self.dominant else "cause"
            about = "" if cause.field is None else _question(cause.field, lang, codebook) + colon(lang)
            out.append(  # a rule on the whole record (incomplete) has no question to name
                t[key].format(
                    about=about,
                    rule=RULES[cause.rule][lang],
                    count=_n(cause.count, lang) + " " + t["row" if cause.count == 1 else "rows"],
                    pct=_pct(share, lang),
                    lines=", ".join(str(n) for n in cause.first_lines),
                    max=_pct(self.max_share, lang),
                )
            )
        if len(self.causes) > SHOWN:
            out.append(t["more_causes"].format(n=len(self.causes) - SHOWN))
        if self.refused:
            out.append(t["fix"])
        return out


def _plain_tool_field(header: str) -> bool:
    """Tool columns every export has (not worth naming): ``_uuid``, ``start``, ``meta/instanceID``."""
    name = header.strip().lower()
    return (
        name.startswith("_")
        or name in {"start", "end", "today", "deviceid", "__version__"}
        or name.replace(".", "/") in KOBO_TOOL_FIELDS
    )


def _n(value: int, lang: str) -> str:
    return format_number(value, lang, 0)


def _pct(share: float, lang: str) -> str:
    text = f"{100 * share:.0f}"
    return f"{text}\u00a0%" if lang in ("fr", "nl") else f"{text}%"


def _listed(headers: list[str], lang: str) -> str:
    shown = ", ".join(f"'{h}'" for h in headers[:SHOWN])
    rest = len(headers) - SHOWN
    return shown + (TEXTS[lang]["and_more"].format(n=rest) if rest > 0 else "")


def question_label(code: str | None, lang: str, codebook: Codebook = LATEST) -> str:
    """The label of a question code (or of the submission time) in ``lang``; "" otherwise."""
    if code in codebook.by_code:
        return codebook.by_code[code].labels[lang]
    return SUBMITTED_AT_LABELS[lang] if code == "submitted_at" else ""


def _question(code: str | None, lang: str, codebook: Codebook) -> str:
    if code is None:
        return "-"
    if code in codebook.by_code:
        return f"{code} ({codebook.by_code[code].labels[lang]})"
    if code == "submitted_at":
        return f"{code} ({SUBMITTED_AT_LABELS[lang]})"
    return code


def _missing(code: str, closest: str | None, lang: str, codebook: Codebook) -> str:
    text = f"{code} ({codebook.by_code[code].labels[lang]})"
    if closest:
        text += TEXTS[lang]["closest"].format(header=closest)
    return text


def closest_headers(missing: Iterable[str], headers: Iterable[str]) -> dict[str, str]:
    """For each missing code, a header whose last segment looks like it (a typo, a suffix)."""
    headers = [h for h in headers if h.strip()]
    tails = {normalise_label(h.replace(".", "/").rsplit("/", 1)[-1]): h for h in headers}
    out = {}
    for code in missing:
        found = [t for t in tails if code in t or t in code and len(t) >= 4]
        found = found or difflib.get_close_matches(code, list(tails), n=1, cutoff=0.75)
        if found:
            out[code] = tails[found[0]]
    return out


class SurveyRefusedError(SurveyReadError):
    """A file refused by a file-level check: the messages are its summary's."""

    def __init__(self, summary: FileSummary, codebook: Codebook | None = None) -> None:
        self.summary = summary
        super().__init__(*(summary.message(lang, codebook) for lang in LANGUAGES))


def header_check(
    path: Path, fmt: str = "auto", name: str | None = None, version: str | None = None
) -> FileSummary | None:
    """The file-level check of the header row alone: a summary (``refused`` when a required
    question has no column), or None when the tool is not recognised (reading the file says
    why, as for an empty file or a header of one column). Raises SurveyReadError for a file that
    cannot be a table."""
    headers, rows = read_header(Path(path), TEMPLATE_SHEET)
    if len(headers) < 2 or not rows:  # empty, one column (delimiter), no rows: the reader says
        return None
    version = version or detect_version(headers, fmt)
    codebook = codebook_for(version)
    detected, metadata, columns = map_headers(headers, fmt, codebook)
    if detected is None:
        return None
    missing = missing_required(columns, codebook)
    unknown = [h for h in columns.unknown if h.strip()]
    set_aside = [h for h in headers if h in metadata]
    return FileSummary(
        name or Path(path).name,
        rows,
        0,
        missing,
        set_aside,
        unknown,
        [],
        max_failing_share(),
        closest_headers(missing, [*set_aside, *unknown]),
        version,
    )


def summarise(
    export: Export,
    name: str,
    share: float | None = None,
    checked: Validation | None = None,
    codebook: Codebook | None = None,
) -> FileSummary:
    """The summary of a read export: missing questions, set-aside headers and the errors of its
    rows grouped by (field, rule) in SQL (``checked``: its validation, done here if not given)."""
    codebook = codebook or export.codebook
    missing = export.missing_required
    unknown = list(export.dialect.get("unknown_columns", []))
    checked = checked or validate(export, codebook)
    return FileSummary(
        name,
        checked.rows,
        checked.failed_count,
        missing,
        list(export.metadata),
        unknown,
        checked.causes(),
        max_failing_share(share),
        closest_headers(missing, [*export.metadata, *unknown]),
        codebook.version,
    )


def check_file(
    path: Path,
    fmt: str = "auto",
    name: str | None = None,
    share: float | None = None,
    con: duckdb.DuckDBPyConnection | None = None,
    codebook: Codebook = CODEBOOK,
) -> FileSummary:
    """Every file-level check of ``path`` (relations in ``con``, else in memory).

    Raises :class:`~etl.survey.errors.SurveyReadError` when the file cannot be read at all."""
    export = read_export(Path(path), fmt, codebook, con=con)
    return summarise(export, name or Path(path).name, share, None, codebook)


TEXTS: dict[str, dict[str, str]] = {
    "fr": {
        "refused": "Fichier {file} refusé, rien n'a été chargé ni déposé ({rows} ligne(s) lue(s)) :",
        "refused_header": "Fichier {file} refusé d'après son en-tête, rien n'a été chargé ni "
        "déposé ({rows} ligne(s) sous l'en-tête) :",
        "summary": "Fichier {file} : {rows} ligne(s) lue(s), {failed} en quarantaine.",
        "missing": "- {n} question(s) obligatoire(s) sans colonne : {questions}.",
        "closest": " (colonne la plus proche : '{header}')",
        "metadata": "- en-têtes écartés comme métadonnées de l'outil : {headers}.",
        "unknown": "- {n} en-tête(s) non reconnu(s) : {headers}.",
        "and_more": " et {n} autres",
        "cause_dominant": "- {about}{rule}, {count} ({pct}, plus de {max} des lignes), "
        "premières lignes {lines}.",
        "cause": "- {about}{rule}, {count} ({pct}), premières lignes {lines}.",
        "row": "ligne",
        "rows": "lignes",
        "more_causes": "- et {n} autres causes.",
        "fix": "Vérifiez qu'il s'agit bien d'un export de ce questionnaire, avec les codes des "
        "questions en en-tête (ou le modèle Excel), corrigez l'export et déposez-le à nouveau.",
    },
    "nl": {
        "refused": "Bestand {file} geweigerd, er werd niets geladen of opgeslagen ({rows} rij(en) gelezen):",
        "refused_header": "Bestand {file} geweigerd op basis van de kopregel, er werd niets "
        "geladen of opgeslagen ({rows} regel(s) onder de kopregel):",
        "summary": "Bestand {file}: {rows} rij(en) gelezen, {failed} in quarantaine.",
        "missing": "- {n} verplichte vraag/vragen zonder kolom: {questions}.",
        "closest": " (meest gelijkende kolom: '{header}')",
        "metadata": "- kolomkoppen opzijgezet als metadata van de tool: {headers}.",
        "unknown": "- {n} niet herkende kolomkop(pen): {headers}.",
        "and_more": " en {n} andere",
        "cause_dominant": "- {about}{rule}, {count} ({pct}, meer dan {max} van de rijen), "
        "eerste rijen {lines}.",
        "cause": "- {about}{rule}, {count} ({pct}), eerste rijen {lines}.",
        "row": "rij",
        "rows": "rijen",
        "more_causes": "- en {n} andere oorzaken.",
        "fix": "Controleer of het wel een export van deze vragenlijst is, met de vraagcodes als "
        "kolomkop (of het Excel-sjabloon), verbeter de export en laad hem opnieuw op.",
    },
    "en": {
        "refused": "File {file} refused, nothing was loaded or landed ({rows} row(s) read):",
        "refused_header": "File {file} refused from its header, nothing was loaded or landed "
        "({rows} line(s) below the header):",
        "summary": "File {file}: {rows} row(s) read, {failed} quarantined.",
        "missing": "- {n} required question(s) with no column: {questions}.",
        "closest": " (closest header: '{header}')",
        "metadata": "- headers set aside as tool metadata: {headers}.",
        "unknown": "- {n} header(s) not recognised: {headers}.",
        "and_more": " and {n} more",
        "cause_dominant": "- {about}{rule}, {count} ({pct}, more than {max} of the rows), "
        "first lines {lines}.",
        "cause": "- {about}{rule}, {count} ({pct}), first lines {lines}.",
        "row": "row",
        "rows": "rows",
        "more_causes": "- and {n} more causes.",
        "fix": "Check that this is an export of this questionnaire, with the question codes as "
        "headers (or the Excel template), correct the export and upload it again.",
    },
}
RULES: dict[str, dict[str, str]] = {
    "type_integer": {"fr": "pas un nombre entier", "nl": "geen geheel getal", "en": "not a whole number"},
    "type_decimal": {"fr": "pas un nombre", "nl": "geen getal", "en": "not a number"},
    "type_date": {"fr": "pas une date", "nl": "geen datum", "en": "not a date"},
    "range": {
        "fr": "hors des valeurs permises",
        "nl": "buiten de toegelaten waarden",
        "en": "outside the allowed values",
    },
    "choice": {"fr": "réponse non prévue", "nl": "geen voorzien antwoord", "en": "not a possible answer"},
    "required": {
        "fr": "obligatoire et manquante",
        "nl": "verplicht en ontbrekend",
        "en": "required and missing",
    },
    "relevance": {
        "fr": "réponse à une question qui ne s'applique pas",
        "nl": "antwoord op een vraag die niet van toepassing is",
        "en": "answer to a question that does not apply",
    },
    "share_sum": {
        "fr": "parts du budget ne totalisant pas 100 %",
        "nl": "budgetaandelen niet samen 100 %",
        "en": "budget shares not adding up to 100%",
    },
    "none_exclusive": {
        "fr": "« aucun » combiné à d'autres réponses",
        "nl": "'geen' gecombineerd met andere antwoorden",
        "en": "'none' combined with other answers",
    },
    "future_date": {
        "fr": "date d'envoi dans le futur",
        "nl": "verzenddatum in de toekomst",
        "en": "submission time in the future",
    },
    "org_id_format": {
        "fr": "pas un numéro d'entreprise",
        "nl": "geen ondernemingsnummer",
        "en": "not an enterprise number",
    },
    "org_id_check": {
        "fr": "chiffres de contrôle erronés",
        "nl": "foute controlecijfers",
        "en": "wrong check digits",
    },
    "incomplete": {"fr": "réponse incomplète", "nl": "onvolledig antwoord", "en": "incomplete response"},
}
