"""Population on 1 January (Eurostat demo_pjan), as the series of meta.yml."""

from etl.eurostat_series import EurostatStep
from etl.runner import meta_of

STEP = EurostatStep(meta_of(__name__))
run = STEP.run
