"""Every indicator, its disclosure control, trends, the pressure index and the recommendations,
computed from the survey and the public statistics already in the warehouse."""

from __future__ import annotations

from etl.runner import Context, StepResult
from indicators.compute import compute_all


def run(ctx: Context) -> StepResult:
    """Rows in: the survey waves; rows out: the indicator values written."""
    [(waves,)] = ctx.con.execute("SELECT count(DISTINCT wave) FROM restricted.survey_current").fetchall()
    return StepResult(waves, compute_all(ctx.con).n_values)


def after_reuse(ctx: Context) -> None:
    """The lineage copied from the previous build names the survey's load of this build."""
    ctx.con.execute(
        "UPDATE meta.indicator_lineage l SET load_ids = s.load_ids FROM (SELECT wave::VARCHAR AS period, "
        "string_agg(DISTINCT load_id, ' ' ORDER BY load_id) AS load_ids FROM restricted.survey_current "
        "GROUP BY wave) s WHERE l.load_ids IS NOT NULL AND l.period = s.period"
    )
