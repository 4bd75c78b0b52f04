"""Dashboard behaviour through Flask's test client: languages, numbers, pages, downloads."""

from __future__ import annotations

import io
import json
import shutil
from pathlib import Path
from urllib.parse import urlsplit

import duckdb
import pandas as pd
import pytest

from dashboard.app import create_app
from dashboard.csv_export import neutralise, to_csv
from dashboard.formatting import format_number, format_value
from dashboard.i18n import gettext_for, negotiate_language, plotly_separators

PAGES = ("", "/statistics", "/explorer", "/methods", "/data")


def render(client, path: str) -> str:
    """The JSON of the page layout Dash's router returns for ``path`` (as the browser asks)."""
    url = urlsplit(path)
    body = {
        "output": ".._pages_content.children..._pages_store.data..",
        "outputs": [{"id": "_pages_content", "property": "children"},
                    {"id": "_pages_store", "property": "data"}],
        "inputs": [{"id": "_pages_location", "property": "pathname", "value": url.path},
                   {"id": "_pages_location", "property": "search",
                    "value": f"?{url.query}" if url.query else ""}],
        "changedPropIds": ["_pages_location.pathname"],
        "state": [],
    }
    response = client.post("/_dash-update-component", json=body)
    assert response.status_code == 200, response.data[:300]
    return json.dumps(response.get_json(), ensure_ascii=False)


SURVEY_VIEWS = ("indicators", "indicator_values", "index_values", "recommendations",
                "survey_responses_summary")


def without_survey(source: Path, target: Path) -> duckdb.DuckDBPyConnection:
    """A writable copy of ``source`` without any public survey view (as before a survey)."""
    shutil.copy(source, target)
    con = duckdb.connect(str(target))
    for name in SURVEY_VIEWS:
        kind = con.execute("SELECT table_type FROM information_schema.tables WHERE "
                           "table_schema = 'public' AND table_name = ?", [name]).fetchone()
        if kind:
            con.execute(f"DROP {'VIEW' if kind[0] == 'VIEW' else 'TABLE'} public.{name} CASCADE")
    return con


def survey_warehouse(source: Path, target: Path) -> Path:
    """A copy of ``source`` with a small synthetic indicator table (one suppressed cell)."""
    con = without_survey(source, target)
    con.execute("""
        CREATE TABLE public.indicators AS SELECT
          'task_transfer_share' AS indicator_id, 'task_transfer' AS theme, 'percent' AS unit,
          'higher_is_worse' AS polarity, 'proportion' AS estimator,
          'Associations transférant des tâches' AS title_fr,
          'Verenigingen die taken overdragen' AS title_nl,
          'Associations transferring tasks' AS title_en,
          '' AS description_fr, '' AS description_nl, '' AS description_en,
          NULL AS caveats_fr, NULL AS caveats_nl, NULL AS caveats_en,
          'task_transfer_3y' AS questions, '' AS sources, 'R4' AS recommendations""")
    con.execute("""
        CREATE TABLE public.indicator_values AS SELECT * FROM (VALUES
          ('task_transfer_share', '2024', 'all', 'all', 41.5, 3.1, 35.4, 47.6, 120, 'ok', TRUE),
          ('task_transfer_share', '2024', 'subsector', 'homelessness', 52.0, 6.0, 40.2, 63.8,
           34, 'ok', TRUE),
          ('task_transfer_share', '2024', 'subsector', 'food_aid', NULL, NULL, NULL, NULL, 3,
           'suppressed', TRUE)
        ) t(indicator_id, period, breakdown, breakdown_value, estimate, se, ci_low, ci_high, n,
            flag, synthetic)""")
    con.close()
    return target


@pytest.fixture(scope="module")
def client(warehouse_path: Path):
    return create_app(warehouse_path).server.test_client()


@pytest.fixture(scope="module")
def survey_client(warehouse_path: Path, tmp_path_factory: pytest.TempPathFactory):
    path = survey_warehouse(warehouse_path, tmp_path_factory.mktemp("survey") / "wh.duckdb")
    return create_app(path).server.test_client()


@pytest.mark.parametrize(("lang", "expected"), [
    ("fr", "7\u202f036,5"), ("nl", "7.036,5"), ("en", "7,036.5")])
def test_numbers_follow_the_language(lang: str, expected: str) -> None:
    assert format_number(7036.5, lang) == expected
    assert plotly_separators(lang)[0] == ("." if lang == "en" else ",")


def test_values_carry_localised_units() -> None:
    assert format_value(20.4, "percent", "fr") == "20,4\u00a0%"
    assert format_value(62000, "persons", "nl") == "62.000\u00a0personen"
    assert format_value(None, "percent", "en") == "–"


def test_catalogs_translate_every_language() -> None:
    assert gettext_for("fr")("Key figures") == "Chiffres clés"
    assert gettext_for("nl")("Key figures") == "Kerncijfers"
    assert gettext_for("en")("Key figures") == "Key figures"


@pytest.mark.parametrize(("header", "lang"), [
    ("nl-BE,nl;q=0.9,en;q=0.8", "nl"), ("en-US,en;q=0.5", "en"), ("de-DE", "fr"), (None, "fr")])
