"""The benchmark scripts: scaled synthetic exports, the ingest peers, indicator scaling,
the API comparison with Datasette and the generated tables of BENCHMARKS.md."""

from __future__ import annotations

import copy
import shutil
import sqlite3
import sys
from pathlib import Path

import duckdb
import flask
import numpy as np
import pandas as pd
import pytest
import requests

from api import register_api
from benchmarks import _markdown, _server, api_compare
from benchmarks.build_time import land_scaled
from benchmarks.ingest_compare import load_floor, load_pandera, verdicts
from benchmarks.scaled_exports import enterprise_numbers, write_scaled_exports
from etl import landing
from etl.survey.frame import load_frame
from etl.survey.readers import read_export
from etl.survey.validation import validate
from warehouse.layout import Layout
from warehouse.reader import Reader


@pytest.fixture(scope="module")
def exports(tmp_path_factory: pytest.TempPathFactory) -> list[Path]:
    """201 rows over two waves, from base blocks of 60 associations (so several copies each)."""
    return write_scaled_exports(tmp_path_factory.mktemp("scaled"), 201, (2023, 2024), seed=4, block=60)


@pytest.mark.slow
def test_scaled_export_is_a_valid_kobo_export(exports: list[Path]) -> None:
    for path, rows in zip(exports, (101, 100), strict=True):
        export = read_export(path)
        checked = validate(export.frame)
        assert export.format == "kobo"
        assert len(export.frame) == rows
        assert checked.errors == [] and len(checked.valid) == rows
        assert export.frame["_source_id"].is_unique
        assert export.frame["_submitted_at"].dt.year.eq(int(path.name.split("_")[2])).all()


def test_copies_get_distinct_numbers_and_keep_the_panel(exports: list[Path]) -> None:
    first, second = (read_export(p).frame for p in exports)
    # a base block has 60 associations + ~2 % resubmissions: rows 0-59 are in the first copy only
    copy0, copy1 = set(first["org_id"].iloc[:60]), set(first["org_id"].iloc[62:])
    assert not copy0 & copy1
    assert first["org_id"].str.startswith("1").all()
    assert len(set(first["org_id"]) & set(second["org_id"])) > 30  # same associations, next wave


def test_generation_is_deterministic(exports: list[Path], tmp_path: Path) -> None:
    again = write_scaled_exports(tmp_path, 201, (2023, 2024), seed=4, block=60)
    assert [p.read_bytes() for p in again] == [p.read_bytes() for p in exports]


def test_enterprise_numbers_have_valid_check_digits() -> None:
    heads = np.array([10_000_000, 97 * 103_093, 19_999_999])  # the second is 0 mod 97: check "97"
    numbers = pd.Series(enterprise_numbers(heads).to_pylist())
    assert numbers.str.len().eq(10).all()
    assert all(int(n[8:]) == 97 - int(n[:8]) % 97 for n in numbers)  # Belgian mod-97 check digits
    assert numbers.iloc[1].endswith("97")


def test_floor_and_pandera_peers_load_every_row(exports: list[Path], tmp_path: Path) -> None:
    assert load_floor(exports[0], tmp_path)["rows"] == 101
    assert load_pandera(exports[0], tmp_path) == {"rows": 101, "failed_rows": 0}


def test_pandera_peer_counts_invalid_rows(exports: list[Path], tmp_path: Path) -> None:
    bad = tmp_path / "bad.csv"
    text = exports[0].read_text(encoding="utf-8")
    region = '"brussels"'
    bad.write_text(text.replace(region, '"atlantis"', 2), encoding="utf-8")
    assert load_pandera(bad, tmp_path)["failed_rows"] == 2


def test_verdicts_compare_with_the_floor_and_the_peers() -> None:
    def result(seconds: float, rss: float = 500) -> dict:
        return {"median_s": seconds, "peak_rss_mb": rss}

    results = {
        "duckdb_read_csv": result(1),
        "dlt_duckdb": result(4),
        "pandas_pandera": result(2.5),
        "ours_survey_step": result(2.9),
        "ours_cli_ingest": {**result(3.1, rss=2100), "size_limit_lifted": True},
    }
    status = {(v["contender"], v["target"]): v["status"] for v in verdicts(results)}
    assert status[("ours_survey_step", "<= 3x DuckDB read_csv")] == "MET"
    assert status[("ours_survey_step", "faster than dlt_duckdb")] == "MET"
    assert status[("ours_survey_step", "faster than pandas_pandera")] == "NOT MET"
    assert status[("ours_cli_ingest", "<= 3x DuckDB read_csv")] == "NOT MET"
    assert status[("ours_cli_ingest", "peak RSS < 2 GB")] == "NOT MET"
    assert status[("ours_survey_step", "accepts the file under the default size limit")] == "MET"
    assert status[("ours_cli_ingest", "accepts the file under the default size limit")] == "NOT MET"


