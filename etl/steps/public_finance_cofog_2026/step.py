"""Public spending: Eurostat gov_10a_exp as collected on 2026-08-22."""

from __future__ import annotations

import json

import pandas as pd

from etl.public_finance import (
    CofogRelease,
    long_frame,
    read_text,
)
from etl.runner import Context, meta_of


class CofogJson2026(CofogRelease):
    """Eurostat gov_10a_exp as collected on 2026-08-22 by the CFeyants/Appcommunale connector
    (its own JSON layout: exercices > secteurs > fonctions, million EUR, no flags)."""

    FILE = "eurostat-depenses.json"

    def extract(self, ctx: Context) -> pd.DataFrame:
        doc = json.loads(read_text(ctx.source(self.meta.source_id).path(self.FILE)))
        rows = []
        for year in doc["exercices"]:
            for sector in year["secteurs"]:
                cells = [("TOTAL", sector["total"])] + [
                    (f["code"], f["montantMillionsEur"]) for f in sector["fonctions"]
                ]
                for code, value in cells:
                    rows.append(
                        {
                            "kind": "cofog",
                            "release": self.release,
                            "geo_code": "BE",
                            "sector": sector["code"],
                            "function": code,
                            "unit": "eur_million",
                            "period": str(year["annee"]),
                            "value": value,
                            "flag": None,
                            "note": None,
                            "file": self.FILE,
                        }
                    )
        return long_frame(rows)


STEP = CofogJson2026(meta_of(__name__))
run = STEP.run
