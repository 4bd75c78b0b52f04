"""Trends across all waves: first-to-last changes and the design-based linear trend.

The linear trend's SE is checked against an independent computation: statsmodels' weighted
least squares of the unit-level variable on wave dummies with a cluster-robust (by association
pseudonym) sandwich covariance, contrasted on the wave year. The engine runs end to end (SQL,
weights, stacked breakdown cells, panel keys) on a synthetic survey with four irregularly spaced
waves, some associations skipping waves and some responses without pseudonym; calibration is
switched off for this check because statsmodels has no calibration residuals.
"""

import dataclasses

import duckdb
import numpy as np
import pandas as pd
import pytest
import statsmodels.api as sm
from indicator_data import build_warehouse, make_frame, make_responses

import indicators.compute as engine
from core.codes import SIZE_CLASSES
from indicators.catalogue import load_catalogue
from indicators.compute import _select_sql, compute_all, load_settings
from indicators.domains import WaveLayout, estimate_domains
from indicators.estimation import Z_95
from indicators.trends import PanelTrend, linear_trends
from indicators.weighting import wave_weights

WAVES = [2018, 2019, 2021, 2024]  # irregular spacing: every wave has leverage on the slope
SUBSECTORS = {"food_aid": 1.0, "homelessness": 1.0, "elderly": 1.0}


def _responses() -> pd.DataFrame:
    responses = make_responses(400, WAVES, seed=9, subsector_sizes=SUBSECTORS, balanced_sizes=True)
    rng = np.random.default_rng(4)
    responses = responses[rng.random(len(responses)) > 0.15]  # associations skip waves
    unknown = rng.random(len(responses)) < 0.05  # answers without pseudonym: their own PSU
    return responses.assign(org_pseudo=responses["org_pseudo"].mask(unknown)).reset_index(drop=True)


@pytest.fixture(scope="module")
def uncalibrated(request):
    """The engine's tables with the weights kept but calibration off (fixed weights)."""
    responses = _responses()
    con = duckdb.connect()
    build_warehouse(con, responses, make_frame(responses))
    original = engine.wave_weights
    mp = pytest.MonkeyPatch()
    mp.setattr(
        engine, "wave_weights", lambda *a, **k: dataclasses.replace(original(*a, **k), calibration=None)
    )
    try:
        compute_all(con)
    finally:
        mp.undo()
    yield con
    con.close()


def _unit_data(con: duckdb.DuckDBPyConnection, indicator: str) -> pd.DataFrame:
    """Per response: wave, weight (as the engine computes it), pseudonym, subsector, y, x."""
    ind = load_catalogue()[indicator]
    settings = load_settings()
    frame = con.execute("SELECT subsector, size_class, n_associations FROM core.survey_frame").df()
    parts = []
    for wave in WAVES:
        data = con.execute(_select_sql([ind]), [wave]).df()
        weights = wave_weights(
            data, frame, list(SIZE_CLASSES), settings["weighting"]["min_responses_per_cell"]
        )
        parts.append(
            pd.DataFrame(
                {
                    "wave": wave,
                    "w": weights.weights,
                    "org": data["org_pseudo"],
                    "subsector": data["subsector"],
                    "y": data[f"y__{ind.id}"],
                    "x": data[f"x__{ind.id}"] if ind.denominator else 1.0,
                }
            )
        )
    return pd.concat(parts, ignore_index=True)


def _statsmodels(units: pd.DataFrame, scale: float) -> dict:
    """WLS of y/x on wave dummies (weights w x: each coefficient is the wave's ratio or mean),
    cluster-robust by pseudonym (a response without one is its own cluster), then the slope
    contrast ``c' beta`` with ``c_t = (t - mean) / sum (t - mean)^2``."""
    used = units.dropna(subset=["y", "x"])
    used = used[used["x"] != 0]
    dummies = pd.get_dummies(used["wave"]).reindex(columns=WAVES).astype(float)
    clusters = used["org"].where(used["org"].notna(), "unknown-" + used.index.astype(str))
    fit = sm.WLS(used["y"] / used["x"], dummies, weights=used["w"] * used["x"]).fit(
        cov_type="cluster", cov_kwds={"groups": pd.factorize(clusters)[0], "use_correction": False}
    )
    years = np.asarray(WAVES, float)
    c = (years - years.mean()) / ((years - years.mean()) @ (years - years.mean()))
    cov = fit.cov_params().to_numpy()
    return {
        "slope": float(c @ fit.params.to_numpy()) * scale,
        "var": float(c @ cov @ c) * scale**2,
        "var_tt": np.diag(cov) * scale**2,
        "c": c,
    }


