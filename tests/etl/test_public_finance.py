"""Public spending series: values equal the raw files, one release per series,
real terms and per inhabitant recomputed independently, the NBB Brussels entities, the 2015
COCOM/GGC break, and the series metadata in FR/NL/EN."""

from __future__ import annotations

import csv
import hashlib
import io
import json
import re
from pathlib import Path

import pandas as pd
import pytest
import yaml
from support import ROOT

from core.i18n import LANGUAGES
from etl.public_finance import chain_index
from etl.runner import StepError
from etl.steps.public_finance_prices.step import STEP as PRICES

SNAPSHOTS = ROOT / "etl" / "snapshots"
TIDY = Path("/work/shared/data/public/finance/tidy")  # decodings to cross-check, when present
FINANCE = ("gov_10a_exp", "SNA_TABLE11", "NFGOVCOFOG", "NFGOV", "WDI")
SOURCES = (
    "eurostat_gov_10a_exp_2026_08",
    "eurostat_gov_10a_exp_2025_01",
    "eurostat_gov_10a_exp_2023_01",
    "oecd_sna_table11_cofog_be",
    "nbb_nfgovcofog_2017",
    "nbb_nfgov_2014_2018",
    "worldbank_inflation",
)
CODE = {"TOTAL": "total", "GF10": "gf10", "GF1004": "gf1004", "GF1007": "gf1007"}


def _raw(source: str, name: str) -> str:
    return (SNAPSHOTS / source / name).read_bytes().decode("utf-8-sig")


def _stat(wh, series: str, geo: str, period: str) -> tuple[float | None, str | None]:
    row = wh.execute(
        "SELECT value, flag FROM public.statistics WHERE series = ? AND geo_code = ? AND period = ?",
        [series, geo, period],
    ).fetchone()
    assert row is not None, (series, geo, period)
    return row


def test_every_cell_of_the_2026_json_is_in_the_warehouse(wh) -> None:
    doc = json.loads(_raw("eurostat_gov_10a_exp_2026_08", "eurostat-depenses.json"))
    checked = 0
    for year in doc["exercices"]:
        for sector in year["secteurs"]:
            cells = {"TOTAL": sector["total"]} | {
                f["code"]: f["montantMillionsEur"] for f in sector["fonctions"]
            }
            for function, code in CODE.items():
                series = f"cofog_{code}_{sector['code'].lower()}_eur_million_estat202608"
                assert _stat(wh, series, "BE", str(year["annee"])) == (cells[function], None)
                checked += 1
    assert checked == 4 * 4 * 4
    # the headline cells quoted in the issue
    assert _stat(wh, "cofog_gf1007_s1312_eur_million_estat202608", "BE", "2023")[0] == 644.5
    assert _stat(wh, "cofog_gf1007_s13_eur_million_estat202608", "BE", "2024")[0] == 7575.6


def test_bulk_file_values_and_flags_are_in_the_warehouse(wh) -> None:
    units = {"MIO_EUR": "eur_million", "PC_GDP": "percent_gdp", "PC_TOT": "percent_total_expenditure"}
    rows = list(csv.reader(io.StringIO(_raw("eurostat_gov_10a_exp_2025_01", "estat_gov_10a_exp.csv"))))
    years = [h.strip() for h in rows[0][6:]]
    checked = flagged = 0
    for _f, unit, sector, function, _i, geo, *cells in rows[1:]:
        if geo not in ("BE", "EU27_2020") or function not in CODE:
            continue
        series = f"cofog_{CODE[function]}_{sector.lower()}_{units[unit]}_estat202501"
        for year, cell in zip(years, cells, strict=True):
            number, _, flag = cell.strip().partition(" ")
            assert _stat(wh, series, geo, year) == (float(number), flag or None), (series, year)
            checked += 1
            flagged += bool(flag)
    assert checked == 340 and flagged > 0  # 68 rows x 5 years
    assert _stat(wh, "cofog_gf10_s13_percent_gdp_estat202501", "BE", "2022") == (20.3, "p")
    assert _stat(wh, "cofog_gf10_s13_percent_gdp_estat202501", "EU27_2020", "2021") == (20.3, None)


