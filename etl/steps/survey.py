"""The association survey: replay every landed export (or, when none was ingested, the
synthetic demo waves) through the format adapters and validation, pseudonymise the
enterprise numbers, keep one current response per association and wave, and load the
restricted microdata, the quarantine log and the sampling frame.

The warehouse receives no enterprise number, no association name and no free text:
validation messages never quote a value, and the original rows of quarantined records are
written to the restricted landing area only (0600 files in 0700 folders). The distinct values of
the restricted fields are handed to the build's privacy guard (:mod:`warehouse.guard`), which
refuses a warehouse that contains one of them anywhere.

The rows never pass through pandas: each file is read into a scratch DuckDB database in the
restricted ``<landing>/.scratch/`` (deleted afterwards; a killed build's is deleted by the next
command), canonicalised, validated and pseudonymised by SQL, and inserted in one statement that
also marks the current answer of each association.
"""

from __future__ import annotations

import codecs
import contextlib
import datetime as dt
import re
import shutil
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

import duckdb
import pandas as pd

from core.codes import SIZE_CLASSES
from core.i18n import LANGUAGES
from etl import landing
from etl.runner import Context, Step, insert_source, record_source
from etl.snapshots import sha256_file
from etl.survey.codebook import LATEST, codebook_for, version_rows
from etl.survey.filecheck import SurveyRefusedError, summarise
from etl.survey.frame import DEMO_FRAME, frame_source_of, load_frame, size_class_sql
from etl.survey.messages import INCOMPLETE
from etl.survey.pseudonym import load_key, pseudonym_sql
from etl.survey.readers import QUARANTINE_FILE, QUARANTINE_LINE, Export, read_export
from etl.survey.sql import ident, in_list, literal, temp_name
from etl.survey.validation import Validation, message_templates, render_sql, validate
from etl.survey.workbooks import SUBMITTED_AT
from warehouse import guard
from warehouse.layout import Layout
from warehouse.private import open_private, private_dir, restrict, scratch_dir, tighten_tree
from warehouse.schema import apply_ddl

DEMO_SNAPSHOT = "survey_demo"  # synthetic exports made by `sector-monitor survey demo`
WAVE_IN_NAME = re.compile(r"_(\d{4})_kobo\.csv$")
CODEBOOK = LATEST  # every question of every version: the warehouse's columns
RESTRICTED = {q.code for q in CODEBOOK.questions if q.restricted}  # org_id, names, free text
PUBLISHED = [q for q in CODEBOOK.questions if not q.restricted]
SURVEY_SOURCE = {
    "source_id": "association_survey",
    "title": "Survey of Brussels social-sector associations",
    "producer": "Survey coordinators of the federations",
    "licence": "Published aggregates only; microdata restricted",
    "citation": "Survey of Brussels social-sector associations, waves {waves}.",
    "i18n": {
        "fr": {
            "title": "Enquête auprès des associations du secteur social bruxellois",
            "producer": "Coordinateurs d'enquête des fédérations",
            "citation": "Enquête auprès des associations du secteur social bruxellois, vagues {waves}.",
        },
        "nl": {
            "title": "Bevraging van verenigingen uit de Brusselse sociale sector",
            "producer": "Enquêtecoördinatoren van de federaties",
            "citation": "Bevraging van verenigingen uit de Brusselse sociale sector, golven {waves}.",
        },
        "en": {
            "title": "Survey of Brussels social-sector associations",
            "producer": "Survey coordinators of the federations",
            "citation": "Survey of Brussels social-sector associations, waves {waves}.",
        },
    },
}
SQL_TYPES = {"integer": "BIGINT", "decimal": "DOUBLE", "date": "DATE"}


@dataclass
class Input:
    """One export to load."""

    path: Path
    name: str
    wave: int
    format: str
    sha256: str
    synthetic: bool
    version: str = "v1"  # questionnaire version (etl.survey.codebook.CODEBOOKS)


@dataclass(frozen=True)
class Pending:
    """A file being ingested: read from where it is, landed only if the build succeeds."""

    path: Path
    wave: int
    format: str = "auto"
    share: float | None = None  # largest share of rows that may fail one rule (None: default)
    version: str = "v1"  # questionnaire version (detected from the header by the ingest)


