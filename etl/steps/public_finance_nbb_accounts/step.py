"""Public spending: NBB accounts 2014-2018 of the four Brussels entities."""

from __future__ import annotations

import pandas as pd

from etl.public_finance import (
    FinanceStep,
    load_spec,
    long_frame,
    nbb_rows,
    read_text,
)
from etl.runner import Context, StepError, meta_of


class NbbAccounts(FinanceStep):
    """NBB.Stat NFGOV 2014-2018: expenditure, social benefits, subsidies and transfers of the
    four Brussels entities (the COCOM/GGC series breaks in 2015)."""

    FILE = "NFGOV_15072019142144350.csv"

    def extract(self, ctx: Context) -> pd.DataFrame:
        spec = load_spec()
        entities = {e["nfgov"]: key for key, e in spec["entities"].items()}
        rows = []
        for r in nbb_rows(read_text(ctx.source(self.meta.source_id).path(self.FILE)), self.FILE):
            sector = entities.get(r["NFGOV_GOVTYPE"])
            if sector is None or r["NFGOV_ITEM"] not in spec["items"]:
                continue
            if r["NFGOV_UNIT"] != "E":
                raise StepError(
                    f"{self.FILE} line {r['_line']}: unit {r['NFGOV_UNIT']!r} is not E (million EUR)"
                )
            rows.append(
                {
                    "kind": "nbb_acc",
                    "release": self.release,
                    "geo_code": "04000",
                    "sector": sector,
                    "function": r["NFGOV_ITEM"],
                    "unit": "eur_million",
                    "period": r["TIME"],
                    "value": float(r["Value"]) if r["Value"] else None,
                    "flag": r["Flag Codes"] or None,
                    "note": r["Flags"] or None,
                    "file": self.FILE,
                }
            )
        return long_frame(rows)

    def validate(self, raw: pd.DataFrame) -> None:
        super().validate(raw)
        spec = load_spec()
        counts = raw.groupby(["sector", "function"])["value"].count()
        missing = [(e, i) for e in spec["entities"] for i in spec["items"] if counts.get((e, i), 0) == 0]
        if missing:
            raise StepError(f"{self.name}: no value for {missing[:5]}")


STEP = NbbAccounts(meta_of(__name__))
run = STEP.run
