"""Public spending: NBB 2017 expenditure by function, subsectors and Brussels entities."""

from __future__ import annotations

import pandas as pd

from etl.public_finance import (
    FinanceStep,
    load_spec,
    long_frame,
    nbb_function,
    nbb_rows,
    read_text,
)
from etl.runner import Context, StepError, meta_of


class NbbCofog2017(FinanceStep):
    """NBB.Stat NFGOVCOFOG 2017: total expenditure by function for the subsectors and for the
    four Brussels entities of the Communities and Regions subsector."""

    FILES = ("NFGOVCOFOG_15072019161312395.csv", "NFGOVCOFOG_22072019062445259.csv")

    def extract(self, ctx: Context) -> pd.DataFrame:
        spec = load_spec()
        src = ctx.source(self.meta.source_id)
        national = spec["nbb_cofog"]["sectors"]
        entities = {e["nfgovcofog"]: key for key, e in spec["entities"].items()}
        rows = []
        for file in self.FILES:
            for r in nbb_rows(read_text(src.path(file)), file):
                code = r["NFGOVCOFOG_SECTOR"]
                sector = national.get(code) if file == self.FILES[0] else entities.get(code)
                if sector is None or r["NFGOVCOFOG_ITEM"] != "TOT":
                    continue
                value = float(r["Value"]) if r["Value"] else None
                rows.append(
                    {
                        "kind": "nbb_cofog",
                        "release": self.release,
                        "geo_code": "04000" if sector in spec["entities"] else "01000",
                        "sector": sector,
                        "function": nbb_function(r["NFGOVCOFOG_FUNCTION"]),
                        "unit": "eur_million",
                        "period": r["TIME"],
                        "value": value,
                        "flag": r["Flag Codes"] or None,
                        "note": r["Flags"] or None,
                        "file": file,
                    }
                )
        return long_frame(rows)

    def validate(self, raw: pd.DataFrame) -> None:
        super().validate(raw)
        spec = load_spec()
        want = [
            (s, f)
            for s in [*spec["nbb_cofog"]["sectors"].values(), *spec["entities"]]
            for f in spec["nbb_cofog"]["functions"]
        ]
        have = set(raw[raw.value.notna()][["sector", "function"]].itertuples(index=False, name=None))
        missing = [w for w in want if w not in have]
        if missing:
            raise StepError(f"{self.name}: no 2017 value for {missing[:5]}")

    def transform(self, raw: pd.DataFrame, ctx: Context) -> pd.DataFrame:
        keep = raw[raw.function.isin(load_spec()["nbb_cofog"]["functions"])]
        return super().transform(keep, ctx)


STEP = NbbCofog2017(meta_of(__name__))
run = STEP.run
