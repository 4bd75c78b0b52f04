"""Trends of every survey cell across waves, each with a 95 % CI and a significance flag.

Three kinds of rows (column ``kind``):

* ``consecutive``: change since the previous wave (the original rows of this table);
* ``first_last``: change from the first to the last wave (e.g. 2022 -> 2024);
* ``linear``: the least-squares slope of the wave estimates on the wave year, per year.

Changes. Independent samples by default: ``var(change) = se_t^2 + se_s^2``. When associations
answered both waves (panel linkage: the same ``org_pseudo``, an HMAC pseudonym stable across
waves) and at least ``min_linked_for_paired`` of them fall in the same cell in both waves, the
covariance of the two estimates is subtracted: ``var = se_t^2 + se_s^2 - 2 cov`` with
``cov = sum over linked associations of u_i,t * u_i,s``, ``u`` being each response's calibrated
linearised value for its cell (:mod:`indicators.domains`). This treats each association as one
PSU across waves (with-replacement approximation); a non-positive variance falls back to the
independent formula. Cells suppressed in either wave get no change at all, so a suppressed
value cannot be recovered from a published one plus the change.

Linear trend. With wave years ``t_1..t_T`` and weights ``c_t = (t - mean t) / sum (t - mean t)^2``
the slope is ``b = sum_t c_t * estimate_t``: the ordinary least-squares line through the wave
estimates (each wave counts once whatever its sample size). Its linearised value for an
association is ``z_i = sum_t c_t u_i,t`` (the same ``u`` as above, summed over the waves it
answered in that cell), so with associations as PSUs across waves::

    var(b) = sum_t c_t^2 se_t^2 + 2 sum_{s<t} c_s c_t cov_st

where ``se_t`` is the published design-based SE of wave ``t`` (strata-free, calibrated, with
its n/(n-1) factor) and ``cov_st`` the panel covariance of waves ``s`` and ``t`` (every pair of
waves, not only consecutive ones). This is the cluster-robust (by association) sandwich variance
of the weighted regression of the unit-level variable on wave dummies, contrasted on the year:
tests/indicators/test_indicator_trends.py checks it against statsmodels. The covariance terms are
accumulated wave by wave (:class:`PanelTrend`: one running ``z_i`` per association and cell), so
no wave's unit-level values need to be kept beyond its own pass. ``paired`` when the cell's
largest ``n_linked`` over its change rows reaches ``min_linked``; the row needs a published
estimate in every wave (else it is suppressed: a slope and the other waves would give the
missing value away). ``change`` of a linear row is the fitted change over the whole period
(slope x (last - first year)).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

import numpy as np
import pandas as pd

from indicators.domains import Segments, WaveLayout
from indicators.estimation import Z_95

KEY = ["indicator_id", "breakdown", "breakdown_value"]
NONE = np.array(None, dtype=object)  # no direction, for np.select (numpy's types refuse a bare None)
ROUNDING = 1e-9  # relative size of a change treated as zero (see compute_trends)


@dataclass(frozen=True)
class WaveLink:
    """Stacked rows of two waves that hold the same association in the same cell, in the
    current wave's row order, split like the current layout's chunks (whole cells each)."""

    rows_prev: tuple[np.ndarray, ...]
    rows_cur: tuple[np.ndarray, ...]
    cells: tuple[Segments, ...]  # link rows by current cell
    n_cells: int


def link_waves(
    org_prev: pd.Series,
    prev: WaveLayout,
    labels_prev: np.ndarray,
    org_cur: pd.Series,
    cur: WaveLayout,
    labels_cur: np.ndarray,
) -> WaveLink:
    """Match stacked rows on (org pseudonym, cell); ``org_*`` hold one pseudonym per response
    (missing when unknown), ``labels_*`` one name per cell (``breakdown=value``). A current row
    links to the previous wave's first response with the same pseudonym in the same cell."""
    orgs = pd.factorize(pd.concat([org_prev, org_cur], ignore_index=True))[0]  # missing: -1
    k = len(labels_cur)
    to_cur = pd.Index(labels_cur).get_indexer(labels_prev)  # -1: no such cell now
    org, cell = orgs[: len(org_prev)][prev.unit], to_cur[prev.cell]
    candidates = np.flatnonzero((org >= 0) & (cell >= 0))
    candidates = candidates[np.argsort(prev.unit[candidates], kind="stable")]
    keys = pd.Index(org[candidates] * k + cell[candidates])
    first = ~keys.duplicated()
    org = orgs[len(org_prev) :][cur.unit]
    at = keys[first].get_indexer(np.where(org >= 0, org * k + cur.cell, -1))
    rows_cur = np.flatnonzero(at >= 0)
    rows_prev = candidates[first][at[rows_cur]]
    cells = cur.cell[rows_cur]
    cuts = np.searchsorted(cells, [c.first_cell for c in cur.chunks[1:]])
    pieces = np.split(np.arange(rows_cur.size), cuts)
    return WaveLink(
        tuple(rows_prev[i] for i in pieces),
        tuple(rows_cur[i] for i in pieces),
        tuple(Segments.of(cells[i], k) for i in pieces),
        k,
    )


