"""Validation of the canonical survey relation against the codebook, as SQL run by DuckDB.

Rules: type, range, choice code, required, relevance, the budget shares summing to 100 (+-1),
"none" excluding the other options, the org_id format with Belgian mod-97 check digits, and a
submission time no later than tomorrow (a future one would make a row current for ever).
A relevance error needs the controlling answer to be given (a missing one is a "required" error).
A row with any error is invalid and all its errors are reported (fr/nl/en messages). Rows with
``consent_aggregates = no`` are valid but flagged ``_no_consent`` (kept restricted, excluded from
estimates). ``_superseded`` marks an earlier answer of an association that answered again later
in the same file (the later answer is current; the earlier one is kept as history).

Each rule is one boolean SQL expression per field. One scan evaluates every rule and writes the
invalid rows only (their line, metadata, failed rules with the values they saw, and answers as
given); the valid rows are a subquery that types the other rows of the canonical relation (an
anti-join on the file and line). Small exports of one tool, questionnaire version and header
row are checked together, in one scan (:func:`validate_all` over
:func:`~etl.survey.readers.combine`): for 300 rows, planning the rules costs more than the scan.
Writing a typed copy of every row first cost more than typing the rows
where they are read (a 100-column table costs about as much to write as the file to parse).
The errors stay a relation (``errors_relation``: line, field, rule, detail): their grouped counts
(:meth:`Validation.causes`) are one SQL aggregate, and their messages are built once per (field,
rule) (:func:`message_templates`) and rendered in SQL for the rows that are stored, shown or
exported; :attr:`Validation.errors` renders every row in Python (small files and tests only).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from functools import cached_property
from typing import TYPE_CHECKING

import duckdb

from core.i18n import separators
from etl.survey.canonical import number, parse_datetime
from etl.survey.codebook import CODEBOOK, EXCLUSIVE_OPTION, Codebook
from etl.survey.messages import LINE_TOKEN, VALUE_TOKEN, render
from etl.survey.pseudonym import enterprise_number_sql
from etl.survey.readers import Export, combine
from etl.survey.sql import create_from_frame, distinct_values, in_list, temp_name
from warehouse.sql import quote_ident, quote_literal

if TYPE_CHECKING:
    import pandas as pd

META_COLUMNS = ("_line", "_submitted_at", "_source_id", "_origin_file", "_origin_line")
SHARE_FIELD = "share_*_pct"
SHARE_TOLERANCE = 1.0


@dataclass(frozen=True)
class ValidationError:
    """One failed rule on one row, with messages for a survey coordinator."""

    line: int
    field: str
    rule: str
    value: str | None
    message_fr: str
    message_nl: str
    message_en: str


@dataclass(frozen=True)
class Rule:
    """A failure condition on one field; ``value`` is what the message shows."""

    field: str
    rule: str
    fails: str
    value: str


@dataclass(frozen=True)
class Cause:
    """One (field, rule) and how many rows fail it, with the first lines where it does."""

    field: str | None
    rule: str
    count: int
    first_lines: tuple[int, ...]


@dataclass
class Validation:
    """The typed valid rows (subquery ``valid_relation``), the failed rules of the invalid ones
    (view ``errors_relation``: ``line, field, rule, detail``) and the rows read, in ``con``.

    ``detail`` is what a message may show: the computed sum of the shares (``share_sum``), else
    NULL; ``value`` (restricted: the answer as given) stays in this scratch relation."""

    con: duckdb.DuckDBPyConnection
    valid_relation: str
    errors_relation: str
    rows: int
    codebook: Codebook = CODEBOOK
    invalid_relation: str = ""  # the invalid rows: META_COLUMNS, ``_failed`` (rule index and
    # value seen) and ``_given`` (the answers as given, for the quarantine file)

    @property
    def valid(self) -> pd.DataFrame:
        """The valid rows as a DataFrame, in file order (for small files and tests)."""
        return self.con.execute(f"SELECT * FROM {self.valid_relation} ORDER BY _line").df()

    @cached_property
    def failed_count(self) -> int:
        [(n,)] = self.con.execute(f"SELECT count(DISTINCT line) FROM {self.errors_relation}").fetchall()
        return n

    @property
    def failed_lines(self) -> list[int]:
        return [
            r[0]
            for r in self.con.execute(
                f"SELECT DISTINCT line FROM {self.errors_relation} ORDER BY line"
            ).fetchall()
        ]

    def causes(self, first: int = 3) -> list[Cause]:
        """Errors grouped by (field, rule), most frequent first, with their ``first`` lines."""
        return causes(self.con, self.errors_relation, self.codebook, first)

    @cached_property
    def errors(self) -> list[ValidationError]:
        """Every error with its three messages, rendered in Python (small files and tests)."""
        table = self.con.execute(f"SELECT line, field, rule, value FROM {self.errors_relation}").df()
        return _messages(table, self.codebook)


def causes(
    con: duckdb.DuckDBPyConnection, relation: str, codebook: Codebook = CODEBOOK, first: int = 3
) -> list[Cause]:
    """The rows of ``relation`` (``line, field, rule``) grouped by (field, rule), most
    frequent first (ties in form order), each with its ``first`` lines: one aggregate."""
    order: dict[str | None, int] = {code: i for i, code in enumerate(codebook.codes)}
    rows = con.execute(
        f"SELECT field, rule, count(*), list(line ORDER BY line)[1:{int(first)}] FROM {relation} GROUP BY ALL"
    ).fetchall()
    found = [Cause(f, r, n, tuple(lines)) for f, r, n, lines in rows]
    return sorted(found, key=lambda c: (-c.count, order.get(c.field, len(order)), c.rule))


def _number_text(expression: str) -> str:
    return f"regexp_replace(CAST({expression} AS VARCHAR), '\\.0$', '')"


ORG = enterprise_number_sql('"org_id"')


def parsed_columns(codebook: Codebook = CODEBOOK) -> dict[str, str]:
    """Values parsed once per row for the rules: numbers (``code#number``) and org_id parts."""
    numbers = {
        f"{q.code}#number": number(quote_ident(q.code))
        for q in codebook.questions
        if q.base_type in ("integer", "decimal")
    }
    return numbers | {
        "org_id#number": ORG.number,
        "org_id#well_formed": ORG.well_formed,
        "org_id#check_ok": ORG.check_ok,
    }


def _multi_flags(values: list[str], codes: tuple[str, ...]) -> tuple[list[str], list[str]]:
    """The values naming an unknown option, and those combining "none" with another option."""
    unknown, exclusive = [], []
    for value in values:
        tokens = value.split()
        if not set(tokens) <= set(codes):
            unknown.append(value)
        elif EXCLUSIVE_OPTION in tokens and len(tokens) > 1:
            exclusive.append(value)
    return unknown, exclusive


def rules_and_types(
    multi_values: dict[str, list[str]], codebook: Codebook = CODEBOOK
) -> tuple[list[Rule], dict[str, str]]:
    """Every rule, and the typed SQL expression of every code, over the canonical and
    :func:`parsed_columns`; ``multi_values`` are the distinct values of each select_multiple."""
    rules: list[Rule] = []
    typed: dict[str, str] = {}
    type_ok: dict[str, str] = {}
    for question in codebook.questions:
        code, kind = question.code, question.base_type
        column = quote_ident(code)
        if kind in ("integer", "decimal"):
            parsed = quote_ident(f"{code}#number")
            bad = f"{parsed} IS NULL" + (f" OR {parsed} % 1 <> 0" if kind == "integer" else "")
            type_ok[code] = f"NOT coalesce({column} IS NOT NULL AND ({bad}), false)"
            rules.append(Rule(code, f"type_{kind}", f"{column} IS NOT NULL AND ({bad})", column))
            if question.min is not None:
                rules.append(
                    Rule(
                        code,
                        "range",
                        f"{type_ok[code]} AND ({parsed} < {question.min} OR {parsed} > {question.max})",
                        column,
                    )
                )
            typed[code] = f"TRY_CAST({parsed} AS BIGINT)" if kind == "integer" else parsed
        elif kind == "date":
            parsed = parse_datetime(column)
            rules.append(Rule(code, "type_date", f"{column} IS NOT NULL AND {parsed} IS NULL", column))
            typed[code] = parsed
        elif kind == "select_one":
            codes = codebook.choices_of(code).codes
            rules.append(Rule(code, "choice", f"{column} NOT IN {in_list(codes)}", column))
            typed[code] = column
        elif kind == "select_multiple":
            unknown, exclusive = _multi_flags(multi_values.get(code, []), codebook.choices_of(code).codes)
            rules.append(Rule(code, "choice", f"{column} IN {in_list(unknown)}", column))
            rules.append(Rule(code, "none_exclusive", f"{column} IN {in_list(exclusive)}", column))
            typed[code] = column
        else:
            typed[code] = column
    for question in codebook.questions:
        column, relevant = quote_ident(question.code), "true"
        if question.relevance_condition:
            control, expected = question.relevance_condition
            relevant = f"coalesce({quote_ident(control)} = {quote_literal(expected)}, false)"
            rules.append(
                Rule(
                    question.code,
                    "relevance",
                    f"{column} IS NOT NULL AND {quote_ident(control)} IS NOT NULL AND NOT {relevant}",
                    column,
                )
            )
        if question.required:
            rules.append(Rule(question.code, "required", f"{column} IS NULL AND {relevant}", column))

    shares = [quote_ident(f"{c}#number") for c in codebook.share_codes]
    total = f"({' + '.join(f'coalesce({s}, 0)' for s in shares)})"
    given = " OR ".join(
        f"({type_ok[c]} AND {s} IS NOT NULL)" for c, s in zip(codebook.share_codes, shares, strict=True)
    )
    all_ok = " AND ".join(type_ok[c] for c in codebook.share_codes)
    rules.append(
        Rule(
            SHARE_FIELD,
            "share_sum",
            f"({given}) AND {all_ok} AND abs({total} - 100) > {SHARE_TOLERANCE}",
            _number_text(f"round({total}, 2)"),
        )
    )

    rules.append(
        Rule(
            "submitted_at",
            "future_date",
            "_submitted_at > timezone('UTC', now()) + INTERVAL 1 DAY",
            "strftime(_submitted_at, '%Y-%m-%d %H:%M')",
        )
    )
    well_formed, check_ok = quote_ident("org_id#well_formed"), quote_ident("org_id#check_ok")
    rules.append(Rule("org_id", "org_id_format", f'"org_id" IS NOT NULL AND NOT {well_formed}', '"org_id"'))
    rules.append(Rule("org_id", "org_id_check", f"{well_formed} AND NOT {check_ok}", '"org_id"'))
    typed["org_id"] = f'CASE WHEN {check_ok} THEN "org_id#number" ELSE "org_id" END'
    return rules, typed


def _canonical(source: Export | pd.DataFrame, codebook: Codebook) -> tuple[duckdb.DuckDBPyConnection, str]:
    """The relation to validate: the export's, or a DataFrame of canonical strings loaded."""
    if isinstance(source, Export):
        return source.con, source.relation
    import pandas as pd

    con, name = duckdb.connect(), temp_name("canonical")
    frame = source.reset_index(drop=True).copy()
    for code in codebook.codes:
        frame[code] = (
            frame[code].astype("str") if code in frame else pd.Series(pd.NA, index=frame.index, dtype="str")
        )
    if "_line" not in frame:
        frame["_line"] = range(2, len(frame) + 2)
    if "_submitted_at" not in frame:
        frame["_submitted_at"] = pd.Series(pd.NaT, index=frame.index, dtype="datetime64[us]")
    frame["_source_id"] = frame.get("_source_id", pd.Series(pd.NA, index=frame.index, dtype="str"))
    frame["_origin_file"] = frame.get("_origin_file", pd.Series(pd.NA, index=frame.index, dtype="str"))
    frame["_origin_line"] = frame.get("_origin_line", pd.Series(pd.NA, index=frame.index, dtype="Int32"))
    create_from_frame(con, name, frame)
    return con, name


def validate(source: Export | pd.DataFrame, codebook: Codebook = CODEBOOK) -> Validation:
    """Check every row; see the module docstring."""
    return validate_all([source], codebook)[0][0]


def validate_all(
    sources: Sequence[Export | pd.DataFrame], codebook: Codebook = CODEBOOK
) -> tuple[list[Validation], str]:
    """Check the rows of several sources (exports of one connection, of questionnaire version
    ``codebook``) in one pass: one query to plan and run, not one per file (a 300-row file's
    rules cost about 0.15 s to plan). Returns the validation of each source and a subquery of
    the valid rows of all of them, with ``_k``: the source's position in ``sources``."""
    multi = [q.code for q in codebook.questions if q.base_type == "select_multiple"]
    con, canonical, multi_values = _together(sources, codebook, multi)
    values = ", ".join(f"{e} AS {quote_ident(n)}" for n, e in parsed_columns(codebook).items())
    parsed = f"(SELECT *, {values} FROM {canonical})"
    rules, typed = rules_and_types(multi_values, codebook)
    invalid = _write_invalid(con, parsed, rules, codebook)
    names = temp_name("survey_rules")  # rule index -> (field, rule)
    con.execute(f"CREATE TABLE {names} (i INTEGER, field VARCHAR, rule VARCHAR)")
    con.execute(  # one statement: executemany runs one INSERT per rule (~90)
        f"INSERT INTO {names} (i, field, rule) SELECT unnest(?::INTEGER[]), unnest(?::VARCHAR[]), "
        "unnest(?::VARCHAR[])",
        [list(range(len(rules))), [r.field for r in rules], [r.rule for r in rules]],
    )
    valid = (  # the rules are not evaluated again (now() would move): the invalid lines are left
        # out; a subquery, not a view: DuckDB would bind it at creation and again where it is read
        f"(SELECT *, coalesce(consent_aggregates = 'no', false) AS _no_consent, "
        f"org_id IS NOT NULL AND row_number() OVER (PARTITION BY _k, org_id ORDER BY _submitted_at "
        f"DESC NULLS LAST, _line DESC) > 1 AS _superseded FROM (SELECT "
        f"{', '.join(f'{e} AS {quote_ident(c)}' for c, e in typed.items())}, _k, {', '.join(META_COLUMNS)} "
        f"FROM {parsed} ANTI JOIN {invalid} USING (_k, _line)))"
    )
    checked = []
    for k, source in enumerate(sources):
        errors, failed = temp_name("survey_errors"), temp_name("survey_invalid_rows")
        con.execute(
            f"CREATE VIEW {errors} AS SELECT e.line, n.field, n.rule, e.value, CASE WHEN n.rule = "
            f"'share_sum' THEN e.value END AS detail FROM (SELECT _line AS line, f.i AS i, f.v AS value "
            f"FROM (SELECT _line, unnest(_failed) AS f FROM {invalid} WHERE _k = {k})) e "
            f"JOIN {names} n USING (i)"
        )
        con.execute(f"CREATE VIEW {failed} AS SELECT * EXCLUDE (_k) FROM {invalid} WHERE _k = {k}")
        rows = source.rows if isinstance(source, Export) else len(source)
        own = f"(SELECT * EXCLUDE (_k) FROM {valid} WHERE _k = {k})"
        checked.append(Validation(con, own, errors, rows, codebook, failed))
    return checked, valid


def _together(
    sources: Sequence[Export | pd.DataFrame], codebook: Codebook, multi: list[str]
) -> tuple[duckdb.DuckDBPyConnection, str, dict[str, list[str]]]:
    """The canonical rows of ``sources`` as one relation with ``_k``, and the distinct values of
    the ``multi`` questions; several sources are exports made one by
    :func:`~etl.survey.readers.combine`."""
    exports = [s for s in sources if isinstance(s, Export)]
    if len(sources) > 1 and len(exports) < len(sources):
        raise ValueError("only exports are validated together")
    source = combine(exports) if len(sources) > 1 else sources[0]
    con, canonical = _canonical(source, codebook)
    if not (isinstance(source, Export) and "_k" in source.sql.keys):
        canonical = f"(SELECT 0 AS _k, * FROM {canonical})"
    multi_values = (
        source.distinct(multi)
        if isinstance(source, Export)
        else distinct_values(con, canonical, {c: quote_ident(c) for c in multi})
    )
    return con, canonical, multi_values


def _write_invalid(con: duckdb.DuckDBPyConnection, parsed: str, rules: list[Rule], codebook: Codebook) -> str:
    """A table of the rows of ``parsed`` failing a rule: ``_k``, META_COLUMNS, ``_failed`` (the
    index of each failed rule and the value it saw) and ``_given`` (every answer, as given). One
    scan; each rule evaluated once per row."""
    flags = ", ".join(f'coalesce({r.fails}, false) AS "#fails{i}"' for i, r in enumerate(rules))
    failed = ", ".join(
        f'CASE WHEN "#fails{i}" THEN struct_pack(i := {i}, v := {r.value}::VARCHAR) END'
        for i, r in enumerate(rules)
    )
    any_fails = " OR ".join(quote_ident(f"#fails{i}") for i in range(len(rules)))
    given = ", ".join(f"{quote_ident(c)} := {quote_ident(c)}" for c in codebook.codes)
    name = temp_name("survey_invalid")
    con.execute(
        f"CREATE TABLE {name} AS SELECT _k, {', '.join(META_COLUMNS)}, "
        f"list_filter([{failed}], lambda x: x IS NOT NULL) AS _failed, struct_pack({given}) AS _given "
        f"FROM (SELECT *, {flags} FROM {parsed}) WHERE {any_fails}"
    )
    return name


def message_templates(
    codebook: Codebook = CODEBOOK, keys: list[tuple[str | None, str]] | None = None
) -> list[list]:
    """``[field, rule, fr, nl, en]`` for each (field, rule) of ``keys`` (default: every rule of
    the codebook): the three messages with :data:`LINE_TOKEN` and :data:`VALUE_TOKEN` in place of
    the line and the computed value, for :func:`render_sql` to fill in."""
    if keys is None:
        rules, _ = rules_and_types({}, codebook)
        keys = [(r.field, r.rule) for r in rules]
    out = []
    for field_code, rule in dict.fromkeys(keys):
        if field_code is None:  # a rule on the whole record (incomplete) has no field to name
            raise ValueError(f"rule {rule!r} names no field: it has no message template")
        text = render(codebook, rule, LINE_TOKEN, field_code, VALUE_TOKEN)
        out.append([field_code, rule, text["fr"], text["nl"], text["en"]])
    return out


def render_sql(template: str, line: str, detail: str, lang: str) -> str:
    """SQL: a template of :func:`message_templates` in ``lang`` with its line and value (a number
    written with the language's decimal mark) filled in."""
    value = f"replace(coalesce({detail}, ''), '.', {quote_literal(separators(lang)[0])})"
    return (
        f"replace(replace({template}, {quote_literal(LINE_TOKEN)}, {line}::VARCHAR), "
        f"{quote_literal(VALUE_TOKEN)}, {value})"
    )


def _messages(table: pd.DataFrame, codebook: Codebook) -> list[ValidationError]:
    """Build ValidationError objects for the failing rows only, ordered by line and form order."""
    import pandas as pd

    order = {code: i for i, code in enumerate(codebook.codes)}
    table = table.assign(position=table["field"].map(order).fillna(len(order)))
    result = []
    for row in table.sort_values(["line", "position", "rule"]).itertuples(index=False):
        value = None if pd.isna(row.value) else row.value
        text = render(codebook, row.rule, int(row.line), row.field, value)
        result.append(
            ValidationError(int(row.line), row.field, row.rule, value, text["fr"], text["nl"], text["en"])
        )
    return result
