"""The generic JSON-stat 2.0 parser against independent tidy decodings."""

from __future__ import annotations

import json
import random
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from etl.eurostat import category_labels, parse_jsonstat

SNAP = Path(__file__).resolve().parents[2] / "etl" / "snapshots"
TIDY = Path(__file__).resolve().parents[1] / "data" / "public"
CASES = [
    (
        [
            "eurostat_ilc_scp19/eurostat_ilc_scp19_formal_informal_volunteering_2015_2022.jsonstat.json",
            "eurostat_ilc_scp19/eurostat_ilc_scp19_active_citizenship_2015_2022.jsonstat.json",
        ],
        "eurostat_ilc_scp19_volunteering_tidy.csv",
    ),
    (
        ["eurostat_ilc_scp21/eurostat_ilc_scp21_volunteering_nonparticipation_reasons_2015.jsonstat.json"],
        "eurostat_ilc_scp21_nonparticipation_reasons_tidy.csv",
    ),
    (
        ["eurostat_demo_pjan/eurostat_demo_pjan_population_2004_2024.jsonstat.json"],
        "eurostat_demo_pjan_population_tidy.csv",
    ),
]


def _load(rel: str) -> dict:
    return json.loads((SNAP / rel).read_text(encoding="utf-8"))


def _canon(df: pd.DataFrame, keys: list[str]) -> pd.DataFrame:
    """Comparable form: text keys, float values, flags as text with '' for none."""
    out = df[keys + ["value", "flag"]].astype({k: str for k in keys})
    out["value"] = out["value"].astype(float)
    out["flag"] = out["flag"].fillna("").astype(str)
    return out.sort_values(keys).reset_index(drop=True)


@pytest.mark.parametrize(("files", "tidy"), CASES)
def test_parse_equals_tidy_csv(files: list[str], tidy: str) -> None:
    expected = pd.read_csv(TIDY / tidy, dtype=str, keep_default_na=False)
    expected["value"] = pd.to_numeric(expected["value"].replace("", np.nan))
    frames = []
    for rel in files:
        doc = _load(rel)
        df = parse_jsonstat(doc).rename(columns={"time": "year"})
        df["geo_label"] = df["geo"].map(category_labels(doc, "geo"))
        frames.append(df)
    got = pd.concat(frames, ignore_index=True)
    keys = [c for c in expected.columns if c in got.columns and c not in ("value", "flag")]
    assert {"geo", "year", "geo_label"} <= set(keys)
    pd.testing.assert_frame_equal(_canon(got, keys), _canon(expected, keys), check_dtype=False)


def _reorder(doc: dict, order: list[str]) -> dict:
    """The same cube with its dimensions stored in another order (values re-laid out)."""
    old = doc["id"]
    sizes = dict(zip(old, doc["size"], strict=True))
    dense = np.full(int(np.prod(doc["size"])), None, dtype=object)
    for k, v in doc["value"].items():
        dense[int(k)] = v
    status = np.full(dense.size, None, dtype=object)
    for k, v in doc.get("status", {}).items():
        status[int(k)] = v
    perm = [old.index(d) for d in order]
    new_values = dense.reshape(doc["size"]).transpose(perm).ravel()
    new_status = status.reshape(doc["size"]).transpose(perm).ravel()
    out = dict(doc, id=order, size=[sizes[d] for d in order])
    out["value"] = [None if v is None else v for v in new_values]  # dense list form
    out["status"] = {str(i): s for i, s in enumerate(new_status) if s is not None}
    return out


@pytest.mark.parametrize(("files", "tidy"), CASES)
def test_reordered_dimensions_parse_identically(files: list[str], tidy: str) -> None:
    doc = _load(files[0])
    order = list(doc["id"])
    random.Random(7).shuffle(order)
    assert order != doc["id"]
    reordered = _reorder(doc, order)
    a = parse_jsonstat(doc)
    b = parse_jsonstat(reordered)[a.columns]
    keys = list(doc["id"])
    pd.testing.assert_frame_equal(_canon(a, keys), _canon(b, keys))


def test_sparse_and_dense_value_forms_and_single_status() -> None:
    base = {
        "id": ["geo", "time"],
        "size": [2, 2],
        "dimension": {
            "geo": {"category": {"index": {"BE": 0, "FR": 1}}},
            "time": {"category": {"index": ["2015", "2022"]}},
        },
    }
    dense = parse_jsonstat(base | {"value": [1.0, None, 3.0, 4.0], "status": "p"})
    sparse = parse_jsonstat(base | {"value": {"0": 1.0, "2": 3.0, "3": 4.0}, "status": "p"})
    pd.testing.assert_frame_equal(dense, sparse)
    assert dense[["geo", "time"]].values.tolist() == [
        ["BE", "2015"],
        ["BE", "2022"],
        ["FR", "2015"],
        ["FR", "2022"],
    ]
    assert np.isnan(dense.loc[1, "value"]) and dense.loc[1, "flag"] == "p"


def test_size_mismatch_is_reported() -> None:
    doc = {
        "id": ["geo"],
        "size": [3],
        "value": [1],
        "dimension": {"geo": {"category": {"index": ["BE", "FR"]}}},
    }
    with pytest.raises(ValueError, match="size 3 but 2 categories"):
        parse_jsonstat(doc)