def paired_covariance(
    link: WaveLink, infl_prev: np.ndarray, used_prev: np.ndarray, infl_cur: np.ndarray, used_cur: np.ndarray
) -> tuple[np.ndarray, np.ndarray]:
    """Per cell of the current wave: covariance of the two estimates and linked count.
    The influence of an unused row is 0, so summing over every link adds only zeros."""
    cov, n_linked = np.zeros(link.n_cells), np.zeros(link.n_cells, np.int64)
    for prev, cur, cells in zip(link.rows_prev, link.rows_cur, link.cells, strict=True):
        cov += cells.sum(infl_prev[prev] * infl_cur[cur])
        n_linked += cells.sum(used_prev[prev] & used_cur[cur], np.int64)
    return cov, n_linked


class PanelTrend:
    """Cross-wave covariance terms of the linear trend, accumulated wave by wave.

    Call :meth:`start_wave` once per wave (in the order of ``waves``) with the wave's stacked
    layout, then :meth:`add` for each indicator with its influence values. Each association
    (pseudonym) and cell (``breakdown=value`` label) is one key across waves; per indicator the
    sum over waves ``z = sum_t c_t u_t`` of every key and, per cell, the sum of the squared
    terms ``(c_t u_t)^2`` are kept, so that at the end ``sum_keys z^2 - sum (c_t u_t)^2`` is
    ``2 sum_{s<t} c_s c_t cov_st`` (one scatter-add per indicator and wave, no wave kept).
    Rows without pseudonym are their own PSU: they add nothing to the cross terms, nor do the
    associations of ``panel`` (when given) left out: those that answered a single wave."""

    def __init__(self, waves: list[int], panel: set | None = None) -> None:
        years = np.asarray(waves, float)
        d = years - years.mean()
        self.waves = list(waves)
        self.coef = d / (d @ d) if len(waves) > 1 else np.zeros(len(waves))
        self._panel = panel is not None
        # with the panel known, its associations are the keys' first part (a fixed index)
        self._orgs = pd.Index(sorted(panel)) if panel is not None else pd.Index([], dtype=object)
        self._cells = pd.Index([], dtype=object)
        self._slot = np.full((0, 0), -1, np.int32)  # key number of each (org, cell); -1: none
        self._n_keys = 0
        self._key_cell = np.zeros(0, np.int64)  # cell code of each key
        self._state: dict[str, tuple[np.ndarray, np.ndarray, float]] = {}
        self._c = 0.0
        self._rows = self._ids = self._cell_codes = np.zeros(0, np.int64)
        self._segments = Segments.of(np.zeros(0, np.int64), 0)
        self._buffer = np.zeros(0)

    @staticmethod
    def _grow(index: pd.Index, values: pd.Index | np.ndarray) -> tuple[pd.Index, np.ndarray]:
        """``index`` extended by the values it lacks (in order of appearance), and the position
        of every value in it."""
        at = index.get_indexer(values)
        if (at < 0).any():
            index = index.append(pd.Index(pd.unique(np.asarray(values)[at < 0])))
            at = index.get_indexer(values)
        return index, at

    def start_wave(self, wave: int, org: pd.Series, layout: WaveLayout, labels: np.ndarray) -> None:
        """Map the wave's stacked rows to keys; ``org`` holds one pseudonym (or integer key, as
        ``panel``) per response (missing when unknown) and ``labels`` one name per cell of
        ``layout``."""
        self._c = float(self.coef[self.waves.index(wave)])
        if self._panel:
            codes = self._orgs.get_indexer(org.to_numpy())  # -1: not in the panel
        else:
            known = org.notna().to_numpy()
            codes = np.full(len(org), -1, np.int64)
            self._orgs, codes[known] = self._grow(self._orgs, org[known].to_numpy(object))
        self._cells, self._cell_codes = self._grow(self._cells, np.asarray(labels, object))
        row_org = codes[layout.unit]
        self._rows = np.flatnonzero(row_org >= 0)  # ascending: sorted by (local) cell
        local = layout.cell[self._rows]
        self._segments = Segments.of(local, layout.n_cells)
        self._ids = self._key_ids(row_org[self._rows], self._cell_codes[local])
        self._buffer = np.empty(self._rows.size)  # c_t u of the rows, reused by each indicator

    def _key_ids(self, org: np.ndarray, cell: np.ndarray) -> np.ndarray:
        """Key number of each (org code, cell code) pair, new pairs numbered from the next one
        (a dense lookup table, grown by doubling)."""
        if org.size == 0:
            return np.zeros(0, np.int64)
        shape = (max(int(org.max()) + 1, len(self._orgs)), int(cell.max()) + 1)
        if shape[0] > self._slot.shape[0] or shape[1] > self._slot.shape[1]:
            slot = np.full(
                (max(shape[0], 2 * self._slot.shape[0]), max(shape[1], 2 * self._slot.shape[1])), -1, np.int32
            )
            slot[: self._slot.shape[0], : self._slot.shape[1]] = self._slot
            self._slot = slot
        ids = self._slot[org, cell].astype(np.int64)
        new = ids < 0
        if new.any():
            width = self._slot.shape[1]
            # numbered in order of appearance: the rows' (cell) order, kept by later waves,
            # so that the scatter-adds of a wave touch the keys nearly in order
            fresh, first = np.unique(org[new] * width + cell[new], return_index=True)
            fresh = fresh[np.argsort(first)]
            self._slot.flat[fresh] = np.arange(self._n_keys, self._n_keys + fresh.size)
            self._n_keys += fresh.size
            self._key_cell = np.concatenate([self._key_cell, fresh % width])
            ids = self._slot[org, cell].astype(np.int64)
        return ids

    def add(self, indicator_id: str, influence: np.ndarray, scale: float = 1.0) -> None:
        """One indicator of the current wave: ``influence`` per stacked row (0 for a row that
        does not answer)."""
        n_keys, n_cells = self._n_keys, len(self._cells)
        z, squares, _ = self._state.get(indicator_id) or (np.zeros(n_keys), np.zeros(n_cells), scale)
        if z.size < n_keys:  # keys are added every wave
            z = np.concatenate([z, np.zeros(n_keys - z.size)])
        if squares.size < n_cells:
            squares = np.concatenate([squares, np.zeros(n_cells - squares.size)])
        if self._c != 0.0:  # (the middle of an odd number of evenly spaced waves has c = 0)
            rows = self._rows
            if rows.size == influence.size:  # every row has a panel key (rows = all, in order)
                cu = np.multiply(influence, self._c, out=self._buffer)
            else:
                cu = np.multiply(influence[rows], self._c, out=self._buffer)
            np.add.at(z, self._ids, cu)  # (numpy >= 2: faster than bincount or gather/scatter)
            squares[self._cell_codes] += self._segments.sum(np.square(cu))
        self._state[indicator_id] = (z, squares, scale)

    def result(self) -> pd.DataFrame:
        """Per indicator and cell: ``cross`` = 2 sum_{s<t} c_s c_t cov_st (in the indicator's
        scale)."""
        columns = ["indicator_id", "breakdown", "breakdown_value", "cross"]
        if not self._state:
            return pd.DataFrame(columns=columns)
        split = self._cells.str.partition("=")
        k, n_keys = len(self._cells), self._n_keys
        states = list(self._state.items())

        def cross(z: np.ndarray, squares: np.ndarray) -> np.ndarray:
            z = np.pad(z, (0, n_keys - z.size))
            return np.bincount(self._key_cell, z * z, k) - np.pad(squares, (0, k - squares.size))

        return pd.DataFrame(
            {
                "indicator_id": np.repeat([ind for ind, _s in states], k),
                "breakdown": np.tile(split.get_level_values(0).to_numpy(object), len(states)),
                "breakdown_value": np.tile(split.get_level_values(2).to_numpy(object), len(states)),
                "cross": np.concatenate(
                    [cross(z, squares) * scale * scale for _i, (z, squares, scale) in states]
                ),
            },
            columns=columns,
        )