@pytest.mark.parametrize(
    "indicator, breakdown, value",
    [
        ("tt_task_transfer", "all", "all"),  # a proportion (mean of 0/1)
        ("tt_task_transfer", "subsector", "elderly"),  # a domain: one subsector
        ("fund_admin_hours_per_fte", "all", "all"),  # a ratio of two variables
    ],
)
@pytest.mark.slow
def test_linear_trend_se_matches_statsmodels_cluster_robust(uncalibrated, indicator, breakdown, value):
    con = uncalibrated
    row = (
        con.execute(
            "SELECT * FROM public.indicator_trends WHERE kind = 'linear' AND "
            "indicator_id = ? AND breakdown = ? AND breakdown_value = ?",
            [indicator, breakdown, value],
        )
        .df()
        .iloc[0]
    )
    assert row["flag"] == "ok" and row["method"] == "paired" and row["n_periods"] == 4
    units = _unit_data(con, indicator)
    n_wave = units.groupby("wave").size().reindex(WAVES).to_numpy()  # every response of a wave
    if breakdown != "all":
        units = units[units[breakdown] == value]
    scale = load_catalogue()[indicator].scale
    ref = _statsmodels(units, scale)
    assert row["slope"] == pytest.approx(ref["slope"], rel=1e-10)
    # Our wave variances carry the survey package's n/(n-1) factor (n: responses of the wave);
    # the covariances between waves are exactly statsmodels' off-diagonal terms.
    expected = ref["var"] + np.sum(ref["c"] ** 2 * ref["var_tt"] / (n_wave - 1))
    assert row["slope_se"] ** 2 == pytest.approx(expected, rel=1e-9)
    assert row["slope_se"] == pytest.approx(np.sqrt(ref["var"]), rel=2e-3)  # raw: same to 0.2 %
    assert row["slope_ci_low"] == pytest.approx(row["slope"] - Z_95 * row["slope_se"])
    assert row["change"] == pytest.approx(row["slope"] * (WAVES[-1] - WAVES[0]))
    assert row["significant"] == (abs(row["slope"]) > Z_95 * row["slope_se"])


def test_every_cell_gets_first_last_and_linear_rows(uncalibrated):
    con = uncalibrated
    counts = dict(con.execute("SELECT kind, count(*) FROM public.indicator_trends GROUP BY kind").fetchall())
    cells = con.execute(
        "SELECT count(*) FROM (SELECT DISTINCT indicator_id, breakdown, "
        "breakdown_value FROM public.indicator_trends)"
    ).fetchone()[0]
    assert counts["first_last"] == counts["linear"] == cells
    assert counts["consecutive"] == 3 * cells
    fl = con.execute(
        "SELECT DISTINCT previous_period, period, first_period, n_periods "
        "FROM public.indicator_trends WHERE kind = 'first_last'"
    ).fetchall()
    assert fl == [("2018", "2024", "2018", 2)]
    # a suppressed wave gives no number on any row that spans it
    assert (
        con.execute(
            "SELECT count(*) FROM public.indicator_trends t JOIN public.indicator_values v "
            "ON v.indicator_id = t.indicator_id AND v.breakdown = t.breakdown "
            "AND v.breakdown_value = t.breakdown_value AND v.period BETWEEN t.first_period "
            "AND t.period AND (t.kind = 'linear' OR v.period IN (t.first_period, t.period)) "
            "WHERE v.flag = 'suppressed' AND (t.change IS NOT NULL OR t.slope IS NOT NULL)"
        ).fetchone()[0]
        == 0
    )