@dataclass
class FileResult:
    input: Input
    export_format: str
    con: duckdb.DuckDBPyConnection
    relation: str  # the rows to load, as restricted.survey_responses wants them (without status)
    loaded: int
    checked: Validation
    export_relation: str  # the canonical rows (answers as given): restricted, scratch only
    incomplete: list[int] = field(default_factory=list)
    index: int = 0  # position in the build's inputs (registry order)
    export: Export | None = None
    corrected: int = 0  # quarantined rows sent again (corrected or not) in a later file
    still_quarantined: int | None = None  # quarantined rows not sent again (None: not computed)

    @property
    def rows(self) -> pd.DataFrame:
        """The rows to load as a DataFrame, in file order (for small files and tests)."""
        return self.con.execute(f"SELECT * FROM {self.relation} ORDER BY source_line").df()

    @property
    def quarantined_count(self) -> int:
        return self.checked.failed_count

    @property
    def quarantined_lines(self) -> list[int]:
        return self.checked.failed_lines

    @property
    def errors(self) -> list:
        """Every error with its messages, rendered in Python (small files and tests)."""
        return self.checked.errors

    @property
    def quarantined(self) -> pd.DataFrame | None:
        """Original canonical rows of the invalid records (small files and tests)."""
        if not self.quarantined_count:
            return None
        return self.con.execute(
            f"SELECT * FROM {self.export_relation} WHERE _line IN (SELECT line "
            f"FROM {self.checked.errors_relation}) ORDER BY _line"
        ).df()


def survey_inputs(ctx: Context) -> list[Input]:
    """Landed files in registry order (but those being removed, ``exclude``; then the pending
    file, which replaces a landed file of the same wave and name), or, when there is none, the
    deterministic demo exports."""
    entries = [
        e for e in landing.registry(ctx.landing) if (e.wave, e.name) not in ctx.options.get("exclude", ())
    ]  # being removed
    pending: Pending | None = ctx.options.get("pending")
    if pending is not None:
        entries = [e for e in entries if (e.wave, e.name) != (pending.wave, pending.path.name)]
    inputs = [
        Input(ctx.landing / e.stored, e.name, e.wave, e.format, e.sha256, False, e.version) for e in entries
    ]
    if pending is not None:
        inputs.append(
            Input(
                pending.path,
                pending.path.name,
                pending.wave,
                pending.format,
                sha256_file(pending.path),
                False,
                pending.version,
            )
        )
    if inputs:
        return inputs
    demo = ctx.source(DEMO_SNAPSHOT)
    return [
        Input(demo.path(f.path), f.path, int(WAVE_IN_NAME.search(f.path)[1]), "kobo", f.sha256, True)
        for f in demo.files
    ]


def process(item: Input, key: bytes, con: duckdb.DuckDBPyConnection | None = None) -> FileResult:
    """Read, validate and pseudonymise one export (relations in ``con``, else in memory)."""
    codebook = codebook_for(item.version)
    export = read_export(item.path, item.format, codebook, con=con)
    guard.collect(export.con, export.relation, sorted(RESTRICTED & set(codebook.codes)), item.name)
    checked = validate(export, codebook)
    prefix = f"{item.wave}:{item.name}:{item.sha256}:"
    published = ", ".join(ident(q.code) for q in codebook.questions if not q.restricted)
    relation = temp_name(f"{export.relation}_rows")
    export.con.execute(
        f"CREATE VIEW {relation} AS SELECT left(sha256({literal(prefix)} || _line::VARCHAR), 16) "
        f"AS response_id, {item.wave}::INTEGER AS wave, {pseudonym_sql('org_id', key)} AS org_pseudo, "
        f"_submitted_at AS submitted_at, {literal(item.name)} AS source_file, _line::INTEGER AS source_line, "
        f"NOT _no_consent AS consent, {item.synthetic} AS synthetic, "
        f"{size_class_sql('staff_fte')} AS size_class, {literal(item.version)} AS questionnaire_version, "
        f"{published} FROM {checked.valid_relation}"
    )
    loaded = checked.rows - checked.failed_count
    return FileResult(
        item,
        export.format,
        export.con,
        relation,
        loaded,
        checked,
        export.relation,
        export.incomplete,
        export=export,
    )


