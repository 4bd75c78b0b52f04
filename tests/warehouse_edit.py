"""Edited copies of the session warehouse, to test what changes between builds or editions."""

from __future__ import annotations

import shutil
from pathlib import Path

import duckdb

#: An indicator cell (id, period, breakdown, breakdown_value) present in the demo build.
CELL = ("acc_expenses_all", "2024", "all", "all")


def edited_copy(source: Path, target: Path, *statements: tuple[str, list]) -> Path:
    """Copy the warehouse ``source`` to ``target`` and run parameterised ``statements`` on it."""
    target.parent.mkdir(parents=True, exist_ok=True)
    shutil.copy(source, target)
    con = duckdb.connect(str(target))
    try:
        for sql, params in statements:
            con.execute(sql, params)
    finally:
        con.close()
    return target


def set_estimate(value: float) -> tuple[str, list]:
    """Statement setting the estimate of ``CELL``."""
    return (
        "UPDATE public.indicator_values SET estimate = ? WHERE indicator_id = ? AND period = ? "
        "AND breakdown = ? AND breakdown_value = ?",
        [value, *CELL],
    )
