"""Statistical disclosure control of survey cells (thresholds in engine.yaml).

Primary suppression: a cell with fewer than ``min_n`` responding associations; for money amounts
fewer than ``money_min_n`` or a largest contributor above ``money_dominance`` of the cell total.

Secondary suppression: within one indicator x period x breakdown, the sibling categories and
the ``all`` cell are linked: for totals, the suppressed category equals the total minus the
published siblings. For means and proportions the same attack works with the weighted sizes of
the categories, and those are public (post-stratification makes them the frame counts), since
``mean_all * W_all = sum_c mean_c * W_c``. So whenever exactly one sibling is suppressed, the
non-suppressed sibling with the fewest responses is suppressed too: two unknowns in one
equation cannot be solved.

Published cells with fewer than ``low_reliability_n`` responses or a coefficient of variation
above ``low_reliability_cv`` are flagged ``low_reliability`` (the CV is not used for net
balances, whose value can be near zero by construction).
"""

from __future__ import annotations

from collections.abc import Mapping

import numpy as np
import pandas as pd

GROUP = ["indicator_id", "period", "breakdown"]
NUMBERS = ["estimate", "se", "ci_low", "ci_high"]
CV_ESTIMATORS = ("proportion", "mean", "ratio", "total")
NONE = np.array(None, dtype=object)  # no rule for np.where (numpy's types refuse a bare None)


def primary_rule(cells: pd.DataFrame, rules: Mapping) -> pd.Series:
    """Name of the primary rule each cell breaks, or None."""
    n = cells["n"].fillna(0)
    money = cells["money"].fillna(False).astype(bool)
    dominance = cells["dominance"].astype(float).fillna(0.0)
    rule = np.select(
        [
            (n < rules["min_n"]) | cells["estimate"].isna(),
            money & (n < rules["money_min_n"]),
            money & (dominance > rules["money_dominance"]),
        ],
        ["min_n", "money_min_n", "dominance"],
        default="",
    )
    return pd.Series(rule, index=cells.index).replace("", None)


def secondary_rule(cells: pd.DataFrame, suppressed: pd.Series) -> pd.Series:
    """Cells to suppress so that no group of siblings has exactly one suppressed cell."""
    siblings = cells["breakdown"] != "all"
    count = suppressed.where(siblings, False).groupby([cells[g] for g in GROUP]).transform("sum")
    at_risk = siblings & (count == 1) & ~suppressed
    order = cells.loc[at_risk].sort_values(["n", "breakdown_value"])
    first = order.groupby(GROUP, sort=False).head(1).index
    return pd.Series(cells.index.isin(first), index=cells.index)


def apply_disclosure(cells: pd.DataFrame, rules: Mapping) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Flag and blank cells; returns the published cells and the suppression log.

    ``cells`` needs GROUP + breakdown_value, NUMBERS, n, money, dominance and estimator."""
    out = cells.copy()
    primary = primary_rule(out, rules)
    suppressed = primary.notna()
    secondary = secondary_rule(out, suppressed)
    rule = primary.where(suppressed, np.where(secondary, "secondary", NONE))
    suppressed |= secondary
    cv = (out["se"] / out["estimate"].abs()).where(out["estimator"].isin(CV_ESTIMATORS))
    low = (out["n"] < rules["low_reliability_n"]) | (cv > rules["low_reliability_cv"])
    out["flag"] = np.where(suppressed, "suppressed", np.where(low, "low_reliability", "ok"))
    out["flag_reason"] = np.where(
        suppressed,
        rule.fillna("secondary"),
        np.where(
            out["n"] < rules["low_reliability_n"],
            "low_n",
            np.where(cv > rules["low_reliability_cv"], "high_cv", NONE),
        ),
    )
    out.loc[suppressed, NUMBERS] = np.nan
    log = out.loc[suppressed, [*GROUP, "breakdown_value", "n"]].assign(rule=rule[suppressed])
    return out, log.reset_index(drop=True)
