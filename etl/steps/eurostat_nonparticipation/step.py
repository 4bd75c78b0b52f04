"""Reasons for not volunteering (Eurostat ilc_scp21), as the series of meta.yml."""

from etl.eurostat_series import EurostatStep
from etl.runner import meta_of

STEP = EurostatStep(meta_of(__name__))
run = STEP.run
