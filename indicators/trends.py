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

from indicators.estimation import Z_95

KEY = ["indicator_id", "breakdown", "breakdown_value"]


@dataclass(frozen=True)
class WaveLink:
    """Stacked rows of two waves that hold the same association in the same cell."""

    rows_prev: np.ndarray
    rows_cur: np.ndarray
    cell_cur: np.ndarray
    n_cells_cur: int


def link_waves(org_prev: np.ndarray, label_prev: np.ndarray, org_cur: np.ndarray,
               label_cur: np.ndarray, unit_cur: np.ndarray, unit_prev: np.ndarray,
               cell_cur: np.ndarray, n_cells_cur: int) -> WaveLink:
    """Match stacked rows on (org pseudonym, cell label); labels are ``breakdown=value``."""
    prev = pd.DataFrame({"org": org_prev[unit_prev], "label": label_prev,
                         "row_prev": np.arange(unit_prev.size)}).dropna(subset=["org"])
    cur = pd.DataFrame({"org": org_cur[unit_cur], "label": label_cur,
                        "row_cur": np.arange(unit_cur.size)}).dropna(subset=["org"])
    both = cur.merge(prev.drop_duplicates(["org", "label"]), on=["org", "label"])
    rows_cur = both["row_cur"].to_numpy()
    return WaveLink(both["row_prev"].to_numpy(), rows_cur, cell_cur[rows_cur], n_cells_cur)


def paired_covariance(link: WaveLink, infl_prev: np.ndarray, used_prev: np.ndarray,
                      infl_cur: np.ndarray, used_cur: np.ndarray
                      ) -> tuple[np.ndarray, np.ndarray]:
    """Per cell of the current wave: covariance of the two estimates and linked count."""
    both = used_prev[link.rows_prev] & used_cur[link.rows_cur]
    cells = link.cell_cur[both]
    prod = infl_prev[link.rows_prev][both] * infl_cur[link.rows_cur][both]
    return (np.bincount(cells, prod, link.n_cells_cur),
            np.bincount(cells, minlength=link.n_cells_cur))


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
    var_ind = v["se"] ** 2 + v["se_prev"] ** 2
    var_pair = var_ind - 2 * v["cov"].fillna(0.0)
    paired = (v["n_linked"].fillna(0) >= min_linked) & (var_pair > 0)
    se = np.sqrt(np.where(paired, var_pair, var_ind))
    se = pd.Series(se, index=v.index).where(published)
    significant = (change.abs() > Z_95 * se) & (se > 0)
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
