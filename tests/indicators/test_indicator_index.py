"""The disinvestment pressure index: direction, weights, coverage and uncertainty."""

import numpy as np
import pandas as pd
import pytest

from indicators.pressure_index import compute_index, index_tables, load_config

CONFIG = load_config()


def _values(overrides=None, drop=(), periods=("2023", "2024")):
    rows = []
    for period in periods:
        for ind, d in zip(CONFIG.indicators, CONFIG.direction, strict=True):
            if ind in drop:
                continue
            est = (overrides or {}).get((period, ind), 50.0 if d > 0 else 0.0)
            rows.append(
                {
                    "indicator_id": ind,
                    "period": period,
                    "breakdown": "all",
                    "breakdown_value": "all",
                    "estimate": est,
                    "se": 2.0,
                    "flag": "ok",
                }
            )
    return pd.DataFrame(rows)


def _index(values, **kw):
    return compute_index(values, config=CONFIG, **kw).set_index("period")["index"]


def test_midpoint_components_give_fifty_and_pressure_raises_it():
    assert _index(_values())["2024"] == pytest.approx(50.0)
    worse = _values({("2024", "tt_task_transfer"): 90.0, ("2024", "fund_public_trend_balance"): -60.0})
    idx = _index(worse)
    assert idx["2024"] > idx["2023"] == pytest.approx(50.0)


def test_user_weights_select_components():
    values = _values({("2024", "tt_task_transfer"): 80.0})
    only = _index(values, weights={"tt_task_transfer": 1.0})
    assert only["2024"] == pytest.approx(80.0)
    none = _index(values, weights={"sup_support_cut": 1.0})
    assert none["2024"] == pytest.approx(50.0)
    with pytest.raises(ValueError):
        compute_index(values, weights={}, config=CONFIG)


def test_coverage_rule_withholds_the_index():
    assert not np.isnan(_index(_values(drop=CONFIG.indicators[:2]))["2024"])  # 6/8 = 75 %
    assert np.isnan(_index(_values(drop=CONFIG.indicators[:3]))["2024"])  # 5/8 < 75 %


def test_uncertainty_bounds_are_reproducible_and_bracket_the_index():
    values = _values({("2024", "tt_task_transfer"): 70.0, ("2023", "staff_shortage"): 30.0})
    synthetic = pd.Series({"2023": True, "2024": True})
    first, components = index_tables(values, synthetic, CONFIG)
    second, _ = index_tables(values, synthetic, CONFIG)
    pd.testing.assert_frame_equal(first, second)
    assert (first["index_low"] < first["index_high"]).all()
    assert ((first["index_low"] <= first["index"]) & (first["index"] <= first["index_high"])).all()
    sums = components.groupby("period")["contribution"].sum()
    assert np.allclose(sums.sort_index(), first.set_index("period")["index"].sort_index())


def test_components_say_whether_their_period_is_synthetic():
    """A component's value is a survey estimate: it is labelled synthetic like its index cell."""
    synthetic = pd.Series({"2023": False, "2024": True})
    cells, components = index_tables(_values(), synthetic, CONFIG)
    by_period = components.groupby("period")["synthetic"].agg(["all", "any"])
    assert by_period.loc["2024", "all"] and not by_period.loc["2023", "any"]
    assert dict(zip(cells["period"], cells["synthetic"], strict=True)) == {"2023": False, "2024": True}
