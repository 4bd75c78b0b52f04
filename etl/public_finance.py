"""Public spending on social protection and social exclusion (real data): what governments in
Belgium spend, by function (COFOG) and level of government, with the EU-27 for comparison and
the Brussels institutions (Brussels-Capital Region, COCOF, COCOM/GGC, VGC) from the National
Bank; real terms and per inhabitant derived here. This module is what the ``public_finance_*``
steps (``etl/steps/public_finance_*/``) share: each step reads its snapshot, this module
publishes it.

Every input is a byte-for-byte copy of a public file, shipped as a checksummed snapshot
(``etl/snapshots/<source_id>/``, provenance in each ``source.yaml``); ``public_finance.yaml``
beside this file says which cells become series and holds every series' metadata in FR/NL/EN.
One series never mixes two releases (vintages): the release is part of the series id and of
``public.series.release``.

Steps, in dependency order (each step's meta.yml names its snapshot, dataset and release):
  public_finance_prices   World Bank consumer prices and GDP deflator (% change, as published)
                          and the consumer price index 2015 = 100 chained from them
  public_finance_cofog_*  Eurostat gov_10a_exp (three releases) and OECD Table 11: BE, EU-27
  public_finance_nbb_*    NBB 2017 spending by function (incl. the Brussels entities) and
                          NBB 2014-2018 accounts of the four Brussels entities
Each spending step adds the real-terms series (``eur_million_2015``: nominal x 100 / consumer
price index of the same geography and year) and the per-inhabitant series
(``eur_per_inhabitant``: nominal x 1e6 / population on 1 January, Eurostat demo_pjan for BE and
the EU-27, Statbel for the Brussels entities) of its million-EUR series where the inputs exist.
Breaks (the COCOM/GGC 2015 break of the sixth state reform) are flagged ``b`` on the first
period after the break, listed in ``public.series.breaks`` and explained in the notes.

No live refresh: none of the gov_10a_exp files is a JSON-stat document (the 2026 file is an
application's own JSON layout, the others CSV layouts), so the JSON-stat parser of
``etl/eurostat.py`` cannot refresh them; replacing one with an API response would change its
format and break its byte-for-byte provenance. A JSON-stat snapshot of gov_10a_exp would have
to be shipped first (as for ilc_scp19) to be refreshed by ``build --refresh``.
"""

from __future__ import annotations

import csv
import io
import math
import re
from collections.abc import Iterable
from functools import cache
from pathlib import Path
from typing import Any

import pandas as pd

from core.i18n import LANGUAGES
from core.yamlfile import read_yaml
from etl.runner import Context, StepError
from etl.tabular import Step, insert_series

SPEC_FILE = Path(__file__).with_name("public_finance.yaml")
#: Geography whose consumer prices deflate a geography's values.
PRICE_GEO = {"BE": "BE", "01000": "BE", "04000": "BE", "EU27_2020": "EU27_2020"}
BULK_VALUE = re.compile(r"^\s*(-?\d+(?:\.\d+)?|:)\s*([a-z]*)\s*$")
#: Columns of the long frames the spending steps extract.
LONG = [
    "kind",
    "release",
    "geo_code",
    "sector",
    "function",
    "unit",
    "period",
    "value",
    "flag",
    "note",
    "file",
]


@cache
def load_spec() -> dict:
    return read_yaml(SPEC_FILE)


def read_text(path: Path) -> str:
    """A snapshot file as text: UTF-8 (a byte-order mark is dropped), strictly decoded."""
    return path.read_bytes().decode("utf-8-sig")


# --- series ids and metadata -------------------------------------------------------------