def test_root_redirects_by_accept_language(client, header: str | None, lang: str) -> None:
    assert negotiate_language(header) == lang
    response = client.get("/", headers={"Accept-Language": header} if header else {})
    assert response.status_code == 302
    assert response.headers["Location"] == f"/{lang}"


def test_html_lang_and_security_headers(client) -> None:
    response = client.get("/nl/statistics")
    assert '<html lang="nl">' in response.get_data(as_text=True)
    csp = response.headers["Content-Security-Policy"]
    assert "frame-ancestors 'none'" in csp and "http" not in csp and "unsafe-eval" not in csp
    assert response.headers["X-Content-Type-Options"] == "nosniff"
    assert response.headers["Referrer-Policy"]


def test_errors_show_no_trace(client) -> None:
    response = client.post("/_dash-update-component", json={"output": "nope.children"})
    assert response.status_code == 500
    assert b"Traceback" not in response.data and len(response.data) < 100


@pytest.mark.parametrize("lang", ["fr", "nl", "en"])
def test_every_page_renders_in_every_language(client, lang: str) -> None:
    for page in PAGES:
        assert '"props"' in render(client, f"/{lang}{page}")


def test_key_figures_come_from_the_warehouse(client) -> None:
    home = render(client, "/fr")
    assert "62\u202f000\u00a0personnes" in home  # KBS 2019, Brussels
    assert "20,4\u00a0% → 15,9\u00a0%" in home  # Eurostat, Belgium 2015 -> 2022
    assert "19\u00a0% → 49\u00a0%" in home  # KBS barometer 2018 -> 2020
    assert "source-kbs_volunteering_2019" in home


def test_missing_survey_views_say_not_available(warehouse_path: Path, tmp_path: Path) -> None:
    without_survey(warehouse_path, tmp_path / "wh.duckdb").close()
    client = create_app(tmp_path / "wh.duckdb").server.test_client()
    home = render(client, "/nl")
    assert "Deze gegevens zijn nog niet beschikbaar." in home and "Kerncijfers" in home
    assert client.get("/download/indicator_values.csv").status_code == 404


def test_missing_warehouse_degrades_gracefully(tmp_path: Path) -> None:
    empty = create_app(tmp_path / "absent.duckdb").server.test_client()
    for page in PAGES:
        assert "not available yet" in render(empty, f"/en{page}")


def test_synthetic_survey_figures_carry_the_banner(survey_client) -> None:
    home = render(survey_client, "/en")
    assert "Synthetic demonstration data." in home
    assert "41.5%" in home and "n = 120" in home
    explorer = render(survey_client, "/en/explorer?indicator=indicator:task_transfer_share"
                                     "&breakdown=subsector&period=2024&tab=table")
    assert "Synthetic demonstration data." in explorer
    assert "suppressed (too few responses: disclosure control)" in explorer


def test_explorer_csv_has_metadata_and_no_suppressed_value(survey_client) -> None:
    response = survey_client.get("/download/explorer.csv?indicator=indicator:task_transfer_share"
                                 "&breakdown=subsector&period=2024&lang=en")
    text = response.get_data(as_text=True)
    assert text.startswith("# title: Associations transferring tasks")
    assert "# synthetic: True" in text
    frame = pd.read_csv(io.StringIO(text), comment="#")
    food = frame[frame["category"] == "food_aid"].iloc[0]
    assert food["flag"] == "suppressed" and pd.isna(food["estimate"])


def test_public_statistics_csv_download(client) -> None:
    response = client.get("/download/statistics.csv")
    assert response.status_code == 200
    assert "attachment" in response.headers["Content-Disposition"]
    frame = pd.read_csv(io.BytesIO(response.data), dtype=str)
    be = frame[(frame["series"] == "eurostat_formal_volunteering") & (frame["geo_code"] == "BE")]
    assert sorted(be["value"].astype(float)) == [15.9, 20.4]


def test_parquet_download_keeps_types(client) -> None:
    response = client.get("/download/sources.parquet")
    frame = pd.read_parquet(io.BytesIO(response.data))
    assert {"source_id", "licence", "citation"} <= set(frame.columns)


@pytest.mark.parametrize("path", ["/download/restricted.csv", "/download/statistics.xlsx",
                                  "/download/meta.build.csv", "/download/survey.csv"])
def test_downloads_only_serve_public_views(client, path: str) -> None:
    assert client.get(path).status_code == 404


def test_csv_cells_cannot_run_as_formulas() -> None:
    frame = pd.DataFrame({"text": ["=1+2", "+1", "-2", "@SUM(A1)", "ok"],
                          "value": [-1.5, 2.0, 3.0, 4.0, 5.0]})
    safe = neutralise(frame)
    assert safe["text"].tolist() == ["'=1+2", "'+1", "'-2", "'@SUM(A1)", "ok"]
    assert safe["value"].tolist()[0] == -1.5
    assert to_csv(frame).decode().splitlines()[1] == "'=1+2,-1.5"