def corrected_lines(con: duckdb.DuckDBPyConnection, results: list[FileResult]) -> str | None:
    """A table ``(k, line)`` of the lines of file ``k`` sent again, corrected or not, in a later
    file of the same wave: a quarantine CSV names, in ``_quarantine_file`` and
    ``_quarantine_line``, the file and line each of its rows was first sent in. None when no
    file is such a correction (the usual case costs one small query per file)."""
    if not any(
        con.execute(
            f"SELECT count(*) FROM {r.checked.checked_relation} WHERE _origin_file IS NOT NULL"
        ).fetchone()[0]
        for r in results
    ):
        return None
    keys = " UNION ALL ".join(
        f"SELECT {r.index} AS k, {r.input.wave} AS wave, coalesce(_origin_file, "
        f"{literal(r.input.name)}) AS origin_file, coalesce(_origin_line, _line) AS origin_line, "
        f"_line AS line FROM {r.checked.checked_relation}"
        for r in results
    )
    name = temp_name("corrected")
    con.execute(
        f"CREATE TABLE {name} AS WITH keys AS ({keys}) SELECT DISTINCT a.k, a.line FROM keys a "
        f"JOIN keys b ON b.wave = a.wave AND b.origin_file = a.origin_file AND "
        f"b.origin_line = a.origin_line AND b.k > a.k"
    )
    return name


def open_errors(result: FileResult, corrected: str | None) -> str:
    """SQL: the errors of ``result`` whose row was not sent again in a later file."""
    errors = result.checked.errors_relation
    if corrected is None:
        return f"SELECT * FROM {errors}"
    return f"SELECT * FROM {errors} WHERE line NOT IN (SELECT line FROM {corrected} WHERE k = {result.index})"


def _excel_safe(column: str) -> str:
    """SQL: a text cell that cannot run as a spreadsheet formula (see exports.csv_safety); plain
    numbers (a negative one is data, not a formula) are kept as they are."""
    return (
        f"CASE WHEN regexp_matches({column}, '^[=+@\\t\\r-]') AND NOT "
        f"regexp_matches({column}, '^[+-]?[0-9]+([.,][0-9]+)?$') THEN chr(39) || {column} "
        f"ELSE {column} END"
    )


def templates_relation(con: duckdb.DuckDBPyConnection, keys: list[tuple[str | None, str]]) -> str:
    """A temporary table ``(field, rule, fr, nl, en)`` of the message templates of ``keys``."""
    name = temp_name("templates")
    con.execute(f"CREATE TEMP TABLE {name} (field VARCHAR, rule VARCHAR, fr VARCHAR, nl VARCHAR, en VARCHAR)")
    rows = message_templates(CODEBOOK, [k for k in keys if k[1] != "incomplete"])
    rows += [[None, "incomplete", INCOMPLETE["fr"], INCOMPLETE["nl"], INCOMPLETE["en"]]]
    con.executemany(f"INSERT INTO {name} VALUES (?, ?, ?, ?, ?)", rows)
    return name