def _rows(
    kind: str,
    cur: pd.DataFrame,
    first: pd.Series,
    n_periods: int | pd.Series,
    change: pd.Series,
    var_ind: pd.Series,
    var_pair: pd.Series,
    n_linked: pd.Series,
    magnitude: pd.Series,
    published: pd.Series,
    polarity: Mapping[str, str],
    min_linked: int,
    span: float | None = None,
) -> pd.DataFrame:
    """Trend rows of one kind from per-cell series aligned on ``cur`` (the later wave's cells);
    ``first`` is the earlier wave compared with, ``magnitude`` the size of the estimates (for
    the rounding threshold); with ``span`` (years covered), the slope columns are
    ``change / span`` and its SE and CI (else NULL)."""
    change = change.where(published)
    # Below this, a change or a variance is floating-point rounding, not data: a cell whose answers
    # are all equal in both waves must not come out "significant" from noise over noise.
    rounding = ROUNDING * magnitude.clip(lower=1.0)
    n_linked = n_linked.fillna(0)
    paired = (n_linked >= min_linked) & (var_pair > rounding**2)
    se = np.sqrt(np.where(paired, var_pair, var_ind))
    se = pd.Series(se, index=cur.index).where(published)
    significant = (change.abs() > Z_95 * se) & (se > 0) & (change.abs() > rounding)
    sign = np.sign(change).fillna(0)
    pol = cur["indicator_id"].map(polarity)
    direction = np.select(
        [~published, ~significant, pol == "neutral", (sign > 0) == (pol == "higher_is_worse")],
        [NONE, "stable", np.where(sign > 0, "up", "down"), "worse"],
        default="better",
    )
    ci_low, ci_high = change - Z_95 * se, change + Z_95 * se
    per_year = {"slope": change, "slope_se": se, "slope_ci_low": ci_low, "slope_ci_high": ci_high}
    return pd.DataFrame(
        {
            "indicator_id": cur["indicator_id"],
            "period": cur["period"],
            "previous_period": first,
            "breakdown": cur["breakdown"],
            "breakdown_value": cur["breakdown_value"],
            "change": change,
            "se": se,
            "ci_low": ci_low,
            "ci_high": ci_high,
            "method": np.where(paired, "paired", "independent"),
            "n_linked": n_linked.astype("int64"),
            "significant": significant.where(published),
            "direction": direction,
            "flag": np.where(published, "ok", "suppressed"),
            "synthetic": cur["synthetic"].astype(bool),
            "kind": kind,
            "first_period": first,
            "n_periods": n_periods,
            **{k: (x / span if span else np.nan) for k, x in per_year.items()},
        }
    ).reset_index(drop=True)


