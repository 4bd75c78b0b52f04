"""Vectorised domain estimates: every category of every breakdown of one wave in one pass.

`indicators.estimation.Design` computes one estimate at a time; the engine needs thousands
(indicators x breakdown cells x waves), so this module evaluates the same Taylor-linearised
estimators for all domains at once with group sums over a *stacked* layout: each response
appears once per breakdown, with the code of its cell. It reproduces
``Design(df, weights).rake(margins).domain(mask).mean/total/ratio`` for a design where every
response is its own PSU, without strata or fpc (checked in tests/indicators/test_indicator_domains.py):

* estimate ``r_D = sum_D(w y) / sum_D(w x)`` (``x = 1`` for a mean; a total is ``sum_D(w y)``);
* linearised values ``u_i = w_i t_i`` in the domain, 0 outside, with ``t = (y - r x) / X_D``
  (``t = y`` for a total);
* calibration residuals as R's survey package: ``e = u - w_after * f`` where ``f`` is the
  weighted (by ``w_before``) least-squares fit of ``u / w_after`` on the margin dummies;
* ``var = n / (n - 1) * sum_i (e_i - mean(e))^2`` over all ``n`` responses of the wave.

The sum over all responses, including those outside the domain (their ``e`` is ``-w f``), is
expanded into group sums so nothing is materialised per (response, cell).

How it stays fast at a million responses: the stacked rows are sorted by cell, margin dummies
and weights, so each group sum is a contiguous segment sum (``np.add.reduceat``); rows with the
same cell, dummies and weights form an *atom*, and every weighted sum is a weighted sum of
per-atom sums (the weights never multiply row arrays); and cells are estimated in chunks of
consecutive cells small enough for a few row arrays to stay in the processor's cache.
Summation order differs from a row-by-row sum only by rounding (pairwise, ~1e-15 relative).
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

from indicators.estimation import Z_95

CHUNK_ROWS = 1 << 17  # stacked rows estimated together (a cell with more is a chunk of its own)


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


@dataclass(frozen=True)
class Segments:
    """Rows sorted by a group code: group sums as contiguous segment sums (``np.add.reduceat``,
    pairwise summation) and per-group values spread back over the rows."""

    code: np.ndarray  # group of each run of equal codes
    start: np.ndarray  # first row of each run
    length: np.ndarray  # rows in each run
    size: int  # number of groups (some may have no rows)

    @classmethod
    def of(cls, sorted_codes: np.ndarray, size: int) -> Segments:
        if np.any(sorted_codes[1:] < sorted_codes[:-1]):
            raise ValueError("segment codes must be sorted")
        start = (
            np.flatnonzero(np.diff(sorted_codes, prepend=-1)) if sorted_codes.size else np.zeros(0, np.int64)
        )
        return cls(sorted_codes[start], start, np.diff(start, append=sorted_codes.size), size)

    def sum(self, values: np.ndarray, dtype: type = np.float64) -> np.ndarray:
        """Sum of ``values`` (one per row) in each group; 0 for a group without rows."""
        out: np.ndarray = np.zeros(self.size, dtype)
        if self.start.size:
            out[self.code] = np.add.reduceat(values, self.start, dtype=dtype)
        return out

    def spread(self, per_group: np.ndarray) -> np.ndarray:
        """Each row's group value."""
        return np.repeat(per_group[self.code], self.length)


