"""Download routes: whole public views (CSV, Parquet), the explorer's current view (CSV,
XLSX) and advocacy notes (PDF, DOCX, Markdown)."""

from __future__ import annotations

import html
import io
import shutil
import tempfile
import threading
from collections import OrderedDict
from pathlib import Path
from urllib.parse import urlencode

import flask
import pandas as pd

from core.i18n import DEFAULT_LANGUAGE, valid_language
from dashboard.data import PUBLIC_VIEWS, current_data
from dashboard.explorer_data import build_view
from dashboard.view_export import view_csv, view_xlsx
from exports.csv_safety import safe_csv
from exports.datapackage import export_package
from exports.notes.content import build_note, selection_errors
from exports.notes.texts import TEXTS as NOTE_TEXTS
from exports.notes.writer import NoteRenderError, render_note_within

FORMATS = {"csv": "text/csv; charset=utf-8", "parquet": "application/vnd.apache.parquet"}
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
NOTE_FORMATS = {
    "pdf": "application/pdf",
    "md": "text/markdown; charset=utf-8",
    "docx": "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
}
NOTE_MAX_CHOICES = 30  # rec + ind values of one request
NOTE_RENDERS = threading.BoundedSemaphore(1)  # PDF/DOCX renders at once in this process
NOTE_RETRY_AFTER_S = 5
NOTE_CACHE_SIZE = 32


class NoteCache:
    """Rendered notes by (warehouse version, format, language, selection), least recently
    used dropped first: a note is rendered once per published version."""

    def __init__(self, size: int = NOTE_CACHE_SIZE) -> None:
        self.size, self.lock = size, threading.Lock()
        self.items: OrderedDict[tuple, bytes] = OrderedDict()

    def get(self, key: tuple) -> bytes | None:
        with self.lock:
            if key in self.items:
                self.items.move_to_end(key)
                return self.items[key]
        return None

    def put(self, key: tuple, body: bytes) -> None:
        with self.lock:
            self.items[key] = body
            self.items.move_to_end(key)
            while len(self.items) > self.size:
                self.items.popitem(last=False)


NOTE_CACHE = NoteCache()


def register_downloads(server: flask.Flask) -> None:
    """Add ``/download/<view>.<csv|parquet>`` and ``/download/explorer.<csv|xlsx>``."""

    @server.route("/download/explorer.<string:fmt>")
    def download_explorer(fmt: str) -> flask.Response:
        args = flask.request.args
        lang = valid_language(args.get("lang")) or DEFAULT_LANGUAGE
        view = build_view(
            current_data(), lang, args.get("indicator"), args.get("breakdown"), args.get("period")
        )
        if view is None or fmt not in ("csv", "xlsx"):
            flask.abort(404)
        name = view.key.replace(":", "_") + f"_{view.breakdown}_{view.period}.{fmt}"
        if fmt == "xlsx":
            return _attachment(view_xlsx(view), name, XLSX)
        return _attachment(view_csv(view).encode("utf-8"), name, FORMATS["csv"])

    @server.route("/download/note.<string:fmt>")
    def download_note(fmt: str) -> flask.Response:
        args = flask.request.args
        lang = valid_language(args.get("lang")) or DEFAULT_LANGUAGE
        if fmt not in NOTE_FORMATS:
            flask.abort(404)
        if "lang" in args and valid_language(args["lang"]) is None:  # not a note in another language
            return _note_problem(400, lang, [f"lang={args['lang']!r}: fr | nl | en"])
        recs, inds = args.getlist("rec"), args.getlist("ind")
        period = args.get("period") or None
        data = current_data()
        errors = selection_errors(data.reader.path, lang, recs, inds, [period] if period else [])
        if len(recs) + len(inds) > NOTE_MAX_CHOICES:
            errors.append(f"rec + ind: {len(recs) + len(inds)} > {NOTE_MAX_CHOICES}")
        if errors:
            return _note_problem(400, lang, errors)
        key = (data.version(), fmt, lang, tuple(recs), tuple(inds), period)
        body = NOTE_CACHE.get(key)
        if body is None:
            rendered = _render(data.reader.path, fmt, lang, recs, inds, period)
            if isinstance(rendered, flask.Response):
                return rendered
            body = rendered
            NOTE_CACHE.put(key, body)
        return _attachment(body, f"note_{lang}.{fmt}", NOTE_FORMATS[fmt])

    @server.route("/download/datapackage.zip")
    def download_datapackage() -> flask.Response:
        data = current_data()
        if not data.has_view("statistics"):
            flask.abort(404)
        body = data.memo(("datapackage.zip",), lambda: datapackage_zip(data.reader.path))
        return _attachment(body, "sector-monitor-datapackage.zip", "application/zip")

    @server.route("/download/<string:view>.<string:fmt>")
    def download_view(view: str, fmt: str) -> flask.Response:
        if view not in PUBLIC_VIEWS or fmt not in FORMATS:
            flask.abort(404)
        frame = current_data().view(view)
        if frame is None:
            flask.abort(404)
        body = safe_csv(frame).encode("utf-8") if fmt == "csv" else to_parquet(frame)
        return _attachment(body, f"{view}.{fmt}", FORMATS[fmt])