def series_id(kind: str, release: str, function: str, sector: str, unit: str) -> str:
    """Id of a series: ``function`` is a COFOG code or NBB item code, ``sector`` an ESA
    subsector code or a Brussels entity key (see the module's YAML for the scheme)."""
    spec = load_spec()
    what = spec["items" if kind == "nbb_acc" else "functions"][function]["code"]
    where = spec["sectors"][sector]["code"] if sector in spec["sectors"] else sector
    prefix = {"cofog": "cofog", "nbb_cofog": "nbb_cofog", "nbb_acc": "nbb_acc"}[kind]
    return f"{prefix}_{what}_{where}_{unit}_{release}"


def short_release(release: str, lang: str) -> str:
    """The release's short label (e.g. ``Eurostat 2026-08``) in ``lang``."""
    short = load_spec()["releases"][release]["short"]
    return short[lang] if isinstance(short, dict) else short


def _release_sources(release: str) -> list[str]:
    source = load_spec()["releases"][release]["source"]
    return source if isinstance(source, list) else [source]


def _break_for(kind: str, sector: str) -> dict | None:
    """The break of an entity's accounts (the NBB 2017 split by function is one year)."""
    return next((b for b in load_spec()["breaks"] if kind == "nbb_acc" and b["entity"] == sector), None)


def series_meta(
    kind: str,
    release: str,
    function: str,
    sector: str,
    unit: str,
    *,
    source_id: str,
    dataset: str,
    geos: Iterable[str],
    derived_from: str | None = None,
) -> dict[str, Any]:
    """The core.series row of one series, with titles, unit labels, release and notes."""
    spec = load_spec()
    rel = spec["releases"][release]
    notes = spec["notes"]
    entity = sector in spec["entities"]
    parts: list[dict[str, str]] = [notes["release"][release]]
    if (not entity) and sector not in ("S13", "S1300"):
        parts.append(notes["subsector"])
    if entity:
        parts.append(notes["entity"])
    if kind == "nbb_acc" and sector == "bcr":
        parts.append(notes["bcr_reform"])
    brk = _break_for(kind, sector)
    if brk:
        parts.append(brk)
    if "EU27_2020" in set(geos):
        parts.append(notes["eu27"])
    if unit == "eur_million_2015":
        parts.append(notes["real_terms"])
    if unit == "eur_per_inhabitant":
        parts.append(notes["per_inhabitant_statbel" if entity else "per_inhabitant_eurostat"])
    row: dict[str, Any] = {
        "series": series_id(kind, release, function, sector, unit),
        "source_id": source_id,
        "dataset": dataset,
        "unit": unit,
        "release": release,
        "base_year": spec["real_terms"]["base_year"] if unit == "eur_million_2015" else None,
        "breaks": brk["period"] if brk else None,
        "derived_from": derived_from,
    }
    template = spec["titles"][kind]
    for lang in LANGUAGES:
        labels = {
            "function": spec["functions"][function][lang] if function in spec["functions"] else "",
            "item": spec["items"][function][lang] if function in spec["items"] else "",
            "sector": spec["sectors"][sector][lang] if sector in spec["sectors"] else "",
            "entity": (
                spec["entities"][sector][lang] if entity else spec["sectors"].get(sector, {}).get(lang, "")
            ),
            "unit": spec["units"][unit][lang],
            "release": short_release(release, lang),
        }
        row[f"title_{lang}"] = template[lang].format(**labels)
        row[f"release_{lang}"] = rel[lang]
        row[f"unit_label_{lang}"] = spec["units"][unit][lang]
        row[f"comparability_note_{lang}"] = " ".join(p[lang] for p in parts)
    return row


# --- shared step logic ---------------------------------------------------------------------


def add_geographies(ctx: Context) -> None:
    """Aggregates the finance series use besides countries (EU-27), with their names."""
    for code, geo in load_spec()["geographies"].items():
        ctx.con.execute(
            "INSERT OR IGNORE INTO core.geography (geo_code, level, label_en, label_fr, label_nl, nuts) "
            "VALUES (?, ?, ?, ?, ?, ?)",
            [code, geo["level"], geo["en"], geo["fr"], geo["nl"], code],
        )


