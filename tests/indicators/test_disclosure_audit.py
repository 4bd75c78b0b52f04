"""Disclosure audit of everything the public sees (demo data): dashboard pages in fr/nl/en,
explorer views, downloads, every API list (all pages), the data package and a note.

No cell with n < 5 carries a value, and no free-text answer (org_name, subsector_other,
comments) nor any enterprise number of the survey exports appears in any response body."""

from __future__ import annotations

import csv
import io
import json
import re
from pathlib import Path
from urllib.parse import urlencode

import pandas as pd
import pytest
from dash_pages import PAGES, render
from support import ROOT

from core.i18n import LANGUAGES
from dashboard.data import PUBLIC_VIEWS
from exports.datapackage import export_package
from exports.notes.content import build_note
from exports.notes.writer import write_note
from sector_monitor.web import create_app

VALUE_FIELDS = ("estimate", "se", "ci_low", "ci_high", "value_low", "value_high")
EXPLORED = (
    ("indicator:fund_private_ethics", "size_class"),  # has cells with n = 1 and 3
    ("indicator:demand_trend_balance", "subsector"),
    ("indicator:acc_expenses_all", "region"),
    ("indicator:acc_expenses_all", "volunteer_model"),
)


def secrets_of_the_demo_exports() -> re.Pattern:
    """Free-text answers and enterprise numbers (digits and dotted) of the shipped demo exports."""
    found: set[str] = set()
    for path in (ROOT / "etl" / "snapshots" / "survey_demo").glob("*.csv"):
        frame = pd.read_csv(path, sep=";", dtype=str, keep_default_na=False)
        for column in ("profile/org_name", "profile/subsector_other", "respondent/comments"):
            found |= {v for value in frame[column] for v in value.splitlines() if len(v) >= 8}
        for number in frame["profile/org_id"]:
            digits = re.sub(r"\D", "", number).zfill(10)
            found |= {digits, f"{digits[:4]}.{digits[4:7]}.{digits[7:]}"}
    assert len(found) > 300
    return re.compile("|".join(re.escape(s) for s in sorted(found, key=len, reverse=True)))


@pytest.fixture(scope="module")
def bodies(warehouse_path: Path, tmp_path_factory: pytest.TempPathFactory) -> dict[str, str]:
    """Every public response body by where it came from."""
    client = create_app(warehouse_path).server.test_client()
    out: dict[str, str] = {}

    def get(url: str) -> str:
        response = client.get(url)
        assert response.status_code == 200, url
        out[url] = response.get_data(as_text=True)
        return out[url]

    for lang in LANGUAGES:
        for page in PAGES:
            out[f"/{lang}{page}"] = render(client, f"/{lang}{page}")
        for indicator, breakdown in EXPLORED:
            query = urlencode({"indicator": indicator, "breakdown": breakdown, "period": "2024"})
            out[f"/{lang}/explorer?{query}"] = render(client, f"/{lang}/explorer?{query}")
            get(f"/download/explorer.csv?{query}&lang={lang}")
    for view in PUBLIC_VIEWS:
        get(f"/download/{view}.csv")

    def walk(url: str | None) -> None:
        """Every page of an API list, following ``pagination.next``."""
        while url:
            url = (json.loads(get(url)).get("pagination") or {}).get("next")

    for url in (
        "/api/v1/indicators",
        "/api/v1/statistics?limit=1000",
        "/api/v1/series",
        "/api/v1/sources",
        "/api/v1/editions",
    ):
        walk(url)
    for indicator in pd.read_csv(io.StringIO(out["/download/indicators.csv"]))["indicator_id"]:
        get(f"/api/v1/indicators/{indicator}")
        walk(f"/api/v1/indicators/{indicator}/values?limit=1000")
    folder = tmp_path_factory.mktemp("audit")
    export_package(warehouse_path, folder / "package")
    for path in (folder / "package").rglob("*"):
        if path.is_file() and path.suffix in (".csv", ".json", ".md"):
            out[f"package:{path.name}"] = path.read_text(encoding="utf-8")
    for lang in LANGUAGES:
        note = write_note(build_note(warehouse_path, lang), folder / f"note_{lang}.md")
        out[f"note:{lang}"] = note.read_text(encoding="utf-8")
    return out


@pytest.mark.slow
def test_no_free_text_nor_enterprise_number_is_published(bodies: dict[str, str]) -> None:
    secrets = secrets_of_the_demo_exports()
    leaks = {where: m.group(0) for where, body in bodies.items() if (m := secrets.search(body))}
    assert leaks == {}
    assert len(bodies) > 100


def small_cells(records: list[dict]) -> list[dict]:
    """Records with 0 < n < 5 that still carry a value."""
    return [
        r
        for r in records
        if str(r.get("n") or "").strip()
        and float(r["n"]) < 5
        and any(str(r.get(f) or "").strip() not in ("", "nan", "None") for f in VALUE_FIELDS)
    ]


@pytest.mark.slow
def test_no_cell_under_five_carries_a_value(bodies: dict[str, str]) -> None:
    checked = 0
    for where, body in bodies.items():
        if "/values" in where:
            records = json.loads(body)["data"]
        elif ".csv" in where:
            table = [line for line in body.lstrip("\ufeff").splitlines() if not line.startswith("#")]
            records = list(csv.DictReader(table))
        else:
            continue
        if records and "n" in records[0]:
            checked += len(records)
            assert small_cells(records) == [], where
    assert checked > 1000
