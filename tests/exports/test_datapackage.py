"""The downloadable data package: valid Frictionless package of every public table, CSVs safe
to open in a spreadsheet, Parquet with the original values, README with citation."""

from __future__ import annotations

import csv
import json
from pathlib import Path

import frictionless
import pandas as pd
import pytest
from warehouse_edit import CELL, edited_copy, set_estimate

from exports.datapackage import export_package
from exports.public_tables import PUBLIC_TABLES
from warehouse.sql import connect_readonly

FORMULA = '=HYPERLINK("http://example.invalid","click")'


@pytest.fixture(scope="module")
def package(warehouse_path: Path, tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The package of a build where an indicator title looks like a formula and an estimate is
    negative."""
    root = tmp_path_factory.mktemp("package")
    warehouse = edited_copy(
        warehouse_path,
        root / "wh" / "warehouse.duckdb",
        set_estimate(-3.25),
        ("UPDATE public.indicators SET title_en = ? WHERE indicator_id = ?", [FORMULA, CELL[0]]),
    )
    return export_package(warehouse, root / "out")


@pytest.mark.slow
def test_the_package_validates_with_frictionless(package: Path) -> None:
    report = frictionless.validate(str(package))
    assert report.valid, report.flatten(["type", "fieldName", "rowNumber", "note"])[:10]


def test_every_public_table_is_described_with_csv_and_parquet(package: Path) -> None:
    descriptor = json.loads(package.read_text(encoding="utf-8"))
    names = [r["name"] for r in descriptor["resources"]]
    assert names == list(PUBLIC_TABLES)
    for resource in descriptor["resources"]:
        assert (package.parent / resource["path"]).is_file()
        assert (package.parent / "parquet" / f"{resource['name']}.parquet").is_file()
        assert resource["schema"]["primaryKey"] == list(PUBLIC_TABLES[resource["name"]])
    values = next(r for r in descriptor["resources"] if r["name"] == "indicator_values")
    fields = {f["name"]: f for f in values["schema"]["fields"]}
    assert fields["estimate"]["type"] == "number" and fields["n"]["type"] == "integer"
    assert "confidence" in fields["ci_low"]["description"]
    assert descriptor["licenses"] and descriptor["citation"]
    assert any("Eurostat" in s["title"] for s in descriptor["sources"])
    every_field = {f["name"] for r in descriptor["resources"] for f in r["schema"]["fields"]}
    assert not every_field & {"org_pseudo", "response_id", "source_file", "load_id"}


def test_the_whitelist_is_the_warehouses_public_schema(warehouse_path: Path) -> None:
    """A public view left out of the whitelist would be missing from every package and edition."""
    with connect_readonly(warehouse_path) as con:
        views = {
            name
            for (name,) in con.execute(
                "SELECT table_name FROM information_schema.tables "
                "WHERE table_catalog = 'wh' AND table_schema = 'public'"
            ).fetchall()
        }
    assert set(PUBLIC_TABLES) == views


def test_a_formula_like_label_is_neutralised_but_numbers_stay_numbers(package: Path) -> None:
    with (package.parent / "data" / "indicators.csv").open(encoding="utf-8", newline="") as f:
        titles = {row["indicator_id"]: row["title_en"] for row in csv.DictReader(f)}
    assert titles[CELL[0]] == "'" + FORMULA
    with (package.parent / "data" / "indicator_values.csv").open(encoding="utf-8", newline="") as f:
        rows = list(csv.DictReader(f))
    cell = next(r for r in rows if tuple(r[k] for k in PUBLIC_TABLES["indicator_values"]) == CELL)
    assert cell["estimate"] == "-3.25"
    parquet = pd.read_parquet(package.parent / "parquet" / "indicators.parquet")
    assert parquet.set_index("indicator_id").loc[CELL[0], "title_en"] == FORMULA


def test_the_readme_says_synthetic_and_how_to_cite(package: Path) -> None:
    readme = (package.parent / "README.md").read_text(encoding="utf-8")
    descriptor = json.loads(package.read_text(encoding="utf-8"))
    assert descriptor["synthetic"] is True
    assert "synthetic data" in readme
    assert descriptor["citation"] in readme
    assert "Licence:" in readme