@dataclass(frozen=True)
class _Chunk:
    """Consecutive stacked rows (``rows``) holding whole cells (``cells``, numbered from the
    chunk's first cell), with their atoms: runs of rows with the same cell, margin dummies and
    weights."""

    rows: slice
    first_cell: int
    unit: np.ndarray  # response of each row
    w: np.ndarray  # final weight of each row
    cells: Segments
    atoms: Segments
    atom_cell: np.ndarray  # cell of each atom
    atom_w: np.ndarray  # final weight of each atom
    atom_wb: np.ndarray  # base weight of each atom, 0 where the final weight is 0
    atom_keys: np.ndarray  # (atoms, margins): cell * p + margin dummy

    def by_cell(self, per_atom: np.ndarray) -> np.ndarray:
        return np.bincount(self.atom_cell, per_atom, self.cells.size)

    def by_param(self, per_atom: np.ndarray, p: int) -> np.ndarray:
        """(cells, p) sums of per-atom values by cell and margin dummy."""
        keys = self.atom_keys
        return np.bincount(keys.ravel(), np.repeat(per_atom, keys.shape[1]), self.cells.size * p).reshape(
            -1, p
        )


@dataclass
class WaveLayout:
    """One wave's weights, calibration and stacked breakdown cells.

    ``unit[k]`` is the response of stacked row ``k`` and ``cell[k]`` its cell (0..n_cells-1).
    The rows are reordered on construction, stably, by cell and margin dummies. The derived
    arrays are computed once and shared by every indicator of the wave.
    """

    weights: np.ndarray
    unit: np.ndarray
    cell: np.ndarray
    n_cells: int
    calibration: Calibration | None
    chunk_rows: int = CHUNK_ROWS
    cells: Segments = field(init=False)  # all rows by cell
    chunks: list[_Chunk] = field(init=False)
    p: int = field(init=False, default=0)  # number of margin dummies
    gram_pinv: np.ndarray = field(init=False)  # pinv(sum_i w_before_i x_i x_i')
    m2: np.ndarray = field(init=False)  # sum_i w_i^2 x_i x_i'
    s1: np.ndarray = field(init=False)  # sum_i w_i x_i

    def __post_init__(self) -> None:
        cal = self.calibration
        n = self.weights.size
        idx = np.zeros((n, 0), np.int64) if cal is None else cal.dummies_index()
        p = 0 if cal is None else int(cal.offsets[-1])
        key = self.cell.astype(np.int64)
        for dummy in idx[self.unit].T:
            key = key * p + dummy
        order = np.argsort(key, kind="stable")
        self.unit, self.cell = self.unit[order], self.cell[order]
        self.cells = Segments.of(self.cell, self.n_cells)
        base = self.weights if cal is None else cal.weights_before * (self.weights > 0)
        ends = np.cumsum(np.bincount(self.cell, minlength=self.n_cells))
        self.chunks, first = [], 0
        for last in range(self.n_cells):
            start = ends[first - 1] if first else 0
            if last + 1 == self.n_cells or ends[last + 1] - start > self.chunk_rows:
                self.chunks.append(
                    self._chunk(slice(start, ends[last]), first, last + 1 - first, idx, base, p)
                )
                first = last + 1
        if cal is None:
            return
        rows = np.repeat(np.arange(n), idx.shape[1])

        def gram(weights: np.ndarray) -> np.ndarray:
            pair = idx[:, :, None] * p + idx[:, None, :]
            flat = np.bincount(pair.ravel(), np.repeat(weights, idx.shape[1] ** 2), p * p)
            return flat.reshape(p, p)

        self.p = p
        self.gram_pinv = np.linalg.pinv(gram(cal.weights_before))
        self.m2 = gram(self.weights**2)
        self.s1 = np.bincount(idx.ravel(), self.weights[rows], p)

    def _chunk(
        self, rows: slice, first: int, n_cells: int, idx: np.ndarray, base: np.ndarray, p: int
    ) -> _Chunk:
        unit, cell = self.unit[rows], self.cell[rows] - first
        w, wb, dummies = self.weights[unit], base[unit], idx[unit]
        new = np.diff(cell, prepend=-1) != 0  # a new atom: another cell, dummy or weight
        new[1:] |= (w[1:] != w[:-1]) | (wb[1:] != wb[:-1]) | np.any(dummies[1:] != dummies[:-1], 1)
        atoms = Segments.of(np.cumsum(new) - 1, int(new.sum()))
        at = atoms.start
        return _Chunk(
            rows,
            first,
            unit,
            w,
            Segments.of(cell, n_cells),
            atoms,
            cell[at],
            w[at],
            wb[at],
            cell[at, None] * p + dummies[at],
        )

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


