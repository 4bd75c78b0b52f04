"""Design-based estimation against R's survey package published results on the api data.

Expected values are R's printed outputs, cited where they appear:
- [api]   cran/survey tests/api.Rout.save (output of ``example(api)``)
- [rake]  cran/survey tests/rakecheck.Rout.save
- [lonely] cran/survey tests/lonely.psu.Rout.save
- [kalton] cran/survey tests/kalton.Rout.save, weights in tests/data/reference
- [vign]  survey vignette "A survey analysis example" (T. Lumley, survey.pdf)
"""

from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from indicators.estimation import Design, Estimate

DATA = Path(__file__).parents[1] / "data" / "reference"
POP_TYPES = {"E": 4421, "H": 755, "M": 1018}  # [api] xtabs(~stype, apipop)
POP_SCHWIDE = {"No": 1072, "Yes": 5122}  # [rake] pop.schwide


def assert_r(value: float, printed: str) -> None:
    """Match an R printout: within 1e-4 relative or the rounding of its last printed digit."""
    decimals = len(printed.split(".")[1]) if "." in printed else 0
    expected = float(printed)
    assert abs(value - expected) <= max(1e-4 * abs(expected), 0.5 * 10**-decimals), (
        value,
        printed,
    )


def assert_estimate(est: Estimate, printed_estimate: str, printed_se: str) -> None:
    assert_r(est.estimate, printed_estimate)
    assert_r(est.se, printed_se)


@pytest.fixture(scope="module")
def apistrat() -> pd.DataFrame:
    return pd.read_csv(DATA / "apistrat.csv")


@pytest.fixture(scope="module")
def apiclus1() -> pd.DataFrame:
    return pd.read_csv(DATA / "apiclus1.csv")


@pytest.fixture(scope="module")
def dstrat(apistrat) -> Design:
    return Design(apistrat, weights="pw", strata="stype", fpc="fpc")


@pytest.fixture(scope="module")
def dclus1(apiclus1) -> Design:
    return Design(apiclus1, weights="pw", cluster="dnum", fpc="fpc")


def test_stratified_mean_and_total(dstrat):
    # [api] svymean(~api00, dstrat); svytotal(~enroll, dstrat, na.rm=TRUE)
    assert_estimate(dstrat.mean("api00"), "662.29", "9.4089")
    assert_estimate(dstrat.total("enroll"), "3687178", "114642")


def test_fpc_as_sampling_fraction_equals_fpc_as_population_size(apistrat, dstrat):
    fractions = apistrat.assign(frac=apistrat.groupby("stype")["fpc"].transform("size") / apistrat.fpc)
    by_fraction = Design(fractions, weights="pw", strata="stype", fpc="frac")
    assert by_fraction.mean("api00").se == pytest.approx(dstrat.mean("api00").se, rel=1e-12)
    without_fpc = Design(apistrat, weights="pw", strata="stype").mean("api00").se
    assert without_fpc > dstrat.mean("api00").se  # the fpc shrinks the variance


def test_cluster_mean_total_and_ratio(dclus1):
    # [api] svymean(~api00, dclus1); svytotal(~enroll, dclus1)
    assert_estimate(dclus1.mean("api00"), "644.17", "23.542")
    assert_estimate(dclus1.total("enroll"), "3404940", "932235")
    # [vign] svyratio(~api.stu, ~enroll, dclus1)
    assert_estimate(dclus1.ratio("api.stu", "enroll"), "0.8497087", "0.008386297")


def test_cluster_total_of_category_indicators(apiclus1):
    # [vign] svytotal(~stype, dclus1)
    dummies = apiclus1.assign(**{f"is_{t}": (apiclus1.stype == t) * 1.0 for t in "EHM"})
    design = Design(dummies, weights="pw", cluster="dnum", fpc="fpc")
    assert_estimate(design.total("is_E"), "4873.97", "1333.32")
    assert_estimate(design.total("is_H"), "473.86", "158.70")
    assert_estimate(design.total("is_M"), "846.17", "167.55")