def test_per_mille_of_gdp_values_as_published(wh) -> None:
    text = _raw("eurostat_gov_10a_exp_2023_01", "gov_10a_exp.csv")
    rows = list(csv.reader(io.StringIO(text), delimiter=";"))
    geos = {"Belgium": "BE", "European Union - 27 countries (from 2020)": "EU27_2020"}
    checked = 0
    for geo, code, _theme, _sub, *cells in rows[1:]:
        if geo in geos and code in ("GF1004", "GF1007"):
            for year, cell in zip(rows[0][4:], cells, strict=True):
                series = f"cofog_{CODE[code]}_s13_per_mille_gdp_estat202301"
                assert _stat(wh, series, geos[geo], year)[0] == int(cell)
                checked += 1
    assert checked == 2 * 2 * 20
    assert _stat(wh, "cofog_gf1007_s13_per_mille_gdp_estat202301", "BE", "2020")[0] == 12
    unit = wh.execute(
        "SELECT unit, unit_label_en FROM public.series WHERE series = "
        "'cofog_gf1007_s13_per_mille_gdp_estat202301'"
    ).fetchone()
    assert unit == ("per_mille_gdp", "‰ of GDP")


def test_oecd_thousand_eur_become_million_eur(wh) -> None:
    rows = list(
        csv.reader(io.StringIO(_raw("oecd_sna_table11_cofog_be", "government-expenditure-cofog-belgium.csv")))
    )
    codes = {("10", "0"): "gf10", ("10", "4"): "gf1004", ("10", "7"): "gf1007"}
    checked = 0
    for level1, level2, _name, currency, *cells in rows[1:]:
        if (level1, level2) in codes:
            assert currency == "EUR"  # says EUR, holds thousand EUR
            for year, cell in zip(rows[0][4:], cells, strict=True):
                series = f"cofog_{codes[level1, level2]}_s13_eur_million_oecd201507"
                value, _ = _stat(wh, series, "BE", year)
                assert value == pytest.approx(int(cell) / 1000, abs=1e-9)
                checked += 1
    assert checked == 3 * 6
    assert _stat(wh, "cofog_gf1007_s13_eur_million_oecd201507", "BE", "2008")[0] == 3054.9


@pytest.mark.skipif(not TIDY.exists(), reason="shared tidy decodings not available")
def test_values_agree_with_the_independent_tidy_decoding(wh) -> None:
    tidy = pd.read_csv(TIDY / "cofog_BE_EU_tidy.csv", dtype={"year": str})
    releases = {
        "CFeyants": "estat202608",
        "ChristianParodi": "estat202501",
        "louisroquiny": "estat202301",
        "Yannael": "oecd201507",
    }
    units = {
        "MIO_EUR": "eur_million",
        "PC_GDP": "percent_gdp",
        "PC_TOT": "percent_total_expenditure",
        "PERMILLE_GDP": "per_mille_gdp",
    }
    ours = wh.execute(
        "SELECT series, geo_code, period, value FROM public.statistics WHERE series LIKE 'cofog_%'"
    ).df()
    ours = {(r.series, r.geo_code, r.period): r.value for r in ours.itertuples()}
    compared = 0
    for r in tidy.itertuples():
        release = releases[r.source.split("/")[0]]
        if r.function not in CODE or r.unit not in units:
            continue
        key = (f"cofog_{CODE[r.function]}_{r.sector.lower()}_{units[r.unit]}_{release}", r.geo, r.year)
        if key in ours:
            assert ours[key] == pytest.approx(r.value, abs=1e-9), key
            compared += 1
    assert compared > 500


def test_one_release_and_one_source_per_series(wh) -> None:
    mixed = wh.execute(
        "SELECT series FROM public.statistics WHERE dataset IN (SELECT unnest(?)) GROUP BY series "
        "HAVING count(DISTINCT source_id) > 1",
        [list(FINANCE)],
    ).fetchall()
    assert mixed == []
    series = wh.execute(
        "SELECT series, release FROM public.series WHERE dataset IN (SELECT unnest(?))", [list(FINANCE)]
    ).fetchall()
    assert len(series) > 150
    for sid, release in series:
        assert release and (sid.endswith(release) or sid.startswith("wb_")), sid


def _cpi_index(code: str) -> dict[str, float]:
    """Consumer price index 2015 = 100 recomputed from the raw World Bank file (whose name
    says GDP: the upstream file names are swapped)."""
    rows = csv.DictReader(io.StringIO(_raw("worldbank_inflation", "inflation-gdp.csv")))
    growth = {int(r["Year"]): float(r["Inflation"]) for r in rows if r["Country Code"] == code}
    level, index = 100.0, {2015: 100.0}
    for year in range(2016, max(growth) + 1):
        level *= 1 + growth[year] / 100
        index[year] = level
    level = 100.0
    for year in range(2015, 2000, -1):
        level /= 1 + growth[year] / 100
        index[year - 1] = level
    return {str(y): v for y, v in index.items()}


