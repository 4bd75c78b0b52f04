"""Helpers shared by the tests: paths, warehouse digests, an in-process server, page waits."""

from __future__ import annotations

import contextlib
import subprocess
import sys
import threading
from collections.abc import Iterator
from pathlib import Path

from warehouse.sql import connect_readonly

ROOT = Path(__file__).resolve().parent.parent
TESTS = ROOT / "tests"
ARTIFACTS = ROOT / "test-artifacts"


def table_digest(path: Path) -> dict[str, tuple]:
    """Row count and an order-independent content hash of every table of a warehouse."""
    con = connect_readonly(path)
    tables = con.execute(
        "SELECT schema_name, table_name FROM duckdb_tables() WHERE database_name = 'wh' "
        "AND schema_name <> 'meta' ORDER BY 1, 2"
    ).fetchall()
    out = {}
    for schema, table in tables:
        cols = [
            r[0]
            for r in con.execute(
                "SELECT column_name FROM duckdb_columns() WHERE database_name = 'wh' AND schema_name = ? "
                "AND table_name = ? AND column_name <> 'load_id' ORDER BY column_index",
                [schema, table],
            ).fetchall()
        ]
        col_sql = ", ".join(f'"{c}"' for c in cols)
        out[f"{schema}.{table}"] = con.execute(
            f'SELECT count(*), sum(hash({col_sql})) FROM (SELECT {col_sql} FROM wh."{schema}"."{table}")'
        ).fetchone()
    con.close()
    return out


@contextlib.contextmanager
def serve_app(warehouse: Path) -> Iterator[str]:
    """The dashboard of ``warehouse`` served in-process on a free loopback port; yields its URL."""
    from werkzeug.serving import make_server

    from sector_monitor.web import create_app

    server = make_server("127.0.0.1", 0, create_app(warehouse).server, threaded=True)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_port}"
    finally:
        server.shutdown()
        thread.join()


def wait_ready(page) -> None:
    """Wait until Dash has rendered the page and its charts."""
    page.wait_for_selector("#_pages_content h1")
    page.wait_for_load_state("networkidle")


def cli_in_process(*args: str) -> int:
    """``sector-monitor ARGS`` run in this process (:func:`sector_monitor.cli.main`), whose umask and
    warning display are put back afterwards; the exit code."""
    import os
    import warnings

    from sector_monitor.cli import main

    umask, show = os.umask(0o077), warnings.showwarning
    try:
        return main(list(args))
    finally:
        os.umask(umask)
        warnings.showwarning = show


def cli(*args: str, lang: str = "C.UTF-8", user: str | None = None) -> subprocess.CompletedProcess:
    """``sector-monitor ARGS`` in a new process with a minimal environment (no SECTOR_MONITOR_*
    variable, ``LANG`` as given), from the repository root; output captured as text."""
    env = {"PATH": "/usr/bin:/bin", "LANG": lang, **({"USER": user} if user else {})}
    return subprocess.run(
        [sys.executable, "-m", "sector_monitor.cli", *args],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=600,
        env=env,
    )
