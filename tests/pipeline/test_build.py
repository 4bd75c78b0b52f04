"""End-to-end build of the warehouse from the shipped snapshots: content, idempotence,
atomicity under SIGKILL and corrupted inputs."""

from __future__ import annotations

import os
import shutil
import signal
import subprocess
import sys
import time
from pathlib import Path

import duckdb
import pandas as pd
import pytest
from support import ROOT, table_digest

from etl.snapshots import SnapshotError
from pipeline.build import build


def _value(con, series: str, geo: str, period: str) -> float:
    return con.execute(
        "SELECT value FROM public.statistics WHERE series = ? AND geo_code = ? AND period = ?",
        [series, geo, period],
    ).fetchone()[0]


def test_public_statistics_hold_the_published_values(wh) -> None:
    assert _value(wh, "eurostat_formal_volunteering", "BE", "2015") == 20.4
    assert _value(wh, "eurostat_formal_volunteering", "BE", "2022") == 15.9
    assert _value(wh, "eurostat_informal_volunteering", "BE", "2022") == 11.8
    assert _value(wh, "statbel_population", "04000", "2020-01-01") == 1_218_255
    assert _value(wh, "statbel_population", "21004", "2020-01-01") > 100_000
    de = wh.execute(
        "SELECT value, flag FROM public.statistics WHERE series = "
        "'eurostat_formal_volunteering' AND geo_code = 'DE' AND period = '2022'"
    ).fetchone()
    assert de[0] is None and de[1] == "u"  # published as low reliability without value
    assert (
        wh.execute("SELECT geo_label FROM public.statistics WHERE geo_code = 'EL' LIMIT 1").fetchone()[0]
        == "Greece"
    )


def test_every_reference_figure_is_a_row_with_its_source(wh) -> None:
    csv = pd.read_csv(ROOT / "etl/snapshots/reference_figures/reference_figures.csv", dtype=str)
    rows = wh.execute(
        "SELECT count(*) FROM public.statistics WHERE dataset = 'reference_figures'"
    ).fetchone()[0]
    assert rows == len(csv) == 84
    brussels = wh.execute(
        "SELECT value, unit, period FROM public.statistics WHERE dataset = "
        "'reference_figures' AND geo_code = '04000' AND value = 62000"
    ).fetchall()
    assert brussels == [(62000.0, "persons", "2019")]
    rng = wh.execute("SELECT value, note FROM public.statistics WHERE note LIKE '%range 7.2-8.8%'").fetchone()
    assert rng[0] is None
    orphans = wh.execute(
        "SELECT count(*) FROM public.statistics s LEFT JOIN public.sources o USING (source_id) "
        "WHERE o.source_id IS NULL OR length(o.sha256) < 64"
    ).fetchone()[0]
    assert orphans == 0
    deterioration = wh.execute(
        "SELECT period, value FROM public.statistics WHERE series = 'barometer_financial_deterioration' "
        "ORDER BY period"
    ).fetchall()
    assert deterioration == [("2011", 17.0), ("2013", 33.0), ("2018", 19.0), ("2020", 49.0)]


def test_etl_runs_are_recorded(wh) -> None:
    runs = wh.execute("SELECT step, status, rows_in, rows_out FROM meta.etl_runs").fetchall()
    steps = {r[0]: r for r in runs}
    assert {"geography", "eurostat_volunteering", "statbel_population", "reference_figures"} <= set(steps)
    assert all(r[1] == "ok" and r[3] is not None for r in runs)


@pytest.mark.slow
def test_build_is_idempotent(tmp_path: Path) -> None:
    path = tmp_path / "l'entrepôt" / "ware-house.duckdb"  # quotes and dashes in paths and names
    build(path)
    first = table_digest(path)
    build(path)
    assert table_digest(path) == first
    assert first["public.indicator_values"][0] > 1000


def _snapshot_copy(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    root = tmp_path / "snapshots"
    shutil.copytree(ROOT / "etl" / "snapshots", root)
    monkeypatch.setenv("SECTOR_MONITOR_SNAPSHOTS", str(root))
    return root


@pytest.mark.slow
def test_corrupted_snapshot_fails_clearly_and_keeps_the_warehouse(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, warehouse_path: Path
) -> None:
    target = tmp_path / "w.duckdb"
    shutil.copy(warehouse_path, target)
    before = table_digest(target)
    root = _snapshot_copy(tmp_path, monkeypatch)
    bad = root / "statbel_population" / "statbel_population_regions.csv"
    bad.write_text(bad.read_text().replace("1218255", "1218256"))
    with pytest.raises(Exception, match="checksum mismatch") as err:
        build(target)
    message = str(err.value)
    assert "statbel_population_regions.csv" in message
    assert "e40d2ad80b9d3edaaf9f2f6ab3da2a4be9e5c34c29b33e1956ad44e2ef2bef5d" in message
    assert isinstance(err.value.__cause__, SnapshotError)
    assert table_digest(target) == before
    assert not target.with_name(target.name + ".tmp").exists()


@pytest.mark.slow
def test_sigkill_during_build_leaves_previous_warehouse(tmp_path: Path, warehouse_path: Path) -> None:
    shutil.copytree(warehouse_path.parent, tmp_path / "var")  # warehouse and its pseudonym key
    target = tmp_path / "var" / warehouse_path.name
    before = table_digest(target)
    tmp = target.with_name(target.name + ".tmp")
    proc = subprocess.Popen(
        [sys.executable, "-m", "sector_monitor.cli", "build", "--warehouse", str(target)],
        cwd=ROOT,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    deadline = time.monotonic() + 60
    while not tmp.exists() and proc.poll() is None and time.monotonic() < deadline:
        time.sleep(0.01)
    assert proc.poll() is None, "the build ended before it could be killed"
    time.sleep(0.3)  # let it write part of the new file
    os.kill(proc.pid, signal.SIGKILL)
    proc.wait(timeout=10)
    con = duckdb.connect(str(target), read_only=True)
    assert con.execute("SELECT count(*) FROM public.statistics").fetchone()[0] > 1000
    con.close()
    assert table_digest(target) == before
    build(target)  # the next build recovers from the leftover .tmp
    assert table_digest(target) == before
