"""Kept builds, rollback, and builds killed at random moments (fault injection)."""

from __future__ import annotations

import importlib.util
import shutil
import sys
from pathlib import Path

import pytest
from support import ROOT, table_digest

from warehouse.build import atomic_build
from warehouse.history import NoHistoryError, build_id_of, list_builds, rollback


def tiny_build(path: Path, marker: str) -> None:
    """A fast build: the DDL only, plus one row that makes its digest unique."""
    with atomic_build(path) as con:
        con.execute(
            "INSERT INTO core.category VALUES ('marker', ?, 0, ?, ?, ?)", [marker, marker, marker, marker]
        )


@pytest.fixture()
def copy(warehouse_path: Path, tmp_path: Path) -> Path:
    target = tmp_path / "var" / "warehouse.duckdb"
    target.parent.mkdir()
    shutil.copy(warehouse_path, target)
    return target


def test_rollback_restores_the_previous_build_and_back(copy: Path) -> None:
    demo, demo_id = table_digest(copy), build_id_of(copy)
    tiny_build(copy, "one")
    one = table_digest(copy)
    assert one != demo
    assert [k.build_id for k in list_builds(copy)] == [demo_id]
    restored = rollback(copy)
    assert table_digest(copy) == demo
    assert not restored.exists()  # it moved back into place
    rollback(copy)  # the rolled-away build was kept: a second rollback returns
    assert table_digest(copy) == one


@pytest.mark.slow
def test_history_keeps_the_newest_n_builds(copy: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("SECTOR_MONITOR_KEEP_BUILDS", "2")
    for marker in ("one", "two", "three", "four"):
        tiny_build(copy, marker)
    four = table_digest(copy)
    kept = list_builds(copy)
    assert len(kept) == 2
    assert kept[0].kept_at >= kept[1].kept_at
    rollback(copy)
    three = table_digest(copy)
    rollback(copy)  # newest kept is now "four" again (kept by the first rollback)
    assert table_digest(copy) == four != three
    assert len(list_builds(copy)) == 2


def test_rollback_without_history_fails_clearly(copy: Path) -> None:
    before = table_digest(copy)
    with pytest.raises(NoHistoryError, match="nothing to roll back to"):
        rollback(copy)
    assert table_digest(copy) == before


@pytest.mark.slow
def test_builds_killed_at_random_moments_leave_a_whole_version(tmp_path: Path) -> None:
    spec = importlib.util.spec_from_file_location("fault_injection", ROOT / "scripts" / "fault_injection.py")
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module  # dataclasses look their module up there
    spec.loader.exec_module(module)
    runs = module.campaign(tmp_path / "warehouse.duckdb", runs=3, seed=3, max_delay=2.5)
    assert [r.outcome for r in runs if not r.ok] == []
    assert any(r.killed for r in runs)
