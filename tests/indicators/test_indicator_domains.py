"""The vectorised domain estimator and the panel link against their plain definitions.

`indicators.domains` computes every breakdown cell at once (sorted rows, per-atom sums, cells
in cache-sized chunks); `indicators.estimation.Design` (checked against R's survey package)
computes one domain at a time. They must agree in every cell, however the rows are chunked.
"""

import numpy as np
import pandas as pd
import pytest

from indicators.domains import Calibration, WaveLayout, estimate_domains
from indicators.estimation import Design
from indicators.trends import link_waves, paired_covariance

BREAKDOWNS = ["sector", "region"]


@pytest.fixture(scope="module")
def sample() -> pd.DataFrame:
    """Synthetic responses: two breakdowns (one with missing values), skewed strata."""
    rng = np.random.default_rng(11)
    n = 400
    df = pd.DataFrame(
        {
            "sector": rng.choice(["a", "b", "c", "d"], n, p=[0.4, 0.3, 0.2, 0.1]),
            "region": rng.choice(["north", "south", None], n, p=[0.5, 0.4, 0.1]),
            "size": rng.choice(["small", "large"], n, p=[0.7, 0.3]),
            "y": np.round(rng.gamma(2.0, 5.0, n), 1),
            "x": rng.uniform(1, 10, n),
            "w0": rng.choice([1.0, 1.5, 3.0], n),
        }
    )  # unequal base weights
    df.loc[rng.random(n) < 0.15, "y"] = np.nan  # item non-response
    df.loc[df["sector"] == "d", "y"] = np.nan  # a domain without respondents
    df["stratum"] = df["sector"].str.cat(df["size"], sep=":")
    return df


def _calibrated(df: pd.DataFrame, method: str) -> tuple[Design, Calibration]:
    """The design and the engine's calibration for post-stratification or raking."""
    rng = np.random.default_rng(5)
    if method == "poststratification":
        margins = {"stratum": {s: float(rng.integers(50, 500)) for s in sorted(df["stratum"].unique())}}
    else:
        sizes = {"small": 700.0, "large": 300.0}
        sectors = {s: 1000.0 * f for s, f in zip("abcd", (0.35, 0.3, 0.25, 0.1), strict=True)}
        margins = {"sector": sectors, "size": sizes}
    design = Design(df, weights="w0").rake(margins)
    codes = tuple(pd.Index(list(m)).get_indexer(df[k]) for k, m in margins.items())
    weights = design.weights.to_numpy()
    return design, Calibration(codes, df["w0"].to_numpy(), weights)


def _layout(
    df: pd.DataFrame, calibration: Calibration, chunk_rows: int
) -> tuple[WaveLayout, list[tuple[str, str]]]:
    """Stacked cells as the engine builds them: ``all``, then each breakdown's categories."""
    units, cells, names, offset = [], [], [], 0
    for b in ["all", *BREAKDOWNS]:
        codes, cats = pd.factorize(pd.Series("all", index=df.index) if b == "all" else df[b], sort=True)
        units.append(np.flatnonzero(codes >= 0))
        cells.append(codes[codes >= 0] + offset)
        names += [(b, c) for c in cats]
        offset += len(cats)
    layout = WaveLayout(
        calibration.weights_after,
        np.concatenate(units),
        np.concatenate(cells),
        offset,
        calibration,
        chunk_rows=chunk_rows,
    )
    return layout, names


@pytest.mark.parametrize("method", ["poststratification", "raking"])
@pytest.mark.parametrize("chunk_rows", [1, 150, 10**6])  # a chunk per cell, a few, one
@pytest.mark.parametrize("kind", ["mean", "ratio", "total"])
def test_every_cell_matches_a_direct_design_estimate(sample, method, chunk_rows, kind):
    design, calibration = _calibrated(sample, method)
    layout, names = _layout(sample, calibration, chunk_rows)
    y, x = sample["y"].to_numpy(), sample["x"].to_numpy()
    got = estimate_domains(layout, kind, y, x if kind == "ratio" else None)
    for k, (b, value) in enumerate(names):
        mask = np.ones(len(sample), bool) if b == "all" else (sample[b] == value).to_numpy()
        domain = design.domain(mask)
        want = {
            "mean": lambda d: d.mean("y"),
            "ratio": lambda d: d.ratio("y", "x"),
            "total": lambda d: d.total("y"),
        }[kind](domain)
        assert got.n[k] == want.n, (b, value)
        if want.n == 0:
            assert np.isnan(got.estimate[k]) and np.isnan(got.se[k])
            continue
        assert got.estimate[k] == pytest.approx(want.estimate, rel=1e-12), (b, value)
        assert got.se[k] == pytest.approx(want.se, rel=1e-9), (b, value)
    assert got.used.sum() == got.n.sum()  # one used flag per stacked row of a respondent


def test_panel_link_pairs_rows_of_the_same_association_in_the_same_cell():
    # previous wave: A answered twice (the first answer links), B, and one without pseudonym
    org_prev = pd.Series(["A", "A", "B", None])
    sector_prev = np.array([0, 0, 0, 1])  # cells: all, sector=x, sector=y
    org_cur = pd.Series(["B", "A", "C", None])
    sector_cur = np.array([1, 0, 0, 1])  # B moved to sector y
    weights = np.ones(4)

    def layout(sector):
        return WaveLayout(
            weights, np.r_[np.arange(4), np.arange(4)], np.r_[np.zeros(4, int), 1 + sector], 3, None
        )

    prev, cur = layout(sector_prev), layout(sector_cur)
    labels = np.array(["all=all", "sector=x", "sector=y"], dtype=object)
    link = link_waves(org_prev, prev, labels, org_cur, cur, labels)
    pairs = {
        (int(cur.unit[c]), int(cur.cell[c]), int(prev.unit[p]))
        for rp, rc in zip(link.rows_prev, link.rows_cur, strict=True)
        for p, c in zip(rp, rc, strict=True)
    }
    # A links to its first previous answer in "all" and sector x; B only in "all"
    assert pairs == {(1, 0, 0), (1, 1, 0), (0, 0, 2)}

    infl_prev, infl_cur = np.arange(1.0, 9.0), np.arange(10.0, 18.0)
    used_prev, used_cur = np.ones(8, bool), np.ones(8, bool)
    used_prev[prev.unit == 2] = False  # B did not answer the question last wave
    infl_prev[~used_prev] = 0.0
    cov, n_linked = paired_covariance(link, infl_prev, used_prev, infl_cur, used_cur)
    row = {(int(u), int(c)): i for i, (u, c) in enumerate(zip(prev.unit, prev.cell, strict=True))}
    now = {(int(u), int(c)): i for i, (u, c) in enumerate(zip(cur.unit, cur.cell, strict=True))}
    assert n_linked.tolist() == [1, 1, 0]
    assert cov[0] == infl_prev[row[0, 0]] * infl_cur[now[1, 0]]
    assert cov[1] == infl_prev[row[0, 1]] * infl_cur[now[1, 1]]
