"""The read-only data API under ``/api/v1/`` as a Flask blueprint (JSON and CSV, public data).

Parameters are checked against the OpenAPI document (``api/spec.py``); responses carry an ETag
derived from the warehouse version (or the edition) and the request, and honour
If-None-Match. The data of a version never changes, so each process keeps its recent answers
under that ETag (a bounded in-memory cache). Errors are JSON: 400 invalid parameter,
404 unknown resource, 503 no data.
"""

from __future__ import annotations

import hashlib
import logging
import threading
from collections.abc import Callable
from pathlib import Path
from typing import Any, Protocol
from urllib.parse import urlencode

import duckdb
import flask
from flask_caching.backends.simplecache import SimpleCache
from werkzeug.exceptions import HTTPException

from api.queries import ListingCache, fetch_page, indicator_detail
from api.spec import ApiError, openapi_document, parse_parameters
from exports.csv_safety import safe_csv
from exports.editions import edition_manifest, list_editions, open_edition
from warehouse.layout import Layout
from warehouse.reader import Reader

PREFIX = "/api/v1"
LIVE_CACHE = "public, max-age=60"
EDITION_CACHE = "public, max-age=86400"
#: Answers kept per process (over this count the oldest go first), for how long, and the
#: largest body kept.
CACHED_RESPONSES = 256
CACHED_SECONDS = 3600
MAX_CACHED_BYTES = 256 * 1024
log = logging.getLogger(__name__)


class DataSource(Protocol):
    """What the API reads: the warehouse (a Reader) or a frozen edition."""

    @property
    def version(self) -> str: ...

    def cursor(self) -> duckdb.DuckDBPyConnection: ...


class EditionSource:
    """A published edition, queried with the same SQL as the warehouse."""

    def __init__(self, edition: str, editions_dir: Path) -> None:
        manifest = edition_manifest(edition, editions_dir)
        self.version = f"edition:{edition}:{manifest['published_at']}"
        self._con = open_edition(edition, editions_dir)

    def cursor(self) -> duckdb.DuckDBPyConnection:
        return self._con.cursor()


def register_api(server: flask.Flask, reader: Reader, editions_dir: Path | None = None) -> None:
    """Serve the API on ``server`` from ``reader`` (editions: ``editions/`` beside the warehouse)."""
    server.register_blueprint(blueprint(reader, editions_dir))


