"""The disinvestment pressure index (pressure_index.yaml documents every choice).

:func:`compute_index` is pure and cheap: the dashboard's what-if sliders call it with their own
weights or normalisation. :func:`index_tables` adds the Monte Carlo uncertainty analysis
(weights ~ Dirichlet, normalisation method, sampling error of each component) and the
per-component contributions written to the warehouse.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pandas as pd

from core.yamlfile import read_yaml

CONFIG_FILE = Path(__file__).with_name("pressure_index.yaml")
CELL = ["period", "breakdown", "breakdown_value"]
METHODS = ("goalposts", "minmax", "zscore")


@dataclass(frozen=True)
class IndexConfig:
    """Components (order fixed), their direction, goalposts and default weights."""

    indicators: tuple[str, ...]
    direction: np.ndarray
    lower: np.ndarray
    upper: np.ndarray
    weights: np.ndarray
    normalisation: str
    coverage: float
    draws: int
    seed: int
    concentration: float
    methods: tuple[str, ...]
    text: dict


def load_config(path: Path = CONFIG_FILE) -> IndexConfig:
    raw = read_yaml(path)
    comp = pd.DataFrame(raw["components"])
    unc = raw["uncertainty"]
    bad = {raw["normalisation"], *unc["methods"]} - set(METHODS)
    if bad:
        raise ValueError(f"{path.name}: unknown normalisation {sorted(bad)}")
    return IndexConfig(
        tuple(comp["indicator"]),
        comp["direction"].to_numpy(float),
        comp["lower"].to_numpy(float),
        comp["upper"].to_numpy(float),
        comp["weight"].to_numpy(float),
        raw["normalisation"],
        float(raw["coverage"]),
        int(unc["draws"]),
        int(unc["seed"]),
        float(unc["concentration"]),
        tuple(unc["methods"]),
        {k: raw[k] for k in ("id", "title", "description")},
    )


def component_matrix(values: pd.DataFrame, config: IndexConfig) -> tuple[pd.DataFrame, ...]:
    """Cells x components tables of estimate, se and flag from published indicator values."""
    v = values[values["indicator_id"].isin(config.indicators)]
    wide = v.set_index([*CELL, "indicator_id"])[["estimate", "se", "flag"]].unstack()
    cols = list(config.indicators)
    est = wide["estimate"].reindex(columns=cols).astype(float)
    se = wide["se"].reindex(columns=cols).astype(float).fillna(0.0)
    return est, se, wide["flag"].reindex(columns=cols)


def normalise(x: np.ndarray, method: str, config: IndexConfig, reference: np.ndarray) -> np.ndarray:
    """Map component values (last axis = components) to 0-100 pressure scores.

    ``reference`` (cells x components) gives the min, max, mean and sd for minmax and zscore;
    a component without spread in the reference falls back to its goalposts."""
    lo, hi = config.lower, config.upper
    with np.errstate(invalid="ignore", divide="ignore", all="ignore"):
        if method == "minmax":
            rmin, rmax = np.nanmin(reference, 0), np.nanmax(reference, 0)
            spread = np.isfinite(rmax - rmin) & (rmax > rmin)
            lo, hi = np.where(spread, rmin, lo), np.where(spread, rmax, hi)
        if method == "zscore":
            mu, sd = np.nanmean(reference, 0), np.nanstd(reference, 0)
            ok = np.isfinite(sd) & (sd > 0)
            score = np.where(ok, 50 + 50 * (x - mu) / (3 * np.where(ok, sd, 1)), 100 * (x - lo) / (hi - lo))
        else:
            score = 100 * (x - lo) / (hi - lo)
    score = np.clip(score, 0, 100)
    return np.where(config.direction > 0, score, 100 - score)


def aggregate(
    scores: np.ndarray, weights: np.ndarray, available: np.ndarray, coverage: float
) -> tuple[np.ndarray, np.ndarray]:
    """Weighted arithmetic mean of the available scores; NaN below the coverage rule.

    ``scores`` (..., cells, K), ``weights`` (..., K), ``available`` (cells, K)."""
    w = weights[..., None, :] * available
    share = w.sum(-1) / weights[..., None, :].sum(-1)
    total = np.where(available, scores, 0.0)
    with np.errstate(invalid="ignore", divide="ignore"):
        index = (w * total).sum(-1) / w.sum(-1)
    return np.where(share + 1e-12 >= coverage, index, np.nan), share


def compute_index(
    values: pd.DataFrame,
    weights: Mapping[str, float] | None = None,
    normalisation: str | None = None,
    config: IndexConfig | None = None,
) -> pd.DataFrame:
    """Index per cell for the given weights (by indicator id; default: the configured ones)
    and normalisation, from published ``indicator_values`` rows. Pure: no I/O."""
    config = config or load_config()
    est, _, _ = component_matrix(values, config)
    w = (
        config.weights
        if weights is None
        else np.array([float(weights.get(i, 0.0)) for i in config.indicators])
    )
    if w.sum() <= 0:
        raise ValueError("index weights must have a positive sum")
    x = est.to_numpy(float)
    scores = normalise(x, normalisation or config.normalisation, config, x)
    index, share = aggregate(scores, w, ~np.isnan(x), config.coverage)
    return est.index.to_frame(index=False).assign(index=index, coverage=share)


def _monte_carlo(x: np.ndarray, se: np.ndarray, config: IndexConfig) -> np.ndarray:
    """(draws, cells) index values under weight, normalisation and sampling uncertainty."""
    rng = np.random.default_rng(config.seed)
    r = config.draws
    w = rng.dirichlet(config.concentration * config.weights / config.weights.sum(), size=r)
    method = rng.integers(len(config.methods), size=r)
    draws = x[None] + np.nan_to_num(se)[None] * rng.standard_normal((r, *x.shape))
    scores = np.empty_like(draws)
    for m, name in enumerate(config.methods):
        pick = method == m
        scores[pick] = normalise(draws[pick], name, config, x)
    index, _ = aggregate(scores, w, ~np.isnan(x), config.coverage)
    return index


def index_tables(
    values: pd.DataFrame, synthetic: pd.Series, config: IndexConfig | None = None
) -> tuple[pd.DataFrame, pd.DataFrame]:
    """``index_values`` and ``index_components`` rows from published indicator values.

    ``synthetic`` maps a period to whether it comes from synthetic data."""
    config = config or load_config()
    est, se, flags = component_matrix(values, config)
    x, s = est.to_numpy(float), se.to_numpy(float)
    available = ~np.isnan(x)
    scores = normalise(x, config.normalisation, config, x)
    index, share = aggregate(scores, config.weights, available, config.coverage)
    low, high = np.full(len(x), np.nan), np.full(len(x), np.nan)
    covered = ~np.isnan(index)
    if covered.any():
        low[covered], high[covered] = np.nanpercentile(
            _monte_carlo(x[covered], s[covered], config), [5, 95], axis=0
        )
    unreliable = ((flags == "low_reliability").to_numpy() & available).any(1)
    cells = est.index.to_frame(index=False)
    flag = np.where(np.isnan(index), "suppressed", np.where(unreliable, "low_reliability", "ok"))
    out = cells.assign(
        index=index,
        index_low=low,
        index_high=high,
        coverage=share,
        n_components=available.sum(1),
        flag=flag,
        synthetic=cells["period"].map(synthetic).fillna(False).astype(bool),
    )
    w_eff = config.weights * available
    w_eff = w_eff / np.where(w_eff.sum(1, keepdims=True) > 0, w_eff.sum(1, keepdims=True), 1)
    comp = pd.DataFrame(
        {
            **{c: np.repeat(cells[c].to_numpy(), len(config.indicators)) for c in CELL},
            "indicator_id": np.tile(config.indicators, len(cells)),
            "value": x.ravel(),
            "normalised": scores.ravel(),
            "weight": w_eff.ravel(),
            "direction": np.tile(config.direction, len(cells)).astype(int),
        }
    )
    comp["contribution"] = comp["normalised"] * comp["weight"]
    comp["synthetic"] = np.repeat(out["synthetic"].to_numpy(), len(config.indicators))
    published = np.repeat(~np.isnan(index), len(config.indicators))
    comp.loc[~published, ["normalised", "weight", "contribution"]] = np.nan
    return out, comp[comp["value"].notna()].reset_index(drop=True)