def test_first_last_change_uses_the_panel_between_first_and_last_wave(uncalibrated):
    con = uncalibrated
    row = (
        con.execute(
            "SELECT * FROM public.indicator_trends WHERE kind = 'first_last' AND "
            "indicator_id = 'tt_task_transfer' AND breakdown = 'all'"
        )
        .df()
        .iloc[0]
    )
    units = _unit_data(con, "tt_task_transfer").dropna(subset=["y"])
    first, last = units[units["wave"] == WAVES[0]], units[units["wave"] == WAVES[-1]]

    def influence(d):  # linearised values of a weighted mean, in percent
        mean = np.average(d["y"], weights=d["w"])
        return (d["w"] * (d["y"] - mean) / d["w"].sum() * 100).groupby(d["org"]).first(), mean

    u1, m1 = influence(first.dropna(subset=["org"]))
    u2, m2 = influence(last.dropna(subset=["org"]))
    both = u1.index.intersection(u2.index)
    assert row["n_linked"] == len(both) and row["method"] == "paired"
    values = con.execute(
        "SELECT period, estimate, se FROM public.indicator_values WHERE "
        "indicator_id = 'tt_task_transfer' AND breakdown = 'all'"
    ).df()
    est = values.set_index("period")
    assert row["change"] == pytest.approx(est.loc["2024", "estimate"] - est.loc["2018", "estimate"])
    # influence recomputed over all responses (with and without pseudonym) of each wave
    full1 = (
        (first["w"] * (first["y"] - np.average(first["y"], weights=first["w"])) / first["w"].sum() * 100)
        .groupby(first["org"])
        .first()
    )
    full2 = (
        (last["w"] * (last["y"] - np.average(last["y"], weights=last["w"])) / last["w"].sum() * 100)
        .groupby(last["org"])
        .first()
    )
    cov = float((full1.loc[both] * full2.loc[both]).sum())
    var = est.loc["2018", "se"] ** 2 + est.loc["2024", "se"] ** 2 - 2 * cov
    assert row["se"] == pytest.approx(np.sqrt(var), rel=1e-9)
    assert (m1, m2) != (0, 0)


def test_panel_trend_matches_pairwise_covariances():
    """The running sums give 2 sum_{s<t} c_s c_t cov_st over every pair of waves."""
    rng = np.random.default_rng(2)
    waves = [2020, 2021, 2023]
    panel = PanelTrend(waves)
    infl = {}
    for wave in waves:
        org = pd.Series(rng.choice(np.array(["a", "b", "c", "d", "e", None, None], object), 6, replace=False))
        cells = rng.integers(0, 2, 6)  # cell "all" (0) for every row, and one of two groups
        unit = np.r_[np.arange(6), np.arange(6)]
        cell = np.r_[np.zeros(6, int), 1 + cells]
        layout = WaveLayout(np.ones(6), unit, cell, 3, None)
        res = estimate_domains(layout, "mean", rng.normal(size=6))
        panel.start_wave(wave, org, layout, np.array(["all=all", "g=x", "g=y"], object))
        panel.add("i", res.influence)
        infl[wave] = {
            (o, int(c)): u
            for o, c, u in zip(org[layout.unit], layout.cell, res.influence, strict=True)
            if isinstance(o, str)
        }  # no pseudonym: no link
    got = panel.result().set_index("breakdown_value")["cross"]
    c = dict(zip(waves, panel.coef, strict=True))
    for k, name in enumerate(["all", "x", "y"]):
        want = 2 * sum(
            c[s] * c[t] * infl[s][key] * infl[t][key]
            for i, s in enumerate(waves)
            for t in waves[i + 1 :]
            for key in infl[s]
            if key[1] == k and key in infl[t]
        )
        assert got[name] == pytest.approx(want, abs=1e-15)


def test_linear_trend_needs_every_wave():
    cell = {"indicator_id": "x", "breakdown": "all", "breakdown_value": "all", "synthetic": False}
    values = pd.DataFrame(
        [
            {**cell, "period": "2022", "estimate": 1.0, "se": 0.1, "flag": "ok"},
            {**cell, "period": "2023", "estimate": np.nan, "se": np.nan, "flag": "suppressed"},
            {**cell, "period": "2024", "estimate": 3.0, "se": 0.1, "flag": "ok"},
            {**cell, "breakdown_value": "y", "period": "2024", "estimate": 3.0, "se": 0.1, "flag": "ok"},
        ]
    )
    panel = pd.DataFrame(columns=["indicator_id", "breakdown", "breakdown_value", "cross"])
    rows = linear_trends(values, panel, [2022, 2023, 2024], {"x": "neutral"}, 5)
    assert len(rows) == 1  # the cell without 2022/2023 has no linear row
    row = rows.iloc[0]
    assert row["flag"] == "suppressed" and pd.isna(row["slope"]) and pd.isna(row["change"])
