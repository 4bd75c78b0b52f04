"""Note downloads from the dashboard: choices checked against the warehouse (400 with the valid
values), notes rendered once per warehouse version, PDF renders capped per process (503 +
Retry-After when busy), a failed render answered by a 503 page that says what failed."""

from __future__ import annotations

from pathlib import Path

import pytest

from dashboard import downloads


@pytest.fixture(scope="module")
def client(warehouse_path: Path):
    from sector_monitor.web import create_app

    return create_app(warehouse_path).server.test_client()


@pytest.mark.parametrize(
    "query, field",
    [
        ("period=%3Cscript%3Ealert(1)%3C/script%3E", "period"),
        ("period=[click](javascript:alert(1))", "period"),
        ("rec=R9", "rec"),
        ("ind=no_such_indicator", "ind"),
    ],
)
def test_unknown_choices_get_400_with_the_valid_values(client, query: str, field: str) -> None:
    response = client.get(f"/download/note.md?lang=en&{query}")
    page = response.get_data(as_text=True)
    assert response.status_code == 400 and response.mimetype == "text/html"
    assert f"Invalid choice for ‘{field}’" in page and "Valid values:" in page
    assert "<script>" not in page and "javascript:alert(1))" not in page.split("Valid values")[1]
    if field == "rec":
        assert "R1, R2, R3, R4, R5, R6, R7, R8" in page


def test_a_note_is_rendered_once_per_warehouse_version(client, monkeypatch) -> None:
    calls = []
    real = downloads.render_note_within
    monkeypatch.setattr(
        downloads, "render_note_within", lambda note, fmt: calls.append(fmt) or real(note, fmt)
    )
    first = client.get("/download/note.md?lang=fr&rec=R6&period=2023")
    again = client.get("/download/note.md?lang=fr&rec=R6&period=2023")
    assert first.status_code == again.status_code == 200 and first.data == again.data
    assert calls == ["md"]


def test_busy_renderer_answers_503_with_retry_after(client) -> None:
    assert downloads.NOTE_RENDERS.acquire(blocking=False)
    try:
        response = client.get("/download/note.pdf?lang=nl&rec=R7")
    finally:
        downloads.NOTE_RENDERS.release()
    assert response.status_code == 503 and response.headers["Retry-After"] == "5"
    assert "Er worden al andere nota&#x27;s gemaakt" in response.get_data(as_text=True)
    assert client.get("/download/note.pdf?lang=nl&rec=R7").status_code == 200


def test_a_failed_render_is_a_503_page_saying_what_failed(client, monkeypatch) -> None:
    from exports.notes import writer

    def broken(note, fmt):
        raise OSError("cannot load library 'libpango-1.0-0'")

    monkeypatch.setattr(writer, "render_note", broken)
    response = client.get("/download/note.docx?lang=fr&rec=R8")
    page = response.get_data(as_text=True)
    assert response.status_code == 503
    assert "La note n&#x27;a pas pu être produite en DOCX" in page and "libpango" in page
