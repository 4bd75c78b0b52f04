"""Download routes: whole public views (CSV, Parquet), the explorer's current view (CSV,
XLSX) and advocacy notes (PDF, DOCX, Markdown)."""

from __future__ import annotations

import shutil
import tempfile
from pathlib import Path
from urllib.parse import urlencode

import flask

from dashboard.csv_export import to_csv, to_parquet
from dashboard.data import PUBLIC_VIEWS, current_data
from dashboard.explorer_data import build_view
from dashboard.i18n import DEFAULT_LANGUAGE, valid_language
from dashboard.view_export import view_csv, view_xlsx
from exports.datapackage import export_package
from exports.notes import build_note, render_note

FORMATS = {"csv": "text/csv; charset=utf-8", "parquet": "application/vnd.apache.parquet"}
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
NOTE_FORMATS = {"pdf": "application/pdf", "md": "text/markdown; charset=utf-8",
                "docx": "application/vnd.openxmlformats-officedocument.wordprocessingml.document"}


def register_downloads(server: flask.Flask) -> None:
    """Add ``/download/<view>.<csv|parquet>`` and ``/download/explorer.<csv|xlsx>``."""

    @server.route("/download/explorer.<string:fmt>")
    def download_explorer(fmt: str) -> flask.Response:
        args = flask.request.args
        lang = valid_language(args.get("lang")) or DEFAULT_LANGUAGE
        view = build_view(current_data(), lang, args.get("indicator"), args.get("breakdown"),
                          args.get("period"))
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
        try:
            note = build_note(current_data().reader.path, lang, recommendations=args.getlist("rec"),
                              indicators=args.getlist("ind"), period=args.get("period"))
        except ValueError:
            flask.abort(400)
        return _attachment(render_note(note, fmt), f"note_{lang}.{fmt}", NOTE_FORMATS[fmt])

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
        body = to_csv(frame) if fmt == "csv" else to_parquet(frame)
        return _attachment(body, f"{view}.{fmt}", FORMATS[fmt])


def datapackage_zip(warehouse: Path) -> bytes:
    """The Frictionless data package of every public table (CSV, Parquet, README), zipped."""
    with tempfile.TemporaryDirectory() as tmp:
        export_package(warehouse, Path(tmp) / "package")
        return Path(shutil.make_archive(str(Path(tmp) / "package"), "zip",
                                        Path(tmp) / "package")).read_bytes()


def note_query(lang: str, recs: list[str], indicators: list[str], period: str | None) -> str:
    """The query string of ``/download/note.<fmt>`` for these choices."""
    return urlencode([("lang", lang), *[("rec", r) for r in recs],
                      *[("ind", i) for i in indicators], *([("period", period)] if period else [])])


def _attachment(body: bytes, filename: str, mimetype: str) -> flask.Response:
    response = flask.Response(body, mimetype=mimetype)
    response.headers["Content-Disposition"] = f'attachment; filename="{filename}"'
    response.headers["Cache-Control"] = "no-cache"
    return response
