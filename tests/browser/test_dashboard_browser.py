"""The dashboard in a real browser (Chromium via Playwright): pages, languages, downloads.

The app is served in-process; every request the page makes goes through a guard that
aborts and records any address that is not this server. Screenshots go to test-artifacts/.
"""

from __future__ import annotations

import re
from pathlib import Path

import duckdb
import pytest
from support import ARTIFACTS, wait_ready

from core.i18n import LANGUAGES, format_number
from dashboard.components import PAGE_SLUGS, page_titles
from dashboard.i18n import gettext_for

pytestmark = pytest.mark.browser

EXPLORER_STATE = "?indicator=series%3Aeurostat_informal_volunteering&breakdown=geo&period=2015"


def navigate(page, path: str, heading: str) -> None:
    """Go to ``path`` inside the running app (as a link click does) and wait for its h1."""
    page.evaluate(
        "p => { window.history.pushState({}, '', p); window.dispatchEvent(new PopStateEvent('popstate')); }",
        path,
    )
    page.wait_for_function("h => document.querySelector('#_pages_content h1')?.innerText === h", arg=heading)
    page.wait_for_load_state("networkidle")


@pytest.mark.parametrize("lang", LANGUAGES)
def test_every_page_loads_cleanly(page, base_url: str, lang: str) -> None:
    ARTIFACTS.mkdir(exist_ok=True)
    titles = page_titles(gettext_for(lang))
    page.goto(f"{base_url}/{lang}")
    wait_ready(page)
    for key, slug in PAGE_SLUGS.items():
        navigate(page, f"/{lang}/{slug}".rstrip("/"), titles[key])
        assert page.evaluate("document.documentElement.lang") == lang
        assert page.locator("#nav-brand").inner_text()
        if lang == "en" or key == "home":
            page.screenshot(path=ARTIFACTS / f"dashboard_{lang}_{key}.png", full_page=True)
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


@pytest.fixture()
def wh(warehouse_path: Path):
    con = duckdb.connect(str(warehouse_path), read_only=True)
    yield con
    con.close()


def choose(page, dropdown: str, option: str) -> None:
    """Pick ``option`` in a Dash 4 dropdown by typing in its search box."""
    page.click(f"#{dropdown}")
    page.fill("input.dash-dropdown-search", option)
    page.get_by_role("option", name=option, exact=True).click()


def test_explorer_table_shows_warehouse_values(page, base_url: str, wh) -> None:
    page.goto(f"{base_url}/en/explorer")
    wait_ready(page)
    choose(page, "explorer-indicator", "Operating costs poorly covered")
    page.wait_for_url(re.compile(r"fund_operating_costs_not_covered"))
    choose(page, "explorer-breakdown", "Volunteer model")
    page.wait_for_url(re.compile(r"breakdown=volunteer_model"))
    page.get_by_role("tab", name="Table").click()
    page.wait_for_url(re.compile(r"tab=table"))
    page.wait_for_selector("#explorer-table")
    rows = wh.execute(
        "SELECT c.label_en, v.estimate, v.ci_low, v.ci_high, v.n FROM public.indicator_values v "
        "JOIN public.categories c ON c.variable = 'volunteer_model' AND c.code = v.breakdown_value "
        "WHERE v.indicator_id = 'fund_operating_costs_not_covered' AND v.breakdown = "
        "'volunteer_model' AND v.period = (SELECT max(period) FROM public.indicator_values WHERE "
        "indicator_id = 'fund_operating_costs_not_covered') AND v.flag <> 'suppressed'"
    ).fetchall()
    assert rows
    shown = {
        r.locator("td").nth(0).inner_text(): r.locator("td").all_inner_texts()
        for r in page.locator("#explorer-table tbody tr").all()
    }
    for label, estimate, low, high, n in rows:
        cells = shown[label]
        assert cells[2] == format_number(estimate, "en", 1) + "%"
        assert cells[3] == f"{format_number(low, 'en', 1)} – {format_number(high, 'en', 1)}"
        assert cells[4] == str(n)
    page.screenshot(path=ARTIFACTS / "dashboard_en_explorer_table.png", full_page=True)
    page.click("#lang-fr")
    page.wait_for_url(re.compile(r"/fr/explorer\?indicator=indicator%3Afund_operating_costs"))
    wait_ready(page)
    assert "breakdown=volunteer_model" in page.url and "tab=table" in page.url
    assert page.locator("#explorer-tab .nav-link.active").inner_text() == "Tableau"
    assert format_number(rows[0][1], "fr", 1) in page.locator("#explorer-table").inner_text()
    assert page.errors == []


