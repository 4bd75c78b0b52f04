"""Design-based survey estimation modelled on R's survey package (Lumley).

`Design` mirrors ``svydesign(id=~cluster, strata=~strata, weights=~weights, fpc=~fpc, nest=TRUE)``
and offers ``svymean``, ``svytotal``, proportions (``svymean`` of a factor level), ``svyratio``,
``postStratify``, ``rake`` and ``subset`` (`domain`). Variances use Taylor linearisation with the
with-replacement PSU formula within strata, the one-stage finite population correction, and for
calibrated designs the residuals of the linearised variable on the calibration dummies, as R does.

Row data are cached as numpy arrays; the strata/PSU structure is computed once per `Design` and
shared by the designs that `domain`, `poststratify` and `rake` derive from it, so an estimate
costs a few ``np.bincount`` passes over the rows.
"""

from __future__ import annotations

import warnings
from collections.abc import Mapping
from dataclasses import dataclass
from statistics import NormalDist

import numpy as np
import pandas as pd

Z_95 = NormalDist().inv_cdf(0.975)  # 1.959964, R's qnorm(0.975) used by confint()


@dataclass(frozen=True)
class Estimate:
    """Point estimate, standard error, normal 95 % CI and unweighted count of rows used.

    An estimate over zero respondents (empty domain, all values missing) is NaN with ``n == 0``.
    """

    estimate: float
    se: float
    ci_low: float
    ci_high: float
    n: int

    @classmethod
    def from_variance(cls, estimate: float, variance: float, n: int) -> Estimate:
        se = float(np.sqrt(variance)) if n else float("nan")
        estimate = float(estimate) if n else float("nan")
        return cls(estimate, se, estimate - Z_95 * se, estimate + Z_95 * se, n)


@dataclass(frozen=True)
class _Structure:
    """Strata and PSUs: one code per row, per-PSU stratum and variance scale."""

    psu: np.ndarray  # PSU code of each row, 0..n_psu-1 (PSU ids are nested in strata)
    psu_stratum: np.ndarray  # stratum code of each PSU
    psu_count: np.ndarray  # number of sampled PSUs in each stratum
    scale: np.ndarray  # per PSU: f_h * n_h / (n_h - 1), or f_h for a lonely PSU
    lonely: np.ndarray  # per PSU: alone in its stratum

    def variance(self, u: np.ndarray) -> float:
        """Variance of the total of u: sum_h scale_h * sum_i (z_hi - mean_h z)^2 over PSU totals.

        Single-PSU strata follow R's ``options(survey.lonely.psu="adjust")``: the PSU total is
        centred on the overall mean of PSU totals instead of its (undefined) stratum mean.
        """
        totals = np.bincount(self.psu, weights=u, minlength=self.psu_stratum.size)
        stratum_means = np.bincount(self.psu_stratum, weights=totals) / self.psu_count
        centre = np.where(self.lonely, totals.sum() / totals.size, stratum_means[self.psu_stratum])
        return float(np.sum(self.scale * (totals - centre) ** 2))


@dataclass(frozen=True)
class _Calibration:
    """One calibration step (post-stratification or raking) kept for variance estimation."""

    codes: tuple[np.ndarray, ...]  # category code per row, one array per margin
    weights_before: np.ndarray
    weights_after: np.ndarray
    gram_pinv: np.ndarray  # pseudo-inverse of X'DX, X = all margin dummies, D = weights_before

    @classmethod
    def build(cls, codes: tuple[np.ndarray, ...], before: np.ndarray, after: np.ndarray):
        sizes = [int(c.max()) + 1 for c in codes]
        blocks = [
            [
                np.bincount(ci * kj + cj, weights=before, minlength=ki * kj).reshape(ki, kj)
                for cj, kj in zip(codes, sizes, strict=True)
            ]
            for ci, ki in zip(codes, sizes, strict=True)
        ]
        return cls(codes, before, after, np.linalg.pinv(np.block(blocks)))

    def residualise(self, u: np.ndarray) -> np.ndarray:
        """R's ``qr.resid(qr(X*sqrt(d)), u/w)*w`` (greg calibration): weighted LS residuals."""
        v = np.divide(u, self.weights_after, out=np.zeros_like(u), where=self.weights_after > 0)
        rhs = [np.bincount(c, weights=self.weights_before * v) for c in self.codes]
        coef = np.split(self.gram_pinv @ np.concatenate(rhs), np.cumsum([r.size for r in rhs])[:-1])
        fitted = sum(b[c] for b, c in zip(coef, self.codes, strict=True))
        return self.weights_after * (v - fitted)


