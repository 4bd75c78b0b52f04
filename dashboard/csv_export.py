"""CSV and Parquet bytes of public tables for downloads (CSV safe to open in a spreadsheet)."""

from __future__ import annotations

import io

import pandas as pd

from etl.csv_safety import neutralise


def to_csv(frame: pd.DataFrame) -> bytes:
    """UTF-8 CSV (no index) with formula-like cells neutralised."""
    return neutralise(frame).to_csv(index=False, lineterminator="\n").encode("utf-8")


def to_parquet(frame: pd.DataFrame) -> bytes:
    """Parquet bytes of the frame, types kept (no neutralisation: not a spreadsheet format)."""
    buffer = io.BytesIO()
    frame.to_parquet(buffer, index=False)
    return buffer.getvalue()
