"""Validation of the canonical survey relation against the codebook, as SQL run by DuckDB.

Rules: type, range, choice code, required, relevance, the budget shares summing to 100 (+-1),
"none" excluding the other options, the org_id format with Belgian mod-97 check digits, and a
submission time no later than tomorrow (a future one would make a row current for ever).
A relevance error needs the controlling answer to be given (a missing one is a "required" error).
A row with any error is invalid and all its errors are reported (fr/nl/en messages). Rows with
``consent_aggregates = no`` are valid but flagged ``_no_consent`` (kept restricted, excluded from
estimates). ``_superseded`` marks an earlier answer of an association that answered again later
in the same file (the later answer is current; the earlier one is kept as history).

Each rule is one boolean SQL expression per field. One scan writes every row typed, with, for an
invalid row only, the list of its failed rules and the values they saw; messages are built for
those rows only, and the valid rows are a view over the others.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import duckdb
import pandas as pd

from etl.survey.canonical import number, parse_datetime
from etl.survey.codebook import CODEBOOK, EXCLUSIVE_OPTION, Codebook
from etl.survey.messages import render
from etl.survey.pseudonym import enterprise_number_sql
from etl.survey.readers import Export
from etl.survey.sql import create_from_frame, distinct_values, ident, in_list, literal, temp_name

META_COLUMNS = ("_line", "_submitted_at", "_source_id")
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


@dataclass
class Validation:
    """Every error of the invalid rows, and the typed valid rows as view ``valid`` in ``con``."""

    con: duckdb.DuckDBPyConnection
    valid_relation: str
    errors: list[ValidationError] = field(default_factory=list)
    failed_lines: list[int] = field(default_factory=list)

    @property
    def valid(self) -> pd.DataFrame:
        """The valid rows as a DataFrame, in file order (for small files and tests)."""
        return self.con.execute(f"SELECT * FROM {self.valid_relation} ORDER BY _line").df()


def _number_text(expression: str) -> str:
    return f"regexp_replace(CAST({expression} AS VARCHAR), '\\.0$', '')"


ORG = enterprise_number_sql('"org_id"')


def parsed_columns(codebook: Codebook = CODEBOOK) -> dict[str, str]:
    """Values parsed once per row for the rules: numbers (``code#number``) and org_id parts."""
    numbers = {f"{q.code}#number": number(ident(q.code)) for q in codebook.questions
               if q.base_type in ("integer", "decimal")}
    return numbers | {"org_id#number": ORG.number, "org_id#well_formed": ORG.well_formed,
                      "org_id#check_ok": ORG.check_ok}


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


def rules_and_types(multi_values: dict[str, list[str]],
                    codebook: Codebook = CODEBOOK) -> tuple[list[Rule], dict[str, str]]:
    """Every rule, and the typed SQL expression of every code, over the canonical and
    :func:`parsed_columns`; ``multi_values`` are the distinct values of each select_multiple."""
    rules: list[Rule] = []
    typed: dict[str, str] = {}
    type_ok: dict[str, str] = {}
    for question in codebook.questions:
        code, kind = question.code, question.base_type
        column = ident(code)
        if kind in ("integer", "decimal"):
            parsed = ident(f"{code}#number")
            bad = f"{parsed} IS NULL" + (f" OR {parsed} % 1 <> 0" if kind == "integer" else "")
            type_ok[code] = f"NOT coalesce({column} IS NOT NULL AND ({bad}), false)"
            rules.append(Rule(code, f"type_{kind}", f"{column} IS NOT NULL AND ({bad})", column))
            if question.min is not None:
                rules.append(Rule(code, "range", f"{type_ok[code]} AND ({parsed} < {question.min} "
                                  f"OR {parsed} > {question.max})", column))
            typed[code] = f"TRY_CAST({parsed} AS BIGINT)" if kind == "integer" else parsed
        elif kind == "date":
            parsed = parse_datetime(column)
            rules.append(Rule(code, "type_date", f"{column} IS NOT NULL AND {parsed} IS NULL", column))
            typed[code] = parsed
        elif kind == "select_one":
            codes = codebook.lists[question.list_name].codes
            rules.append(Rule(code, "choice", f"{column} NOT IN {in_list(codes)}", column))
            typed[code] = column
        elif kind == "select_multiple":
            unknown, exclusive = _multi_flags(multi_values.get(code, []),
                                              codebook.lists[question.list_name].codes)
            rules.append(Rule(code, "choice", f"{column} IN {in_list(unknown)}", column))
            rules.append(Rule(code, "none_exclusive", f"{column} IN {in_list(exclusive)}", column))
            typed[code] = column
        else:
            typed[code] = column
    for question in codebook.questions:
        column, relevant = ident(question.code), "true"
        if question.relevance_condition:
            control, expected = question.relevance_condition
            relevant = f"coalesce({ident(control)} = {literal(expected)}, false)"
            rules.append(Rule(question.code, "relevance", f"{column} IS NOT NULL AND "
                              f"{ident(control)} IS NOT NULL AND NOT {relevant}", column))
        if question.required:
            rules.append(Rule(question.code, "required", f"{column} IS NULL AND {relevant}", column))

    shares = [ident(f"{c}#number") for c in codebook.share_codes]
    total = f"({' + '.join(f'coalesce({s}, 0)' for s in shares)})"
    given = " OR ".join(f"({type_ok[c]} AND {s} IS NOT NULL)"
                        for c, s in zip(codebook.share_codes, shares, strict=True))
    all_ok = " AND ".join(type_ok[c] for c in codebook.share_codes)
    rules.append(Rule(SHARE_FIELD, "share_sum", f"({given}) AND {all_ok} AND abs({total} - 100) > "
                      f"{SHARE_TOLERANCE}", _number_text(f"round({total}, 2)")))

    rules.append(Rule("submitted_at", "future_date",
                      "_submitted_at > timezone('UTC', now()) + INTERVAL 1 DAY",
                      "strftime(_submitted_at, '%Y-%m-%d %H:%M')"))
    well_formed, check_ok = ident("org_id#well_formed"), ident("org_id#check_ok")
    rules.append(Rule("org_id", "org_id_format", f'"org_id" IS NOT NULL AND NOT {well_formed}',
                      '"org_id"'))
    rules.append(Rule("org_id", "org_id_check", f"{well_formed} AND NOT {check_ok}", '"org_id"'))
    typed["org_id"] = f'CASE WHEN {check_ok} THEN "org_id#number" ELSE "org_id" END'
    return rules, typed


def _canonical(source: Export | pd.DataFrame, codebook: Codebook) -> tuple[duckdb.DuckDBPyConnection, str]:
    """The relation to validate: the export's, or a DataFrame of canonical strings loaded."""
    if isinstance(source, Export):
        return source.con, source.relation
    con, name = duckdb.connect(), temp_name("canonical")
    frame = source.reset_index(drop=True).copy()
    for code in codebook.codes:
        frame[code] = frame[code].astype("str") if code in frame else pd.Series(pd.NA, index=frame.index,
                                                                               dtype="str")
    if "_line" not in frame:
        frame["_line"] = range(2, len(frame) + 2)
    if "_submitted_at" not in frame:
        frame["_submitted_at"] = pd.Series(pd.NaT, index=frame.index, dtype="datetime64[us]")
    frame["_source_id"] = frame.get("_source_id", pd.Series(pd.NA, index=frame.index, dtype="str"))
    create_from_frame(con, name, frame)
    return con, name


def validate(source: Export | pd.DataFrame, codebook: Codebook = CODEBOOK) -> Validation:
    """Check every row; see the module docstring."""
    con, canonical = _canonical(source, codebook)
    relation = temp_name(f"{canonical}_parsed")
    con.execute(f"CREATE VIEW {relation} AS SELECT *, "
                f"{', '.join(f'{e} AS {ident(n)}' for n, e in parsed_columns(codebook).items())} "
                f"FROM {canonical}")
    multi = [q.code for q in codebook.questions if q.base_type == "select_multiple"]
    rules, typed = rules_and_types(distinct_values(con, canonical, {c: ident(c) for c in multi}), codebook)
    flags = ", ".join(f'coalesce({r.fails}, false) AS "#fails{i}"' for i, r in enumerate(rules))
    failed = ", ".join(f'CASE WHEN "#fails{i}" THEN struct_pack(i := {i}, v := {r.value}::VARCHAR) END'
                       for i, r in enumerate(rules))
    checked = temp_name(f"{canonical}_checked")  # typed rows + the failed rules of invalid ones
    con.execute(
        f"CREATE TABLE {checked} AS SELECT {', '.join(f'{e} AS {ident(c)}' for c, e in typed.items())}, "
        f"{', '.join(META_COLUMNS)}, CASE WHEN {' OR '.join(ident(f'#fails{i}') for i in range(len(rules)))} "
        f"THEN list_filter([{failed}], lambda x: x IS NOT NULL) END AS _failed "
        f"FROM (SELECT *, {flags} FROM {relation})")  # each rule evaluated once per row
    errors = con.execute(f"SELECT _line AS line, f.i, f.v AS value FROM (SELECT _line, unnest(_failed) AS f "
                         f"FROM {checked} WHERE _failed IS NOT NULL)").df()
    errors["field"] = [rules[i].field for i in errors["i"]]
    errors["rule"] = [rules[i].rule for i in errors["i"]]
    name = temp_name("valid")
    con.execute(
        f"CREATE VIEW {name} AS SELECT * EXCLUDE (_failed), "
        f"coalesce(consent_aggregates = 'no', false) AS _no_consent, "
        f"org_id IS NOT NULL AND row_number() OVER (PARTITION BY org_id ORDER BY _submitted_at DESC "
        f"NULLS LAST, _line DESC) > 1 AS _superseded FROM {checked} WHERE _failed IS NULL"
    )
    lines = sorted(set(errors["line"].astype("int64")))
    return Validation(con, name, _messages(errors, codebook), lines)


def _messages(table: pd.DataFrame, codebook: Codebook) -> list[ValidationError]:
    """Build ValidationError objects for the failing rows only, ordered by line and form order."""
    order = {code: i for i, code in enumerate(codebook.codes)}
    table = table.assign(position=table["field"].map(order).fillna(len(order)))
    result = []
    for row in table.sort_values(["line", "position", "rule"]).itertuples(index=False):
        value = None if pd.isna(row.value) else row.value
        text = render(codebook, row.rule, int(row.line), row.field, value)
        result.append(
            ValidationError(
                int(row.line), row.field, row.rule, value, text["fr"], text["nl"], text["en"]
            )
        )
    return result