def _lookup(ctx: Context, series: str) -> dict[tuple[str, str], float]:
    rows = ctx.con.execute(
        "SELECT geo_code, period, value FROM core.statistic WHERE series = ? "
        "AND sex = 'T' AND age = 'TOTAL' AND value IS NOT NULL",
        [series],
    ).fetchall()
    return {(g, p): v for g, p, v in rows}


def price_index(ctx: Context) -> dict[tuple[str, str], float]:
    """(price geography, year) -> consumer price index, base year = 100."""
    return _lookup(ctx, load_spec()["real_terms"]["index_series"])


def eurostat_population(ctx: Context) -> dict[tuple[str, str], float]:
    """(geo, year) -> population on 1 January (Eurostat); the EU-27 as the sum of its 27
    members, for the years where all 27 are present."""
    spec = load_spec()["population"]
    pop = _lookup(ctx, spec["eurostat"])
    members = set(spec["eu27_members"])
    years = {p for (_g, p) in pop}
    for year in years:
        values = [pop[(m, year)] for m in members if (m, year) in pop]
        if len(values) == len(members):
            pop[("EU27_2020", year)] = float(sum(values))
    return pop


class FinanceStep(Step):
    """One public-finance snapshot: extract a long frame (columns ``LONG``), publish it as
    series, and derive real terms / per inhabitant from its million-EUR series."""

    @property
    def dataset(self) -> str:
        return str(self.meta.data["dataset"])

    @property
    def release(self) -> str:
        return str(self.meta.data["release"])

    @property
    def derive_real(self) -> bool:
        return bool(self.meta.data.get("derive_real", True))

    @property
    def derive_per_inhabitant(self) -> bool:
        return bool(self.meta.data.get("derive_per_inhabitant", True))

    def validate(self, raw: pd.DataFrame) -> None:
        missing = [c for c in LONG if c not in raw.columns]
        if missing:
            raise StepError(f"{self.name}: columns {missing} missing from the extract")
        key = ["kind", "release", "geo_code", "sector", "function", "unit", "period"]
        dup = raw.duplicated(key)
        if dup.any():
            raise StepError(
                f"{self.name}: several values for one cell, e.g. {raw.loc[dup, key].head(3).values.tolist()}"
            )
        if raw["value"].isna().all():
            raise StepError(f"{self.name}: the snapshot holds no value")

    def transform(self, raw: pd.DataFrame, ctx: Context) -> pd.DataFrame:
        add_geographies(ctx)
        frame = raw.copy()
        frame = frame[frame["value"].notna() | frame["flag"].notna()]
        frame = self._apply_breaks(frame)
        derived = []
        nominal = frame[frame["unit"] == "eur_million"]
        if self.derive_real and len(nominal):
            derived.append(self._real(ctx, nominal))
        if self.derive_per_inhabitant and len(nominal):
            derived.append(self._per_inhabitant(ctx, nominal))
        out = pd.concat([frame, *derived], ignore_index=True)
        out = out[out["value"].notna() | out["flag"].notna()]
        out["series"] = [
            series_id(*k)
            for k in out[["kind", "release", "function", "sector", "unit"]].itertuples(index=False)
        ]
        out["source_id"] = out["release"].map(self._source_of)
        by_series = out.groupby("series", sort=True)  # whole-column operations: 200+ series
        mixed = by_series[["source_id", "release"]].nunique().ne(1).any(axis=1)
        if mixed.any():
            raise StepError(f"{self.name}: series {mixed.idxmax()} would mix releases or sources")
        geos = by_series["geo_code"].unique()
        metas = []
        firsts = out.drop_duplicates("series").set_index("series").sort_index()
        for sid, first in zip(firsts.index, firsts.to_dict("records"), strict=True):  # no Series a row
            derived_from = (
                None if first["unit"] == "eur_million" or first["kind"] == "wb" else self._inputs(first)
            )
            metas.append(
                series_meta(
                    first["kind"],
                    first["release"],
                    first["function"],
                    first["sector"],
                    first["unit"],
                    source_id=first["source_id"],
                    dataset=self.dataset,
                    geos=geos[sid],
                    derived_from=derived_from,
                )
            )
        insert_series(ctx, metas)
        return pd.DataFrame(
            {
                "source_id": out["source_id"],
                "dataset": self.dataset,
                "series": out["series"],
                "geo_code": out["geo_code"],
                "period": out["period"],
                "value": out["value"],
                "unit": out["unit"],
                "flag": out["flag"],
                "note": out["note"],
            }
        )

    # the release's source that this step registers
    def _source_of(self, release: str) -> str:
        sources = [s for s in _release_sources(release) if s in self.sources]
        if len(sources) != 1:
            raise StepError(f"{self.name}: release {release} has no single source among {self.sources}")
        return sources[0]

    def _inputs(self, row: dict[str, Any]) -> str:
        nominal = series_id(row["kind"], row["release"], row["function"], row["sector"], "eur_million")
        spec = load_spec()
        if row["unit"] == "eur_million_2015":
            return f"{nominal} {spec['real_terms']['index_series']}"
        entity = row["sector"] in spec["entities"]
        return f"{nominal} {spec['population']['statbel' if entity else 'eurostat']}"

    def _apply_breaks(self, frame: pd.DataFrame) -> pd.DataFrame:
        frame = frame.copy()
        for brk in load_spec()["breaks"]:
            mask = (
                (frame["kind"] == "nbb_acc")
                & (frame["sector"] == brk["entity"])
                & (frame["period"] == brk["period"])
            )
            frame.loc[mask, "flag"] = "b"
            frame.loc[mask, "note"] = [
                _join(n, "break in series (sixth state reform)") for n in frame.loc[mask, "note"]
            ]
        return frame

    def _real(self, ctx: Context, nominal: pd.DataFrame) -> pd.DataFrame:
        index = price_index(ctx)
        base = load_spec()["real_terms"]["base_year"]
        rows = []
        for r in nominal.itertuples(index=False):
            level = index.get((PRICE_GEO.get(r.geo_code, ""), r.period))
            if level is None or _missing(r.value):
                continue
            rows.append(
                {
                    **r._asdict(),
                    "unit": "eur_million_2015",
                    "value": round(r.value * 100.0 / level, 1),
                    "note": _join(
                        r.note, f"= {r.value:g} x 100 / {level:.3f} (consumer prices, {base} = 100)"
                    ),
                }
            )
        return pd.DataFrame(rows, columns=LONG)

    def _per_inhabitant(self, ctx: Context, nominal: pd.DataFrame) -> pd.DataFrame:
        spec = load_spec()["population"]
        eurostat = eurostat_population(ctx)
        statbel = _lookup(ctx, spec["statbel"])
        rows = []
        for r in nominal.itertuples(index=False):
            if _missing(r.value):
                continue
            if r.sector in load_spec()["entities"]:
                pop, when = statbel.get(("04000", f"{r.period}-01-01")), f"{r.period}-01-01 Statbel"
            else:
                pop, when = eurostat.get((r.geo_code, r.period)), f"{r.period}-01-01 Eurostat"
            if pop is None:
                continue
            rows.append(
                {
                    **r._asdict(),
                    "unit": "eur_per_inhabitant",
                    "value": round(r.value * 1e6 / pop, 1),
                    "note": _join(r.note, f"= {r.value:g} million / {pop:.0f} inhabitants ({when})"),
                }
            )
        return pd.DataFrame(rows, columns=LONG)


