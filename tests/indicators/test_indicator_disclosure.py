"""Disclosure control: small cells carry no numbers and cannot be recovered by differencing."""

import numpy as np
import pandas as pd

from indicators.compute import load_settings
from indicators.disclosure import GROUP, apply_disclosure, primary_rule

RULES = load_settings()["disclosure"]


def _cells(n, estimate, money=False, dominance=np.nan, estimator="total"):
    """A total of 100 over four sibling categories."""
    values = ["all", "a", "b", "c", "d"]
    return pd.DataFrame(
        {
            "indicator_id": "x",
            "period": "2024",
            "breakdown": ["all"] + ["subsector"] * 4,
            "breakdown_value": values,
            "estimate": estimate,
            "se": [1.0] * 5,
            "ci_low": np.subtract(estimate, 2),
            "ci_high": np.add(estimate, 2),
            "n": n,
            "money": money,
            "dominance": dominance,
            "estimator": estimator,
        }
    )


def recover_by_differencing(published):
    """Attacker: in each group with one unknown sibling, total minus the known siblings."""
    found = {}
    for _, group in published[published["breakdown"] != "all"].groupby(GROUP):
        unknown = group[group["estimate"].isna()]
        total = published[
            (published["indicator_id"] == group["indicator_id"].iloc[0])
            & (published["period"] == group["period"].iloc[0])
            & (published["breakdown"] == "all")
        ]["estimate"].iloc[0]
        if len(unknown) == 1 and pd.notna(total):
            found[unknown["breakdown_value"].iloc[0]] = total - group["estimate"].sum()
    return found


def test_primary_suppression_alone_is_recoverable_but_published_cells_are_not():
    cells = _cells(n=[60, 3, 20, 17, 20], estimate=[100.0, 3.0, 40.0, 27.0, 30.0])
    naive = cells.copy()
    naive.loc[primary_rule(naive, RULES).notna(), "estimate"] = np.nan
    assert recover_by_differencing(naive) == {"a": 3.0}  # the attack works on primary only

    published, log = apply_disclosure(cells, RULES)
    assert recover_by_differencing(published) == {}
    suppressed = published[published["flag"] == "suppressed"]
    assert list(suppressed["breakdown_value"]) == ["a", "c"]  # c: fewest responses left
    assert suppressed[["estimate", "se", "ci_low", "ci_high"]].isna().all().all()
    assert dict(zip(log["breakdown_value"], log["rule"], strict=True)) == {"a": "min_n", "c": "secondary"}


def test_money_cells_need_ten_responses_and_no_dominant_contributor():
    cells = _cells(
        n=[60, 8, 20, 12, 20],
        estimate=[100.0, 3.0, 40.0, 27.0, 30.0],
        money=True,
        dominance=[0.2, 0.3, 0.3, 0.7, 0.1],
    )
    published, log = apply_disclosure(cells, RULES)
    rules = dict(zip(log["breakdown_value"], log["rule"], strict=True))
    assert rules == {"a": "money_min_n", "c": "dominance"}
    assert published.loc[published["breakdown_value"] == "all", "flag"].item() == "ok"


def test_reliability_flags():
    cells = _cells(n=[60, 25, 40, 40, 40], estimate=[100.0, 3.0, 40.0, 27.0, 30.0], estimator="mean")
    cells.loc[cells["breakdown_value"] == "b", "se"] = 10.0  # CV 25 %
    flags = dict(zip(cells["breakdown_value"], apply_disclosure(cells, RULES)[0]["flag"], strict=True))
    assert flags == {"all": "ok", "a": "low_reliability", "b": "low_reliability", "c": "ok", "d": "ok"}


def test_every_flag_carries_its_reason(wh) -> None:
    rows = dict(
        ((flag, reason), n)
        for flag, reason, n in wh.execute(
            "SELECT flag, coalesce(flag_reason, '-'), count(*) FROM public.indicator_values "
            "WHERE n IS NOT NULL GROUP BY ALL"
        ).fetchall()
    )
    allowed = {("suppressed", r) for r in ("min_n", "money_min_n", "dominance", "secondary")}
    allowed |= {("low_reliability", "low_n"), ("low_reliability", "high_cv"), ("ok", "-")}
    assert set(rows) <= allowed
    assert rows[("suppressed", "min_n")] > 0 and rows[("suppressed", "secondary")] > 0
    small = wh.execute(
        "SELECT count(*) FROM public.indicator_values WHERE n < 5 AND flag_reason IS DISTINCT FROM 'min_n'"
    ).fetchone()[0]
    assert small == 0
