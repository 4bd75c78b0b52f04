"""Loading the association survey (the machinery of the ``survey`` step, etl/steps/survey/):
read every export through the format adapters and validation, pseudonymise the enterprise
numbers, keep one current response per association and wave, and write the restricted
microdata and the quarantine log.

The warehouse receives no enterprise number, no association name and no free text:
validation messages never quote a value, and the original rows of quarantined records are
written to the restricted landing area only (0600 files in 0700 folders). The distinct values of
the restricted fields are handed to the build's privacy guard (:mod:`warehouse.guard`), which
refuses a warehouse that contains one of them anywhere.

The rows never pass through pandas: each file is read into a scratch DuckDB database in the
restricted ``<landing>/.scratch/`` (deleted afterwards; a killed build's is deleted by the next
command), canonicalised, validated and pseudonymised by SQL, and inserted in one statement that
also marks the current answer of each association. Small files written by one tool with one
header row (the waves of one survey) are checked together, in one pass (:func:`process_all`).
"""

from __future__ import annotations

import codecs
import contextlib
import shutil
from collections.abc import Iterator
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import TYPE_CHECKING

import duckdb

from core.codes import SIZE_CLASSES
from core.i18n import LANGUAGES
from etl.landing import Pending
from etl.runner import Context
from etl.survey.codebook import LATEST, Codebook, codebook_for
from etl.survey.filecheck import SurveyRefusedError, summarise
from etl.survey.frame import size_class_sql
from etl.survey.messages import INCOMPLETE
from etl.survey.pseudonym import pseudonym_sql
from etl.survey.readers import QUARANTINE_FILE, QUARANTINE_LINE, SYNTHETIC_TAG, TAGS, Export, read_export
from etl.survey.sql import in_list, temp_name
from etl.survey.tables import copies_in
from etl.survey.validation import Validation, message_templates, render_sql, validate_all
from etl.survey.workbooks import SUBMITTED_AT
from warehouse import guard
from warehouse.private import open_private, private_dir, restrict, scratch_dir
from warehouse.sql import attach, quote_ident, quote_literal

if TYPE_CHECKING:
    import pandas as pd

CODEBOOK = LATEST  # every question of every version: the warehouse's columns
RESTRICTED = {q.code for q in CODEBOOK.questions if q.restricted}  # org_id, names, free text
PUBLISHED = [q for q in CODEBOOK.questions if not q.restricted]
SQL_TYPES = {"integer": "BIGINT", "decimal": "DOUBLE", "date": "DATE"}


@dataclass
class Input:
    """One export to load."""

    path: Path
    name: str
    wave: int
    format: str
    sha256: str
    synthetic: bool  # declared (``survey ingest --synthetic``); a tagged file is too (check())
    version: str = "v1"  # questionnaire version (etl.survey.codebook.CODEBOOKS)
    demo: bool = False  # the shipped demo snapshot (planted errors: no quarantine file)
    lang: str | None = None  # the sender's language: its quarantine CSV's messages (None: fr, nl, en)


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
    batch_relation: str = ""  # the rows to load of every file checked with this one (check())

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


def guard_source(item: Input) -> str:
    """How the privacy guard names ``item``'s values: its wave and name (``2024/export.csv``), as
    two waves may each have a file of the same name."""
    return f"{item.wave}/{item.name}"


def read(item: Input, con: duckdb.DuckDBPyConnection | None = None) -> Export:
    """Read one export (relations in ``con``, else in memory) and hand the values of its
    restricted fields to the privacy guard."""
    codebook = codebook_for(item.version)
    export = read_export(item.path, item.format, codebook, con=con)
    restricted = sorted(RESTRICTED & set(codebook.codes))
    guard.collect(export.con, export.select(restricted), restricted, guard_source(item))
    return export


def check(items: list[Input], exports: list[Export], key: bytes) -> list[FileResult]:
    """Validate and pseudonymise exports of one questionnaire version, read by :func:`read`
    into one connection, together (:func:`~etl.survey.validation.validate_all`)."""
    codebook = codebook_for(items[0].version)
    items = [replace(i, synthetic=i.synthetic or e.synthetic) for i, e in zip(items, exports, strict=True)]
    validations, valid = validate_all(exports, codebook)
    relation = _loadable(items, valid, key, codebook)
    return [
        FileResult(
            item,
            export.format,
            export.con,
            f"(SELECT * FROM {relation} WHERE wave = {item.wave} AND "
            f"source_file = {quote_literal(item.name)})",
            checked.rows - checked.failed_count,
            checked,
            export.relation,
            export.incomplete,
            export=export,
            batch_relation=relation,
        )
        for item, export, checked in zip(items, exports, validations, strict=True)
    ]