def _missing(value: object) -> bool:
    return value is None or (isinstance(value, float) and math.isnan(value))


def _join(*parts: object) -> str | None:
    text = "; ".join(str(p) for p in parts if isinstance(p, str) and p)
    return text or None


def long_frame(rows: list[dict]) -> pd.DataFrame:
    frame = pd.DataFrame(rows, columns=LONG)
    frame["value"] = frame["value"].astype(float)
    return frame


def chain_index(changes: dict[int, float], base: int) -> dict[int, float]:
    """An index (``base`` = 100) from annual % changes, over the unbroken run of years around
    ``base``: I(t) = I(t-1) x (1 + g(t)/100)."""
    if base not in changes:
        raise StepError(f"no price change for the base year {base}")
    index = {base: 100.0}
    year = base
    while year + 1 in changes:
        index[year + 1] = index[year] * (1 + changes[year + 1] / 100.0)
        year += 1
    year = base
    while year - 1 in changes:
        index[year - 1] = index[year] / (1 + changes[year] / 100.0)
        year -= 1
    return dict(sorted(index.items()))


# --- Eurostat and OECD COFOG ---------------------------------------------------------------


def _cofog_wanted(release: str) -> dict:
    return load_spec()["cofog"][release]


def _keep(frame: pd.DataFrame, release: str) -> pd.DataFrame:
    """The cells of ``frame`` that ``public_finance.yaml`` publishes for ``release``."""
    want = _cofog_wanted(release)
    units = [load_spec()["eurostat_units"][u] for u in want["units"]]
    return frame[
        frame.geo_code.isin(want["geos"])
        & frame.function.isin(want["functions"])
        & frame.sector.isin(want["sectors"])
        & frame.unit.isin(units)
    ]


