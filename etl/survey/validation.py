"""Vectorised validation of the canonical survey frame against the codebook.

Rules: type, range, choice code, required, relevance, the budget shares summing to 100 (+-1),
"none" excluding the other options, the org_id format with Belgian mod-97 check digits, and a
submission time no later than tomorrow (a future one would make a row current for ever).
A relevance error needs the controlling answer to be given (a missing one is a "required" error).
A row with any error is invalid and all its errors are reported (fr/nl/en messages). Rows with
``consent_aggregates = no`` are valid but flagged ``_no_consent`` (kept restricted, excluded from
estimates). ``_superseded`` marks an earlier answer of an association that answered again later
in the same file (the later answer is current; the earlier one is kept as history).
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np
import pandas as pd

from etl.survey.canonical import parse_datetimes
from etl.survey.codebook import CODEBOOK, EXCLUSIVE_OPTION, Codebook
from etl.survey.messages import render
from etl.survey.pseudonym import normalise_enterprise_numbers

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


@dataclass
class Validation:
    """Typed valid rows and every error of the invalid ones."""

    valid: pd.DataFrame
    errors: list[ValidationError] = field(default_factory=list)


class _Collector:
    """Accumulates (row position, field, rule, value) failures as arrays."""

    def __init__(self) -> None:
        self.parts: list[pd.DataFrame] = []

    def add(self, mask: pd.Series, field_name: str, rule: str, values: pd.Series) -> None:
        rows = np.flatnonzero(mask.to_numpy(dtype=bool, na_value=False))
        if rows.size:
            shown = values.iloc[rows].astype("object")
            self.parts.append(
                pd.DataFrame(
                    {
                        "row": rows,
                        "field": field_name,
                        "rule": rule,
                        "value": shown.where(shown.notna(), None).to_numpy(),
                    }
                )
            )

    def table(self) -> pd.DataFrame:
        if not self.parts:
            return pd.DataFrame(
                {"row": pd.Series(dtype="int64"), "field": [], "rule": [], "value": []}
            )
        return pd.concat(self.parts, ignore_index=True)


def _multi_flags(values: pd.Series, codes: tuple[str, ...]) -> tuple[pd.Series, pd.Series]:
    """Per row: any unknown option, and 'none' combined with another option."""
    allowed, bad, exclusive = set(codes), {}, {}
    for value in values.dropna().unique():
        tokens = str(value).split()
        bad[value] = not set(tokens) <= allowed
        exclusive[value] = EXCLUSIVE_OPTION in tokens and len(tokens) > 1
    unknown = values.map(bad).astype("boolean").fillna(False).astype(bool)
    return unknown, values.map(exclusive).astype("boolean").fillna(False).astype(bool)


def _number_text(values: pd.Series) -> pd.Series:
    return values.astype("Float64").astype("str").str.replace(r"\.0$", "", regex=True)


def validate(frame: pd.DataFrame, codebook: Codebook = CODEBOOK) -> Validation:
    """Check every row; return typed valid rows and trilingual errors (see module docstring)."""
    frame = frame.reset_index(drop=True)
    missing = pd.Series(pd.NA, index=frame.index, dtype="str")
    raw = {code: frame.get(code, missing) for code in codebook.codes}
    typed: dict[str, pd.Series] = {}
    errors = _Collector()
    ok_types = {}
    for question in codebook.questions:
        code, kind, values = question.code, question.base_type, raw[question.code]
        given = values.notna()
        if kind in ("integer", "decimal"):
            number = pd.to_numeric(values, errors="coerce").astype("Float64")
            bad_type = given & (number.isna() | ((number % 1 != 0) if kind == "integer" else False))
            errors.add(bad_type, code, f"type_{kind}", values)
            number = number.mask(bad_type)
            if question.min is not None:
                errors.add((number < question.min) | (number > question.max), code, "range", values)
            typed[code] = number.astype("Int64") if kind == "integer" else number
            ok_types[code] = ~bad_type
        elif kind == "date":
            parsed = parse_datetimes(values)
            errors.add(given & parsed.isna(), code, "type_date", values)
            typed[code] = parsed
        elif kind == "select_one":
            codes = codebook.lists[question.list_name].codes
            errors.add(given & ~values.isin(codes), code, "choice", values)
            typed[code] = values.astype("str")
        elif kind == "select_multiple":
            unknown, exclusive = _multi_flags(values, codebook.lists[question.list_name].codes)
            errors.add(unknown, code, "choice", values)
            errors.add(exclusive & ~unknown, code, "none_exclusive", values)
            typed[code] = values.astype("str")
        else:
            typed[code] = values.astype("str")
    for question in codebook.questions:
        code, given = question.code, raw[question.code].notna()
        relevant = pd.Series(True, index=frame.index)
        if question.relevance_condition:
            ctrl, expected = question.relevance_condition
            relevant = raw[ctrl].eq(expected).fillna(False).astype(bool)
            errors.add(given & raw[ctrl].notna() & ~relevant, code, "relevance", raw[code])
        if question.required:
            errors.add(~given & relevant, code, "required", raw[code])

    shares = pd.DataFrame({c: typed[c] for c in codebook.share_codes})
    share_ok = pd.concat([ok_types[c] for c in codebook.share_codes], axis=1).all(axis=1)
    total = shares.sum(axis=1, skipna=True)
    off = (total - 100).abs() > SHARE_TOLERANCE
    errors.add(
        shares.notna().any(axis=1) & share_ok & off,
        SHARE_FIELD,
        "share_sum",
        _number_text(total.round(2)),
    )

    if "_submitted_at" in frame:
        submitted = pd.to_datetime(frame["_submitted_at"])
        tomorrow = pd.Timestamp.now(tz="UTC").tz_localize(None) + pd.Timedelta(days=1)
        errors.add(submitted > tomorrow, "submitted_at", "future_date",
                   submitted.dt.strftime("%Y-%m-%d %H:%M"))

    org = raw["org_id"]
    numbers, well_formed, check_ok = normalise_enterprise_numbers(org)
    errors.add(org.notna() & ~well_formed, "org_id", "org_id_format", org)
    errors.add(well_formed & ~check_ok, "org_id", "org_id_check", org)
    typed["org_id"] = numbers.where(check_ok, org).astype("str")

    table = errors.table()
    lines = frame["_line"].to_numpy() if "_line" in frame else np.arange(2, len(frame) + 2)
    bad_rows = np.zeros(len(frame), dtype=bool)
    bad_rows[table["row"].to_numpy(dtype="int64")] = True
    valid = pd.DataFrame(typed, index=frame.index)
    for column in META_COLUMNS:
        valid[column] = frame.get(column, pd.NA)
    valid = valid.loc[~bad_rows].reset_index(drop=True)
    valid["_no_consent"] = valid["consent_aggregates"].eq("no").fillna(False).astype(bool)
    valid["_superseded"] = _superseded(valid)
    return Validation(valid, _messages(table, lines, codebook))


def _superseded(valid: pd.DataFrame) -> pd.Series:
    """True for an answer of an org_id that answered again later (by submission time, then line)."""
    order = valid.sort_values(["_submitted_at", "_line"], na_position="first", kind="stable")
    later = order["org_id"].duplicated(keep="last") & order["org_id"].notna()
    return later.reindex(valid.index).astype(bool)


def _messages(table: pd.DataFrame, lines: np.ndarray, codebook: Codebook) -> list[ValidationError]:
    """Build ValidationError objects for the failing rows only, ordered by line and form order."""
    order = {code: i for i, code in enumerate(codebook.codes)}
    table = table.assign(
        line=lines[table["row"].to_numpy(dtype="int64")],
        position=table["field"].map(order).fillna(len(order)),
    )
    result = []
    for row in table.sort_values(["line", "position", "rule"]).itertuples(index=False):
        text = render(codebook, row.rule, int(row.line), row.field, row.value)
        result.append(
            ValidationError(
                int(row.line), row.field, row.rule, row.value, text["fr"], text["nl"], text["en"]
            )
        )
    return result