def test_real_terms_deflated_by_consumer_prices_base_2015(wh) -> None:
    be, eu = _cpi_index("BEL"), _cpi_index("EUU")
    assert be["2022"] / be["2021"] == pytest.approx(1.09597511728725)
    cases = [
        ("cofog_gf1007_s1312", "estat202608", "BE", "2024", be),
        ("cofog_gf1007_s13", "oecd201507", "BE", "2008", be),
        ("cofog_gf1004_s13", "estat202501", "EU27_2020", "2020", eu),
        ("nbb_acc_social_benefits_cocom", "nbb201907", "04000", "2016", be),
    ]
    for stem, release, geo, year, index in cases:
        nominal, _ = _stat(wh, f"{stem}_eur_million_{release}", geo, year)
        real, _ = _stat(wh, f"{stem}_eur_million_2015_{release}", geo, year)
        assert real == pytest.approx(nominal * 100 / index[year], abs=0.051), stem
    meta = wh.execute(
        "SELECT base_year, unit_label_fr, unit_label_nl, unit_label_en, derived_from "
        "FROM public.series WHERE series = "
        "'cofog_gf1007_s13_eur_million_2015_estat202608'"
    ).fetchone()
    assert meta[0] == 2015 and all("2015" in label for label in meta[1:4])
    assert meta[4] == "cofog_gf1007_s13_eur_million_estat202608 wb_cpi_index_2015"
    stored = _stat(wh, "wb_cpi_index_2015", "BE", "2024")[0]
    assert stored == pytest.approx(be["2024"], rel=1e-12)
    # no index for the EU in 2024 in the shipped file: no real value rather than a guess
    assert (
        wh.execute(
            "SELECT count(*) FROM public.statistics WHERE geo_code = 'EU27_2020' AND "
            "unit = 'eur_million_2015' AND period = '2024'"
        ).fetchone()[0]
        == 0
    )


def test_per_inhabitant_uses_one_population_definition_per_series(wh) -> None:
    pop = dict(
        wh.execute(
            "SELECT geo_code || '/' || period, value FROM public.statistics "
            "WHERE series = 'eurostat_population'"
        ).fetchall()
    )
    members = [
        "AT",
        "BE",
        "BG",
        "CY",
        "CZ",
        "DE",
        "DK",
        "EE",
        "EL",
        "ES",
        "FI",
        "FR",
        "HR",
        "HU",
        "IE",
        "IT",
        "LT",
        "LU",
        "LV",
        "MT",
        "NL",
        "PL",
        "PT",
        "RO",
        "SE",
        "SI",
        "SK",
    ]
    eu_2021 = sum(pop[f"{m}/2021"] for m in members)
    assert 440e6 < eu_2021 < 460e6
    nominal = _stat(wh, "cofog_gf1007_s1312_eur_million_estat202608", "BE", "2021")[0]
    assert _stat(wh, "cofog_gf1007_s1312_eur_per_inhabitant_estat202608", "BE", "2021")[0] == pytest.approx(
        nominal * 1e6 / pop["BE/2021"], abs=0.051
    )
    eu = _stat(wh, "cofog_gf1004_s13_eur_million_estat202501", "EU27_2020", "2021")[0]
    assert _stat(wh, "cofog_gf1004_s13_eur_per_inhabitant_estat202501", "EU27_2020", "2021")[
        0
    ] == pytest.approx(eu * 1e6 / eu_2021, abs=0.051)
    brussels = wh.execute(
        "SELECT value FROM public.statistics WHERE series = "
        "'statbel_population' AND geo_code = '04000' AND period = '2017-01-01'"
    ).fetchone()[0]
    cocom = _stat(wh, "nbb_cofog_gf1007_cocom_eur_million_nbb201907", "04000", "2017")[0]
    assert _stat(wh, "nbb_cofog_gf1007_cocom_eur_per_inhabitant_nbb201907", "04000", "2017")[
        0
    ] == pytest.approx(cocom * 1e6 / brussels, abs=0.051)
    notes = dict(
        wh.execute(
            "SELECT series, comparability_note_en FROM public.series WHERE unit = 'eur_per_inhabitant'"
        ).fetchall()
    )
    for series, note in notes.items():
        said = ("Eurostat demo_pjan" in note) + ("Statbel" in note)
        assert said == 1, series


