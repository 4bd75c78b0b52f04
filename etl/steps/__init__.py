"""The ETL steps, in declaration order (the runner orders them by their dependencies)."""

from etl.runner import Step
from etl.steps import eurostat, geography, public_finance, reference_figures, statbel


def public_statistics_steps() -> list[Step]:
    """Steps that load the public statistics."""
    return [
        geography.STEP,
        eurostat.VOLUNTEERING,
        eurostat.NONPARTICIPATION,
        eurostat.POPULATION,
        statbel.STEP,
        reference_figures.STEP,
        public_finance.PRICES,
        *public_finance.STEPS,
    ]
