"""Public spending: Eurostat gov_10a_exp in per mille of GDP, release of January 2023."""

from __future__ import annotations

import csv
import io

import pandas as pd

from etl.public_finance import (
    CofogRelease,
    load_spec,
    long_frame,
    read_text,
)
from etl.runner import Context, StepError, meta_of


class CofogPerMille2023(CofogRelease):
    """Eurostat gov_10a_exp custom extract, general government, whole numbers in per mille of
    GDP, 2001-2020 (semicolon-separated; '#VALEUR!' = spreadsheet error, no value)."""

    FILE = "gov_10a_exp.csv"

    def extract(self, ctx: Context) -> pd.DataFrame:
        names = load_spec()["geo_names"]
        reader = csv.reader(
            io.StringIO(read_text(ctx.source(self.meta.source_id).path(self.FILE))), delimiter=";"
        )
        header = next(reader)
        if header[:4] != ["geo", "code", "thema", "subthema"]:
            raise StepError(f"{self.FILE}: unexpected header {header[:6]}")
        rows = []
        for cells in reader:
            geo = names.get(cells[0])
            if geo is None:
                continue
            for year, cell in zip(header[4:], cells[4:], strict=True):
                value = None if cell.startswith("#") else float(cell)
                rows.append(
                    {
                        "kind": "cofog",
                        "release": self.release,
                        "geo_code": geo,
                        "sector": "S13",
                        "function": cells[1],
                        "unit": "per_mille_gdp",
                        "period": year,
                        "value": value,
                        "flag": None,
                        "note": f"spreadsheet error {cell} in the file" if value is None else None,
                        "file": self.FILE,
                    }
                )
        return long_frame(rows)


STEP = CofogPerMille2023(meta_of(__name__))
run = STEP.run
