"""CSV and Parquet exports of public tables, safe to open in a spreadsheet."""

from __future__ import annotations

import io

import pandas as pd
from pandas.api.types import is_datetime64_any_dtype, is_numeric_dtype

#: A cell starting with one of these is read as a formula by spreadsheets (CSV injection).
FORMULA_PREFIXES = ("=", "+", "-", "@", "\t", "\r")


def neutralise(frame: pd.DataFrame) -> pd.DataFrame:
    """A copy whose text cells cannot run as spreadsheet formulas (prefixed with ``'``).

    Numeric columns are left alone: a negative number is data, not a formula.
    """
    out = frame.copy()
    for column in out.columns:
        if is_numeric_dtype(out[column]) or is_datetime64_any_dtype(out[column]):
            continue
        out[column] = out[column].map(
            lambda v: "'" + v if isinstance(v, str) and v.startswith(FORMULA_PREFIXES) else v)
    return out


def to_csv(frame: pd.DataFrame) -> bytes:
    """UTF-8 CSV (no index) with formula-like cells neutralised."""
    return neutralise(frame).to_csv(index=False, lineterminator="\n").encode("utf-8")


def to_parquet(frame: pd.DataFrame) -> bytes:
    """Parquet bytes of the frame, types kept (no neutralisation: not a spreadsheet format)."""
    buffer = io.BytesIO()
    frame.to_parquet(buffer, index=False)
    return buffer.getvalue()
