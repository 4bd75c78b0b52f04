"""``GET /healthz``: 200 with the build id of the warehouse version the process
reads, 503 when the warehouse does not open; follows an atomic replace; never cached."""

from __future__ import annotations

import os
import shutil
from pathlib import Path

import duckdb

from api.spec import openapi_document
from core.version import version
from sector_monitor.web import create_app
from warehouse.history import build_id_of


def with_build_id(source: Path, target: Path, build_id: str) -> Path:
    """A copy of ``source`` whose meta.build names ``build_id``."""
    shutil.copy(source, target)
    con = duckdb.connect(str(target))
    con.execute("UPDATE meta.build SET build_id = ?", [build_id])
    con.close()
    return target


def test_healthz_names_the_build_and_is_not_cached(warehouse_path: Path) -> None:
    client = create_app(warehouse_path).server.test_client()
    response = client.get("/healthz")
    assert response.status_code == 200
    assert response.headers["Cache-Control"] == "no-store"
    assert response.mimetype == "application/json"
    body = response.get_json()
    assert body["status"] == "ok"
    assert body["build_id"] == build_id_of(warehouse_path)
    assert body["tool_version"] == version()
    st = warehouse_path.stat()
    assert body["warehouse"]["size"] == st.st_size
    assert body["warehouse"]["version"].startswith(f"{st.st_ino:x}-")
    assert body["warehouse"]["mtime"].endswith("Z")
    assert client.head("/healthz").status_code == 200
    assert client.post("/healthz").status_code == 405
    assert "/healthz" not in openapi_document()["paths"]  # server health, not data


def test_healthz_follows_an_atomic_replace(warehouse_path: Path, tmp_path: Path) -> None:
    live = tmp_path / "warehouse.duckdb"
    client = create_app(live).server.test_client()
    missing = client.get("/healthz")
    assert missing.status_code == 503
    assert missing.headers["Cache-Control"] == "no-store"
    assert missing.get_json()["status"] == "unavailable"
    assert str(tmp_path) not in missing.get_data(as_text=True)  # no server path

    os.replace(with_build_id(warehouse_path, tmp_path / "a.tmp", "first000"), live)
    assert client.get("/healthz").get_json()["build_id"] == "first000"
    os.replace(with_build_id(warehouse_path, tmp_path / "b.tmp", "second00"), live)
    assert client.get("/healthz").get_json()["build_id"] == "second00"

    (tmp_path / "broken.tmp").write_bytes(b"not a duckdb file" * 100)
    os.replace(tmp_path / "broken.tmp", live)
    assert client.get("/healthz").status_code == 503