def process(item: Input, key: bytes, con: duckdb.DuckDBPyConnection | None = None) -> FileResult:
    """Read, validate and pseudonymise one export (relations in ``con``, else in memory)."""
    return check([item], [read(item, con)], key)[0]


def _loadable(items: list[Input], valid: str, key: bytes, codebook: Codebook) -> str:
    """SQL: the valid rows of ``items`` (``valid``, with ``_k`` the position of each row's file;
    questionnaire version ``codebook``) as restricted.survey_responses wants them (without
    load_id and status)."""
    files = ", ".join(
        f"({k}, {quote_literal(f'{i.wave}:{i.name}:{i.sha256}:')}, {i.wave}, {quote_literal(i.name)}, "
        f"{i.synthetic}, {quote_literal(i.version)})"
        for k, i in enumerate(items)
    )
    published = ", ".join(quote_ident(q.code) for q in codebook.questions if not q.restricted)
    return (  # a subquery, not a view: DuckDB would bind it twice (0.03 s per file)
        f"(SELECT left(sha256(_prefix || _line::VARCHAR), 16) AS response_id, _wave::INTEGER AS wave, "
        f"{pseudonym_sql('org_id', key)} AS org_pseudo, _submitted_at AS submitted_at, "
        f"_name AS source_file, _line::INTEGER AS source_line, NOT _no_consent AS consent, "
        f"_synthetic AS synthetic, {size_class_sql('staff_fte')} AS size_class, "
        f"_version AS questionnaire_version, {published} FROM {valid} JOIN (VALUES {files}) "
        f"AS files(_k, _prefix, _wave, _name, _synthetic, _version) USING (_k))"
    )