@pytest.mark.parametrize(
    ("stype", "ell", "ell_se", "meals", "meals_se"),
    [  # [vign] svyby(~ell+meals, ~stype, design=dclus1, svymean)
        ("E", "29.69444", "1.411617", "53.09028", "7.070399"),
        ("H", "15.00000", "5.347065", "37.57143", "5.912262"),
        ("M", "22.68000", "2.952862", "43.08000", "6.017110"),
    ],
)
def test_domain_means_match_svyby(apiclus1, dclus1, stype, ell, ell_se, meals, meals_se):
    domain = dclus1.domain(apiclus1.stype == stype)
    assert_estimate(domain.mean("ell"), ell, ell_se)
    assert_estimate(domain.mean("meals"), meals, meals_se)
    assert domain.mean("ell").n == (apiclus1.stype == stype).sum()


def test_domain_ratio_keeps_full_design_unlike_naive_subset(apiclus1, dclus1):
    # [vign] svyratio(~api.stu, ~enroll, design=subset(dclus1, stype=="H"))
    high = apiclus1.stype == "H"
    assert_estimate(dclus1.domain(high).ratio("api.stu", "enroll"), "0.8300683", "0.01472607")
    naive = Design(apiclus1[high], weights="pw", cluster="dnum", fpc="fpc")
    # a design rebuilt on the subset drops the PSUs without high schools: SE about 4 % off R's
    assert naive.ratio("api.stu", "enroll").se != pytest.approx(0.01472607, rel=0.02)


def test_proportion_and_means_on_complete_cases(apiclus1, dclus1):
    # [vign] svymean(make.formula(vars), dclus1, na.rm=TRUE): rows complete on all vars
    variables = apiclus1.columns[[11, 12, *range(15, 23), *range(26, 37)]]
    complete = dclus1.domain(apiclus1[variables].notna().all(axis=1))
    assert_estimate(complete.mean("api00"), "643.203822", "25.4936")
    assert_estimate(complete.proportion("sch.wide", "Yes"), "0.872611", "0.0247")
    assert_estimate(complete.mean("enroll"), "573.713376", "46.5959")
    assert complete.mean("api00").n == 157


def test_missing_values_are_a_domain_of_respondents(apiclus1, dclus1):
    rng = np.random.default_rng(7)
    holes = apiclus1.assign(api00=apiclus1.api00.mask(rng.random(len(apiclus1)) < 0.2))
    design = Design(holes, weights="pw", cluster="dnum", fpc="fpc")
    answered = holes.api00.notna()
    assert design.mean("api00") == design.domain(answered).mean("api00")
    assert design.mean("api00").n == answered.sum()
    filled = Design(holes.fillna({"api00": 0}), weights="pw", cluster="dnum", fpc="fpc")
    assert design.total("api00").se == pytest.approx(filled.total("api00").se, rel=1e-12)
    share = design.proportion("api00", holes.api00.dropna().iloc[0])
    assert share.n == answered.sum()


def test_poststratified_cluster_design(apiclus1, dclus1):
    # [api] dclus1p <- postStratify(dclus1, ~stype, pop.types)
    dclus1p = dclus1.poststratify("stype", POP_TYPES)
    assert_estimate(dclus1p.mean("api00"), "642.31", "23.921")
    assert_estimate(dclus1p.total("enroll"), "3680893", "406293")
    sums = dclus1p.weights.groupby(apiclus1.stype).sum()
    assert sums.to_dict() == pytest.approx(POP_TYPES)
    assert dclus1.weights.equals(apiclus1.pw.rename("pw"))  # the original design is unchanged


def test_raked_cluster_design(dclus1):
    # [rake] dclus1r <- rake(dclus1, list(~stype, ~sch.wide), list(pop.types, pop.schwide))
    dclus1r = dclus1.rake({"stype": POP_TYPES, "sch.wide": POP_SCHWIDE})
    assert_estimate(dclus1r.mean("api00"), "641.23", "23.704")
    assert_estimate(dclus1r.total("enroll"), "3647300", "400603")


