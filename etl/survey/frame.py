"""Sampling frame: number of associations per subsector x size class (x optional region).

Frame CSV columns: ``subsector`` (codebook code), ``size_class`` (see :data:`SIZE_CLASSES`),
optional ``region`` (codebook code), ``n_associations`` (positive integer) and an optional
``status`` (``observed`` or ``illustrative``); lines starting with ``#`` are comments. The
shipped ``demo_frame.csv`` is ILLUSTRATIVE: its cells are invented, only its total is anchored
on a published figure (see the file's comments).
"""

from __future__ import annotations

import math
from pathlib import Path

import pandas as pd

from etl.survey.codebook import CODEBOOK, Codebook

DEMO_FRAME = Path(__file__).with_name("demo_frame.csv")
SIZE_CLASSES: dict[str, tuple[float, float]] = {
    "lt5": (0, 5),  # fewer than 5 paid FTE (including 0)
    "5to19": (5, 20),  # 5 to under 20 FTE
    "20to49": (20, 50),  # 20 to under 50 FTE
    "50plus": (50, math.inf),
}
STATUSES = ("observed", "illustrative")


def size_class(staff_fte: float) -> str:
    """Size class of an association from its paid staff in FTE (0-<5, 5-<20, 20-<50, 50+)."""
    if staff_fte is None or not staff_fte >= 0:
        raise ValueError(f"staff_fte must be a number >= 0, got {staff_fte!r}")
    return next(name for name, (low, high) in SIZE_CLASSES.items() if low <= staff_fte < high)


def size_class_sql(staff_fte: str) -> str:
    """SQL form of :func:`size_class` over a DOUBLE expression (NULL stays NULL)."""
    cases = " ".join(f"WHEN {staff_fte} < {high} THEN '{name}'" for name, (_, high) in SIZE_CLASSES.items()
                     if high != math.inf)
    largest = list(SIZE_CLASSES)[-1]
    return f"(CASE WHEN {staff_fte} IS NULL OR {staff_fte} < 0 THEN NULL {cases} ELSE '{largest}' END)"


def load_frame(path: Path = DEMO_FRAME, codebook: Codebook = CODEBOOK) -> pd.DataFrame:
    """Read and check a frame CSV; ``attrs['illustrative']`` is True if any cell is illustrative."""
    frame = pd.read_csv(path, comment="#", dtype=str, keep_default_na=False)
    problems = []
    for column in ("subsector", "size_class", "n_associations"):
        if column not in frame:
            problems.append(f"missing column {column!r}")
    if problems:
        raise ValueError(f"{path}: " + "; ".join(problems))
    checks = {
        "subsector": ~frame["subsector"].isin(codebook.lists["subsector"].codes),
        "size_class": ~frame["size_class"].isin(list(SIZE_CLASSES)),
        "n_associations": ~frame["n_associations"].str.fullmatch(r"\d+"),
    }
    if "region" in frame:
        checks["region"] = ~frame["region"].isin(codebook.lists["region"].codes)
    if "status" in frame:
        checks["status"] = ~frame["status"].isin(STATUSES)
    for column, bad in checks.items():
        if bad.any():
            rows = ", ".join(str(i + 2) for i in bad[bad].index[:5])
            problems.append(f"bad {column} on data rows {rows}")
    keys = ["subsector", "size_class"] + (["region"] if "region" in frame else [])
    if frame.duplicated(keys).any():
        problems.append("duplicate cells: " + ", ".join(keys))
    if problems:
        raise ValueError(f"{path}: " + "; ".join(problems))
    frame["n_associations"] = frame["n_associations"].astype("int64")
    frame.attrs["illustrative"] = bool(
        "status" in frame and frame["status"].eq("illustrative").any()
    )
    return frame