def corrected_lines(con: duckdb.DuckDBPyConnection, results: list[FileResult]) -> str | None:
    """A table ``(k, line)`` of the lines of file ``k`` sent again, corrected or not, in a later
    file of the same wave: a quarantine CSV names, in ``_quarantine_file`` and
    ``_quarantine_line``, the file and line each of its rows was first sent in. None when no
    file is such a correction (the usual case costs one small query per file)."""
    counts = (  # only a file with the quarantine file's columns can name an origin
        con.execute(f"SELECT count(*) FROM {r.export_relation} WHERE _origin_file IS NOT NULL").fetchall()
        for r in results
        if r.export is None or r.export.corrects
    )
    if not any(n for [(n,)] in counts):
        return None
    keys = " UNION ALL ".join(
        f"SELECT {r.index} AS k, {r.input.wave} AS wave, coalesce(_origin_file, "
        f"{quote_literal(r.input.name)}) AS origin_file, coalesce(_origin_line, _line) AS origin_line, "
        f"_line AS line FROM {r.export_relation}"
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
    con.executemany(f"INSERT INTO {name} (field, rule, fr, nl, en) VALUES (?, ?, ?, ?, ?)", rows)
    return name


def write_quarantine(ctx: Context, result: FileResult, errors: str) -> None:
    """The quarantined records still open (``errors``: their failed rules), as given (codes),
    with their messages, for the coordinator to correct in a spreadsheet and ingest again
    (restricted, 0600). ``;``-separated UTF-8 with a BOM, so that Belgian Excel opens it as it
    is; the messages are in the sender's language (``Input.lang``; fr, nl and en when it is not
    known); ``_quarantine_file`` and ``_quarantine_line`` say where each row was first sent, so that
    a corrected row takes its quarantine entry over; the rows of a synthetic file keep the tag
    (``_tags``), so that their correction is loaded as synthetic too. Written by DuckDB, messages
    rendered in SQL for these rows only; no file when nothing is left to correct."""
    out = ctx.landing / "quarantine" / str(result.input.wave) / f"{result.input.name}.quarantine.csv"
    con = result.con
    if result.input.demo or not con.execute(f"SELECT count(*) FROM {errors}").fetchall()[0][0]:
        out.unlink(missing_ok=True)
        return
    templates = templates_relation(
        con, [tuple(r) for r in con.execute(f"SELECT DISTINCT field, rule FROM {errors}").fetchall()]
    )
    languages = [result.input.lang] if result.input.lang in LANGUAGES else LANGUAGES
    message = " || ' | ' || ".join(render_sql(f"m.{lang}", "e.line", "e.detail", lang) for lang in languages)
    codes = result.checked.codebook.codes  # the file's version
    answers = ", ".join(f"{_excel_safe(f'_given.{quote_ident(c)}')} AS {quote_ident(c)}" for c in codes)
    tags = f", {quote_literal(SYNTHETIC_TAG)} AS {TAGS}" if result.input.synthetic else ""
    private_dir(out.parent, root=ctx.landing)
    tmp = scratch_dir(ctx.warehouse) / f"{ctx.warehouse.name}.{temp_name('quarantine')}.csv"
    try:
        con.execute(
            f"COPY (WITH msg AS (SELECT e.line, string_agg({message}, chr(10) ORDER BY e.field, e.rule) "
            f"AS _errors FROM {errors} e JOIN {templates} m ON m.rule = e.rule AND m.field IS NOT "
            f"DISTINCT FROM e.field GROUP BY e.line) "
            f"SELECT msg._errors, coalesce(r._origin_file, {quote_literal(result.input.name)}) AS "
            f"{QUARANTINE_FILE}, coalesce(r._origin_line, r._line) AS {QUARANTINE_LINE}, "
            f"strftime(r._submitted_at, '%Y-%m-%d %H:%M:%S') AS {SUBMITTED_AT}, "
            f"{', '.join(f'r.{quote_ident(c)}' for c in codes)}{tags} FROM msg JOIN (SELECT _line, "
            f"_origin_file, _origin_line, _submitted_at, {answers} FROM "
            f"{result.checked.invalid_relation}) r ON r._line = msg.line "
            f"ORDER BY r._line) "
            f"TO {quote_literal(str(tmp))} (HEADER, DELIMITER ';', QUOTE '\"', FORCE_QUOTE *)"
        )
        restrict(tmp)
        private_dir(out.parent, root=ctx.landing)
        with open_private(out, "wb") as target, tmp.open("rb") as source:
            target.write(codecs.BOM_UTF8)  # spreadsheets then read it as UTF-8
            shutil.copyfileobj(source, target, 1 << 20)
    finally:
        tmp.unlink(missing_ok=True)


ERROR_COLUMNS = "load_id, source_file, wave, line, field, rule, detail"  # of meta.quarantine_errors


def record_quarantine(ctx: Context, home: str, results: list[FileResult]) -> None:
    """Errors (``meta.quarantine_errors``), one row per quarantined record
    (``meta.quarantined_rows``) and the quarantine CSV of each file, for the records still open;
    then the message of each (field, rule) found (``meta.quarantine_messages``). All SQL: a
    file whose rows all fail costs about what a clean one does. ``home``: the warehouse's
    database name, quoted."""
    corrected = corrected_lines(ctx.con, results)
    subsectors = in_list(CODEBOOK.lists["subsector"].codes)
    for r in results:
        errors = temp_name("open_errors")
        ctx.con.execute(f"CREATE TEMP TABLE {errors} AS {open_errors(r, corrected)}")
        load = f"{quote_literal(ctx.load_id)}, {quote_literal(r.input.name)}, {r.input.wave}"
        ctx.con.execute(
            f"INSERT INTO {home}.meta.quarantine_errors ({ERROR_COLUMNS}) SELECT {load}, line, field, "
            f"rule, detail FROM {errors}"
        )
        if r.incomplete:
            ctx.con.execute(
                f"INSERT INTO {home}.meta.quarantine_errors ({ERROR_COLUMNS}) SELECT {load}, unnest(?), "
                "NULL, 'incomplete', NULL",
                [r.incomplete],
            )
        ctx.con.execute(
            f"INSERT INTO {home}.meta.quarantined_rows (load_id, source_file, wave, line, subsector) "
            f"SELECT {load}, c._line, "
            f"CASE WHEN c._given.subsector IN {subsectors} AND c._line NOT IN (SELECT line FROM {errors} "
            f"WHERE field = 'subsector') THEN c._given.subsector ELSE 'unknown' END "
            f"FROM {r.checked.invalid_relation} c WHERE c._line IN (SELECT line FROM {errors})"
        )  # a select_one is typed as given
        [(r.still_quarantined,)] = ctx.con.execute(f"SELECT count(DISTINCT line) FROM {errors}").fetchall()
        r.corrected = r.quarantined_count - r.still_quarantined
        write_quarantine(ctx, r, errors)
    keys = [
        tuple(k)
        for k in ctx.con.execute(f"SELECT DISTINCT field, rule FROM {home}.meta.quarantine_errors").fetchall()
    ]
    templates = templates_relation(ctx.con, keys)
    ctx.con.execute(
        f"INSERT INTO {home}.meta.quarantine_messages (field, rule, message_fr, message_nl, message_en) "
        f"SELECT field, rule, fr, nl, en FROM {templates}"
    )


def process_all(
    con: duckdb.DuckDBPyConnection, inputs: list[Input], key: bytes, pending: Pending | None
) -> list[FileResult]:
    """Every input read and checked. The ``pending`` file (last in ``inputs``) first and alone:
    a file-level refusal (:class:`SurveyRefusedError`) fails the build before the other files
    are read. The others are read, then checked: small files together, one pass per tool,
    questionnaire version and header row (:func:`_batch_key`)."""
    results: dict[int, FileResult] = {}
    others = list(range(len(inputs)))
    if pending is not None:
        index = others.pop()
        result = results[index] = process(inputs[index], key, con)
        assert result.export is not None  # process() keeps the export it read
        summary = summarise(result.export, result.input.name, pending.share, result.checked)
        if summary.refused:
            raise SurveyRefusedError(summary)
    exports = {i: read(inputs[i], con) for i in others}
    batches: dict[object, list[int]] = {}
    for i in others:
        batches.setdefault(_batch_key(i, inputs[i], exports[i]), []).append(i)
    for batch in batches.values():
        checked = check([inputs[i] for i in batch], [exports[i] for i in batch], key)
        results.update(zip(batch, checked, strict=True))
    for index, result in results.items():
        result.index = index
    return [results[i] for i in range(len(inputs))]


BATCH_ROWS = 10_000  # files of fewer rows are checked together: planning the checks costs more
# than running them (0.3 s for 300 rows), where copying a large file's rows would cost seconds


def _batch_key(index: int, item: Input, export: Export) -> tuple:
    """Files with the same key are checked together (:func:`etl.survey.readers.combine`)."""
    if export.raw is None or export.raw.rows >= BATCH_ROWS:
        return (index,)
    return (item.version, export.format, tuple(export.raw.headers))


@contextlib.contextmanager
def scratch_database(con: duckdb.DuckDBPyConnection, warehouse: Path) -> Iterator[str]:
    """Attach a scratch database file for ``warehouse``'s build in the restricted
    ``<landing>/.scratch/`` (0700; deleted on exit); yields its name.

    Scratch files left by a killed build (they hold raw answers; so do the UTF-8 copies of the
    files read meanwhile, :func:`~etl.survey.tables.copies_in`) are deleted by the build before
    it starts (:func:`warehouse.private.remove_build_leftovers`, under the warehouse lock) and by
    any command that resolves the warehouse while no build runs."""
    name = temp_name("survey_scratch")
    path = scratch_dir(warehouse) / f"{warehouse.name}.{name}.duckdb"
    attach(con, path, name, read_only=False)
    restrict(path)
    try:
        with copies_in(path.parent, f"{warehouse.name}."):  # UTF-8 copies of the files read, too
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


def category_rows() -> pd.DataFrame:
    """The rows of core.category: every select question's choices and the size classes."""
    import pandas as pd  # here, not at the top: reading an export needs no pandas

    columns = ["variable", "code", "position", "label_fr", "label_nl", "label_en"]
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
    return pd.DataFrame(rows, columns=columns)


CURRENT_STATUS = (
    "CASE WHEN row_number() OVER (PARTITION BY wave, org_pseudo ORDER BY submitted_at DESC "
    "NULLS LAST, source_file DESC, source_line DESC) > 1 THEN 'superseded' ELSE 'current' END"
)