def test_nbb_brussels_entities_2017_and_accounts(wh) -> None:
    expected = {"bcr": 64.2, "cocof": 33.6, "cocom": 72.3, "vgc": 0.0}
    for entity, value in expected.items():
        assert _stat(wh, f"nbb_cofog_gf1007_{entity}_eur_million_nbb201907", "04000", "2017") == (value, None)
    assert _stat(wh, "nbb_cofog_gf10_cocom_eur_million_nbb201907", "04000", "2017")[0] == 869.4
    assert _stat(wh, "nbb_cofog_gf1007_s13_eur_million_nbb201907", "01000", "2017")[0] == 4965.0
    # the raw NFGOV file, recomputed
    rows = csv.DictReader(io.StringIO(_raw("nbb_nfgov_2014_2018", "NFGOV_15072019142144350.csv")))
    cocom = {
        r["TIME"]: float(r["Value"]) for r in rows if r["NFGOV_GOVTYPE"] == "CJC" and r["NFGOV_ITEM"] == "TOE"
    }
    for year, value in cocom.items():
        got = _stat(wh, "nbb_acc_expenditure_cocom_eur_million_nbb201907", "04000", year)
        assert got == (value, "b" if year == "2015" else None)
    assert (cocom["2014"], cocom["2015"]) == (108.5, 1216.4)
    assert _stat(wh, "nbb_acc_expenditure_cocom_eur_million_2015_nbb201907", "04000", "2015")[1] == "b"


def test_series_say_release_unit_base_year_and_breaks_in_three_languages(wh) -> None:
    frame = wh.execute(
        "SELECT * FROM public.series WHERE dataset IN (SELECT unnest(?))", [list(FINANCE)]
    ).df()
    for lang in LANGUAGES:
        for col in ("title", "release", "unit_label", "comparability_note"):
            assert frame[f"{col}_{lang}"].str.len().gt(5).all(), (col, lang)
    real = frame[frame["unit"] == "eur_million_2015"]
    assert len(real) > 40 and (real["base_year"] == 2015).all()
    assert frame.loc[~frame["unit"].isin(["eur_million_2015", "index_2015"]), "base_year"].isna().all()
    cocom = frame[frame["series"].str.startswith("nbb_acc_") & frame["series"].str.contains("_cocom_")]
    assert len(cocom) == 10 and (cocom["breaks"] == "2015").all()
    for lang, word in (("fr", "Rupture"), ("nl", "Breuk"), ("en", "Break")):
        assert cocom[f"comparability_note_{lang}"].str.contains(f"{word}.*2015").all()
    assert frame.loc[~frame.index.isin(cocom.index), "breaks"].isna().all()
    row = frame.set_index("series").loc["cofog_gf1007_s1312_eur_million_estat202608"]
    assert row["release"] == "estat202608" and "22 August 2026" in row["release_en"]
    assert "22 août 2026" in row["release_fr"] and "22 augustus 2026" in row["release_nl"]
    assert "Communautés et Régions" in row["title_fr"] and "Eurostat 2026-08" in row["title_en"]
    assert "consolid" in row["comparability_note_en"]


def test_finance_sources_are_byte_copies_with_provenance(wh) -> None:
    sources = wh.execute(
        "SELECT source_id, sha256, title_fr, title_nl, title_en, citation_fr, "
        "citation_nl, citation_en FROM public.sources WHERE source_id IN "
        "(SELECT unnest(?))",
        [list(SOURCES)],
    ).fetchall()
    assert len(sources) == len(SOURCES)
    for source_id, sha, *texts in sources:
        manifest = yaml.safe_load((SNAPSHOTS / source_id / "source.yaml").read_text())
        assert {"fr", "nl", "en"} <= set(manifest["i18n"]) and all(texts)
        blobs = re.findall(r"git blob ([0-9a-f]{40})", manifest["note"])
        for entry in manifest["files"]:
            data = (SNAPSHOTS / source_id / entry["path"]).read_bytes()
            assert hashlib.sha256(data).hexdigest() == entry["sha256"] and entry["sha256"] in sha
            blob = hashlib.sha1(b"blob %d\0" % len(data) + data).hexdigest()
            assert blob in blobs, (source_id, entry["path"])  # same bytes as the upstream file
            assert entry["origin"].startswith("https://raw.githubusercontent.com/")
            assert entry["retrieved_on"]


def test_swapped_world_bank_files_are_detected() -> None:
    raw = pd.DataFrame(
        [
            {"indicator": "cpi", "code": "BEL", "geo_code": "BE", "period": "2022", "value": 6.84397975},
            {
                "indicator": "gdp_deflator",
                "code": "BEL",
                "geo_code": "BE",
                "period": "2022",
                "value": 9.597511728725,
            },
        ]
    )
    with pytest.raises(StepError, match="swapped"):
        PRICES.validate(raw)
    raw["indicator"] = ["gdp_deflator", "cpi"]
    PRICES.validate(raw)


def test_price_index_chains_annual_changes() -> None:
    index = chain_index({2014: 1.0, 2015: 10.0, 2016: 20.0}, 2015)
    assert index == {2014: pytest.approx(100 / 1.1), 2015: 100.0, 2016: pytest.approx(120.0)}
    with pytest.raises(StepError):
        chain_index({2014: 1.0}, 2015)
