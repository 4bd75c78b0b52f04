"""Every indicator, its disclosure control, trends, the pressure index and the recommendations,
computed from the survey and the public statistics already in the warehouse."""

from __future__ import annotations

from etl.runner import Context, StepResult
from indicators.compute import compute_all


def run(ctx: Context) -> StepResult:
    """Rows in: the survey waves; rows out: the indicator values written."""
    [(waves,)] = ctx.con.execute("SELECT count(DISTINCT wave) FROM restricted.survey_current").fetchall()
    return StepResult(waves, compute_all(ctx.con).n_values)
