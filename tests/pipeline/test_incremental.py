"""Incremental builds: unchanged steps and survey waves reuse the previous warehouse's rows, and
the result equals a full build of the same inputs."""

from __future__ import annotations

import hashlib
import shutil
from pathlib import Path

import pytest
from support import ROOT, table_digest

from etl import landing
from etl.survey.demo import write_demo
from pipeline.build import build
from pipeline.survey import ingest
from warehouse.layout import Layout
from warehouse.sql import connect_readonly

pytestmark = pytest.mark.slow


def _runs(path: Path) -> dict[str, str]:
    with connect_readonly(path) as con:
        return dict(con.execute("SELECT step, status FROM meta.etl_runs").fetchall())


def _reused_waves(path: Path) -> dict[int, bool]:
    with connect_readonly(path) as con:
        rows = con.execute(
            "SELECT wave, bool_and(reused_from IS NOT NULL) FROM meta.survey_loads GROUP BY wave"
        ).fetchall()
        return dict(rows)


def _full_build_of(warehouse: Path, files: list[tuple[Path, int]], key_from: Path) -> Path:
    """A full build, in a new folder, of ``files`` landed as ``warehouse``'s were (same key)."""
    shutil.copytree(Layout(key_from).secrets, Layout(warehouse).secrets)
    area = Layout(warehouse).landing
    for file, wave in files:
        entry, _ = landing.land(area, file, wave, "kobo")
        landing.commit(area, entry)
    build(warehouse, full=True)
    return warehouse


def test_unchanged_inputs_reuse_everything_and_full_computes_everything(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("SECTOR_MONITOR_PSEUDONYM_KEY", "incremental-test-key")
    path = tmp_path / "w.duckdb"
    build(path)
    first = table_digest(path)
    assert set(_runs(path).values()) == {"ok"}
    build(path)
    runs = _runs(path)
    assert runs.pop("survey") == "ok" and set(runs.values()) == {"reused"}
    assert set(_reused_waves(path).values()) == {True}
    assert table_digest(path) == first
    with connect_readonly(path) as con:
        assert con.execute("SELECT full_build, previous_build IS NOT NULL FROM meta.build").fetchall() == [
            (False, True)
        ]
    kept = sorted(Layout(path).guard_cache.glob("*.parquet"))  # the guard's values of each file
    assert len(kept) == 3 and {f.stat().st_mode & 0o777 for f in kept} == {0o600}
    kept[0].unlink()  # without them its wave is read again, the others are still reused
    build(path)
    assert sorted(_reused_waves(path).values()) == [False, True, True]
    build(path, full=True)
    assert set(_runs(path).values()) == {"ok"} and not any(_reused_waves(path).values())
    assert table_digest(path) == first


def test_ingesting_a_new_wave_recomputes_that_wave_only_and_equals_a_full_build(tmp_path: Path) -> None:
    exports = write_demo(tmp_path / "exports", (2022, 2023, 2024), n=120, seed=5)
    files = list(zip(exports, (2022, 2023, 2024), strict=True))
    path = tmp_path / "inc" / "w.duckdb"
    for file, wave in files:
        assert ingest(path, file, wave).ok
    assert _reused_waves(path) == {2022: True, 2023: True, 2024: False}
    runs = _runs(path)
    assert runs["indicators"] == "ok" and runs["geography"] == "reused"
    full = _full_build_of(tmp_path / "full" / "w.duckdb", files, path)
    assert table_digest(path) == table_digest(full)


def test_changing_one_snapshot_recomputes_its_step_and_equals_a_full_build(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("SECTOR_MONITOR_PSEUDONYM_KEY", "incremental-test-key")
    root = tmp_path / "snapshots"
    shutil.copytree(ROOT / "etl" / "snapshots", root)
    monkeypatch.setenv("SECTOR_MONITOR_SNAPSHOTS", str(root))
    path = tmp_path / "inc" / "w.duckdb"
    build(path)
    data, manifest = (root / "reference_figures" / name for name in ("reference_figures.csv", "source.yaml"))
    old = hashlib.sha256(data.read_bytes()).hexdigest()
    data.write_text(data.read_text(encoding="utf-8").replace(",866521,", ",866522,"), encoding="utf-8")
    new = hashlib.sha256(data.read_bytes()).hexdigest()
    manifest.write_text(manifest.read_text(encoding="utf-8").replace(old, new), encoding="utf-8")
    build(path)
    runs = _runs(path)
    assert runs["reference_figures"] == runs["indicators"] == "ok"
    assert runs["geography"] == runs["statbel_population"] == "reused"  # before it in the build
    assert set(_reused_waves(path).values()) == {True}
    full = tmp_path / "full" / "w.duckdb"
    build(full, full=True)
    assert table_digest(path) == table_digest(full)
    with connect_readonly(path) as con:
        assert con.execute(
            "SELECT count(*) FROM public.statistics WHERE value = 866522 AND source_id = ?",
            ["kbs_volunteering_2019"],
        ).fetchall() == [(1,)]
