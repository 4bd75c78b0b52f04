"""End to end: the engine on a generated (synthetic) survey warehouse."""

import re

import duckdb
import numpy as np
import pandas as pd
import pytest
from indicator_data import PUBLIC_SERIES, build_warehouse, make_frame, make_responses

from core.codes import SIZE_CLASSES
from indicators.cli import list_indicators, show_indicator
from indicators.compute import compute_all, load_settings
from indicators.estimation import Design
from indicators.public_series import MissingSeriesError
from indicators.weighting import wave_weights

WAVES = [2022, 2023, 2024]
SUBSECTORS = {"food_aid": 1.0, "homelessness": 1.0, "elderly": 1.0, "addiction": 0.012}


@pytest.fixture(scope="module")
def warehouse():
    responses = make_responses(300, WAVES, seed=3, subsector_sizes=SUBSECTORS, balanced_sizes=True)
    con = duckdb.connect()
    build_warehouse(con, responses, make_frame(responses))
    report = compute_all(con)
    yield con, report
    con.close()


def _published(con, indicator, breakdown, value, period="2024"):
    return con.execute(
        "SELECT estimate, se, n, flag FROM public.indicator_values WHERE indicator_id = ? "
        "AND period = ? AND breakdown = ? AND breakdown_value = ?",
        [indicator, period, breakdown, value],
    ).fetchone()


@pytest.mark.parametrize(
    "indicator, estimate",
    [
        ("tt_task_transfer", lambda d: d.proportion("task_transfer_3y", "yes")),
        ("fund_admin_hours_per_fte", lambda d: d.ratio("admin_hours_month", "staff_fte")),
        ("comb_volunteer_fte_survey", lambda d: d.total("fte")),
    ],
)
@pytest.mark.slow
def test_estimate_matches_a_direct_design_computation(warehouse, indicator, estimate):
    con, _ = warehouse
    df = con.execute("SELECT * FROM restricted.survey_current WHERE wave = 2024").df()
    frame = con.execute("SELECT * FROM core.survey_frame").df()
    settings = load_settings()
    weights = wave_weights(df, frame, list(SIZE_CLASSES), settings["weighting"]["min_responses_per_cell"])
    cells = [key.split("=", 1)[1] for key in weights.cells]
    df["stratum"] = np.asarray(cells)[weights.calibration.codes[0]]
    df["w0"] = 1.0
    df["fte"] = df["volunteer_hours_month"] / 151.67
    totals = {c: weights.cells[f"stratum={c}"] for c in cells}
    design = Design(df, weights="w0").poststratify("stratum", totals)
    domain = design.domain(df["subsector"].eq("food_aid") & df["staff_fte"].gt(0))
    expected = estimate(domain)
    got = _published(con, indicator, "subsector", "food_aid")
    scale = 100 if indicator == "tt_task_transfer" else 1
    assert got[3] != "suppressed"
    assert got[0] == pytest.approx(expected.estimate * scale, rel=1e-9)
    assert got[1] == pytest.approx(expected.se * scale, rel=1e-9)
    assert got[2] == expected.n


def test_published_cells_respect_disclosure_control(warehouse):
    con, report = warehouse
    assert report.n_suppressed > 0  # the tiny subsector
    q = lambda sql: con.execute(sql).fetchone()[0]  # noqa: E731
    assert q("SELECT count(*) FROM public.indicator_values WHERE n < 5 AND estimate IS NOT NULL") == 0
    assert (
        q(
            "SELECT count(*) FROM public.indicator_values WHERE flag = 'suppressed' AND "
            "(estimate IS NOT NULL OR se IS NOT NULL OR ci_low IS NOT NULL "
            "OR ci_high IS NOT NULL)"
        )
        == 0
    )
    lonely = q(
        "SELECT count(*) FROM (SELECT indicator_id, period, breakdown FROM "
        "public.indicator_values WHERE breakdown <> 'all' GROUP BY ALL "
        "HAVING count(*) FILTER (flag = 'suppressed') = 1)"
    )
    assert lonely == 0
    assert q("SELECT count(*) FROM meta.suppression_log") == q(
        "SELECT count(*) FROM public.indicator_values WHERE flag = 'suppressed'"
    )
    assert (
        q(
            "SELECT count(*) FROM public.indicator_trends t JOIN public.indicator_values v "
            "USING (indicator_id, period, breakdown, breakdown_value) "
            "WHERE v.flag = 'suppressed' AND t.change IS NOT NULL"
        )
        == 0
    )


