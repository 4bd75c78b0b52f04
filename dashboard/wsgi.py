"""WSGI entry point: ``gunicorn dashboard.wsgi:server``.

The warehouse path comes from ``SECTOR_MONITOR_WAREHOUSE`` (default ``var/warehouse.duckdb``,
relative to the working directory). The file is opened lazily, per worker.
"""

from __future__ import annotations

import os

from core.settings import DEFAULT_WAREHOUSE, settings
from dashboard.app import create_app

os.umask(0o077)  # files the workers create (audit log, staged uploads, warehouse) are private
app = create_app(settings().warehouse or DEFAULT_WAREHOUSE)
server = app.server
# Dash completes its callback map during the first request it serves, and concurrent first
# requests see it half done (callbacks answered 400 "unknown output" just after a start, issue
# 17). Make that first request here, alone, on a route that opens no warehouse: `serve` runs
# gunicorn with --preload, so this runs in the master before it listens, and the workers it
# forks answer at once (a starting replica refuses connections instead of queueing them).
server.test_client().get("/_dash-dependencies")
