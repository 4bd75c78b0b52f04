"""``GET /healthz``: is this process able to serve, and which build does it serve?

Mounted by the web root (:mod:`sector_monitor.web`) for the reverse proxy and monitoring: 200
when the warehouse opens, 503 otherwise, as JSON with the build id (``meta.build`` of the
warehouse version the process reads now), the warehouse version token and modification time,
and the tool version. Cheap: a ``stat`` and a fresh cursor on the process's connection; the
build id is read once per warehouse version. Never cached (``Cache-Control: no-store``).
Outside ``/api/v1`` and its OpenAPI document on purpose: it describes the server, not the data.
"""

from __future__ import annotations

import datetime as dt
import json
import threading

import flask

from core.version import version as tool_version
from warehouse.reader import Reader

PATH = "/healthz"


class Health:
    """The health answer of one process for its :class:`Reader`."""

    def __init__(self, reader: Reader) -> None:
        self.reader = reader
        self._builds: dict[str, dict[str, str | None]] = {}  # version -> build row
        self._lock = threading.Lock()

    def _build_of(self, version: str, cur) -> dict[str, str | None]:  # noqa: ANN001
        with self._lock:
            known = self._builds.get(version)
        if known is not None:
            return known
        row = cur.execute(
            "SELECT build_id, finished_at, tool_version FROM meta.build ORDER BY started_at DESC LIMIT 1"
        ).fetchone()
        build = {
            "id": row[0] if row else None,
            "finished_at": row[1].isoformat() + "Z" if row and row[1] else None,
            "tool_version": row[2] if row else None,
        }
        with self._lock:
            if len(self._builds) > 16:  # old versions are never asked again
                self._builds.clear()
            self._builds[version] = build
        return build

    def report(self) -> tuple[int, dict]:
        """``(HTTP status, body)``: 200 when the warehouse opens and names its build."""
        body: dict = {"status": "ok", "tool_version": tool_version()}
        try:
            version, cur = self.reader.pinned()
            try:
                build = self._build_of(version, cur)
            finally:
                cur.close()
        except Exception as exc:  # noqa: BLE001 - any failure to open means: do not route here
            body.update(status="unavailable", error=type(exc).__name__, build_id=None, warehouse=None)
            return 503, body
        _ino, mtime_ns, size = Reader.parse_version(version)
        mtime = dt.datetime.fromtimestamp(mtime_ns / 1e9, dt.UTC)
        body.update(
            build_id=build["id"],
            build_finished_at=build["finished_at"],
            built_by=build["tool_version"],
            warehouse={"version": version, "mtime": mtime.isoformat().replace("+00:00", "Z"), "size": size},
        )
        return 200, body


def register_health(server: flask.Flask, reader: Reader) -> None:
    """Add ``GET /healthz`` (and HEAD) to ``server``."""
    health = Health(reader)

    @server.route(PATH, methods=["GET"])
    def healthz() -> flask.Response:
        status, body = health.report()
        response = flask.Response(json.dumps(body), status=status, mimetype="application/json")
        response.headers["Cache-Control"] = "no-store"
        return response