class Design:
    """A survey design: R's ``svydesign(id=~cluster, strata=~strata, weights=~weights, fpc=~fpc)``.

    Arguments are column names of ``df``. Without ``cluster`` every row is its own PSU. PSU ids are
    nested within strata (R's ``nest=TRUE``). ``fpc`` holds, per row, the population number of PSUs
    of its stratum (values >= 1) or the sampling fraction (all values <= 1), as in R; without it
    sampling is treated as with replacement. Strata with a single PSU use R's
    ``survey.lonely.psu="adjust"`` rule (a warning says so). Column values are cached on first
    use: treat ``df`` as read-only while the design is in use.
    """

    def __init__(
        self,
        df: pd.DataFrame,
        weights: str,
        strata: str | None = None,
        cluster: str | None = None,
        fpc: str | None = None,
    ) -> None:
        w = df[weights].to_numpy(dtype=float, na_value=np.nan)
        if not np.all(np.isfinite(w)) or np.any(w < 0):
            raise ValueError(f"weights column {weights!r} must be finite and >= 0")
        self._df = df
        self._weights_name = weights
        self._w = w
        self._structure = _build_structure(df, strata, cluster, fpc)
        self._calibrations: tuple[_Calibration, ...] = ()
        self._domain: np.ndarray | None = None
        self._columns: dict[str, np.ndarray] = {}

    @property
    def weights(self) -> pd.Series:
        """Final weights (after calibration), indexed like the data frame."""
        return pd.Series(self._w, index=self._df.index, name=self._weights_name)

    # ----------------------------------------------------------------- estimates
    def total(self, y: str) -> Estimate:
        """``svytotal(~y, design, na.rm=TRUE)``: missing values contribute zero."""
        values, used = self._values(y)
        u = np.where(used, self._w * values, 0.0)
        return Estimate.from_variance(u.sum(), self._variance(u), int(used.sum()))

    def mean(self, y: str) -> Estimate:
        """``svymean(~y, design, na.rm=TRUE)``: a ratio of totals, linearised as such."""
        values, used = self._values(y)
        return self._ratio(np.where(used, values, 0.0), used.astype(float), used)

    def proportion(self, y: str, level) -> Estimate:
        """Share of rows with ``df[y] == level`` among rows with non-missing ``y``."""
        column = self._df[y]
        used = self._in_domain(column.notna().to_numpy())
        hit = (column == level).to_numpy(dtype=bool, na_value=False) & used
        return self._ratio(hit.astype(float), used.astype(float), used)

    def ratio(self, num: str, den: str) -> Estimate:
        """``svyratio(~num, ~den, design, na.rm=TRUE)``: sum(w*num) / sum(w*den)."""
        numerator, used_num = self._values(num)
        denominator, used_den = self._values(den)
        used = used_num & used_den
        return self._ratio(np.where(used, numerator, 0.0), np.where(used, denominator, 0.0), used)

    # -------------------------------------------------------- derived designs
    def domain(self, mask) -> Design:
        """Subpopulation (R's ``subset(design, ...)``): estimates restricted to ``mask`` with the
        full design kept for variances. ``mask``: booleans, one per row (a Series must share the
        data frame's index); missing values count as False."""
        if isinstance(mask, pd.Series):
            if not mask.index.equals(self._df.index):
                raise ValueError("domain mask must have the same index as the design's data")
            mask = mask.to_numpy(dtype=bool, na_value=False)
        mask = np.asarray(mask, dtype=bool)
        if mask.shape != self._w.shape:
            raise ValueError(f"domain mask has {mask.size} values for {self._w.size} rows")
        return self._derive(_domain=self._in_domain(mask))

    def poststratify(self, by: str, totals: Mapping) -> Design:
        """``postStratify(design, ~by, totals)``: weights scaled so that each category of ``by``
        sums to its population count; variances use residuals from post-stratum means."""
        return self.rake({by: totals})

    def rake(self, margins: Mapping[str, Mapping], max_iter: int = 100, tol: float = 1e-8) -> Design:
        """``rake(design, ...)``: iterative proportional fitting until every category's weight
        sum is within ``tol`` (relative) of its population count. Variances use residuals from
        the regression on all margin dummies, as ``calibrate(..., calfun="raking")``, which R's
        rake standard errors agree with."""
        if self._domain is not None:
            raise ValueError("calibrate the full design, then take the domain")
        codes, targets = zip(*(_margin(self._df, c, t) for c, t in margins.items()), strict=True)
        grand = [t.sum() for t in targets]
        if not np.allclose(grand, grand[0], rtol=1e-6):
            raise ValueError(f"margins have different population totals: {grand}")
        w = self._w.copy()
        for _ in range(max_iter):
            for code, target in zip(codes, targets, strict=True):
                w *= (target / np.bincount(code, weights=w, minlength=target.size))[code]
            off = max(
                np.max(np.abs(np.bincount(c, weights=w, minlength=t.size) / t - 1))
                for c, t in zip(codes, targets, strict=True)
            )
            if off < tol:
                break
        else:
            warnings.warn(f"raking did not converge in {max_iter} iterations", stacklevel=2)
        step = _Calibration.build(tuple(codes), self._w, w)
        return self._derive(_w=w, _calibrations=(*self._calibrations, step))

    # --------------------------------------------------------------- internals
    def _derive(self, **changes) -> Design:
        new = object.__new__(Design)
        new.__dict__.update(self.__dict__)
        new.__dict__.update(changes)
        return new

    def _in_domain(self, used: np.ndarray) -> np.ndarray:
        return used if self._domain is None else used & self._domain

    def _values(self, column: str) -> tuple[np.ndarray, np.ndarray]:
        """Float values of a column and the rows that count (non-missing, in the domain)."""
        values = self._columns.get(column)
        if values is None:
            values = self._df[column].to_numpy(dtype=float, na_value=np.nan)
            self._columns[column] = values
        return values, self._in_domain(~np.isnan(values))

    def _ratio(self, numerator: np.ndarray, denominator: np.ndarray, used: np.ndarray) -> Estimate:
        den_total = float(self._w @ denominator)
        if den_total == 0:  # no respondents, or a zero denominator
            return Estimate.from_variance(np.nan, np.nan, int(used.sum()))
        ratio = float(self._w @ numerator) / den_total
        u = self._w * (numerator - ratio * denominator) / den_total
        return Estimate.from_variance(ratio, self._variance(u), int(used.sum()))

    def _variance(self, u: np.ndarray) -> float:
        for step in self._calibrations:  # in the order applied, as R's svyrecvar
            u = step.residualise(u)
        return self._structure.variance(u)


