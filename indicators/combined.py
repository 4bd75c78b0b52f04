"""Combined indicators: the volunteer workforce of the Brussels social sector and its value.

Assumptions are in combined_assumptions.yaml (shown in the indicator descriptions). Methods:

* ``public_volunteer_fte``: volunteers x hours a week / full-time hours a week; low end with
  the low hours and the long full-time week, high end = central (the volunteer count is a lower
  bound, so the figure is too).
* ``public_replacement_value``: that FTE x annual compensation per salaried job in Brussels
  non-profits (ILO replacement-cost method), in million euros.
* ``survey_replacement_value``: the survey total of volunteer FTE (an input indicator) x the
  same annual compensation; its SE and CI are scaled by the same constant.
"""

from __future__ import annotations

from pathlib import Path

import duckdb
import pandas as pd

from core.yamlfile import read_yaml
from indicators.catalogue import Indicator
from indicators.public_series import series_value

ASSUMPTIONS_FILE = Path(__file__).with_name("combined_assumptions.yaml")


def load_assumptions(path: Path = ASSUMPTIONS_FILE) -> dict:
    return read_yaml(path)


def required_series(assumptions: dict) -> list[str]:
    return [
        assumptions["volunteers_series"],
        assumptions["volunteer_hours_week"]["central_series"],
        assumptions["wage"]["compensation_series"],
        assumptions["wage"]["employment_series"],
    ]


def annual_wage(con: duckdb.DuckDBPyConnection, assumptions: dict) -> float:
    """Euros of compensation per salaried job a year."""
    wage = assumptions["wage"]
    comp, _ = series_value(con, wage["compensation_series"], wage["geo"])
    jobs, _ = series_value(con, wage["employment_series"], wage["geo"])
    return comp / jobs


def public_fte(con: duckdb.DuckDBPyConnection, a: dict) -> tuple[float, float, float, str]:
    """(central, low, high, period) volunteer FTE from public figures."""
    volunteers, period = series_value(con, a["volunteers_series"], a["volunteers_geo"])
    hours, _ = series_value(con, a["volunteer_hours_week"]["central_series"], "01000")
    full = a["full_time_hours_week"]
    central = volunteers * hours / full["central"]
    low = volunteers * a["volunteer_hours_week"]["low"] / full["low"]
    return central, min(low, central), central, period


def _row(ind: Indicator, period: str, central: float, low: float, high: float) -> dict:
    return {
        "indicator_id": ind.id,
        "period": period,
        "breakdown": "all",
        "breakdown_value": "all",
        "estimate": central,
        "value_low": low,
        "value_high": high,
        "flag": "ok",
        "synthetic": False,
    }


def combined_rows(
    con: duckdb.DuckDBPyConnection, ind: Indicator, survey_cells: pd.DataFrame, assumptions: dict
) -> pd.DataFrame:
    """Cells of one combined indicator; survey-based ones keep n and dominance of their input
    so that disclosure control applies to them like to any survey cell."""
    if ind.method == "public_volunteer_fte":
        central, low, high, period = public_fte(con, assumptions)
        return pd.DataFrame([_row(ind, period, central, low, high)])
    wage = annual_wage(con, assumptions)
    if ind.method == "public_replacement_value":
        central, low, high, period = public_fte(con, assumptions)
        return pd.DataFrame([_row(ind, period, *(v * wage / 1e6 for v in (central, low, high)))])
    if ind.method == "survey_replacement_value":
        base = survey_cells[survey_cells["indicator_id"] == ind.inputs[0]].copy()
        for col in ("estimate", "se", "ci_low", "ci_high"):
            base[col] = base[col] * wage / 1e6
        return base.assign(indicator_id=ind.id, money=True, estimator="total")
    raise ValueError(f"{ind.path}: unknown combined method {ind.method!r}")
