"""Eurostat JSON-stat 2.0: a generic parser and the dissemination API address.

JSON-stat stores a cube as a flat array in row-major order of the dimensions listed in
``id``/``size``; ``value`` and ``status`` may each be a dense list, a sparse object keyed
by the flat index, or (``status`` only) a single string for every cell. No maintained
library parses Eurostat's JSON-stat into pandas with its flags (pyjstat drops ``status``
and loops in Python), so this module does it with numpy in a few lines.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import numpy as np
import pandas as pd

API_BASE = "https://ec.europa.eu/eurostat/api/dissemination/statistics/1.0/data"


def category_codes(doc: Mapping[str, Any], dim: str) -> list[str]:
    """Category codes of one dimension, in storage order."""
    index = doc["dimension"][dim]["category"].get("index")
    if index is None:  # a single-category dimension may omit the index
        return list(doc["dimension"][dim]["category"]["label"])
    if isinstance(index, list):
        return [str(c) for c in index]
    return [str(code) for code, _ in sorted(index.items(), key=lambda kv: kv[1])]


def category_labels(doc: Mapping[str, Any], dim: str) -> dict[str, str]:
    """Code -> label of one dimension (the code itself when no label is given)."""
    labels = doc["dimension"][dim]["category"].get("label", {})
    return {code: labels.get(code, code) for code in category_codes(doc, dim)}


def _sparse(values: Any, n: int) -> dict[int, Any]:
    """Flat index -> value for a dense list or a sparse index-keyed object."""
    if values is None:
        return {}
    if isinstance(values, str):  # one status for every cell
        return dict.fromkeys(range(n), values)
    if isinstance(values, list):
        return {i: v for i, v in enumerate(values) if v is not None}
    return {int(k): v for k, v in values.items() if v is not None}


def parse_jsonstat(doc: Mapping[str, Any]) -> pd.DataFrame:
    """Tidy a JSON-stat 2.0 dataset: one row per cell that has a value or a status.

    Columns: one per dimension (named by its id, holding category codes), ``value``
    (float, NaN when absent) and ``flag`` (status string or None). Rows are sorted by the
    dimensions in the document's order, so two documents that differ only in the order
    of their dimensions give the same rows once columns are aligned.
    """
    dims = [str(d) for d in doc["id"]]
    sizes = [int(s) for s in doc["size"]]
    codes = [category_codes(doc, d) for d in dims]
    for dim, size, cats in zip(dims, sizes, codes, strict=True):
        if len(cats) != size:
            raise ValueError(f"JSON-stat dimension {dim!r}: size {size} but {len(cats)} categories")
    n = int(np.prod(sizes)) if sizes else 0
    values = _sparse(doc.get("value"), n)
    status = _sparse(doc.get("status"), n)
    cells = np.array(sorted(set(values) | set(status)), dtype=np.int64)
    if cells.size and (cells.min() < 0 or cells.max() >= n):
        raise ValueError(f"JSON-stat value index out of range 0..{n - 1}")
    positions = np.unravel_index(cells, sizes) if sizes else ()
    frame = pd.DataFrame(
        {
            dim: np.asarray(cats, dtype=object)[pos]
            for dim, cats, pos in zip(dims, codes, positions, strict=True)
        }
    )
    frame["value"] = np.array([values.get(int(c), np.nan) for c in cells], dtype=float)
    frame["flag"] = pd.Series([status.get(int(c)) for c in cells], dtype=object)
    return frame.sort_values(dims, kind="stable").reset_index(drop=True) if dims else frame


def dataset_url(dataset: str, filters: Mapping[str, list[str]] | None = None) -> str:
    """Dissemination API address of a dataset in JSON-stat, English labels."""
    query = ["format=JSON", "lang=EN"]
    for dim, cats in (filters or {}).items():
        query += [f"{dim}={c}" for c in cats]
    return f"{API_BASE}/{dataset}?" + "&".join(query)