def _margin(df: pd.DataFrame, column: str, totals: Mapping) -> tuple[np.ndarray, np.ndarray]:
    """Category code of each row and population counts for one calibration margin."""
    totals = dict(totals)
    categories = pd.Index(list(totals))
    codes = categories.get_indexer(df[column])
    if np.any(codes < 0):
        missing = sorted(map(str, pd.unique(df[column][codes < 0])))
        raise ValueError(f"{column}: no population total for sample values {missing}")
    absent = [
        str(c)
        for c, k in zip(categories, np.bincount(codes, minlength=len(categories)), strict=True)
        if k == 0
    ]
    if absent:
        raise ValueError(f"{column}: population categories absent from the sample: {absent}")
    counts = np.asarray([totals[c] for c in categories], dtype=float)
    if not np.all(counts > 0):
        raise ValueError(f"{column}: population counts must be positive")
    return codes, counts


def _build_structure(
    df: pd.DataFrame, strata: str | None, cluster: str | None, fpc: str | None
) -> _Structure:
    n = len(df)
    stratum = _codes(df, strata) if strata else np.zeros(n, dtype=np.int64)
    psu = pd.factorize(stratum * (n + 1) + _codes(df, cluster))[0] if cluster else np.arange(n)
    psu_stratum = np.empty(int(psu.max()) + 1 if n else 0, dtype=np.int64)
    psu_stratum[psu] = stratum  # PSUs are nested in strata: any row of a PSU gives its stratum
    psu_count = np.bincount(psu_stratum).astype(float)
    f = _fpc_factor(df, fpc, stratum, psu_count) if fpc else np.ones(psu_count.size)
    n_h = psu_count[psu_stratum]
    lonely = n_h == 1
    scale = np.where(lonely, 1.0, n_h / np.maximum(n_h - 1, 1)) * f[psu_stratum]
    if lonely.any():
        warnings.warn(
            f"{int(lonely.sum())} strata have a single PSU: their variance uses R's "
            'survey.lonely.psu="adjust" (PSU total centred on the mean of all PSU totals)',
            stacklevel=3,
        )
    return _Structure(psu, psu_stratum, psu_count, scale, lonely)


def _codes(df: pd.DataFrame, column: str) -> np.ndarray:
    codes = pd.factorize(df[column])[0]
    if np.any(codes < 0):
        raise ValueError(f"design column {column!r} has missing values")
    return codes.astype(np.int64)


def _fpc_factor(df: pd.DataFrame, column: str, stratum: np.ndarray, psu_count: np.ndarray) -> np.ndarray:
    """Per stratum (N_h - n_h) / N_h, with N_h read from ``column`` as R's ``as.fpc`` does."""
    values = df[column].to_numpy(dtype=float, na_value=np.nan)
    if np.isnan(values).any():
        raise ValueError(f"fpc column {column!r} has missing values")
    given = np.bincount(stratum, weights=values) / np.bincount(stratum)
    if not np.allclose(values, given[stratum]):
        raise ValueError(f"fpc column {column!r} varies within a stratum")
    if np.any(given > 1) and np.any(given < 1):
        raise ValueError(f"fpc column {column!r}: must be all >= 1 (sizes) or all <= 1 (fractions)")
    population = given if np.any(given > 1) else psu_count / given
    if np.any(population < psu_count):
        raise ValueError(f"fpc column {column!r} implies more than 100 % sampling in a stratum")
    return (population - psu_count) / population