@pytest.mark.slow
def test_scaling_the_warehouse_tiles_responses_over_the_waves(warehouse_path: Path, tmp_path: Path) -> None:
    from benchmarks.indicators_scale import scale

    copy = tmp_path / "scaled.duckdb"
    shutil.copy(warehouse_path, copy)
    con = duckdb.connect(str(copy))
    frame_before = con.execute("SELECT sum(n_associations) FROM core.survey_frame").fetchone()[0]
    sizes = scale(con, 2_000, 4)
    per_wave = dict(
        con.execute("SELECT wave, count(*) FROM restricted.survey_responses GROUP BY wave").fetchall()
    )
    linked = con.execute(
        "SELECT count(*) FROM restricted.survey_current a JOIN restricted.survey_current b "
        "ON a.org_pseudo = b.org_pseudo AND a.wave = 2021 AND b.wave = 2022"
    ).fetchone()[0]
    associations = con.execute(
        "SELECT count(DISTINCT org_pseudo) FROM restricted.survey_responses WHERE wave = 2024"
    ).fetchone()[0]
    frame_after = con.execute("SELECT sum(n_associations) FROM core.survey_frame").fetchone()[0]
    con.close()
    assert per_wave == {2021: 500, 2022: 500, 2023: 500, 2024: 500}
    assert sizes["responses"] == 2_000 and sizes["copies"] == 2
    assert associations > 400  # each copy brings new associations
    assert linked > 100  # the panel still links consecutive waves
    assert frame_after == frame_before * sizes["copies"]


def test_scaled_build_lands_every_wave_with_a_frame_large_enough(exports: list[Path], tmp_path: Path) -> None:
    warehouse = tmp_path / "warehouse.duckdb"
    factor = land_scaled(warehouse, exports, [2023, 2024], per_wave=6_000)
    area = Layout(warehouse).landing
    landed = [(e.wave, e.name) for e in landing.registry(area)]
    assert landed == [(2023, exports[0].name), (2024, exports[1].name)]
    frame = load_frame(area / "frame.csv")
    assert factor == 3 and frame["n_associations"].sum() == 3 * load_frame()["n_associations"].sum()


# ---- api_compare: the same rows from the SQLite export, locust statistics, verdicts ----


def test_a_server_is_stopped_when_the_benchmark_fails(tmp_path: Path) -> None:
    port = _server.free_port()
    url = f"http://127.0.0.1:{port}/"
    command = [sys.executable, "-m", "http.server", str(port), "--bind", "127.0.0.1"]
    with (
        pytest.raises(RuntimeError, match="measurement failed"),
        _server.running(command, url, tmp_path / "server.log"),
    ):
        assert requests.get(url, timeout=5).ok
        raise RuntimeError("measurement failed")
    with pytest.raises(requests.ConnectionError):
        requests.get(url, timeout=5)


def test_a_server_that_exits_at_start_is_reported(tmp_path: Path) -> None:
    command = [sys.executable, "-c", "print('no such database'); raise SystemExit(3)"]
    with (
        pytest.raises(RuntimeError, match=r"exited \(3\)[\s\S]*no such database"),
        _server.running(command, "http://127.0.0.1:9/", tmp_path / "server.log"),
    ):
        pass


def test_the_sqlite_export_answers_what_our_api_answers(warehouse_path: Path, tmp_path: Path) -> None:
    query = api_compare.pick_query(warehouse_path)
    database = tmp_path / "indicators.db"
    exported = api_compare.export_sqlite(warehouse_path, database)
    app = flask.Flask("api_compare_test")
    register_api(app, Reader(warehouse_path))
    ours = app.test_client().get(api_compare.query_paths(query, "indicators")["ours"]).get_json()
    with sqlite3.connect(database) as db:
        db.row_factory = sqlite3.Row
        peer = [
            dict(r)
            for r in db.execute(
                "SELECT rowid, * FROM indicator_values "
                "WHERE indicator_id = ? AND period = ? AND breakdown = ? ORDER BY rowid",
                [query["indicator_id"], query["period"], query["breakdown"]],
            )
        ]
        total = db.execute("SELECT count(*) FROM indicator_values").fetchone()[0]
    with duckdb.connect(str(warehouse_path), read_only=True) as con:
        assert exported == total == con.execute("SELECT count(*) FROM public.indicator_values").fetchone()[0]
    assert query["breakdown"] == "subsector" and len(ours["data"]) == query["rows"] > 1
    assert api_compare.comparable(peer) == api_compare.comparable(ours["data"])


