"""Shared fixtures: one warehouse built from the shipped data for the whole session."""

from __future__ import annotations

import contextlib
import threading
from collections.abc import Iterator
from pathlib import Path

import duckdb
import pytest

from pipeline.build import build
from warehouse.sql import connect_readonly

ROOT = Path(__file__).resolve().parent.parent


@pytest.fixture(scope="session")
def warehouse_path(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A warehouse built once from the shipped snapshots (and demo survey data)."""
    path = tmp_path_factory.mktemp("wh") / "warehouse.duckdb"
    build(path)
    return path


@pytest.fixture()
def wh(warehouse_path: Path):
    """A read-only connection to the session warehouse."""
    con = duckdb.connect(str(warehouse_path), read_only=True)
    yield con
    con.close()


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
