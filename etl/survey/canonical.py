"""Turn a raw export table (tool headers, codes or labels) into the canonical codebook relation.

Headers may carry group paths (``funding/x``, ``funding.x``), be question labels in fr/nl/en,
or name one option of a select_multiple (``q/opt``, ``q.opt``, ``q[opt]``). Values may be codes
or labels in any language; numbers get a decimal point; multi-selects become space-joined codes
in codebook order. Values that cannot be mapped are kept as given so validation reports them.

The work is SQL run by DuckDB over the raw relation (see :mod:`etl.survey.tables`): numbers and
dates are parsed by expressions; labels are mapped through dictionaries built in Python from the
distinct values of each choice column (a survey column has a handful of distinct values, so the
loose label matching of :mod:`etl.survey.codebook` runs once per value, not once per row).
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from etl.survey.codebook import ChoiceList, Codebook, normalise_label
from etl.survey.sql import distinct_values, in_list, mapped
from etl.survey.tables import RawTable
from warehouse.sql import quote_literal

_BRACKET = re.compile(r"^(.+?)\s*\[(.+)\]$")
_SEPARATOR = re.compile(r"[/.]")
_MULTI_SEPARATORS = " ,;|"
_TRUE = {"1", "y", "yes", "oui", "ja", "true", "vrai", "waar", "x", "checked"}
MISSING_MARKERS = ("", "n/a", "#n/a")
_BLANKS = quote_literal(" \t\n\r\x0b\x0c\u00a0\u202f\u2007\ufeff")
_DAYFIRST = (
    "%d/%m/%Y %H:%M:%S",
    "%d/%m/%Y %H:%M",
    "%d/%m/%Y",
    "%d-%m-%Y %H:%M:%S",
    "%d-%m-%Y %H:%M",
    "%d-%m-%Y",
    "%d.%m.%Y %H:%M:%S",
    "%d.%m.%Y",
)


@dataclass(frozen=True)
class ColumnMap:
    """Where each codebook code comes from in a raw table."""

    joined: dict[str, str]
    options: dict[str, dict[str, str]]
    unknown: list[str]
    header_style: str


def _question(codebook: Codebook, text: str) -> str | None:
    return codebook.question_for(text.strip())


def _option(codebook: Codebook, code: str, text: str) -> str | None:
    question = codebook.by_code[code]
    if question.base_type != "select_multiple":
        return None
    return codebook.choices_of(code).code_for(text)


def resolve_header(codebook: Codebook, header: str) -> tuple[str, str | None] | None:
    """``(code, None)`` for a question column, ``(code, option)`` for a split option column."""
    header = header.strip()
    bracket = _BRACKET.match(header)
    if bracket:
        code = _question(codebook, bracket.group(1))
        option = _option(codebook, code, bracket.group(2)) if code else None
        return (code, option) if code and option else None
    cuts = [0] + [m.end() for m in _SEPARATOR.finditer(header)]
    for start in cuts:
        code = _question(codebook, header[start:])
        if code:
            return code, None
    for start in cuts:
        for split in (m for m in _SEPARATOR.finditer(header) if m.start() > start):
            code = _question(codebook, header[start : split.start()])
            option = _option(codebook, code, header[split.end() :]) if code else None
            if code and option:
                return code, option
    return None


def map_columns(codebook: Codebook, headers: list[str], metadata: set[str]) -> ColumnMap:
    """Resolve every header; columns that are neither metadata nor questions are unknown."""
    joined: dict[str, str] = {}
    options: dict[str, dict[str, str]] = {}
    unknown: list[str] = []
    label_headers = 0
    for header in headers:
        if header in metadata:
            continue
        resolved = resolve_header(codebook, header)
        if resolved is None:
            unknown.append(header)
            continue
        code, option = resolved
        if option is None:
            joined.setdefault(code, header)
        else:
            options.setdefault(code, {}).setdefault(option, header)
        label_headers += codebook.question_for(header.strip()) not in (None, header.strip())
    style = "labels" if joined and label_headers > len(joined) / 2 else "codes"
    return ColumnMap(joined, options, unknown, style)


def clean(column: str) -> str:
    """SQL: the value trimmed, NULL when empty or a missing marker (``n/a``)."""
    trimmed = f"trim({column}, {_BLANKS})"
    missing = " ".join(f"WHEN {quote_literal(m)} THEN NULL" for m in MISSING_MARKERS)
    return f"(CASE lower({trimmed}) {missing} ELSE {trimmed} END)"


def number(text: str) -> str:
    """SQL: the finite DOUBLE written in ``text`` (decimal point), else NULL."""
    return f"(CASE WHEN isfinite(TRY_CAST({text} AS DOUBLE)) THEN TRY_CAST({text} AS DOUBLE) END)"


def canonical_number(text: str) -> str:
    """SQL: ``12,5`` / ``1 234,5`` / ``1.234,5`` -> ``12.5`` / ``1234.5``; others kept as given."""
    compact = f"regexp_replace({text}, '[\\s\\x{{00a0}}\\x{{202f}}'']', '', 'g')"
    european = (
        f"(CASE WHEN contains({compact}, ',') THEN replace(replace({compact}, '.', ''), ',', '.') "
        f"ELSE {compact} END)"
    )
    shown = f"regexp_replace(CAST({number(european)} AS VARCHAR), '\\.0$', '')"
    return (
        f"(CASE WHEN {text} IS NULL OR {number(text)} IS NOT NULL THEN {text} "
        f"ELSE coalesce({shown}, {text}) END)"
    )


def parse_datetime(text: str) -> str:
    """SQL: ISO 8601 (an offset converted to naive UTC) or day-first date and time, else NULL."""
    with_offset = f"regexp_matches({text}, '(Z|[+-]\\d\\d:?\\d\\d)$')"
    formats = "[" + ", ".join(quote_literal(f) for f in _DAYFIRST) + "]"
    return (
        f"coalesce(CASE WHEN {with_offset} THEN timezone('UTC', TRY_CAST({text} AS TIMESTAMPTZ)) END, "
        f"TRY_CAST({text} AS TIMESTAMP), try_strptime({text}, {formats}))"
    )


def canonical_date(text: str) -> str:
    """SQL: dates -> ``yyyy-mm-dd``; unparseable kept as given."""
    return f"coalesce(strftime({parse_datetime(text)}, '%Y-%m-%d'), {text})"


def _parse_multi(text: str, choices: ChoiceList, candidates: list[str]) -> str:
    norm, pos, found, unknown = normalise_label(text), 0, set(), []
    while pos < len(norm):
        if norm[pos] in _MULTI_SEPARATORS:
            pos += 1
            continue
        for candidate in candidates:
            end = pos + len(candidate)
            bounded = end >= len(norm) or norm[end] in _MULTI_SEPARATORS
            if bounded and norm.startswith(candidate, pos):
                found.add(choices.lookup[candidate])
                pos = end
                break
        else:
            ends = [i for i in (norm.find(s, pos) for s in _MULTI_SEPARATORS) if i >= 0]
            end = min(ends, default=len(norm))
            unknown.append(norm[pos:end])
            pos = end
    return " ".join([c for c in choices.codes if c in found] + unknown)


def _ticked(values: list[str], code: str, choices: ChoiceList) -> list[str]:
    """The values of one option column that mean "selected"."""
    return [v for v in values if normalise_label(v) in _TRUE or choices.code_for(v) == code]


def _cleaned_values(raw: RawTable, values: dict[str, list[str]]) -> dict[str, list[str]]:
    """The distinct values of each key once :func:`clean` (NULLs left out), computed over the
    distinct values only: one expression on a short list, not one per column on every row."""
    keys = [k for k, found in values.items() for _ in found]
    rows = raw.con.execute(
        f"SELECT DISTINCT k, v FROM (SELECT k, {clean('v')} AS v FROM (SELECT unnest(?::VARCHAR[]) AS k, "
        "unnest(?::VARCHAR[]) AS v)) WHERE v IS NOT NULL",
        [keys, [v for found in values.values() for v in found]],
    ).fetchall()
    cleaned: dict[str, list[str]] = {k: [] for k in values}
    for key, value in rows:
        cleaned[key].append(value)
    return cleaned


def canonical_columns(raw: RawTable, codebook: Codebook, columns: ColumnMap) -> dict[str, str]:
    """SQL expression of every codebook code over ``raw``'s columns once :func:`clean` (a
    missing column gives NULL); the distinct values of the choice columns come from ``raw``'s
    stored table."""
    source = {code: raw.column(header) for code, header in columns.joined.items()}
    options = {
        (code, option): raw.column(header)
        for code, by_option in columns.options.items()
        for option, header in by_option.items()
    }
    choice_codes = {q.code for q in codebook.questions if q.list_name and q.code in source}
    seen = _cleaned_values(
        raw,
        distinct_values(
            raw.con,
            raw.stored,
            {code: source[code] for code in choice_codes}
            | {f"{code}/{option}": e for (code, option), e in options.items()},
            raw.rows,
        ),
    )
    out: dict[str, str] = {}
    for question in codebook.questions:
        code, kind = question.code, question.base_type
        values = source.get(code, "CAST(NULL AS VARCHAR)")
        if kind in ("integer", "decimal"):
            values = canonical_number(values)
        elif kind == "date":
            values = canonical_date(values)
        elif kind == "text":
            values = f"replace({values}, chr(13) || chr(10), chr(10))"
        elif kind == "select_one":
            choices = codebook.choices_of(code)
            table = {v: c for v in seen.get(code, []) if (c := choices.code_for(v)) and c != v}
            values = mapped(values, table)
        elif kind == "select_multiple":
            choices = codebook.choices_of(code)
            candidates = sorted(choices.lookup, key=len, reverse=True)
            table = {v: p for v in seen.get(code, []) if (p := _parse_multi(v, choices, candidates)) != v}
            values = mapped(values, table)
            if code in columns.options:
                ticks = [
                    f"CASE WHEN {options[code, option]} IN "
                    f"{in_list(_ticked(seen[f'{code}/{option}'], option, choices))} "
                    f"THEN {quote_literal(option)} END"
                    for option in choices.codes
                    if option in columns.options[code]
                ]
                split = f"nullif(concat_ws(' ', {', '.join(ticks)}), '')"
                values = f"coalesce({values}, {split})" if code in columns.joined else split
        out[code] = values
    return out