def write_quarantine(ctx: Context, result: FileResult, errors: str) -> None:
    """The quarantined records still open (``errors``: their failed rules), as given (codes),
    with their messages, for the coordinator to correct in a spreadsheet and ingest again
    (restricted, 0600). ``;``-separated UTF-8 with a BOM, so that Belgian Excel opens it as it
    is; ``_quarantine_file`` and ``_quarantine_line`` say where each row was first sent, so that
    a corrected row takes its quarantine entry over. Written by DuckDB, messages rendered in SQL
    for these rows only; no file when nothing is left to correct."""
    out = ctx.landing / "quarantine" / str(result.input.wave) / f"{result.input.name}.quarantine.csv"
    con = result.con
    if result.input.synthetic or not con.execute(f"SELECT count(*) FROM {errors}").fetchone()[0]:
        out.unlink(missing_ok=True)
        return
    templates = templates_relation(
        con, [tuple(r) for r in con.execute(f"SELECT DISTINCT field, rule FROM {errors}").fetchall()]
    )
    message = " || ' | ' || ".join(render_sql(f"m.{lang}", "e.line", "e.detail") for lang in LANGUAGES)
    codes = result.checked.codebook.codes  # the file's version
    answers = ", ".join(f"{_excel_safe(f'_given.{ident(c)}')} AS {ident(c)}" for c in codes)
    private_dir(out.parent, root=ctx.landing)
    tmp = scratch_dir(ctx.warehouse) / f"{ctx.warehouse.name}.{temp_name('quarantine')}.csv"
    try:
        con.execute(
            f"COPY (WITH msg AS (SELECT e.line, string_agg({message}, chr(10) ORDER BY e.field, e.rule) "
            f"AS _errors FROM {errors} e JOIN {templates} m ON m.rule = e.rule AND m.field IS NOT "
            f"DISTINCT FROM e.field GROUP BY e.line) "
            f"SELECT msg._errors, coalesce(r._origin_file, {literal(result.input.name)}) AS "
            f"{QUARANTINE_FILE}, coalesce(r._origin_line, r._line) AS {QUARANTINE_LINE}, "
            f"strftime(r._submitted_at, '%Y-%m-%d %H:%M:%S') AS {SUBMITTED_AT}, "
            f"{', '.join(f'r.{ident(c)}' for c in codes)} FROM msg JOIN (SELECT _line, "
            f"_origin_file, _origin_line, _submitted_at, {answers} FROM "
            f"{result.checked.checked_relation} WHERE _given IS NOT NULL) r ON r._line = msg.line "
            f"ORDER BY r._line) "
            f"TO {literal(str(tmp))} (HEADER, DELIMITER ';', QUOTE '\"', FORCE_QUOTE *)"
        )
        restrict(tmp)
        private_dir(out.parent, root=ctx.landing)
        with open_private(out, "wb") as target, tmp.open("rb") as source:
            target.write(codecs.BOM_UTF8)  # spreadsheets then read it as UTF-8
            shutil.copyfileobj(source, target, 1 << 20)
    finally:
        tmp.unlink(missing_ok=True)


def record_quarantine(ctx: Context, home: str, results: list[FileResult]) -> None:
    """Errors (``meta.quarantine_errors``), one row per quarantined record
    (``meta.quarantined_rows``) and the quarantine CSV of each file, for the records still open;
    then the message of each (field, rule) found (``meta.quarantine_messages``). All SQL: a
    file whose rows all fail costs about what a clean one does."""
    corrected = corrected_lines(ctx.con, results)
    subsectors = in_list(CODEBOOK.lists["subsector"].codes)
    for r in results:
        errors = temp_name("open_errors")
        ctx.con.execute(f"CREATE TEMP TABLE {errors} AS {open_errors(r, corrected)}")
        load = f"{literal(ctx.load_id)}, {literal(r.input.name)}"
        ctx.con.execute(
            f"INSERT INTO {home}.meta.quarantine_errors SELECT {load}, line, field, rule, "
            f"detail FROM {errors}"
        )
        if r.incomplete:
            ctx.con.execute(
                f"INSERT INTO {home}.meta.quarantine_errors SELECT {load}, unnest(?), "
                "NULL, 'incomplete', NULL",
                [r.incomplete],
            )
        ctx.con.execute(
            f"INSERT INTO {home}.meta.quarantined_rows SELECT {load}, {r.input.wave}, c._line, "
            f"CASE WHEN c.subsector IN {subsectors} AND c._line NOT IN (SELECT line FROM {errors} "
            f"WHERE field = 'subsector') THEN c.subsector ELSE 'unknown' END "
            f"FROM {r.checked.checked_relation} c WHERE c._line IN (SELECT line FROM {errors})"
        )
        r.still_quarantined = ctx.con.execute(f"SELECT count(DISTINCT line) FROM {errors}").fetchone()[0]
        r.corrected = r.quarantined_count - r.still_quarantined
        write_quarantine(ctx, r, errors)
    keys = [
        tuple(k)
        for k in ctx.con.execute(f"SELECT DISTINCT field, rule FROM {home}.meta.quarantine_errors").fetchall()
    ]
    templates = templates_relation(ctx.con, keys)
    ctx.con.execute(f"INSERT INTO {home}.meta.quarantine_messages SELECT * FROM {templates}")


