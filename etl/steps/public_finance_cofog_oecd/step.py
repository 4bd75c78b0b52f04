"""Public spending: OECD National Accounts Table 11 (COFOG), Belgium, 2008-2013."""

from __future__ import annotations

import csv
import io

import pandas as pd

from etl.public_finance import (
    CofogRelease,
    long_frame,
    read_text,
)
from etl.runner import Context, StepError, meta_of


class OecdCofog2015(CofogRelease):
    """OECD National Accounts Table 11, Belgium, general government, COFOG levels 1-2,
    2008-2013; published in thousand EUR although the file says EUR (divided by 1,000)."""

    FILE = "government-expenditure-cofog-belgium.csv"

    def extract(self, ctx: Context) -> pd.DataFrame:
        reader = csv.reader(io.StringIO(read_text(ctx.source(self.meta.source_id).path(self.FILE))))
        header = next(reader)
        if header[:4] != ["cofog-level-1", "cofog-level-2", "name", "currency"]:
            raise StepError(f"{self.FILE}: unexpected header {header[:6]}")
        rows = []
        for cells in reader:
            level1, level2 = int(cells[0]), int(cells[1])
            code = f"GF{level1:02d}" + (f"{level2:02d}" if level2 else "")
            for year, cell in zip(header[4:], cells[4:], strict=True):
                rows.append(
                    {
                        "kind": "cofog",
                        "release": self.release,
                        "geo_code": "BE",
                        "sector": "S13",
                        "function": code,
                        "unit": "eur_million",
                        "period": year,
                        "value": int(cell) / 1000.0,
                        "flag": None,
                        "note": f"published as {cell} (thousand EUR)",
                        "file": self.FILE,
                    }
                )
        return long_frame(rows)


STEP = OecdCofog2015(meta_of(__name__))
run = STEP.run
