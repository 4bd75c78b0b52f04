"""Statbel legal population on 1 January by region (2017-2020, 2024) and municipality
(2018-2020). Each region row keeps the page or file it was read from in its note."""

from __future__ import annotations

import pandas as pd

from etl.runner import Context, Step, StepError, insert_series

SOURCE = "statbel_population"
SERIES = {
    "series": "statbel_population",
    "source_id": SOURCE,
    "dataset": "statbel_population",
    "unit": "persons",
    "title_en": "Legal population on 1 January (Statbel)",
    "title_fr": "Population légale au 1er janvier (Statbel)",
    "title_nl": "Wettelijke bevolking op 1 januari (Statbel)",
    "comparability_note_en": "Statbel legal population; differs from Eurostat demo_pjan. Municipality "
    "counts change with mergers (589 in 2018, 581 from 2019).",
    "comparability_note_fr": "Population légale de Statbel ; diffère de demo_pjan d'Eurostat. Le nombre "
    "de communes change avec les fusions (589 en 2018, 581 à partir de 2019).",
    "comparability_note_nl": "Wettelijke bevolking van Statbel; verschilt van demo_pjan van Eurostat. Het "
    "aantal gemeenten wijzigt door fusies (589 in 2018, 581 vanaf 2019).",
}


class StatbelPopulation(Step):
    name = "statbel_population"
    depends = ("geography",)
    sources = (SOURCE,)

    def extract(self, ctx: Context) -> pd.DataFrame:
        src = ctx.source(SOURCE)
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
        insert_series(ctx, [SERIES])
        known = {r[0] for r in ctx.con.execute("SELECT geo_code FROM core.geography").fetchall()}
        # municipalities merged in 2019 keep their code as historical units
        old = raw[~raw.nis_code.isin(known)].drop_duplicates("nis_code")
        ctx.con.executemany(
            "INSERT INTO core.geography VALUES (?, 'municipality', ?, ?, ?, NULL, NULL, ?, ?)",
            [
                [r.nis_code, r.name_fr, r.name_fr, r.name_nl, r.nis_code, r.nis_code[:2] + "000"]
                for r in old.itertuples()
            ],
        )
        return pd.DataFrame(
            {
                "source_id": SOURCE,
                "dataset": "statbel_population",
                "series": "statbel_population",
                "geo_code": raw.nis_code,
                "period": raw.ref_date,
                "value": raw.population.astype(float),
                "unit": "persons",
                "note": "source: " + raw.source,
            }
        )


STEP = StatbelPopulation()
