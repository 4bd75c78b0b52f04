"""The dashboard in a real browser (Chromium via Playwright): pages, languages, downloads.

The app is served in-process; every request the page makes goes through a guard that
aborts and records any address that is not this server. Screenshots go to test-artifacts/.
"""

from __future__ import annotations

import re
import threading
from collections.abc import Iterator
from pathlib import Path
from urllib.parse import urlsplit

import pytest
from werkzeug.serving import make_server

from dashboard.app import create_app

playwright_sync = pytest.importorskip("playwright.sync_api")

pytestmark = pytest.mark.browser

CHROMIUM = "/usr/bin/chromium"
ARGS = ["--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage",
        "--disable-background-networking", "--disable-component-update", "--disable-sync",
        "--no-first-run", "--disable-quic"]
ARTIFACTS = Path(__file__).resolve().parent.parent / "test-artifacts"
PAGES = ("", "/statistics", "/explorer", "/methods", "/data")
EXPLORER_STATE = "?indicator=series%3Aeurostat_informal_volunteering&breakdown=geo&period=2015"


@pytest.fixture(scope="module")
def base_url(warehouse_path: Path) -> Iterator[str]:
    server = make_server("127.0.0.1", 0, create_app(warehouse_path).server, threaded=True)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_port}"
    server.shutdown()
    thread.join()


@pytest.fixture(scope="module")
def chromium() -> Iterator[object]:
    if not Path(CHROMIUM).exists():
        pytest.skip("no Chromium at /usr/bin/chromium")
    with playwright_sync.sync_playwright() as pw:
        browser = pw.chromium.launch(executable_path=CHROMIUM, args=ARGS)
        yield browser
        browser.close()


@pytest.fixture()
def page(chromium, base_url: str):
    """A fresh page whose console errors and foreign requests are recorded."""
    context = chromium.new_context(viewport={"width": 1280, "height": 900}, accept_downloads=True)
    page = context.new_page()
    page.errors, page.foreign = [], []
    host = urlsplit(base_url).netloc

    def guard(route) -> None:
        url = route.request.url
        if urlsplit(url).netloc != host and not url.startswith(("data:", "blob:")):
            page.foreign.append(url)
            route.abort()
        else:
            route.continue_()

    page.route("**/*", guard)
    page.on("console", lambda m: page.errors.append(m.text) if m.type == "error" else None)
    page.on("pageerror", lambda e: page.errors.append(str(e)))
    yield page
    context.close()
    assert page.foreign == [], f"requests to other hosts: {page.foreign}"


def wait_ready(page) -> None:
    """Wait until Dash has rendered the page and its charts."""
    page.wait_for_selector("#_pages_content h1")
    page.wait_for_load_state("networkidle")


@pytest.mark.parametrize("lang", ["fr", "nl", "en"])
def test_every_page_loads_cleanly(page, base_url: str, lang: str) -> None:
    ARTIFACTS.mkdir(exist_ok=True)
    for path in PAGES:
        page.goto(f"{base_url}/{lang}{path}")
        wait_ready(page)
        assert page.evaluate("document.documentElement.lang") == lang
        assert page.locator("#nav-brand").inner_text()
        name = path.strip("/") or "home"
        page.screenshot(path=ARTIFACTS / f"dashboard_{lang}_{name}.png", full_page=True)
    assert page.errors == []


def test_map_draws_from_local_topojson(page, base_url: str) -> None:
    page.goto(f"{base_url}/en/statistics")
    wait_ready(page)
    page.wait_for_selector("#europe-map .choroplethlocation")
    assert page.locator("#europe-map .choroplethlocation").count() > 20
    assert page.errors == []


def test_language_switch_keeps_page_and_query(page, base_url: str) -> None:
    page.goto(f"{base_url}/fr/explorer{EXPLORER_STATE}&tab=table")
    wait_ready(page)
    page.click("#lang-nl")
    page.wait_for_url("**/nl/explorer?**")
    wait_ready(page)
    assert page.url == f"{base_url}/nl/explorer{EXPLORER_STATE}&tab=table"
    assert page.locator("#explorer-tab .nav-link.active").inner_text() == "Tabel"
    assert "België" in page.locator("#explorer-content table").inner_text()
    assert page.errors == []


def test_explorer_state_lives_in_the_url(page, base_url: str) -> None:
    page.goto(f"{base_url}/en/explorer{EXPLORER_STATE}&tab=chart")
    wait_ready(page)
    page.get_by_role("tab", name="Map").click()
    page.wait_for_url(re.compile(r"tab=map"))
    page.wait_for_selector("#explorer-map .choroplethlocation")
    assert page.get_attribute("#lang-fr", "href").endswith("tab=map")
    page.screenshot(path=ARTIFACTS / "dashboard_en_explorer_map.png", full_page=True)
    assert page.errors == []


def test_download_current_view_as_csv(page, base_url: str, tmp_path: Path) -> None:
    page.goto(f"{base_url}/nl/explorer{EXPLORER_STATE}&tab=table")
    wait_ready(page)
    with page.expect_download() as info:
        page.click("#explorer-download")
    path = tmp_path / "view.csv"
    info.value.save_as(path)
    text = path.read_text(encoding="utf-8")
    assert text.startswith("# title: Personen van 16+ actief in informeel vrijwilligerswerk")
    assert "# citation: Eurostat" in text
    assert "\nBE,België,2015,20.8," in text