@pytest.fixture(scope="module")
def kalton() -> tuple[pd.DataFrame, pd.Series, Design]:
    cells = pd.read_csv(DATA / "kalton_flores_cervantes_raking_example.csv")
    sample = cells.loc[cells.index.repeat(cells.n_sample)].reset_index(drop=True)
    sample = sample.assign(w=1.0, cell=sample.a.astype(str) + "x" + sample.b.astype(str))
    return cells, sample.cell, Design(sample, weights="w")


def _cell_weights(design: Design, cell: pd.Series) -> np.ndarray:
    """One weight per cell, in the file's cell order."""
    return design.weights.groupby(cell, sort=False).first().to_numpy()


def test_kalton_poststratification_weights(kalton):
    # [kalton] table A: svytable(~a+b, dps) / xtabs(~a+b, kaltonsample)
    cells, cell, design = kalton
    totals = dict(zip(cells.a.astype(str) + "x" + cells.b.astype(str), cells.N_population, strict=True))
    weights = _cell_weights(design.poststratify("cell", totals), cell)
    np.testing.assert_allclose(weights, cells.R_poststratify_weight, atol=0.005)


def test_kalton_raking_weights(kalton):
    # [kalton] table B: rake(dkalton, list(~a, ~b), ...) to epsilon=1e-4
    cells, cell, design = kalton
    margins = {m: cells.groupby(m).N_population.sum().to_dict() for m in ("a", "b")}
    weights = _cell_weights(design.rake(margins), cell)
    np.testing.assert_allclose(weights, cells.R_rake_weight, atol=0.005)


def test_confidence_interval_is_normal_95(dclus1):
    est = dclus1.mean("api00")
    assert est.ci_low == pytest.approx(est.estimate - 1.959964 * est.se, rel=1e-9)
    assert est.ci_high == pytest.approx(est.estimate + 1.959964 * est.se, rel=1e-9)


def test_lonely_psu_is_adjusted_like_r(apiclus1):
    # [lonely] svydesign(id=~1, weights=~pw, strata=~dnum, data=apiclus1): district 413 has one
    # school; options(survey.lonely.psu="adjust"); svymean(~api00, ds)
    with pytest.warns(UserWarning, match='lonely.psu="adjust"'):
        design = Design(apiclus1, weights="pw", strata="dnum")
    assert_estimate(design.mean("api00"), "644.17", "5.8281")


def test_lonely_psu_total_is_centred_on_mean_psu_total():
    # [lonely] df_w_singleton, "adjust": vcov(svytotal(~Age)) == 127579.8 (tolerance 1e-6)
    frame = pd.DataFrame(
        {
            "Stratum": [1, 1, 2, 2, 3],
            "PSU": [1, 2, 3, 4, 5],
            "Design_Weight": [10.5, 10.5, 20, 20, 15],
            "Age": [30.5, 40.5, 35, 52, 44],
        }
    )
    with pytest.warns(UserWarning, match="single PSU"):
        design = Design(frame, weights="Design_Weight", strata="Stratum", cluster="PSU")
    assert design.total("Age").se ** 2 == pytest.approx(127579.8, rel=1e-6)


def test_empty_domain_is_nan_with_zero_count(apiclus1, dclus1):
    est = dclus1.domain(np.zeros(len(apiclus1), dtype=bool)).mean("api00")
    assert est.n == 0 and np.isnan(est.estimate)


def test_calibration_input_errors(apiclus1, dclus1):
    with pytest.raises(ValueError, match="no population total"):
        dclus1.poststratify("stype", {"E": 4421, "H": 755})
    with pytest.raises(ValueError, match="absent from the sample"):
        dclus1.poststratify("stype", {**POP_TYPES, "X": 10})
    with pytest.raises(ValueError, match="different population totals"):
        dclus1.rake({"stype": POP_TYPES, "sch.wide": {"No": 1, "Yes": 1}})
    with pytest.raises(ValueError, match="full design"):
        dclus1.domain(apiclus1.stype == "E").poststratify("stype", POP_TYPES)
