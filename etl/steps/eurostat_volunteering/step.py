"""Formal and informal volunteering, active citizenship (Eurostat ilc_scp19), as meta.yml's series."""

from etl.eurostat_series import EurostatStep
from etl.runner import meta_of

STEP = EurostatStep(meta_of(__name__))
run = STEP.run
