"""The coordinator workflow in a real browser (Chromium): login, upload, report, publish, in
French and Dutch. Reuses the Chromium and guarded-page fixtures of the dashboard browser tests;
the app is served in-process over a private copy of the session warehouse."""

from __future__ import annotations

import shutil
from collections.abc import Iterator
from pathlib import Path

import pytest
from admin_client import PASSWORD, USER
from support import ARTIFACTS, serve_app

from admin.accounts import add_user
from etl.survey.demo import write_planted_errors
from warehouse.layout import Layout
from warehouse.sql import connect_readonly

pytestmark = pytest.mark.browser

EXPECT = {"fr": ("Ligne", "Publié", 7), "nl": ("Rij", "Gepubliceerd", 8)}


@pytest.fixture(scope="module")
def live(warehouse_path: Path, tmp_path_factory: pytest.TempPathFactory) -> Path:
    folder = tmp_path_factory.mktemp("admin-browser") / "deploy"
    shutil.copytree(warehouse_path.parent, folder)
    path = folder / warehouse_path.name
    add_user(Layout(path).users, USER, PASSWORD)
    return path


@pytest.fixture(scope="module")
def base_url(live: Path) -> Iterator[str]:
    with serve_app(live) as url:
        yield url


@pytest.mark.parametrize("lang", ["fr", "nl"])
def test_upload_report_publish(
    page,  # noqa: F811
    base_url: str,
    live: Path,
    tmp_path: Path,
    lang: str,
) -> None:
    line_word, published, seed = EXPECT[lang]
    export = tmp_path / f"enquete_{lang}.csv"
    planted = write_planted_errors(export, seed=seed)  # other content: other rows
    page.goto(f"{base_url}/admin/?lang={lang}")
    assert page.url.endswith(f"/admin/{lang}/login")
    page.fill("#username", USER)
    page.fill("#password", PASSWORD)
    page.click("#login-submit")
    assert page.locator("#current-user").inner_text() == USER

    page.set_input_files("#file", str(export))
    page.fill("#wave", "2024")
    page.click("#upload-submit")
    status = page.wait_for_selector("#upload-status:not([data-status='building'])", timeout=120_000)
    assert status.get_attribute("data-status") == "ready"
    assert page.evaluate("document.documentElement.lang") == lang
    cells = page.locator("#validation tbody tr td:nth-child(3)").all_inner_texts()
    assert len(cells) == len(planted["errors"])
    assert all(text.startswith(line_word) for text in cells)
    assert page.locator("#preview tbody tr").count() == 5
    with page.expect_download() as download:
        page.click("#quarantine-link")
    assert download.value.suggested_filename == f"enquete_{lang}.quarantine.csv"
    ARTIFACTS.mkdir(exist_ok=True)
    page.screenshot(path=ARTIFACTS / f"admin_{lang}_report.png", full_page=True)

    page.click("#publish")
    page.wait_for_selector("[role=status]")
    assert published in page.locator("[role=status]").inner_text()
    con = connect_readonly(live)
    files = {r[0] for r in con.execute("SELECT file FROM wh.meta.survey_loads").fetchall()}
    con.close()
    assert export.name in files
    assert page.errors == []