def compute_trends(values: pd.DataFrame, polarity: Mapping[str, str], min_linked: int) -> pd.DataFrame:
    """Changes between consecutive waves of every published survey cell (kind
    ``consecutive``).

    ``values`` holds indicator_id, period, breakdown, breakdown_value, estimate, se, flag,
    synthetic, and ``cov``/``n_linked`` (covariance with the previous wave's estimate)."""
    v = values.assign(wave=values["period"].astype(int)).sort_values([*KEY, "wave"])
    prev = v.groupby(KEY, sort=False)[["period", "estimate", "se", "flag", "synthetic"]].shift()
    v = v.join(prev.add_suffix("_prev")).dropna(subset=["period_prev"])
    v["synthetic"] = v["synthetic"].astype(bool) | v["synthetic_prev"].astype(bool)
    published = (v["flag"] != "suppressed") & (v["flag_prev"] != "suppressed")
    var_ind = v["se"] ** 2 + v["se_prev"] ** 2
    return _rows(
        "consecutive",
        v,
        v["period_prev"],
        2,
        v["estimate"] - v["estimate_prev"],
        var_ind,
        var_ind - 2 * v["cov"].fillna(0.0),
        v["n_linked"],
        np.maximum(v["estimate"].abs(), v["estimate_prev"].abs()),
        published,
        polarity,
        min_linked,
    )


def first_last_trends(values: pd.DataFrame, polarity: Mapping[str, str], min_linked: int) -> pd.DataFrame:
    """Change from the first to the last wave of the survey (kind ``first_last``), for the cells
    present in both; ``values`` as for :func:`compute_trends` plus, on the last wave's rows,
    ``cov_first``/``n_linked_first`` (covariance with the first wave's estimate)."""
    periods = sorted(values["period"].unique(), key=int)
    if len(periods) < 2:
        return pd.DataFrame()
    first, last = periods[0], periods[-1]
    cur = values[values["period"] == last].merge(
        values.loc[values["period"] == first, [*KEY, "period", "estimate", "se", "flag", "synthetic"]],
        on=KEY,
        suffixes=("", "_first"),
    )
    if len(periods) == 2:  # the first wave is the previous one
        cur = cur.assign(cov_first=cur["cov"], n_linked_first=cur["n_linked"])
    elif "cov_first" not in cur:
        cur = cur.assign(cov_first=np.nan, n_linked_first=0)
    cur["synthetic"] = cur["synthetic"].astype(bool) | cur["synthetic_first"].astype(bool)
    published = (cur["flag"] != "suppressed") & (cur["flag_first"] != "suppressed")
    var_ind = cur["se"] ** 2 + cur["se_first"] ** 2
    return _rows(
        "first_last",
        cur,
        cur["period_first"],
        2,
        cur["estimate"] - cur["estimate_first"],
        var_ind,
        var_ind - 2 * cur["cov_first"].fillna(0.0),
        cur["n_linked_first"],
        np.maximum(cur["estimate"].abs(), cur["estimate_first"].abs()),
        published,
        polarity,
        min_linked,
    )


