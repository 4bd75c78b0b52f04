"""World Bank consumer prices and GDP deflator (annual % change, as published) and the consumer
price index 2015 = 100 chained from them: the deflator of the public spending steps."""

from __future__ import annotations

import csv
import io

import pandas as pd

from core.i18n import LANGUAGES
from etl.public_finance import add_geographies, chain_index, load_spec, read_text
from etl.runner import Context, StepError, meta_of
from etl.tabular import Step, insert_series


class WorldBankPrices(Step):
    """Consumer prices and GDP deflator for Belgium and the EU (annual % change as published)
    and the consumer price index (2015 = 100) chained from the annual changes."""

    @property
    def dataset(self) -> str:
        return str(self.meta.data["dataset"])

    def extract(self, ctx: Context) -> pd.DataFrame:
        spec = load_spec()
        src = ctx.source(self.meta.source_id)
        geos = spec["worldbank_geos"]
        rows = []
        for key in ("cpi", "gdp_deflator"):
            wb = spec["worldbank"][key]
            reader = csv.reader(io.StringIO(read_text(src.path(wb["file"]))))
            header = next(reader)  # lists, not a dict per line: the files hold 25,000 lines
            code, year, inflation = (header.index(c) for c in ("Country Code", "Year", "Inflation"))
            for line, r in enumerate((r for r in reader if r), start=2):  # blank lines skipped
                if r[code] in geos:
                    rows.append(
                        {
                            "indicator": key,
                            "code": r[code],
                            "geo_code": geos[r[code]],
                            "period": r[year],
                            "value": float(r[inflation]),
                            "line": line,
                            "file": wb["file"],
                        }
                    )
        return pd.DataFrame(rows)

    def validate(self, raw: pd.DataFrame) -> None:
        spec = load_spec()["worldbank"]
        for key in ("cpi", "gdp_deflator"):
            for code, checks in spec[key]["check"].items():
                for year, expected in checks.items():
                    got = raw[(raw.indicator == key) & (raw.code == code) & (raw.period == year)]
                    if got.empty or abs(float(got["value"].iloc[0]) - expected) > 0.001:
                        raise StepError(
                            f"{spec[key]['file']}: {code} {year} should be about {expected} for "
                            f"{key} (the file names are swapped upstream); found "
                            f"{got['value'].tolist()}: check which file holds which indicator"
                        )
        dup = raw.duplicated(["indicator", "geo_code", "period"])
        if dup.any():
            raise StepError(f"World Bank: duplicate years {raw[dup].head(3).values.tolist()}")

    def transform(self, raw: pd.DataFrame, ctx: Context) -> pd.DataFrame:
        add_geographies(ctx)
        spec = load_spec()
        wb = spec["worldbank"]
        base = spec["real_terms"]["base_year"]
        rel = spec["releases"]["wb2025"]
        out = []
        metas = []
        for key in ("cpi", "gdp_deflator"):
            part = raw[raw.indicator == key]
            out.append(
                pd.DataFrame(
                    {
                        "series": wb[key]["series"],
                        "geo_code": part.geo_code,
                        "period": part.period,
                        "value": part.value,
                        "unit": "percent_change",
                        "flag": None,
                        "note": None,
                    }
                )
            )
            notes = [wb["note"], *([wb[key]["note"]] if "note" in wb[key] else [])]
            metas.append(self._meta(wb[key]["series"], "percent_change", wb[key], notes, None, None, rel))
        cpi = raw[raw.indicator == "cpi"]
        index_rows = []
        for geo, part in cpi.groupby("geo_code"):
            for year, level in chain_index(
                dict(zip(part.period.astype(int), part.value, strict=True)), base
            ).items():
                index_rows.append(
                    {
                        "series": wb["cpi_index"]["series"],
                        "geo_code": geo,
                        "period": str(year),
                        "value": level,
                        "unit": "index_2015",
                        "flag": None,
                        "note": "derived: annual changes chained",
                    }
                )
        out.append(pd.DataFrame(index_rows))
        metas.append(
            self._meta(
                wb["cpi_index"]["series"],
                "index_2015",
                wb["cpi_index"],
                [wb["note"]],
                base,
                wb["cpi"]["series"],
                rel,
            )
        )
        insert_series(ctx, metas)
        frame = pd.concat(out, ignore_index=True)
        return frame.assign(source_id=self.meta.source_id, dataset=self.dataset)

    def _meta(
        self,
        series: str,
        unit: str,
        titles: dict,
        notes: list[dict],
        base: int | None,
        derived_from: str | None,
        rel: dict,
    ) -> dict:
        units = load_spec()["units"][unit]
        row = {
            "series": series,
            "source_id": self.meta.source_id,
            "dataset": self.dataset,
            "unit": unit,
            "release": "wb2025",
            "base_year": base,
            "derived_from": derived_from,
        }
        for lang in LANGUAGES:
            row |= {
                f"title_{lang}": titles[lang],
                f"release_{lang}": rel[lang],
                f"unit_label_{lang}": units[lang],
                f"comparability_note_{lang}": " ".join(n[lang] for n in notes),
            }
        return row


STEP = WorldBankPrices(meta_of(__name__))
run = STEP.run
