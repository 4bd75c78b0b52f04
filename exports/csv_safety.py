"""CSV that is safe to open in a spreadsheet: formula-like text cells are neutralised."""

from __future__ import annotations

from pathlib import Path
from typing import overload

import pandas as pd
from pandas.api.types import is_bool_dtype, is_datetime64_any_dtype, is_numeric_dtype

#: A cell starting with one of these is read as a formula by spreadsheets (CSV injection).
FORMULA_PREFIXES = ("=", "+", "-", "@", "\t", "\r")


def neutralise(frame: pd.DataFrame) -> pd.DataFrame:
    """A copy whose text cells cannot run as spreadsheet formulas (prefixed with ``'``).

    Numeric, boolean and date columns are left alone: a negative number is data, not a formula.
    """
    out = frame.copy()
    for column in out.columns:
        series = out[column]
        if is_numeric_dtype(series) or is_bool_dtype(series) or is_datetime64_any_dtype(series):
            continue
        out[column] = series.map(
            lambda v: "'" + v if isinstance(v, str) and v.startswith(FORMULA_PREFIXES) else v
        )
    return out


@overload
def safe_csv(frame: pd.DataFrame, path: None = None) -> str: ...
@overload
def safe_csv(frame: pd.DataFrame, path: Path) -> None: ...
def safe_csv(frame: pd.DataFrame, path: Path | None = None) -> str | None:
    """UTF-8 CSV (no index, ``\\n`` line ends) of the neutralised frame: written to ``path``,
    or returned as text when no path is given."""
    return neutralise(frame).to_csv(path, index=False, lineterminator="\n", encoding="utf-8")