def test_explorer_opens_on_the_time_series_with_its_trend(page, base_url: str, wh) -> None:
    page.goto(f"{base_url}/fr/explorer?indicator=indicator%3Att_task_transfer")
    wait_ready(page)
    page.wait_for_selector("#explorer-chart .scatterlayer .trace")
    traces = page.evaluate(
        "document.querySelector('#explorer-chart .js-plotly-plot')._fullData.map(t => [t.fill, t.x.length])"
    )
    assert ["toself", 6] in traces and ["none", 3] in traces  # CI band and line over 3 waves
    table = page.locator("#explorer-trend-table").inner_text()
    change = wh.execute(
        "SELECT change FROM public.indicator_trends WHERE indicator_id = "
        "'tt_task_transfer' AND breakdown = 'all' AND kind = 'first_last'"
    ).fetchone()[0]
    assert "Variation 2022 → 2024" in table and format_number(abs(change), "fr", 1) in table
    assert "Tendance linéaire par an (2022–2024)" in table
    page.screenshot(path=ARTIFACTS / "dashboard_fr_explorer_trend.png", full_page=True)
    page.click("#explorer-compare-from")
    page.get_by_role("option", name="2023", exact=True).click()
    page.wait_for_url(re.compile(r"compare=2023-2024"))
    consecutive = wh.execute(
        "SELECT change FROM public.indicator_trends WHERE indicator_id = "
        "'tt_task_transfer' AND breakdown = 'all' AND kind = 'consecutive' "
        "AND period = '2024'"
    ).fetchone()[0]
    page.wait_for_function(
        "document.querySelector('#explorer-trend-table').innerText.includes('Variation 2023 → 2024')"
    )
    assert format_number(abs(consecutive), "fr", 1) in page.locator("#explorer-trend-table").inner_text()
    assert page.errors == []


def test_suppressed_cell_shows_no_value(page, base_url: str, wh) -> None:
    indicator, breakdown, period, code, label = wh.execute(
        "SELECT v.indicator_id, v.breakdown, v.period, v.breakdown_value, c.label_en FROM "
        "public.indicator_values v JOIN public.categories c ON c.variable = v.breakdown AND "
        "c.code = v.breakdown_value WHERE v.flag = 'suppressed' ORDER BY ALL LIMIT 1"
    ).fetchone()
    page.goto(
        f"{base_url}/en/explorer?indicator=indicator%3A{indicator}&breakdown={breakdown}"
        f"&period={period}&tab=table"
    )
    wait_ready(page)
    row = page.locator("#explorer-table tbody tr", has_text=label)
    value, ci = row.locator("td").nth(2).inner_text(), row.locator("td").nth(3).inner_text()
    assert value.startswith("suppressed (") and not re.search(r"\d+[.,]\d", value)
    assert ci == ""
    page.get_by_role("tab", name="Chart").click()
    page.wait_for_selector("#explorer-chart .bars")
    assert page.locator("#synthetic-banner").is_visible()
    page.screenshot(path=ARTIFACTS / "dashboard_en_explorer_suppressed.png", full_page=True)
    assert page.errors == []


def test_home_answers_the_first_questions(page, base_url: str, wh) -> None:
    page.goto(f"{base_url}/en")
    wait_ready(page)
    assert page.locator("#synthetic-banner").is_visible()
    text = page.locator("#_pages_content").inner_text()
    assert "62,000\u00a0persons" in text and "Brussels-Capital Region" in text
    est, low, high, n = wh.execute(
        "SELECT estimate, ci_low, ci_high, n FROM public.indicator_values WHERE indicator_id = "
        "'tt_task_transfer' AND breakdown = 'all' ORDER BY period DESC"
    ).fetchone()
    card = page.locator("#headline-tt_task_transfer").inner_text()
    assert format_number(est, "en", 1) + "%" in card
    assert f"95 % CI {format_number(low, 'en', 1)} – {format_number(high, 'en', 1)}" in card
    assert f"n = {n}" in card and "Source:" in card
    assert page.locator("#headline-comb_volunteer_fte_public").inner_text().count("Source:") >= 1
    assert page.errors == []


def test_what_if_sliders_change_only_the_variant(page, base_url: str) -> None:
    page.goto(f"{base_url}/en/index")
    wait_ready(page)
    published = page.inner_text("#whatif-published")
    assert page.inner_text("#whatif-user") == published
    thumb = page.locator("#index-weight-tt_task_transfer [role=slider]")
    thumb.focus()
    thumb.press("End")  # keyboard: the slider goes to its maximum weight
    page.wait_for_function("p => document.querySelector('#whatif-user').innerText !== p", arg=published)
    assert page.inner_text("#whatif-published") == published
    page.screenshot(path=ARTIFACTS / "dashboard_en_index_whatif.png", full_page=True)
    assert page.errors == []


def test_note_builder_previews_and_downloads(page, base_url: str, tmp_path: Path) -> None:
    page.goto(f"{base_url}/nl/note")
    wait_ready(page)
    page.wait_for_selector("#note-preview h1, #note-preview h2", timeout=30_000)
    preview = page.locator("#note-preview").inner_text()
    assert "R4" in preview and "SYNTHETISCH" in preview.upper()
    assert "n < 30" in preview and "\\" not in preview  # the Markdown's escapes do not show
    assert page.locator("h1").count() == 1  # the note's title is the preview's h2
    page.screenshot(path=ARTIFACTS / "dashboard_nl_note.png", full_page=True)
    with page.expect_download() as info:
        page.locator("#note-downloads a", has_text="Markdown").click()
    path = tmp_path / "note.md"
    info.value.save_as(path)
    assert path.read_text(encoding="utf-8").count("R4") >= 1
    assert page.errors == []
