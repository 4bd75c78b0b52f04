"""Change of each indicator cell since the previous wave, with a 95 % CI and a significance flag.

Independent samples by default: ``var(change) = se_t^2 + se_prev^2``. When associations answered
both waves (panel linkage: the same ``org_pseudo``, an HMAC pseudonym stable across waves) and at
least ``min_linked_for_paired`` of them fall in the same cell in both waves, the covariance of
the two estimates is subtracted: ``var = se_t^2 + se_prev^2 - 2 cov`` with
``cov = sum over linked associations of u_i,t * u_i,prev``, ``u`` being each response's
calibrated linearised value for its cell (:mod:`indicators.domains`). This treats each
association as one PSU across waves (with-replacement approximation); a non-positive variance
falls back to the independent formula. Cells suppressed in either wave get no change at all, so a
suppressed value cannot be recovered from a published one plus the change.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

import numpy as np
import pandas as pd

from indicators.domains import Segments, WaveLayout
from indicators.estimation import Z_95

KEY = ["indicator_id", "breakdown", "breakdown_value"]
ROUNDING = 1e-9  # relative size of a change treated as zero (see compute_trends)


@dataclass(frozen=True)
class WaveLink:
    """Stacked rows of two waves that hold the same association in the same cell, in the
    current wave's row order, split like the current layout's chunks (whole cells each)."""

    rows_prev: tuple[np.ndarray, ...]
    rows_cur: tuple[np.ndarray, ...]
    cells: tuple[Segments, ...]  # link rows by current cell
    n_cells: int


def link_waves(org_prev: pd.Series, prev: WaveLayout, labels_prev: np.ndarray,
               org_cur: pd.Series, cur: WaveLayout, labels_cur: np.ndarray) -> WaveLink:
    """Match stacked rows on (org pseudonym, cell); ``org_*`` hold one pseudonym per response
    (missing when unknown), ``labels_*`` one name per cell (``breakdown=value``). A current row
    links to the previous wave's first response with the same pseudonym in the same cell."""
    orgs = pd.factorize(pd.concat([org_prev, org_cur], ignore_index=True))[0]  # missing: -1
    k = len(labels_cur)
    to_cur = pd.Index(labels_cur).get_indexer(labels_prev)  # -1: no such cell now
    org, cell = orgs[:len(org_prev)][prev.unit], to_cur[prev.cell]
    candidates = np.flatnonzero((org >= 0) & (cell >= 0))
    candidates = candidates[np.argsort(prev.unit[candidates], kind="stable")]
    keys = pd.Index(org[candidates] * k + cell[candidates])
    first = ~keys.duplicated()
    org = orgs[len(org_prev):][cur.unit]
    at = keys[first].get_indexer(np.where(org >= 0, org * k + cur.cell, -1))
    rows_cur = np.flatnonzero(at >= 0)
    rows_prev = candidates[first][at[rows_cur]]
    cells = cur.cell[rows_cur]
    cuts = np.searchsorted(cells, [c.first_cell for c in cur.chunks[1:]])
    pieces = np.split(np.arange(rows_cur.size), cuts)
    return WaveLink(tuple(rows_prev[i] for i in pieces), tuple(rows_cur[i] for i in pieces),
                    tuple(Segments.of(cells[i], k) for i in pieces), k)


def paired_covariance(link: WaveLink, infl_prev: np.ndarray, used_prev: np.ndarray,
                      infl_cur: np.ndarray, used_cur: np.ndarray
                      ) -> tuple[np.ndarray, np.ndarray]:
    """Per cell of the current wave: covariance of the two estimates and linked count.
    The influence of an unused row is 0, so summing over every link adds only zeros."""
    cov, n_linked = np.zeros(link.n_cells), np.zeros(link.n_cells, np.int64)
    for prev, cur, cells in zip(link.rows_prev, link.rows_cur, link.cells, strict=True):
        cov += cells.sum(infl_prev[prev] * infl_cur[cur])
        n_linked += cells.sum(used_prev[prev] & used_cur[cur], np.int64)
    return cov, n_linked


def compute_trends(values: pd.DataFrame, polarity: Mapping[str, str],
                   min_linked: int) -> pd.DataFrame:
    """Changes between consecutive waves of every published survey cell.

    ``values`` holds indicator_id, period, breakdown, breakdown_value, estimate, se, flag,
    synthetic, and ``cov``/``n_linked`` (covariance with the previous wave's estimate)."""
    v = values.assign(wave=values["period"].astype(int)).sort_values([*KEY, "wave"])
    prev = v.groupby(KEY, sort=False)[["period", "estimate", "se", "flag", "synthetic"]].shift()
    v = v.join(prev.add_suffix("_prev")).dropna(subset=["period_prev"])
    published = (v["flag"] != "suppressed") & (v["flag_prev"] != "suppressed")
    change = (v["estimate"] - v["estimate_prev"]).where(published)
    # Below this, a change or a variance is floating-point rounding, not data: a cell whose answers
    # are all equal in both waves must not come out "significant" from noise over noise.
    rounding = ROUNDING * np.maximum(v["estimate"].abs(), v["estimate_prev"].abs()).clip(lower=1.0)
    var_ind = v["se"] ** 2 + v["se_prev"] ** 2
    var_pair = var_ind - 2 * v["cov"].fillna(0.0)
    paired = (v["n_linked"].fillna(0) >= min_linked) & (var_pair > rounding**2)
    se = np.sqrt(np.where(paired, var_pair, var_ind))
    se = pd.Series(se, index=v.index).where(published)
    significant = (change.abs() > Z_95 * se) & (se > 0) & (change.abs() > rounding)
    sign = np.sign(change).fillna(0)
    pol = v["indicator_id"].map(polarity)
    direction = np.select(
        [~published, ~significant, pol == "neutral",
         (sign > 0) == (pol == "higher_is_worse")],
        [None, "stable", np.where(sign > 0, "up", "down"), "worse"], default="better")
    return pd.DataFrame({
        "indicator_id": v["indicator_id"], "period": v["period"],
        "previous_period": v["period_prev"], "breakdown": v["breakdown"],
        "breakdown_value": v["breakdown_value"], "change": change, "se": se,
        "ci_low": change - Z_95 * se, "ci_high": change + Z_95 * se,
        "method": np.where(paired, "paired", "independent"),
        "n_linked": v["n_linked"].fillna(0).astype("int64"),
        "significant": significant.where(published),
        "direction": direction,
        "flag": np.where(published, "ok", "suppressed"),
        "synthetic": v["synthetic"].astype(bool) | v["synthetic_prev"].astype(bool),
    }).reset_index(drop=True)