def datapackage_zip(warehouse: Path) -> bytes:
    """The Frictionless data package of every public table (CSV, Parquet, README), zipped."""
    with tempfile.TemporaryDirectory() as tmp:
        export_package(warehouse, Path(tmp) / "package")
        return Path(
            shutil.make_archive(str(Path(tmp) / "package"), "zip", Path(tmp) / "package")
        ).read_bytes()


def _render(
    warehouse: Path, fmt: str, lang: str, recs: list[str], inds: list[str], period: str | None
) -> bytes | flask.Response:
    """The note's bytes, or a 503 answer when renders are busy, failed or too slow."""
    heavy = fmt != "md"
    if heavy and not NOTE_RENDERS.acquire(blocking=False):
        response = _note_problem(503, lang, [NOTE_TEXTS[lang]["busy"]])
        response.headers["Retry-After"] = str(NOTE_RETRY_AFTER_S)
        return response
    try:
        note = build_note(warehouse, lang, recommendations=recs, indicators=inds, period=period)
        return render_note_within(note, fmt)
    except NoteRenderError as exc:
        return _note_problem(503, lang, [str(exc)])
    finally:
        if heavy:
            NOTE_RENDERS.release()


def _note_problem(status: int, lang: str, messages: list[str]) -> flask.Response:
    """A small HTML page in the visitor's language saying what went wrong."""
    title = {"fr": "Note de plaidoyer", "nl": "Pleitnota", "en": "Advocacy note"}[lang]
    items = "".join(f"<li>{html.escape(m)}</li>" for m in messages)
    page = (
        f'<!DOCTYPE html><html lang="{lang}"><head><meta charset="utf-8">'
        f"<title>{title}</title></head><body><main><h1>{title}</h1><ul>{items}</ul>"
        f'<p><a href="/{lang}/note">{title}</a></p></main></body></html>'
    )
    response = flask.Response(page, status=status, mimetype="text/html")
    response.headers["Cache-Control"] = "no-store"
    return response


def note_query(lang: str, recs: list[str], indicators: list[str], period: str | None) -> str:
    """The query string of ``/download/note.<fmt>`` for these choices."""
    return urlencode(
        [
            ("lang", lang),
            *[("rec", r) for r in recs],
            *[("ind", i) for i in indicators],
            *([("period", period)] if period else []),
        ]
    )


def _attachment(body: bytes, filename: str, mimetype: str) -> flask.Response:
    response = flask.Response(body, content_type=mimetype)  # mimetype= would add a second charset
    response.headers["Content-Disposition"] = f'attachment; filename="{filename}"'
    response.headers["Cache-Control"] = "no-cache"
    return response


def to_parquet(frame: pd.DataFrame) -> bytes:
    """Parquet bytes of the frame, types kept (no neutralisation: not a spreadsheet format)."""
    buffer = io.BytesIO()
    frame.to_parquet(buffer, index=False)
    return buffer.getvalue()
