"""Record what the dashboard's pages ask of the server, in a real browser (Chromium, Playwright).

A recording is a list of visits; a visit is the page's URL and its steps: the first step holds
the requests of loading the page, each later step those one user action (a tab, a dropdown
choice) triggers. Requests to any host but the dashboard are aborted and listed.
"""

from __future__ import annotations

import json
from dataclasses import asdict, dataclass, field
from functools import partial
from urllib.parse import urljoin, urlsplit

from playwright.sync_api import Error as PlaywrightError
from playwright.sync_api import sync_playwright

CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-dev-shm-usage",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
    "--disable-quic",
]
#: Pages visited besides those the navbar of the first one links to (language, saved state).
EXTRA_PAGES = (
    "/nl/explorer?indicator=series%3Aeurostat_informal_volunteering&breakdown=geo&period=2015&tab=table",
    "/en/statistics",
)
#: Headers not replayed: the HTTP client sets them for its own connection and body.
CONNECTION_HEADERS = {"host", "content-length", "connection", "accept-encoding", "cookie"}
ACTION_TIMEOUT_MS = 5_000


@dataclass
class Request:
    """One HTTP request a page made, as replayed under load."""

    method: str
    url: str
    kind: str
    headers: dict[str, str]
    body: str | None = None
    status: int | None = None
    page: str = ""

    @property
    def name(self) -> str:
        """Callbacks: their first output id (and how many more) @ the page; others: the path."""
        if self.kind == "callback" and self.body:
            outputs = [o for o in str(json.loads(self.body).get("output", "?")).strip(".").split("...") if o]
            more = f" +{len(outputs) - 1}" if len(outputs) > 1 else ""
            return f"{outputs[0]}{more} @ {self.page}"
        return urlsplit(self.url).path


@dataclass
class Visit:
    url: str
    steps: list[list[Request]] = field(default_factory=lambda: [[]])


@dataclass
class Recording:
    visits: list[Visit] = field(default_factory=list)
    assets: int = 0
    foreign: list[str] = field(default_factory=list)
    failed: list[str] = field(default_factory=list)

    def requests(self, kinds: set[str] | None = None) -> list[Request]:
        return [r for v in self.visits for step in v.steps for r in step if kinds is None or r.kind in kinds]

    def to_dict(self) -> dict:
        return asdict(self)


def kind_of(method: str, path: str, resource_type: str) -> str:
    """Classify a request: page, layout, dependencies, callback or asset (not replayed)."""
    if method == "POST" and path.endswith("/_dash-update-component"):
        return "callback"
    if path.endswith("/_dash-layout"):
        return "layout"
    if path.endswith("/_dash-dependencies"):
        return "dependencies"
    return "page" if resource_type == "document" else "asset"


class _Recorder:
    """Collects the requests of one browser page into the current visit's current step."""

    def __init__(self, host: str) -> None:
        self.host = host
        self.recording = Recording()
        self.pending: dict[object, Request] = {}

    def guard(self, route) -> None:
        url = route.request.url
        if urlsplit(url).netloc != self.host and not url.startswith(("data:", "blob:")):
            self.recording.foreign.append(url)
            route.abort()
        else:
            route.continue_()

    def on_request(self, request) -> None:
        if urlsplit(request.url).netloc != self.host or not self.recording.visits:
            return
        kind = kind_of(request.method, urlsplit(request.url).path, request.resource_type)
        if kind == "asset":
            self.recording.assets += 1
            return
        headers = {k: v for k, v in request.headers.items() if k.lower() not in CONNECTION_HEADERS}
        visit = self.recording.visits[-1]
        recorded = Request(
            request.method, request.url, kind, headers, request.post_data, page=urlsplit(visit.url).path
        )
        visit.steps[-1].append(recorded)
        self.pending[request] = recorded

    def on_response(self, response) -> None:
        recorded = self.pending.pop(response.request, None)
        if recorded is not None:
            recorded.status = response.status

    def on_failed(self, request) -> None:
        recorded = self.pending.pop(request, None)
        if recorded is not None:
            self.recording.failed.append(f"{recorded.name}: {request.failure}")


def _settle(page, recorder: _Recorder, quiet_ms: int = 500, timeout_ms: int = 15_000) -> None:
    """Wait until no recorded request has been pending for ``quiet_ms`` (bounded).

    ``wait_for_load_state("networkidle")`` returns at once after the page's first idle, so it
    cannot wait for the callbacks a click starts.
    """
    quiet = waited = 0
    while quiet < quiet_ms and waited < timeout_ms:
        page.wait_for_timeout(100)
        waited += 100
        quiet = 0 if recorder.pending else quiet + 100


def _act(page, recorder: _Recorder, action) -> None:
    """Run one user action as a new step; drop the step if it fails or asks nothing."""
    steps = recorder.recording.visits[-1].steps
    steps.append([])
    try:
        action()
        _settle(page, recorder)
    except PlaywrightError as exc:  # a hidden or changed control: go on with the others
        recorder.recording.failed.append(f"{page.url}: action skipped: {exc.message.splitlines()[0]}")
    if not steps[-1]:
        steps.pop()


def _choose_another(page, trigger) -> None:
    """Open a Dash 4 dropdown and pick its first option that is not selected, if any."""
    trigger.click(timeout=ACTION_TIMEOUT_MS)
    page.locator("[role=option]").first.wait_for(timeout=ACTION_TIMEOUT_MS)
    others = page.locator("[role=option][aria-selected=false]")
    if others.count():
        others.first.click(timeout=ACTION_TIMEOUT_MS)
    else:
        page.keyboard.press("Escape")


def _interact(page, recorder: _Recorder) -> None:
    """Click every inactive tab, then pick another option in each dropdown."""
    tabs = page.locator("[role=tab]")
    for i in range(tabs.count()):
        tab = tabs.nth(i)
        if "active" not in (tab.get_attribute("class") or ""):
            _act(page, recorder, partial(tab.click, timeout=ACTION_TIMEOUT_MS))
    triggers = page.locator("[id]:has(> .dash-dropdown-trigger)")
    for i in range(triggers.count()):
        _act(page, recorder, partial(_choose_another, page, triggers.nth(i)))


def record(base_url: str) -> Recording:
    """Visit the home page, every page its navbar links to, and ``EXTRA_PAGES``; record them."""
    recorder = _Recorder(urlsplit(base_url).netloc)
    with sync_playwright() as pw:
        browser = pw.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        try:
            page = browser.new_page(viewport={"width": 1280, "height": 900})
            page.route("**/*", recorder.guard)
            page.on("request", recorder.on_request)
            page.on("response", recorder.on_response)
            page.on("requestfailed", recorder.on_failed)
            queue, seen = [urljoin(base_url, "/fr")], set()
            while queue:
                url = queue.pop(0)
                if url in seen:
                    continue
                seen.add(url)
                recorder.recording.visits.append(Visit(url))
                page.goto(url, wait_until="networkidle")
                _settle(page, recorder)
                if len(seen) == 1:
                    hrefs = page.eval_on_selector_all(
                        ".navbar a.nav-link", "els => els.map(e => e.getAttribute('href'))"
                    )
                    queue += [urljoin(base_url, h) for h in hrefs if h and h.startswith("/")]
                    queue += [urljoin(base_url, p) for p in EXTRA_PAGES]
                _interact(page, recorder)
        finally:
            browser.close()
    return recorder.recording
