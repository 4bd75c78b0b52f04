"""WSGI entry point: ``gunicorn dashboard.wsgi:server``.

The warehouse path comes from ``SECTOR_MONITOR_WAREHOUSE`` (default ``var/warehouse.duckdb``,
relative to the working directory). The file is opened lazily, per worker.
"""

from __future__ import annotations

import os

from dashboard.app import create_app

os.umask(0o077)  # files the workers create (audit log, staged uploads, warehouse) are private
app = create_app(os.environ.get("SECTOR_MONITOR_WAREHOUSE", "var/warehouse.duckdb"))
server = app.server