def test_percentiles_and_throughput_from_locust_statistics() -> None:
    entry = {
        "name": "query",
        "num_requests": 100,
        "num_failures": 2,
        "start_time": 10.0,
        "last_request_timestamp": 14.0,
        "max_response_time": 130.4,
        "response_times": {"5": 50, "7": 45, "40": 4, "130": 1},
    }
    stats = api_compare.locust_stats([{"name": "other"}, entry], ["timeout (2x)"])
    assert stats["rps"] == 25.0 and stats["errors"] == 2
    assert (stats["p50_ms"], stats["p95_ms"], stats["p99_ms"]) == (5.0, 7.0, 40.0)
    assert stats["max_ms"] == 130.4 and stats["error_messages"] == ["timeout (2x)"]


def test_api_verdict_needs_our_throughput_and_zero_errors() -> None:
    def row(server: str, rps: float, errors: int = 0, case: str = "same_url", users: int = 20) -> dict:
        return {"server": server, "case": case, "users": users, "rps": rps, "errors": errors}

    results = [
        row("ours", 300),
        row("datasette", 150),
        row("datasette_gunicorn", 310),
        row("ours", 200, errors=3, users=50),
        row("datasette", 100, users=50),
        row("ours", 90, case="distinct_urls"),
        row("datasette", 90, case="distinct_urls"),
    ]
    found = {
        (v["peer"], v["case"], v["users"]): (round(v["ratio"], 2), v["status"])
        for v in api_compare.verdicts(results)
    }
    assert found == {
        ("datasette", "same_url", 20): (2.0, "MET"),
        ("datasette_gunicorn", "same_url", 20): (0.97, "NOT MET"),
        ("datasette", "same_url", 50): (2.0, "NOT MET"),  # faster, but with errors
        ("datasette", "distinct_urls", 20): (1.0, "MET"),
    }


# ---- the generated section of BENCHMARKS.md ----


def timing(median: float, runs: int = 2, **extra: object) -> dict:
    return {
        "runs": runs,
        "seconds": [median - 0.1, median + 0.1][:runs],
        "median_s": median,
        "peak_rss_mb": 300.0,
        **extra,
    }


def contender(median: float, floor: float = 5.0, rss: float = 800.0) -> dict:
    return {
        "seconds": [median, median],
        "median_s": median,
        "ratio_vs_floor": median / floor,
        "rows_per_s": 100_000 / median,
        "mb_per_s": 91.5 / median,
        "peak_rss_mb": rss,
    }


def dashboard(p95: float, errors: int = 0, users: int = 20) -> dict:
    def category(p: float, e: int) -> dict:
        return {
            "requests": 900,
            "errors": e,
            "p50_ms": p / 5,
            "p95_ms": p,
            "p99_ms": p * 1.2,
            "max_ms": p * 2,
            "throughput_rps": 30.0,
        }

    return {
        "config": {"users": users, "duration": 20.0, "think": 1.0, "workers": 2},
        "results": {
            "categories": {
                "page loads": category(10, 0),
                "callbacks": category(p95, errors),
                "explorer callbacks": category(p95, 0),
            },
            "slowest_callbacks": [{"callback": "graph.figure @ /fr/explorer", "p95_ms": p95 * 1.5}],
            "target": {"met": p95 < 150 and not errors},
        },
    }