def linear_trends(
    values: pd.DataFrame,
    panel: pd.DataFrame,
    waves: list[int],
    polarity: Mapping[str, str],
    min_linked: int,
    changes: pd.DataFrame | None = None,
) -> pd.DataFrame:
    """Least-squares slope per year over all ``waves`` (kind ``linear``) of the cells with a row
    in every wave; ``panel`` is :meth:`PanelTrend.result` (cross-wave covariance terms).
    ``n_linked`` of a linear row is the largest ``n_linked`` of the cell's ``changes`` (the
    consecutive and first-to-last rows): the most associations linking two of its waves."""
    if len(waves) < 2:
        return pd.DataFrame()
    years = np.asarray(waves, float)
    coef = (years - years.mean()) / ((years - years.mean()) @ (years - years.mean()))
    span = years[-1] - years[0]
    periods = [str(w) for w in waves]
    v = values[values["period"].isin(periods)]
    cell = v.groupby(KEY, sort=False).ngroup().to_numpy()
    at = pd.Index(periods).get_indexer(v["period"])
    n_cells = int(cell.max()) + 1 if cell.size else 0
    est, se = np.full((n_cells, len(waves)), np.nan), np.full((n_cells, len(waves)), np.nan)
    present = np.zeros((n_cells, len(waves)), bool)
    hidden = np.zeros(n_cells, bool)
    synthetic = np.zeros(n_cells, bool)
    est[cell, at] = v["estimate"].to_numpy(float, na_value=np.nan)
    se[cell, at] = v["se"].to_numpy(float, na_value=np.nan)
    present[cell, at] = True
    np.logical_or.at(hidden, cell, (v["flag"] == "suppressed").to_numpy())
    np.logical_or.at(synthetic, cell, v["synthetic"].fillna(False).to_numpy(bool))
    full = present.all(axis=1)
    first_rows = np.unique(cell, return_index=True)[1]
    cur = v.iloc[first_rows][KEY].reset_index(drop=True)[full]
    est, se = est[full], se[full]
    published = pd.Series(~hidden[full] & ~np.isnan(est).any(axis=1), index=cur.index)
    cur = cur.assign(period=periods[-1], synthetic=synthetic[full])
    cur = cur.reset_index(drop=True).merge(panel[[*KEY, "cross"]], on=KEY, how="left")
    linked = (
        changes.groupby(KEY)["n_linked"].max().rename("n_linked").reset_index()
        if changes is not None and len(changes)
        else pd.DataFrame(columns=[*KEY, "n_linked"])
    )
    cur = cur.merge(linked, on=KEY, how="left")
    published.index = cur.index
    slope = pd.Series(est @ coef, index=cur.index)
    var_ind = pd.Series((se**2) @ coef**2, index=cur.index)
    var_pair = var_ind + cur["cross"].astype(float).fillna(0.0)
    magnitude = pd.Series(np.nanmax(np.abs(est), axis=1, initial=0.0), index=cur.index)
    return _rows(
        "linear",
        cur,
        pd.Series(str(waves[0]), index=cur.index),
        len(waves),
        slope * span,
        var_ind * span**2,
        var_pair * span**2,
        cur["n_linked"].astype(float),
        magnitude,
        published,
        polarity,
        min_linked,
        span,
    )


def trend_table(
    values: pd.DataFrame,
    polarity: Mapping[str, str],
    min_linked: int,
    panel: pd.DataFrame | None = None,
    waves: list[int] | None = None,
) -> pd.DataFrame:
    """Every trend row of ``public.indicator_trends``: consecutive changes, first to last
    change and linear trend (the latter needs ``panel`` and ``waves``)."""
    parts = [compute_trends(values, polarity, min_linked), first_last_trends(values, polarity, min_linked)]
    if panel is not None and waves:
        changes = (
            pd.concat([p for p in parts if len(p)], ignore_index=True) if any(len(p) for p in parts) else None
        )
        parts.append(linear_trends(values, panel, waves, polarity, min_linked, changes))
    parts = [p for p in parts if len(p)]
    return pd.concat(parts, ignore_index=True) if parts else pd.DataFrame()