def process_all(ctx: Context, key: bytes) -> list[FileResult]:
    """Every input, the pending file first: a file-level refusal (:class:`SurveyRefusedError`)
    fails the build before the other files are read."""
    inputs: list[Input] = ctx.options["inputs"]
    pending: Pending | None = ctx.options.get("pending")
    order = list(range(len(inputs)))
    if pending is not None:
        order = [order[-1], *order[:-1]]
    results: dict[int, FileResult] = {}
    for index in order:
        result = results[index] = process(inputs[index], key, ctx.con)
        result.index = index
        if pending is not None and index == order[0]:
            summary = summarise(result.export, result.input.name, pending.share, result.checked)
            if summary.refused:
                raise SurveyRefusedError(summary)
            ctx.options["summary"] = summary
    return [results[i] for i in range(len(inputs))]


@contextlib.contextmanager
def scratch_database(con: duckdb.DuckDBPyConnection, warehouse: Path) -> Iterator[str]:
    """Attach a scratch database file for ``warehouse``'s build in the restricted
    ``<landing>/.scratch/`` (0700; deleted on exit); yields its name.

    Scratch files left by a killed build (they hold raw answers) are deleted by the build before
    it starts (:func:`warehouse.private.remove_build_leftovers`, under the warehouse lock) and by
    any command that resolves the warehouse while no build runs."""
    name = temp_name("survey_scratch")
    path = scratch_dir(warehouse) / f"{warehouse.name}.{name}.duckdb"
    con.execute(f"ATTACH {literal(str(path))} AS {name}")
    restrict(path)
    try:
        yield name
    finally:
        con.execute(f"DETACH {name}")
        for leftover in (path, path.with_name(path.name + ".wal")):
            leftover.unlink(missing_ok=True)


def public_texts() -> list[str]:
    """The codebook's texts (labels, hints, choices, groups): public vocabulary for the guard."""
    texts = [t for q in CODEBOOK.questions for t in (*q.labels.values(), *q.hints.values())]
    texts += [t for c in CODEBOOK.lists.values() for choice in c.choices for t in choice.labels.values()]
    texts += [t for labels in CODEBOOK.groups.values() for t in labels.values()]
    return texts


def category_rows() -> list[list]:
    """(variable, code, position, fr, nl, en) for every select question and the size classes."""
    rows = [
        [q.code, c.code, i, c.labels["fr"], c.labels["nl"], c.labels["en"]]
        for q in PUBLISHED
        if q.list_name
        for i, c in enumerate(CODEBOOK.lists[q.list_name].choices)
    ]
    rows += [
        ["size_class", code, i, *(c.labels[lang] for lang in LANGUAGES)]
        for i, (code, c) in enumerate(SIZE_CLASSES.items())
    ]
    return rows


def insert_rows(ctx: Context, table: str, rows: list[list]) -> None:
    if rows:
        ctx.con.executemany(f"INSERT INTO {table} VALUES ({', '.join('?' * len(rows[0]))})", rows)


CURRENT_STATUS = (
    "CASE WHEN row_number() OVER (PARTITION BY wave, org_pseudo ORDER BY submitted_at DESC "
    "NULLS LAST, source_file DESC, source_line DESC) > 1 THEN 'superseded' ELSE 'current' END"
)