def _check_cover(name: str, frame: pd.DataFrame, release: str) -> None:
    """Every wanted (function, sector, unit) has a value for Belgium, and for general
    government in the other geographies (Eurostat splits the EU-27 by subsector only for some
    functions); the share of total expenditure of the total is not published."""
    want = _cofog_wanted(release)
    units = [load_spec()["eurostat_units"][u] for u in want["units"]]
    have = set(
        frame[frame.value.notna()][["geo_code", "function", "sector", "unit"]].itertuples(
            index=False, name=None
        )
    )
    missing = [
        (g, f, s, u)
        for g in want["geos"]
        for f in want["functions"]
        for s in (want["sectors"] if g == "BE" else ["S13"])
        for u in units
        if (g, f, s, u) not in have and (f, u) != ("TOTAL", "percent_total_expenditure")
    ]
    if missing:
        raise StepError(
            f"{name}: no value for {missing[:5]} ({len(missing)} combinations); "
            "the snapshot does not hold what public_finance.yaml expects"
        )


class CofogRelease(FinanceStep):
    """A COFOG snapshot holding one release: checked for coverage and published alone (releases
    are never spliced); ``drop_missing`` leaves out cells without a value."""

    @property
    def drop_missing(self) -> bool:
        return bool(self.meta.data.get("drop_missing", False))

    def validate(self, raw: pd.DataFrame) -> None:
        super().validate(raw)
        _check_cover(self.name, _keep(raw, self.release), self.release)

    def transform(self, raw: pd.DataFrame, ctx: Context) -> pd.DataFrame:
        kept = _keep(raw, self.release)
        return super().transform(kept[kept.value.notna()] if self.drop_missing else kept, ctx)


# --- National Bank of Belgium --------------------------------------------------------------


def nbb_function(code: str) -> str:
    """NBB COFOG code (TOT, F10, F10_7) -> Eurostat code (TOTAL, GF10, GF1007)."""
    if code == "TOT":
        return "TOTAL"
    group, _, sub = code[1:].partition("_")
    return f"GF{int(group):02d}" + (f"{int(sub):02d}" if sub else "")


def nbb_rows(text: str, file: str) -> list[dict[str, str]]:
    rows = list(csv.DictReader(io.StringIO(text)))
    for i, r in enumerate(rows, start=2):
        r["_line"], r["_file"] = str(i), file
    return rows
