"""Vectorised domain estimates: every category of every breakdown of one wave in one pass.

`indicators.estimation.Design` computes one estimate at a time; the engine needs thousands
(indicators x breakdown cells x waves), so this module evaluates the same Taylor-linearised
estimators for all domains at once with group sums (``np.bincount``) over a *stacked* layout:
each response appears once per breakdown, with the code of its cell. It reproduces
``Design(df, weights).rake(margins).domain(mask).mean/total/ratio`` for a design where every
response is its own PSU, without strata or fpc (checked in tests/test_indicator_engine.py):

* estimate ``r_D = sum_D(w y) / sum_D(w x)`` (``x = 1`` for a mean; a total is ``sum_D(w y)``);
* linearised values ``u_i = w_i t_i`` in the domain, 0 outside, with ``t = (y - r x) / X_D``
  (``t = y`` for a total);
* calibration residuals as R's survey package: ``e = u - w_after * f`` where ``f`` is the
  weighted (by ``w_before``) least-squares fit of ``u / w_after`` on the margin dummies;
* ``var = n / (n - 1) * sum_i (e_i - mean(e))^2`` over all ``n`` responses of the wave.

The sum over all responses, including those outside the domain (their ``e`` is ``-w f``), is
expanded into group sums so nothing is materialised per (response, cell).
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

from indicators.estimation import Z_95


@dataclass(frozen=True)
class Calibration:
    """Margin codes of each response and the weights before/after calibration."""

    codes: tuple[np.ndarray, ...]
    weights_before: np.ndarray
    weights_after: np.ndarray

    @property
    def offsets(self) -> np.ndarray:
        return np.cumsum([0, *(int(c.max()) + 1 for c in self.codes)])

    def dummies_index(self) -> np.ndarray:
        """(n, n_margins) column index of each response's dummy in the stacked margin matrix."""
        return np.stack([c + o for c, o in zip(self.codes, self.offsets[:-1], strict=True)], 1)


@dataclass
class WaveLayout:
    """One wave's weights, calibration and stacked breakdown cells.

    ``unit[k]`` is the response of stacked row ``k`` and ``cell[k]`` its cell (0..n_cells-1).
    The derived arrays are computed once and shared by every indicator of the wave.
    """

    weights: np.ndarray
    unit: np.ndarray
    cell: np.ndarray
    n_cells: int
    calibration: Calibration | None
    w_row: np.ndarray = field(init=False)  # final weight of each stacked row
    p: int = field(init=False, default=0)  # number of margin dummies
    idx_row: np.ndarray = field(init=False)  # (rows, margins) dummy column of each row
    wb_row: np.ndarray = field(init=False)  # base weight of each row
    gram_pinv: np.ndarray = field(init=False)  # pinv(sum_i w_before_i x_i x_i')
    m2: np.ndarray = field(init=False)  # sum_i w_i^2 x_i x_i'
    s1: np.ndarray = field(init=False)  # sum_i w_i x_i

    def __post_init__(self) -> None:
        # per stacked row: final weight (and, when calibrated, base weight and margin dummies)
        self.w_row = self.weights[self.unit]
        cal = self.calibration
        if cal is None:
            return
        idx = cal.dummies_index()
        p = int(cal.offsets[-1])
        rows = np.repeat(np.arange(idx.shape[0]), idx.shape[1])

        def gram(weights: np.ndarray) -> np.ndarray:
            pair = idx[:, :, None] * p + idx[:, None, :]
            flat = np.bincount(pair.ravel(), np.repeat(weights, idx.shape[1] ** 2), p * p)
            return flat.reshape(p, p)

        self.p, self.idx_row, self.wb_row = p, idx[self.unit], cal.weights_before[self.unit]
        self.gram_pinv = np.linalg.pinv(gram(cal.weights_before))
        self.m2 = gram(self.weights ** 2)
        self.s1 = np.bincount(idx.ravel(), self.weights[rows], p)

    @property
    def n(self) -> int:
        return int(self.weights.size)


@dataclass(frozen=True)
class DomainEstimates:
    """Arrays over cells; ``influence`` holds, per stacked row, the response's own-cell
    calibrated linearised value (0 when the response is not used) for paired trends."""

    estimate: np.ndarray
    se: np.ndarray
    n: np.ndarray
    influence: np.ndarray
    used: np.ndarray

    @property
    def ci_low(self) -> np.ndarray:
        return self.estimate - Z_95 * self.se

    @property
    def ci_high(self) -> np.ndarray:
        return self.estimate + Z_95 * self.se


def estimate_domains(layout: WaveLayout, kind: str, y: np.ndarray,
                     x: np.ndarray | None = None) -> DomainEstimates:
    """``kind`` = ``total``, ``mean`` or ``ratio`` of ``y`` (over ``x``) for every cell.

    ``y``/``x`` hold one value per response, NaN when missing (not in the domain)."""
    k_cells = layout.n_cells
    yy = y[layout.unit]
    xx = None if x is None else x[layout.unit]
    used = ~np.isnan(yy) if xx is None else ~(np.isnan(yy) | np.isnan(xx))
    c, w, yy = layout.cell[used], layout.w_row[used], yy[used]
    xx = None if xx is None else xx[used]
    n_d = np.bincount(c, minlength=k_cells)
    with np.errstate(invalid="ignore", divide="ignore"):
        if kind == "total":
            est = np.bincount(c, w * yy, k_cells)
            est[n_d == 0] = np.nan
            t = yy
        else:
            den = np.bincount(c, w if xx is None else w * xx, k_cells)
            est = np.bincount(c, w * yy, k_cells) / den
            est[den == 0] = np.nan
            t = (yy - (est[c] if xx is None else est[c] * xx)) / den[c]
    t = np.nan_to_num(t)
    ss = np.bincount(c, (w * t) ** 2, k_cells)  # sum of e^2 and of e over the whole sample
    es = np.bincount(c, w * t, k_cells)
    own = w * t
    cal = layout.calibration
    if cal is not None:
        idx, p, wb = layout.idx_row[used], layout.p, layout.wb_row[used]
        v = np.where(w > 0, t, 0.0)  # u / w_after
        rhs = _cell_param_sums(c, idx, wb * v, k_cells, p)
        coef = rhs @ layout.gram_pinv  # (cells, p): fitted value per margin dummy
        cross = _cell_param_sums(c, idx, w * w * v, k_cells, p)
        ss += -2 * np.sum(coef * cross, 1) + np.einsum("kp,pq,kq->k", coef, layout.m2, coef)
        es -= coef @ layout.s1
        own = w * (t - coef[c[:, None], idx].sum(1))
    n = layout.n
    var = n / (n - 1) * (ss - es ** 2 / n) if n > 1 else np.full(k_cells, np.nan)
    influence = np.zeros(layout.unit.size)
    influence[used] = own
    se = np.sqrt(np.clip(var, 0, None))
    se[n_d == 0] = np.nan
    return DomainEstimates(est, se, n_d, influence, used)


def _cell_param_sums(cell: np.ndarray, idx: np.ndarray, values: np.ndarray, k_cells: int,
                     p: int) -> np.ndarray:
    """(cells, p) sums of ``values`` by cell and margin dummy."""
    keys = (cell[:, None] * p + idx).ravel()
    return np.bincount(keys, np.repeat(values, idx.shape[1]), k_cells * p).reshape(k_cells, p)
