"""Shared fixtures: one warehouse built from the shipped data for the whole session."""

from __future__ import annotations

from pathlib import Path

import duckdb
import pytest

from pipeline.build import build


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