FAKE_RESULTS = {
    "build_time": timing(5.78),
    "indicators_time": timing(1.32, n_indicators=80, n_values=4968),
    "ingest_compare": {
        "file": {"rows": 100_000, "bytes": 91_500_000},
        "skipped": {},
        "results": {
            "duckdb_read_csv": contender(5.0),
            "dlt_duckdb": contender(8.2),
            "pandas_pandera": contender(8.8),
            "ours_survey_step": contender(14.0),
            "ours_cli_ingest": contender(26.5, rss=2500),
        },
        "targets": [
            {"contender": c, "target": t, "status": s}
            for c, t, s in [
                ("ours_survey_step", "<= 3x DuckDB read_csv", "MET"),
                ("ours_survey_step", "stretch: <= 1.5x DuckDB read_csv", "NOT MET"),
                ("ours_survey_step", "faster than dlt_duckdb", "NOT MET"),
                ("ours_survey_step", "faster than pandas_pandera", "NOT MET"),
                ("ours_survey_step", "peak RSS < 2 GB", "MET"),
                ("ours_survey_step", "accepts the file under the default size limit", "MET"),
                ("ours_cli_ingest", "<= 3x DuckDB read_csv", "NOT MET"),
                ("ours_cli_ingest", "peak RSS < 2 GB", "NOT MET"),
            ]
        ],
    },
    "indicators_scale": {
        "points": [
            {
                "responses": n,
                "waves": 10,
                "seconds": [s],
                "median_s": s,
                "peak_rss_mb": 400.0,
                "n_values": 9000,
            }
            for n, s in [(10_000, 3.8), (100_000, 8.7)]
        ],
        "growth": [{"from": 10_000, "to": 100_000, "exponent": 0.36}],
        "status": "not measured",
        "wave_points": [
            {
                "responses": 10_000,
                "waves": w,
                "seconds": [s],
                "median_s": s,
                "peak_rss_mb": 300.0,
                "n_values": 1600 * w,
            }
            for w, s in [(1, 1.1), (10, 2.4)]
        ],
    },
    "dashboard_load_20": dashboard(65.0),
    "dashboard_load_50": dashboard(180.0, users=50),
    "api_compare": {
        "query": {
            "paths": {
                "ours": "/api/v1/indicators/x/values?period=2024&breakdown=subsector",
                "datasette": "/indicators/indicator_values.json?indicator_id=x&_shape=array",
            },
            "answer_rows": 12,
        },
        "config": {"runs": 1, "duration_s": 10.0},
        "load_tool": "locust 2.47.0",
        "servers": {"ours": "gunicorn, 2 sync workers", "datasette": "datasette serve -i"},
        "results": [
            {
                "users": 20,
                "case": c,
                "server": s,
                "runs": 1,
                "rps": rps,
                "p50_ms": 30.0,
                "p95_ms": 36.0,
                "p99_ms": 40.0,
                "errors": 0,
            }
            for c, s, rps in [
                ("same_url", "ours", 650),
                ("same_url", "datasette", 170),
                ("distinct_urls", "ours", 140),
                ("distinct_urls", "datasette", 190),
            ]
        ],
        "verdicts": [
            {"peer": "datasette", "case": c, "users": 20, "ratio": ratio, "status": s}
            for c, ratio, s in [("same_url", 650 / 170, "MET"), ("distinct_urls", 140 / 190, "NOT MET")]
        ],
    },
    "note_time": timing(4.2, command="sector-monitor note --lang nl --recommendation R4 --out note.pdf"),
}


def fake_summary(results: dict, failed: tuple[str, ...] = ()) -> dict:
    jobs = {name: {"seconds": 12.0, "exit_code": 1 if name in failed else 0} for name in [*results, *failed]}
    return {
        "quick": True,
        "date": "2026-11-25 14:00 UTC",
        "command": "python -m benchmarks.run_all --quick",
        "total_s": 480.0,
        "uptime_before": "load average: 0.50",
        "uptime_after": "load average: 1.90",
        "machine": {
            "cpu": "AMD EPYC 7B13",
            "cores": 2,
            "ram_gib": 23.5,
            "os": "Debian GNU/Linux 12",
            "python": "3.11.7",
            "duckdb": "2.0.1",
            "pandas": "3.1.1",
            "dash": "4.4.1",
        },
        "jobs": jobs,
    }


def verdict_of(markdown: str, target: str) -> str:
    """The status cell of the targets table row whose target starts with ``target``."""
    lines = markdown.split("### Targets", 1)[1].splitlines()
    rows = [line for line in lines if line.startswith(f"| {target}")]
    assert len(rows) == 1, (target, rows)
    return rows[0].rstrip(" |").rsplit(" | ", 1)[1]


