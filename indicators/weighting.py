"""Survey weights of one wave: post-stratification (or raking) on the sampling frame.

The frame ``core.survey_frame`` counts associations by subsector x size_class (region ignored).
When every frame row gives both, responses are post-stratified on subsector x size_class;
when rows only give margins (subsector with size_class NULL, or size_class with subsector NULL)
they are raked on those margins, or post-stratified on subsector when the frame has no size
margin (a frame from the enterprise register, which holds no headcounts). Small or empty
cells are collapsed (see engine.yaml):

1. a subsector with fewer than ``min_n`` responses (or absent from the frame) joins ``other``;
   ``other`` below ``min_n`` then joins the subsector with the fewest responses;
2. within a subsector, a size class below ``min_n`` (or with no population) is merged with its
   neighbouring size class having fewer responses, until every group reaches ``min_n``.

Weights are computed by :class:`indicators.estimation.Design` from base weights of 1.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
import pandas as pd

from indicators.domains import Calibration
from indicators.estimation import Design

OTHER = "other"


@dataclass(frozen=True)
class WaveWeights:
    """Final weights, the calibration kept for variances, and a description of the cells."""

    weights: np.ndarray
    calibration: Calibration | None
    method: str  # poststratification | raking | unweighted
    cells: dict[str, float]  # calibration cell (or "margin=category") -> population count
    version: str


def _subsector_map(n: pd.Series, big_n: pd.Series, min_n: int) -> dict[str, str]:
    """Subsector -> its (possibly collapsed) subsector label."""
    labels = set(n.index) | set(big_n.index)
    counts = n.reindex(sorted(labels), fill_value=0)
    pop = big_n.reindex(sorted(labels), fill_value=0)
    keep = (counts >= min_n) & (pop > 0) & (counts.index != OTHER)
    mapping = {s: (s if keep[s] else OTHER) for s in counts.index}
    n_other = counts[~keep].sum()
    if (0 < n_other < min_n or pop[~keep].sum() == 0 and n_other) and keep.any():
        target = counts[keep].idxmin()
        mapping = {s: (target if m == OTHER else m) for s, m in mapping.items()}
    return mapping


def _merge_runs(order: Sequence[str], n: dict[str, int], pop: dict[str, float], min_n: int) -> dict[str, str]:
    """Merge ordered categories into contiguous groups each with >= min_n responses and
    population > 0; category -> group label (``a+b``)."""
    groups = [[c] for c in order if n.get(c, 0) or pop.get(c, 0)]

    def size(g):
        return sum(n.get(c, 0) for c in g), sum(pop.get(c, 0) for c in g)

    while len(groups) > 1:
        bad = [i for i, g in enumerate(groups) if size(g)[0] < min_n or size(g)[1] <= 0]
        if not bad:
            break
        i = min(bad, key=lambda j: size(groups[j])[0])
        neighbours = [j for j in (i - 1, i + 1) if 0 <= j < len(groups)]
        j = min(neighbours, key=lambda k: size(groups[k])[0])
        lo, hi = sorted((i, j))
        groups[lo : hi + 1] = [groups[lo] + groups[hi]]
    return {c: "+".join(g) for g in groups for c in g}


def _version(method: str, cells: dict[str, float], min_n: int) -> str:
    blob = json.dumps([method, min_n, sorted(cells.items())]).encode()
    return f"{method}:{hashlib.sha256(blob).hexdigest()[:12]}"


def wave_weights(
    sample: pd.DataFrame, frame: pd.DataFrame, size_order: Sequence[str], min_n: int
) -> WaveWeights:
    """Weights for the responses of one wave (``sample`` has subsector and size_class)."""
    if sample[["subsector", "size_class"]].isna().any().any():
        raise ValueError("survey responses without subsector or size_class cannot be weighted")
    n = len(sample)
    if frame.empty:
        return WaveWeights(np.ones(n), None, "unweighted", {}, "unweighted")
    full = frame.dropna(subset=["subsector", "size_class"])
    if len(full) == len(frame):
        return _poststratify(sample, full, size_order, min_n)
    return _rake(sample, frame, size_order, min_n)


def _poststratify(
    sample: pd.DataFrame, frame: pd.DataFrame, size_order: Sequence[str], min_n: int
) -> WaveWeights:
    pop = frame.groupby(["subsector", "size_class"])["n_associations"].sum()
    sub_codes, subs = pd.factorize(sample["subsector"])
    size_codes, sizes = pd.factorize(sample["size_class"])
    pair = sub_codes * len(sizes) + size_codes  # observed (subsector, size_class) of each row
    seen = np.bincount(pair, minlength=len(subs) * len(sizes)).reshape(len(subs), len(sizes))
    sub_map = _subsector_map(pd.Series(seen.sum(1), index=subs), pop.groupby(level=0).sum(), min_n)
    counts: dict[str, dict[str, int]] = {}  # collapsed subsector -> size class -> responses
    for i, j in zip(*np.nonzero(seen), strict=True):
        by_size = counts.setdefault(sub_map[subs[i]], {})
        by_size[sizes[j]] = by_size.get(sizes[j], 0) + int(seen[i, j])
    pops: dict[str, dict[str, float]] = {}  # collapsed subsector -> size class -> population
    for (sub, size), n in pop.items():
        pop_by_size = pops.setdefault(sub_map[sub], {})
        pop_by_size[size] = pop_by_size.get(size, 0) + n
    runs: dict[str, dict[str, str]] = {}
    totals: dict[str, float] = {}
    for sub in sorted(counts):
        runs[sub] = _merge_runs(size_order, counts[sub], pops.get(sub, {}), min_n)
        for size, group in runs[sub].items():
            key = f"{sub}:{group}"
            totals[key] = totals.get(key, 0.0) + float(pops.get(sub, {}).get(size, 0.0))
    names = [
        f"{sub_map[subs[i]]}:{runs[sub_map[subs[i]]][sizes[j]]}" if seen[i, j] else None
        for i in range(len(subs))
        for j in range(len(sizes))
    ]
    label_codes, labels = pd.factorize(pd.Index(names, dtype=object))  # unobserved: -1
    strata = pd.Series(pd.Categorical.from_codes(label_codes[pair], labels), index=sample.index)
    totals = {k: v for k, v in totals.items() if k in set(labels)}
    return _calibrate(sample, {"stratum": strata}, {"stratum": totals}, "poststratification", min_n)


def _rake(sample: pd.DataFrame, frame: pd.DataFrame, size_order: Sequence[str], min_n: int) -> WaveWeights:
    sub_pop = frame[frame["size_class"].isna()].groupby("subsector")["n_associations"].sum()
    size_pop = frame[frame["subsector"].isna()].groupby("size_class")["n_associations"].sum()
    if sub_pop.empty:
        raise ValueError("survey_frame: margins need rows for subsector (and may give size_class)")
    sub_map = _subsector_map(sample["subsector"].value_counts(), sub_pop, min_n)
    if size_pop.empty:  # a register frame (KBO/BCE holds no headcounts): subsectors only
        margin = sub_pop.groupby(sub_pop.index.map(sub_map)).sum().to_dict()
        return _calibrate(
            sample,
            {"subsector": sample["subsector"].map(sub_map)},
            {"subsector": margin},
            "poststratification",
            min_n,
        )
    size_map = _merge_runs(
        size_order, sample["size_class"].value_counts().to_dict(), size_pop.to_dict(), min_n
    )
    labels = {"subsector": sample["subsector"].map(sub_map), "size_class": sample["size_class"].map(size_map)}
    margins = {
        "subsector": sub_pop.groupby(sub_pop.index.map(sub_map)).sum().to_dict(),
        "size_class": size_pop.groupby(size_pop.index.map(size_map)).sum().to_dict(),
    }
    return _calibrate(sample, labels, margins, "raking", min_n)


def _calibrate(
    sample: pd.DataFrame,
    labels: dict[str, pd.Series],
    margins: dict[str, dict[str, float]],
    method: str,
    min_n: int,
) -> WaveWeights:
    df = pd.DataFrame({"w0": 1.0, **{k: v.array for k, v in labels.items()}})
    design = Design(df, weights="w0")
    calibrated = (
        design.rake(margins) if len(margins) > 1 else design.poststratify(*next(iter(margins.items())))
    )
    codes = tuple(pd.Index(list(m)).get_indexer(df[k]) for k, m in margins.items())
    weights = calibrated.weights.to_numpy()
    cells = {f"{k}={c}": float(v) for k, m in margins.items() for c, v in m.items()}
    return WaveWeights(
        weights, Calibration(codes, np.ones(len(df)), weights), method, cells, _version(method, cells, min_n)
    )