class Survey(Step):
    name = "survey"
    keep_raw = False  # raw survey rows hold enterprise numbers and free text

    def register_sources(self, ctx: Context) -> None:
        """Record the survey as a source: its files' checksums, synthetic or not."""
        tighten_tree(ctx.landing)  # 0700/0600 also for an area created before that rule
        inputs = ctx.options["inputs"] = survey_inputs(ctx)
        if inputs and inputs[0].synthetic:
            record_source(ctx, ctx.source(DEMO_SNAPSHOT), source_id=SURVEY_SOURCE["source_id"])
            return
        waves = ", ".join(sorted({str(i.wave) for i in inputs}))
        source = SURVEY_SOURCE
        insert_source(
            ctx,
            {
                "source_id": source["source_id"],
                "title": source["title"],
                "producer": source["producer"],
                "url": None,
                "licence": source["licence"],
                "retrieved_on": dt.date.today(),
                "sha256": ";".join(i.sha256 for i in inputs),
                "citation": source["citation"].format(waves=waves),
                "note": f"{len(inputs)} export file(s)",
            },
            {
                lang: {k: text.format(waves=waves) for k, text in texts.items()}
                for lang, texts in source["i18n"].items()
            },
        )

    def extract(self, ctx: Context) -> pd.DataFrame:
        """Load every file (see the module docstring); returns one summary row per file."""
        key = load_key(Layout(ctx.warehouse).pseudonym_key)
        for q in PUBLISHED:
            ctx.con.execute(
                f'ALTER TABLE restricted.survey_responses ADD COLUMN "{q.code}" '
                f"{SQL_TYPES.get(q.base_type, 'VARCHAR')}"
            )
        guard.add_public_text(ctx.con, public_texts())
        home = ident(ctx.con.execute("SELECT current_database()").fetchone()[0])  # a file name may hold '-'
        with scratch_database(ctx.con, ctx.warehouse) as scratch:
            ctx.con.execute(f"USE {scratch}")  # the files' tables and views go to the scratch file
            try:
                results = process_all(ctx, key)
                if results:
                    union = " UNION ALL BY NAME ".join(f"SELECT * FROM {r.relation}" for r in results)
                    ctx.con.execute(
                        f"INSERT INTO {home}.restricted.survey_responses BY NAME "
                        f"SELECT *, {literal(ctx.load_id)} AS load_id, {CURRENT_STATUS} AS status "
                        f"FROM ({union}) ORDER BY wave, source_file, source_line"
                    )  # deterministic order
                record_quarantine(ctx, home, results)
            finally:
                ctx.con.execute(f"USE {home}")
        ctx.options["results"] = results
        return pd.DataFrame(
            {
                "file": [r.input.name for r in results],
                "records": [r.checked.rows + len(r.incomplete) for r in results],
            }
        ).assign(rows=lambda d: d.records)

    def transform(self, raw: pd.DataFrame, ctx: Context) -> pd.DataFrame:
        results: list[FileResult] = ctx.options["results"]
        superseded = dict(
            ((f, w), n)
            for f, w, n in ctx.con.execute(
                "SELECT source_file, wave, count(*) FROM restricted.survey_responses "
                "WHERE status = 'superseded' GROUP BY ALL"
            ).fetchall()
        )
        insert_rows(
            ctx,
            "meta.survey_loads",
            [
                [
                    ctx.load_id,
                    r.input.name,
                    r.input.sha256,
                    r.export_format,
                    r.input.wave,
                    r.checked.rows + len(r.incomplete),
                    r.loaded,
                    r.still_quarantined,
                    superseded.get((r.input.name, r.input.wave), 0),
                    len(r.incomplete),
                    r.input.synthetic,
                    r.corrected,
                    r.input.version,
                ]
                for r in results
            ],
        )
        return raw

    def load(self, ctx: Context, frame: pd.DataFrame) -> int:
        insert_rows(ctx, "core.questionnaire_versions", version_rows())
        apply_ddl(ctx.con, "sql/survey_views")
        insert_rows(ctx, "core.category", category_rows())
        frame_path = landing.frame_file(ctx.landing) or DEMO_FRAME
        sampling = load_frame(frame_path)
        source = frame_source_of(frame_path, sampling)
        sampling["illustrative"] = source.status == "illustrative"
        cols = ["subsector", "size_class", "region", "n_associations", "illustrative", "n_employers"]
        sampling = sampling.reindex(columns=cols)
        sampling["n_employers"] = sampling["n_employers"].astype("Int64")
        ctx.con.register("_frame", sampling)
        ctx.con.execute("INSERT INTO core.survey_frame SELECT * FROM _frame")
        ctx.con.unregister("_frame")
        ctx.con.execute(
            "INSERT INTO core.survey_frame_source VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
            [
                source.status,
                source.kind,
                *(source.source[lang] for lang in LANGUAGES),
                source.source_date,
                *(source.definition[lang] for lang in LANGUAGES),
                source.sha256,
                source.loaded_at and dt.datetime.fromisoformat(source.loaded_at).replace(tzinfo=None),
            ],
        )
        return sum(r.loaded for r in ctx.options["results"])