def estimate_domains(
    layout: WaveLayout, kind: str, y: np.ndarray, x: np.ndarray | None = None
) -> DomainEstimates:
    """``kind`` = ``total``, ``mean`` or ``ratio`` of ``y`` (over ``x``) for every cell.

    ``y``/``x`` hold one value per response, NaN when missing (not in the domain). Unused rows
    take part with ``y = x = 0``, hence ``t = 0``: they add zeros to every sum."""
    responding = ~np.isnan(y) if x is None else ~(np.isnan(y) | np.isnan(x))
    y = np.where(responding, y, 0.0)
    x = None if x is None else np.where(responding, x, 0.0)
    k, rows = layout.n_cells, layout.unit.size
    out = DomainEstimates(
        np.empty(k), np.empty(k), np.empty(k, np.int64), np.empty(rows), np.empty(rows, bool)
    )
    for chunk in layout.chunks:
        _estimate_chunk(layout, chunk, kind, responding, y, x, out)
    return out


def _estimate_chunk(
    layout: WaveLayout,
    chunk: _Chunk,
    kind: str,
    responding: np.ndarray,
    y: np.ndarray,
    x: np.ndarray | None,
    out: DomainEstimates,
) -> None:
    """Fill ``out`` for the cells and rows of one chunk."""
    cells, atoms, w_a = chunk.cells, chunk.atoms, chunk.atom_w
    used = np.take(responding, chunk.unit, out=out.used[chunk.rows])
    yy = y[chunk.unit]
    count = atoms.sum(used, np.int64)
    n_d = chunk.by_cell(count).astype(np.int64)
    num = chunk.by_cell(w_a * atoms.sum(yy))
    if kind == "total":
        est = num
        est[n_d == 0] = np.nan
        t = yy
    else:
        xx = used if x is None else x[chunk.unit]
        den = chunk.by_cell(w_a * (count if x is None else atoms.sum(xx)))
        empty = den == 0
        with np.errstate(invalid="ignore", divide="ignore"):
            est = num / den
        est[empty] = np.nan
        t = cells.spread(np.where(empty, 0.0, est))
        t *= xx
        np.subtract(yy, t, out=t)
        t /= cells.spread(np.where(empty, 1.0, den))  # a cell without denominator: t = 0
        if empty.any():
            t[cells.spread(empty)] = 0.0
    # u = w t: per cell, the sums of u^2 and of u over the whole sample
    t_a, w2_a = atoms.sum(t), w_a * w_a
    ss = chunk.by_cell(w2_a * atoms.sum(t * t))
    es = chunk.by_cell(w_a * t_a)
    own = out.influence[chunk.rows]  # w (t - fit): the residual e in the domain, 0 outside
    if layout.calibration is None:
        np.copyto(own, t)
    else:
        p = layout.p
        coef = chunk.by_param(chunk.atom_wb * t_a, p) @ layout.gram_pinv  # fit per dummy
        cross = chunk.by_param(w2_a * t_a, p)
        ss += -2 * np.sum(coef * cross, 1) + np.einsum("kp,pq,kq->k", coef, layout.m2, coef)
        es -= coef @ layout.s1
        np.subtract(t, atoms.spread(coef.ravel()[chunk.atom_keys].sum(1)), out=own)
    own *= chunk.w
    own *= used
    n = layout.n
    var = n / (n - 1) * (ss - es**2 / n) if n > 1 else np.full(cells.size, np.nan)
    se = np.sqrt(np.clip(var, 0, None))
    se[n_d == 0] = np.nan
    cell_range = slice(chunk.first_cell, chunk.first_cell + cells.size)
    out.estimate[cell_range], out.se[cell_range], out.n[cell_range] = est, se, n_d
