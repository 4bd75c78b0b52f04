"""Accessibility audit: axe-core on every page of the dashboard, in French, Dutch and English.

Every page registered with ``dash.register_page`` is opened in the three languages (theme
pages once per theme), plus an unknown address (the 404 page). The explorer is audited with
each of its tabs opened (and with the map of a European series drawn); the pressure index
with its what-if panel in use (a weight slider focused and moved by keyboard). No violation of
the WCAG 2.0 and 2.1 level A and AA rules is allowed. One browser page serves every audit and
moves from page to page inside the app, as the navigation links do.

axe-core is vendored in ``tests/vendor/axe-core`` (npm ``axe-core``, MPL-2.0): the test
makes no request to another host.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from pathlib import Path
from urllib.parse import urlsplit

import dash
import pytest

from core.i18n import LANGUAGES
from dashboard.components import PAGE_SLUGS, THEME_SLUGS, page_href, page_titles
from dashboard.i18n import gettext_for

pytestmark = pytest.mark.browser

AXE_JS = Path(__file__).resolve().parents[1] / "vendor" / "axe-core" / "axe.min.js"
WCAG_TAGS = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa"]
#: Allowed values of the variables of the pages' path templates.
PATH_VALUES = {"theme": tuple(THEME_SLUGS.values())}
#: The explorer's tabs, in their order, and the tabs audited in each state of the explorer: the
#: default view (a survey indicator with confidence intervals, where the map tab says there is
#: no map) with every tab open, and a European series by country with its map drawn.
EXPLORER_TABS = ("chart", "table", "map", "sources")
EXPLORER_STATES = {
    "": ("table", "map", "sources", "chart"),  # the chart is open at first: it comes last
    "?indicator=series%3Aeurostat_informal_volunteering&breakdown=geo&period=2015": ("map",),
}
NOT_FOUND = "nothing"


def page_paths(lang: str) -> list[str]:
    """The path of every registered page in ``lang`` (one per theme for theme pages)."""
    paths: list[str] = []
    for page in dash.page_registry.values():
        template = page.get("path_template") or page["path"]
        variants = [template.replace("<lang>", lang)]
        for name, values in PATH_VALUES.items():
            variants = [
                v.replace(f"<{name}>", value) if f"<{name}>" in v else v for v in variants for value in values
            ]
            variants = list(dict.fromkeys(variants))
        assert all("<" not in v for v in variants), f"unknown path variable in {template}"
        paths += variants
    return sorted(paths)


@pytest.fixture(scope="module")
def page(chromium, base_url: str) -> Iterator[object]:
    """One page reused for every audit; axe-core is injected into every document it loads."""
    host = urlsplit(base_url).netloc
    foreign: list[str] = []

    def guard(route) -> None:
        url = route.request.url
        if urlsplit(url).netloc != host and not url.startswith(("data:", "blob:")):
            foreign.append(url)
            route.abort()
        else:
            route.continue_()

    context = chromium.new_context(viewport={"width": 1280, "height": 900})
    context.add_init_script(path=str(AXE_JS))
    context.route("**/*", guard)
    page = context.new_page()
    page.errors = []
    page.on("pageerror", lambda e: page.errors.append(str(e)))
    yield page
    context.close()
    assert foreign == [], f"requests to other hosts: {foreign}"


def audit(page) -> list[str]:
    """The WCAG 2.0/2.1 A and AA violations axe-core finds in the page as it is now."""
    violations = page.evaluate(
        """tags => axe.run(document, {runOnly: {type: 'tag', values: tags},
                                      resultTypes: ['violations']})
              .then(r => r.violations.map(v => ({id: v.id, impact: v.impact,
                  targets: v.nodes.map(n => n.target.join(' '))})))""",
        WCAG_TAGS,
    )
    return [
        f"{v['id']} ({v['impact']}) x{len(v['targets'])}: {', '.join(v['targets'][:4])}" for v in violations
    ]


def wait_idle(page) -> None:
    """Wait until Dash has no callback under way and every chart is drawn, then two frames
    more (the accessibility repairs of ``dashboard/assets/a11y.js`` run on the next frame)."""
    page.wait_for_function(IDLE, polling=50)
    page.evaluate("() => new Promise(r => requestAnimationFrame(() => requestAnimationFrame(r)))")


IDLE = """() => {
    const state = window.store && window.store.getState();
    if (!state || state.isLoading || !document.querySelector('#_pages_content h1')) return false;
    const queues = ['requested', 'prioritized', 'blocked', 'executing', 'watched', 'stored'];
    if (queues.some(q => (state.callbacks[q] || []).length)) return false;
    if (document.querySelector('[data-dash-is-loading]')) return false;
    return [...document.querySelectorAll('.dash-graph')].every(g => g.querySelector('.main-svg'));
}"""


def load(page, url: str) -> None:
    """Open ``url`` (a new document) and wait until the page and its charts are drawn."""
    page.goto(url)
    wait_idle(page)


def navigate(page, path: str, heading: str) -> None:
    """Go to ``path`` inside the running app, as a link does, and wait until it is drawn."""
    page.evaluate(
        "p => { window.history.pushState({}, '', p); window.dispatchEvent(new PopStateEvent('popstate')); }",
        path,
    )
    page.wait_for_function("h => document.querySelector('#_pages_content h1')?.innerText === h", arg=heading)
    wait_idle(page)


@pytest.mark.parametrize("lang", LANGUAGES)
def test_every_page_passes_axe(page, base_url: str, lang: str) -> None:
    paths = page_paths(lang)
    assert {f"/{lang}", f"/{lang}/index", f"/{lang}/explorer", f"/{lang}/note"} <= set(paths)
    titles = page_titles(gettext_for(lang))
    headings = {page_href(lang, key): titles[key] for key in PAGE_SLUGS}
    found: dict[str, list[str]] = {}
    load(page, f"{base_url}/{lang}")
    for path in paths:
        if path.endswith("/explorer"):
            continue  # audited tab by tab below
        if path in headings:
            navigate(page, path, headings[path])
        else:  # a page the navigation does not list: open it directly
            load(page, base_url + path)
        if path.endswith("/index"):  # the what-if panel in use: a weight moved by keyboard
            thumb = page.locator("#index-whatif-card [role=slider]").first
            thumb.focus()
            thumb.press("ArrowRight")
            wait_idle(page)
        found[path] = audit(page)
    for state, opened in EXPLORER_STATES.items():
        with page.expect_response(re.compile(r"/_dash-update-component")):  # the page's new state
            navigate(page, f"/{lang}/explorer{state}", titles["explorer"])
        wait_idle(page)
        tabs = page.locator("#explorer-tab [role=tab]")
        assert tabs.count() == len(EXPLORER_TABS)
        for tab in opened:
            tabs.nth(EXPLORER_TABS.index(tab)).click()
            page.wait_for_url(re.compile(rf"tab={tab}"))
            wait_idle(page)
            found[f"/{lang}/explorer{state or '?'}&tab={tab}"] = audit(page)
    page.goto(f"{base_url}/{lang}/{NOT_FOUND}")  # the server's own 404 page, not Dash
    page.wait_for_selector("h1")
    found[f"/{lang}/{NOT_FOUND}"] = audit(page)
    failures = {path: v for path, v in found.items() if v}
    assert failures == {}, "\n".join(f"{p}:\n  " + "\n  ".join(v) for p, v in failures.items())
    assert page.errors == []


def test_repaired_widgets_have_names_and_keyboard_access(page, base_url: str) -> None:
    """What ``dashboard/assets/a11y.js`` repairs works for keyboard and screen reader users."""
    _ = gettext_for("en")
    load(page, f"{base_url}/en/index")
    label = page.locator("label[for=index-weight-tt_task_transfer]").inner_text()
    assert page.get_by_role("slider", name=label, exact=True).count() == 1
    assert page.get_by_role("spinbutton", name=label, exact=True).count() == 1

    navigate(page, "/en/explorer", page_titles(_)["explorer"])
    indicator = page.get_by_role("button", name=re.compile(rf"^{_('Statistic')} "))
    breakdown = page.get_by_role("button", name=re.compile(rf"^{_('Breakdown')} "))
    indicator.focus()
    page.keyboard.press("Tab")  # one Tab stop per dropdown: its button
    assert breakdown.evaluate("b => b === document.activeElement")
    page.keyboard.press("Enter")
    page.wait_for_selector("[role=listbox]")
    page.keyboard.press("Escape")

    tabs = page.locator("#explorer-tab [role=tab]")
    panel = page.locator("#explorer-content")
    assert [tabs.nth(i).get_attribute("tabindex") for i in range(4)] == ["0", "-1", "-1", "-1"]
    assert tabs.nth(0).get_attribute("aria-selected") == "true"
    assert {tabs.nth(i).get_attribute("aria-controls") for i in range(4)} == {"explorer-content"}
    assert panel.get_attribute("role") == "tabpanel"
    assert panel.get_attribute("aria-labelledby") == tabs.nth(0).get_attribute("id")
    tabs.nth(0).focus()
    page.keyboard.press("ArrowRight")
    page.wait_for_url(re.compile(r"tab=table"))
    wait_idle(page)
    assert tabs.nth(1).evaluate("t => t === document.activeElement")
    assert tabs.nth(1).get_attribute("aria-selected") == "true"
    assert tabs.nth(0).get_attribute("aria-selected") == "false"
    assert panel.get_attribute("aria-labelledby") == tabs.nth(1).get_attribute("id")
    page.keyboard.press("End")
    page.wait_for_url(re.compile(r"tab=sources"))
    assert page.errors == []
