"""The web root: one Flask server with the public dashboard, the data API (``/api/v1``), the
coordinators' workspace (``/admin``) and the server's health (``/healthz``).

Each surface mounts itself on the server; none imports another. ``sector-monitor serve`` runs
it with gunicorn through :mod:`sector_monitor.wsgi`.
"""

from __future__ import annotations

import os

import dash
import flask

from admin import register_admin
from api import register_api
from dashboard.app import create_dashboard
from sector_monitor.health import register_health
from warehouse.reader import Reader


def create_app(warehouse_path: str | os.PathLike[str]) -> dash.Dash:
    """The application serving the warehouse at ``warehouse_path`` (its Flask server is
    ``.server``). One :class:`Reader` per process is shared by the dashboard, the API and the
    health check; the file is opened lazily and may be rebuilt while the server runs."""
    server = flask.Flask(__name__)
    reader = Reader(warehouse_path)
    app = create_dashboard(server, reader)
    register_api(server, reader)
    register_health(server, reader)
    register_admin(server, warehouse_path)
    return app
