"""Statbel legal population on 1 January by region (2017-2020, 2024) and municipality
(2018-2020). Each region row keeps the page or file it was read from in its note."""

from __future__ import annotations

import pandas as pd

from etl.runner import Context, StepError, meta_of
from etl.tabular import Step, insert_series
from warehouse.sql import insert_frame


class StatbelPopulation(Step):
    def extract(self, ctx: Context) -> pd.DataFrame:
        src = ctx.source(self.meta.source_id)
        regions = pd.read_csv(src.path("statbel_population_regions.csv"), dtype=str)
        munis = pd.read_csv(src.path("statbel_population_municipalities_2018_2020.csv"), dtype=str)
        regions = regions.rename(columns={"region_nis": "nis_code"}).assign(level="region")
        munis = munis.assign(level="municipality")
        cols = ["ref_date", "nis_code", "name_fr", "name_nl", "population", "level", "source"]
        regions = regions.assign(name_fr=None, name_nl=None)
        return pd.concat([regions[cols], munis[cols]], ignore_index=True)

    def validate(self, raw: pd.DataFrame) -> None:
        bad = raw[~raw.population.str.fullmatch(r"\d+") | ~raw.nis_code.str.fullmatch(r"\d{5}")]
        if not bad.empty:
            raise StepError(f"non-numeric population or NIS code in rows {bad.index[:5].tolist()}")
        dup = raw.duplicated(["ref_date", "nis_code"])
        if dup.any():
            raise StepError(f"duplicate (date, NIS code): {raw[dup].head(3).values.tolist()}")

    def transform(self, raw: pd.DataFrame, ctx: Context) -> pd.DataFrame:
        series = self.meta.data["series"]
        insert_series(ctx, [{**series, "source_id": self.meta.source_id}])
        known = {r[0] for r in ctx.con.execute("SELECT geo_code FROM core.geography").fetchall()}
        # municipalities merged in 2019 keep their code as historical units
        old = raw[~raw.nis_code.isin(known)].drop_duplicates("nis_code")
        insert_frame(
            ctx.con,
            "core.geography",
            pd.DataFrame(
                {
                    "geo_code": old.nis_code,
                    "level": "municipality",
                    "label_en": old.name_fr,
                    "label_fr": old.name_fr,
                    "label_nl": old.name_nl,
                    "nis": old.nis_code,
                    "parent": old.nis_code.str[:2] + "000",
                }
            ),
        )
        return pd.DataFrame(
            {
                "source_id": self.meta.source_id,
                "dataset": "statbel_population",
                "series": "statbel_population",
                "geo_code": raw.nis_code,
                "period": raw.ref_date,
                "value": raw.population.astype(float),
                "unit": "persons",
                "note": "source: " + raw.source,
            }
        )


STEP = StatbelPopulation(meta_of(__name__))
run = STEP.run
