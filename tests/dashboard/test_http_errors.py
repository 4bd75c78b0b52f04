"""Unknown addresses answer 404 (a page in the visitor's language, JSON under /api/), never the
home page with 200; other methods on a known address answer 405 with ``Allow`` (RFC 9110)."""

from __future__ import annotations

from pathlib import Path

import pytest

from dashboard.i18n import gettext_for
from sector_monitor.web import create_app

HOME_LINK = {"fr": 'href="/fr"', "nl": 'href="/nl"', "en": 'href="/en"'}


@pytest.fixture(scope="module")
def client(warehouse_path: Path):
    return create_app(warehouse_path).server.test_client()


@pytest.mark.parametrize(
    ("path", "header", "lang"),
    [
        ("/status", None, "fr"),  # /healthz exists, /status does not
        ("/xyz", None, "fr"),
        ("/xyz", "nl-BE,nl;q=0.9", "nl"),
        ("/health", "en-GB,en;q=0.8", "en"),
        ("/fr/nothing", "nl", "fr"),
        ("/nl/whatever/else", "en", "nl"),
        ("/en/themes/nope", None, "en"),
        ("/en/explorer/extra", None, "en"),
        ("/de", None, "fr"),
        ("/de/explorer", "nl", "nl"),
        ("/assets/nope.css", "en", "en"),
        ("/download/nope.csv", None, "fr"),
        ("/_dash-component-suites/dash/nope.js", None, "fr"),
    ],
)
def test_unknown_addresses_get_a_404_page_in_the_visitors_language(
    client, path: str, header: str | None, lang: str
) -> None:
    response = client.get(path, headers={"Accept-Language": header} if header else {})
    assert response.status_code == 404
    assert response.mimetype == "text/html"
    page = response.get_data(as_text=True)
    _ = gettext_for(lang)
    assert f'<html lang="{lang}">' in page
    assert _("Page not found") in page and _("Go to the home page") in page
    assert f'<a class="btn btn-primary" {HOME_LINK[lang]}>' in page
    assert "Traceback" not in page
    assert response.headers["X-Content-Type-Options"] == "nosniff"


def test_the_404_page_is_translated() -> None:
    assert gettext_for("fr")("Page not found") != "Page not found"
    assert gettext_for("nl")("Page not found") != "Page not found"
    assert gettext_for("fr")("Go to the home page") != "Go to the home page"
    assert gettext_for("nl")("Go to the home page") != "Go to the home page"


def test_a_negotiated_404_varies_on_accept_language(client) -> None:
    assert "Accept-Language" in client.get("/xyz").headers.get("Vary", "")
    assert "Accept-Language" not in client.get("/nl/xyz").headers.get("Vary", "")


@pytest.mark.parametrize(
    "path", ["/api/nope", "/api", "/api/v1/nope", "/api/v2/indicators", "/api/v1/indicators/x/y/z"]
)
def test_unknown_api_addresses_get_json_404(client, path: str) -> None:
    response = client.get(path)
    assert response.status_code == 404
    assert response.mimetype == "application/json"
    body = response.get_json()
    assert body["status"] == 404 and body["error"] and body["parameter"] is None


@pytest.mark.parametrize(
    "path",
    [
        "/fr",
        "/nl/",
        "/en",
        "/fr/index",
        "/nl/themes/funding",
        "/en/themes/group-life",
        "/fr/explorer?indicator=tt_task_transfer",
        "/nl/recommendations",
        "/en/note",
        "/fr/statistics",
        "/nl/methods",
        "/en/data",
    ],
)
def test_pages_still_answer_200(client, path: str) -> None:
    response = client.get(path)
    assert response.status_code == 200
    assert "_dash-renderer" in response.get_data(as_text=True) or "dash_renderer" in response.get_data(
        as_text=True
    )


@pytest.mark.parametrize(
    ("path", "status", "mimetype"),
    [
        ("/_dash-layout", 200, "application/json"),
        ("/_dash-dependencies", 200, "application/json"),
        ("/_reload-hash", 200, "application/json"),
        ("/_favicon.ico", 200, "image/x-icon"),
        ("/assets/vendor/bootstrap/bootstrap.min.css", 200, "text/css"),
        ("/download/statistics.csv", 200, "text/csv"),
        ("/api/v1/sources", 200, "application/json"),
        ("/", 302, "text/html"),
        ("/admin", 302, "text/html"),
    ],
)
def test_dash_and_other_routes_keep_working(client, path: str, status: int, mimetype: str) -> None:
    response = client.get(path)
    assert response.status_code == status
    assert response.mimetype == mimetype


def test_dash_scripts_are_served(client) -> None:
    page = client.get("/fr").get_data(as_text=True)
    script = next(
        part.split('"')[0] for part in page.split('src="')[1:] if part.startswith("/_dash-component-suites/")
    )
    assert client.get(script).status_code == 200


@pytest.mark.parametrize(
    ("method", "path", "allow"),
    [
        ("post", "/fr/explorer", "GET, HEAD, OPTIONS"),
        ("delete", "/", "GET, HEAD, OPTIONS"),
        ("get", "/_dash-update-component", "OPTIONS, POST"),
        ("put", "/_dash-update-component", "OPTIONS, POST"),
        ("post", "/_dash-layout", "GET, HEAD, OPTIONS"),
        ("post", "/download/statistics.csv", "GET, HEAD, OPTIONS"),
        ("post", "/api/v1/indicators", "GET, HEAD, OPTIONS"),
        ("patch", "/api/v1/openapi.json", "GET, HEAD, OPTIONS"),
        ("get", "/admin/en/logout", "OPTIONS, POST"),
        ("put", "/admin/fr/", "GET, HEAD, OPTIONS"),
    ],
)
def test_405_carries_allow(client, method: str, path: str, allow: str) -> None:
    response = getattr(client, method)(path)
    assert response.status_code == 405
    assert response.headers["Allow"] == allow


def test_other_methods_on_unknown_addresses_get_404(client) -> None:
    assert client.post("/xyz").status_code == 404
    assert client.delete("/fr/nothing").status_code == 404
    response = client.post("/api/v1/nope")
    assert response.status_code == 404 and response.mimetype == "application/json"