def test_generated_section_gives_a_verdict_for_every_target() -> None:
    text = _markdown.render(fake_summary(FAKE_RESULTS), FAKE_RESULTS)
    assert verdict_of(text, "ingest <= 3x the DuckDB `read_csv` floor (survey step)") == "**MET**"
    assert verdict_of(text, "ingest <= 3x the DuckDB `read_csv` floor (full") == "**NOT MET**"
    assert verdict_of(text, "ingest faster than dlt (survey step)") == "**NOT MET**"
    assert verdict_of(text, "ingest peak RSS < 2 GB (full") == "**NOT MET**"
    assert verdict_of(text, "ingest faster than dlt (full").startswith("NOT MEASURED")  # no such verdict
    assert verdict_of(text, "indicators, 1M responses x 10 waves") == "NOT MEASURED (1M not in this run)"
    assert verdict_of(text, "indicator time grows roughly linearly") == "**MET**"
    assert verdict_of(text, "explorer callback p95 < 150 ms") == "**MET**"
    assert verdict_of(text, "API throughput >= Datasette's (vs `datasette`, same_url") == "**MET**"
    assert verdict_of(text, "API throughput >= Datasette's (vs `datasette`, distinct_urls") == "**NOT MET**"
    assert verdict_of(text, "build on the shipped data <= 5 s") == "**NOT MET**"  # 5.78 s
    assert verdict_of(text, "PDF note, cold CLI <= 3 s") == "**NOT MET**"  # 4.2 s


def test_generated_section_shows_machine_load_medians_and_ratios() -> None:
    text = _markdown.render(fake_summary(FAKE_RESULTS), FAKE_RESULTS)
    for expected in (
        "AMD EPYC 7B13, 2 cores, 23.5 GiB RAM",
        "DuckDB 2.0.1, pandas 3.1.1, Dash 4.4.1",
        "`uptime` before: `load average: 0.50`",
        "`python -m benchmarks.run_all --quick`",
        "| `sector-monitor build` on the shipped data (new process, new folder) | 2 | 5.78 s |",
        "| ours: survey step (read, validate every field, pseudonymise, insert) | 2 | 14.00 s | 2.80 |",
        "| 20 | same_url | ours | 1 | 650 |",
        "| 20 | distinct_urls | datasette | 1 | 190 | 30.0 | 36.0 | 40.0 | 0 | 0.74 |",
        "| callbacks | 900 | 0 | 13.0 | 65.0 | 78.0 |",
        "10,000 -> 100,000: time ~ n^0.36",
        "| 10,000 | 10 | 1 | 2.40 s | 300 MB | 16,000 |",
    ):
        assert expected in text, expected


def test_missing_and_failed_jobs_are_not_measured() -> None:
    results = {k: v for k, v in FAKE_RESULTS.items() if k not in ("api_compare", "note_time")}
    text = _markdown.render(fake_summary(results, failed=("note_time",)), results)
    assert "Not measured: failed, exit code 1." in text
    assert verdict_of(text, "API throughput >= Datasette's") == "NOT MEASURED (not in --quick)"
    assert verdict_of(text, "PDF note, cold CLI") == "NOT MEASURED (failed, exit code 1)"
    assert verdict_of(text, "build on the shipped data") == "**NOT MET**"


def test_one_million_responses_over_ten_waves_is_judged_against_30_seconds() -> None:
    results = copy.deepcopy(FAKE_RESULTS)
    points = results["indicators_scale"]["points"]
    points.append({**points[-1], "responses": 1_000_000, "seconds": [41.0], "median_s": 41.0})
    results["indicators_scale"]["growth"].append({"from": 100_000, "to": 1_000_000, "exponent": 0.67})
    text = _markdown.render(fake_summary(results), results)
    assert verdict_of(text, "indicators, 1M responses x 10 waves") == "**NOT MET**"
    assert "41.00 s for 1,000,000 x 10" in text


def test_update_keeps_the_prose_outside_the_markers(tmp_path: Path) -> None:
    document = tmp_path / "BENCHMARKS.md"

    def text(tables: str) -> str:
        return (
            f"# Benchmarks\n\nHand-written intro.\n\n{_markdown.BEGIN}\n{tables}\n{_markdown.END}\n\n"
            "## Notes\n\nHand-written notes.\n"
        )

    document.write_text(text("old tables"))
    _markdown.update(document, "new tables")
    _markdown.update(document, "newer tables")
    assert document.read_text() == text("newer tables")


def test_update_appends_the_markers_when_missing(tmp_path: Path) -> None:
    document = tmp_path / "BENCHMARKS.md"
    document.write_text("# Benchmarks\n\nProse only.\n")
    _markdown.update(document, "tables")
    expected = f"# Benchmarks\n\nProse only.\n\n{_markdown.BEGIN}\ntables\n{_markdown.END}\n"
    assert document.read_text() == expected