def blueprint(reader: Reader, editions_dir: Path | None = None) -> flask.Blueprint:
    """The ``/api/v1`` blueprint over the warehouse of ``reader`` and the editions in
    ``editions_dir``."""
    editions_root = editions_dir if editions_dir is not None else Layout(reader.path).editions
    bp = flask.Blueprint("api_v1", __name__, url_prefix=PREFIX)
    opened: dict[str, EditionSource] = {}
    lock = threading.Lock()
    answers = SimpleCache(threshold=CACHED_RESPONSES, default_timeout=CACHED_SECONDS)
    listings = ListingCache()

    def source(edition: str | None) -> DataSource:
        if edition is None:
            return reader
        with lock:
            if edition not in opened:
                try:
                    opened[edition] = EditionSource(edition, editions_root)
                except LookupError as error:
                    raise ApiError(404, str(error), "edition") from error
            return opened[edition]

    def args(path: str) -> dict[str, Any]:
        return parse_parameters(PREFIX + path, flask.request.args, flask.request.view_args or {})

    def page(
        listing: str, params: dict[str, Any], filters: dict[str, str | None], must_exist: str | None = None
    ) -> flask.Response:
        src = source(params.get("edition"))

        def build() -> flask.Response:
            lang, version = params.get("lang") or "en", src.version
            if (
                must_exist is not None
                and not listings.rows(version, src.cursor, "indicators", lang).page(
                    {"indicator_id": must_exist}, 1, 0
                )[1]
            ):
                raise ApiError(404, f"no indicator {must_exist!r}", "indicator_id")
            if params["format"] == "csv":
                cur = src.cursor()
                try:
                    frame, total = fetch_page(cur, listing, lang, filters, params["limit"], params["offset"])
                finally:
                    cur.close()
                response = flask.Response(safe_csv(frame), mimetype="text/csv")
                response.headers["Content-Disposition"] = f'inline; filename="{listing}.csv"'
                response.headers["X-Total-Count"] = str(total)
                return response
            rows, total = listings.rows(version, src.cursor, listing, lang).page(
                filters, params["limit"], params["offset"]
            )
            end = params["offset"] + params["limit"]
            following = {**flask.request.args.to_dict(), "offset": str(end)}
            return flask.jsonify(
                {
                    "data": rows,
                    "pagination": {
                        "total": total,
                        "limit": params["limit"],
                        "offset": params["offset"],
                        "next": f"{flask.request.path}?{urlencode(following)}" if end < total else None,
                    },
                }
            )

        return conditional(src, build, EDITION_CACHE if params.get("edition") else LIVE_CACHE, answers)

    @bp.get("/indicators")
    def list_indicators() -> flask.Response:
        params = args("/indicators")
        return page("indicators", params, {"theme": params["theme"]})

    @bp.get("/indicators/<indicator_id>")
    def get_indicator(indicator_id: str) -> flask.Response:
        params = args("/indicators/{indicator_id}")

        def build() -> flask.Response:
            cur = reader.cursor()
            try:
                detail = indicator_detail(cur, params["lang"], params["indicator_id"])
            finally:
                cur.close()
            if detail is None:
                raise ApiError(404, f"no indicator {indicator_id!r}", "indicator_id")
            return flask.jsonify(detail)

        return conditional(reader, build, LIVE_CACHE, answers)

    @bp.get("/indicators/<indicator_id>/values")
    def list_values(indicator_id: str) -> flask.Response:
        params = args("/indicators/{indicator_id}/values")
        filters = {k: params[k] for k in ("indicator_id", "period", "breakdown", "breakdown_value")}
        return page("values", params, filters, must_exist=params["indicator_id"])

    @bp.get("/statistics")
    def list_statistics() -> flask.Response:
        params = args("/statistics")
        filters = {k: params[k] for k in ("series", "source_id", "geo_code", "period", "sex", "age")}
        return page("statistics", params, filters)

    @bp.get("/series")
    def list_series() -> flask.Response:
        params = args("/series")
        return page("series", params, {"source_id": params["source_id"]})

    @bp.get("/sources")
    def list_sources() -> flask.Response:
        return page("sources", args("/sources"), {})

    @bp.get("/editions")
    def list_published_editions() -> flask.Response:
        args("/editions")
        return flask.jsonify(
            {
                "data": [
                    {
                        k: m[k]
                        for k in ("edition", "published_at", "previous_edition", "synthetic", "citation")
                    }
                    | {"tables": sorted(m["tables"])}
                    for m in list_editions(editions_root)
                ]
            }
        )

    @bp.get("/openapi.json")
    def openapi() -> flask.Response:
        return flask.jsonify(openapi_document())

    @bp.route("/<path:unknown>")
    def not_found(unknown: str) -> flask.Response:
        raise ApiError(404, f"no such endpoint: {PREFIX}/{unknown}")

    @bp.errorhandler(Exception)
    def json_error(error: Exception) -> tuple[flask.Response, int]:
        if isinstance(error, ApiError):
            status, message, parameter = error.status, error.message, error.parameter
        elif isinstance(error, HTTPException):
            status, message, parameter = error.code or 500, error.name, None
        elif isinstance(error, FileNotFoundError | duckdb.CatalogException | duckdb.IOException):
            status, message, parameter = 503, "the data is not available yet", None
        else:
            log.exception("unhandled API error on %s", flask.request.full_path)
            status, message, parameter = 500, "internal error", None
        return flask.jsonify({"status": status, "error": message, "parameter": parameter}), status

    return bp


def conditional(
    src: DataSource, build: Callable[[], flask.Response], cache_control: str, answers: SimpleCache
) -> flask.Response:
    """``build()`` with an ETag of (data version, request URL) and Cache-Control, or an empty
    304 when the client's If-None-Match already names that ETag. A 200 answer is kept in
    ``answers`` under its ETag and served from there while the version lasts."""
    key = f"{src.version}|{flask.request.full_path}"
    etag = hashlib.sha256(key.encode("utf-8", "surrogatepass")).hexdigest()[:32]
    if flask.request.if_none_match.contains(etag):
        response = flask.Response(status=304)
    elif (kept := answers.get(etag)) is not None:
        body, headers = kept
        response = flask.Response(body, headers=headers)
    else:
        response = build()
        body = response.get_data()
        if response.status_code == 200 and len(body) <= MAX_CACHED_BYTES:
            answers.set(etag, (body, list(response.headers.items())))
    response.set_etag(etag)
    response.headers["Cache-Control"] = cache_control
    return response