def test_trends_use_the_panel_and_carry_a_ci(warehouse):
    con, _ = warehouse
    t = con.execute(
        "SELECT * FROM public.indicator_trends WHERE breakdown = 'all' "
        "AND period = '2024' AND kind = 'consecutive'"
    ).df()
    assert set(t["previous_period"]) == {"2023"}
    assert (t["method"] == "paired").all() and t["n_linked"].max() == 180  # 60 % panel
    ok = t.dropna(subset=["change"])
    assert ((ok["ci_low"] <= ok["change"]) & (ok["change"] <= ok["ci_high"])).all()
    sig = ok["significant"].astype(bool)
    assert (sig == ((ok["ci_low"] > 0) | (ok["ci_high"] < 0))).all()


def test_index_recommendations_lineage_and_public_series(warehouse):
    con, _ = warehouse
    idx = con.execute("SELECT * FROM public.index_values WHERE breakdown = 'all'").df()
    assert sorted(idx["period"]) == ["2022", "2023", "2024"] and idx["synthetic"].all()
    assert ((idx["index_low"] <= idx["index"]) & (idx["index"] <= idx["index_high"])).all()
    recs = con.execute(
        "SELECT recommendation_id, evidence_status, evidence_fr FROM public.recommendations"
    ).df()
    assert (
        len(recs) == 8
        and recs["evidence_status"]
        .isin(["supported", "mixed", "not_supported", "insufficient_evidence"])
        .all()
    )
    rules = con.execute("SELECT * FROM public.recommendation_evidence").df()
    assert set(rules["recommendation_id"]) == set(recs["recommendation_id"])
    assert set(rules["direction"]) == {"supports", "contradicts"}
    survey = rules[rules["indicator_id"].str.match(r"^(?!pub_|comb_)")]
    assert survey["illustration"].all()  # synthetic survey: illustrations, never counted
    lineage = con.execute("SELECT * FROM meta.indicator_lineage WHERE period = '2024'").df()
    assert lineage["weights_version"].str.startswith("poststratification:").all()
    be = _published(con, "pub_formal_volunteering_rate", "all", "all", period="2022")
    assert be[0] == 15.9 and be[3] == "ok"
    ie = _published(con, "pub_formal_volunteering_rate", "geo", "IE", period="2015")
    assert ie[3] == "low_reliability"
    value = _published(con, "comb_volunteer_value_public", "all", "all", period="2019")[0]
    assert value == pytest.approx(11000 * 4 / 35 * 3856.8e6 / 70.5e3 / 1e6)


def test_weighting_collapses_small_cells_and_keeps_frame_totals(warehouse):
    con, _ = warehouse
    df = con.execute("SELECT * FROM restricted.survey_current WHERE wave = 2024").df()
    frame = con.execute("SELECT * FROM core.survey_frame").df()
    w = wave_weights(df, frame, list(SIZE_CLASSES), 5)
    assert w.weights.sum() == pytest.approx(frame["n_associations"].sum())
    assert not any(key.startswith("stratum=addiction") for key in w.cells)
    strata = pd.Series(np.asarray(list(w.cells))[w.calibration.codes[0]])
    assert strata.value_counts().min() >= 5


def test_missing_public_series_fails_clearly(warehouse):
    con, _ = warehouse
    other = duckdb.connect()
    responses = make_responses(40, [2024], seed=5)
    build_warehouse(
        other,
        responses,
        make_frame(responses),
        series={"statbel_population": PUBLIC_SERIES["statbel_population"]},
    )
    with pytest.raises(MissingSeriesError, match="eurostat_formal_volunteering"):
        compute_all(other)


def test_cli_views_speak_the_requested_language(warehouse):
    con, _ = warehouse
    listing = list_indicators(con, theme="task_transfer", lang="nl")
    assert "Overdracht van taken naar vrijwilligers" in listing and "funding" not in listing
    shown = show_indicator(con, "tt_task_transfer", lang="fr")
    assert "Transfert de tâches vers les volontaires" in shown and "2024" in shown
    assert re.search(r"│ \d+,\d+ +│ \d+,?\d* – \d+,?\d* +│", shown)  # estimate and CI, decimal commas
    assert not re.search(r"\d\.\d", shown) and "low_reliability" not in shown


def test_a_change_at_rounding_level_is_not_significant():
    """Two waves with all answers equal: estimates and SEs differ only by floating-point noise."""
    from indicators.trends import compute_trends

    cell = {
        "indicator_id": "x",
        "breakdown": "all",
        "breakdown_value": "all",
        "flag": "ok",
        "synthetic": True,
        "n_linked": 50,
    }
    values = pd.DataFrame(
        [
            {**cell, "period": "2023", "estimate": 0.7, "se": 3e-17, "cov": 0.0},
            {**cell, "period": "2024", "estimate": 0.7 + 1e-16, "se": 1e-17, "cov": 2e-34},
            {**cell, "period": "2025", "estimate": 0.9, "se": 0.01, "cov": 0.0},
        ]
    )
    trends = compute_trends(values, {"x": "higher_is_worse"}, min_linked=30)
    assert trends["significant"].tolist() == [False, True]
    assert trends["direction"].tolist() == ["stable", "worse"]
