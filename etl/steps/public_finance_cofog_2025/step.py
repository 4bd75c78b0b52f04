"""Public spending: Eurostat gov_10a_exp bulk file, release of January 2025."""

from __future__ import annotations

import csv
import io
import re

import pandas as pd

from etl.public_finance import (
    BULK_VALUE,
    CofogRelease,
    load_spec,
    long_frame,
    read_text,
)
from etl.runner import Context, StepError, meta_of


class CofogBulk2025(CofogRelease):
    """Eurostat gov_10a_exp in its bulk layout (flags glued to values: ``2015.8 p``), file of
    January 2025 or earlier; Belgium and the EU-27 only."""

    FILE = "estat_gov_10a_exp.csv"
    FLAGS = {
        "p": "provisional",
        "e": "estimated",
        "b": "break in time series",
        "d": "definition differs",
        "u": "low reliability",
        "c": "confidential",
    }

    def extract(self, ctx: Context) -> pd.DataFrame:
        units = load_spec()["eurostat_units"]
        reader = csv.reader(io.StringIO(read_text(ctx.source(self.meta.source_id).path(self.FILE))))
        header = [h.strip() for h in next(reader)]
        dims = ["freq", "unit", "sector", "cofog99", "na_item", "geo"]
        if header[:6] != dims or not all(re.fullmatch(r"\d{4}", h) for h in header[6:]):
            raise StepError(f"{self.FILE}: unexpected header {header[:8]}")
        years = header[6:]
        rows = []
        for line, cells in enumerate(reader, start=2):
            if cells[5] not in ("BE", "EU27_2020"):
                continue
            for year, cell in zip(years, cells[6:], strict=True):
                m = BULK_VALUE.match(cell)
                if not m:
                    raise StepError(
                        f"{self.FILE} line {line}: value {cell!r} is not a number with optional flags"
                    )
                number, flags = m.groups()
                rows.append(
                    {
                        "kind": "cofog",
                        "release": self.release,
                        "geo_code": cells[5],
                        "sector": cells[2],
                        "function": cells[3],
                        "unit": units.get(cells[1], cells[1]),
                        "period": year,
                        "value": None if number == ":" else float(number),
                        "flag": flags or None,
                        "note": "; ".join(self.FLAGS.get(f, f) for f in flags) or None,
                        "file": self.FILE,
                    }
                )
        return long_frame(rows)


STEP = CofogBulk2025(meta_of(__name__))
run = STEP.run
