"""Turn a raw export table (tool headers, codes or labels) into the canonical codebook frame.

Headers may carry group paths (``funding/x``, ``funding.x``), be question labels in fr/nl/en,
or name one option of a select_multiple (``q/opt``, ``q.opt``, ``q[opt]``). Values may be codes
or labels in any language; numbers get a decimal point; multi-selects become space-joined codes
in codebook order. Values that cannot be mapped are kept as given so validation reports them.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

import numpy as np
import pandas as pd

from etl.survey.codebook import ChoiceList, Codebook, normalise_label

_BRACKET = re.compile(r"^(.+?)\s*\[(.+)\]$")
_SEPARATOR = re.compile(r"[/.]")
_MULTI_SEPARATORS = " ,;|"
_TRUE = {"1", "y", "yes", "oui", "ja", "true", "vrai", "waar", "x", "checked"}
MISSING_MARKERS = {"n/a", "#n/a"}


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
    return codebook.lists[question.list_name].code_for(text)


def resolve_header(codebook: Codebook, header: str) -> tuple[str, str | None] | None:
    """``(code, None)`` for a question column, ``(code, option)`` for a split option column."""
    header = header.strip()
    bracket = _BRACKET.match(header)
    if bracket:
        code = _question(codebook, bracket.group(1))
        option = _option(codebook, code, bracket.group(2)) if code else None
        return (code, option) if option else None
    cuts = [0] + [m.end() for m in _SEPARATOR.finditer(header)]
    for start in cuts:
        code = _question(codebook, header[start:])
        if code:
            return code, None
    for start in cuts:
        for split in (m for m in _SEPARATOR.finditer(header) if m.start() > start):
            code = _question(codebook, header[start : split.start()])
            option = _option(codebook, code, header[split.end() :]) if code else None
            if option:
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


def _clean(column: pd.Series) -> pd.Series:
    text = column.astype("str").str.strip()
    return text.mask(text.eq("") | text.str.lower().isin(MISSING_MARKERS))


def canonical_number(column: pd.Series) -> pd.Series:
    """``12,5`` / ``1 234,5`` / ``1.234,5`` -> ``12.5`` / ``1234.5``; unparseable kept as given."""
    number = pd.to_numeric(column, errors="coerce")
    retry = number.isna() & column.notna()
    if retry.any():
        text = column[retry].str.replace(r"[\s\u00a0\u202f']", "", regex=True)
        comma = text.str.contains(",", regex=False)
        text = text.where(~comma, text.str.replace(".", "", regex=False).str.replace(",", "."))
        number = number.fillna(pd.to_numeric(text, errors="coerce"))
    shown = number.astype("str").str.replace(r"\.0$", "", regex=True)
    return shown.where(number.notna() & np.isfinite(number), column)


def canonical_date(column: pd.Series) -> pd.Series:
    """Dates (ISO or day-first) -> ``yyyy-mm-dd``; unparseable kept as given."""
    parsed = parse_datetimes(column)
    return parsed.dt.strftime("%Y-%m-%d").where(parsed.notna(), column)


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


def parse_datetimes(column: pd.Series) -> pd.Series:
    """ISO 8601 (any offset, converted to naive UTC) or day-first dates; NaT when neither."""
    text = column.astype("str").str.strip()
    result = pd.to_datetime(text, format="ISO8601", errors="coerce", utc=True).dt.tz_localize(None)
    for fmt in _DAYFIRST:
        missing = result.isna() & text.notna()
        if not missing.any():
            break
        result = result.fillna(pd.to_datetime(text.where(missing), format=fmt, errors="coerce"))
    return result.astype("datetime64[ns]")


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


def canonical_multi(column: pd.Series, choices: ChoiceList) -> pd.Series:
    """Space-, comma- or semicolon-joined codes or labels -> codes in list order."""
    candidates = sorted(choices.lookup, key=len, reverse=True)
    table = {v: _parse_multi(v, choices, candidates) for v in column.dropna().unique()}
    return column.map(table).astype("str")


def combine_options(
    raw: pd.DataFrame, option_columns: dict[str, str], choices: ChoiceList
) -> pd.Series:
    """One 0/1 (Y/empty, True/False, label) column per option -> space-joined codes."""
    joined = pd.Series("", index=raw.index, dtype="object")
    for code in choices.codes:
        if code not in option_columns:
            continue
        values = _clean(raw[option_columns[code]])
        ticked_values = [
            v
            for v in values.dropna().unique()
            if normalise_label(v) in _TRUE or choices.code_for(v) == code
        ]
        joined = joined + np.where(values.isin(ticked_values), " " + code, "")
    joined = joined.str.strip()
    return joined.mask(joined.eq("")).astype("str")


def canonical_frame(raw: pd.DataFrame, codebook: Codebook, columns: ColumnMap) -> pd.DataFrame:
    """Build the frame with one string column per codebook code (missing -> NA)."""
    out: dict[str, pd.Series] = {}
    empty = pd.Series(pd.NA, index=raw.index, dtype="str")
    for question in codebook.questions:
        code, kind = question.code, question.base_type
        values = _clean(raw[columns.joined[code]]) if code in columns.joined else empty
        if kind in ("integer", "decimal"):
            values = canonical_number(values)
        elif kind == "date":
            values = canonical_date(values)
        elif kind == "select_one":
            choices = codebook.lists[question.list_name]
            table = {v: choices.code_for(v) or v for v in values.dropna().unique()}
            values = values.map(table).astype("str")
        elif kind == "select_multiple":
            choices = codebook.lists[question.list_name]
            values = canonical_multi(values, choices)
            if code in columns.options:
                split = combine_options(raw, columns.options[code], choices)
                values = values.fillna(split) if code in columns.joined else split
        out[code] = values
    return pd.DataFrame(out, index=raw.index)
