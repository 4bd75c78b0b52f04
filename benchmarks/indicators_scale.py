"""Full indicator recomputation (`indicators.compute.compute_all`) on 10k, 100k and 1M
SYNTHETIC survey responses over 10 waves: the growth curve, and the target "at most 30 s for
1,000,000 responses over 10 waves" (issue 8).

Usage: python -m benchmarks.indicators_scale [--sizes 10000 100000 1000000] [--waves 10]
       [--runs 5] [--wave-size 100000] [--wave-counts 1 2 5 10] [--quick] [--json OUT]

Also the growth over the number of waves: ``--wave-size`` responses spread over each of
``--wave-counts`` waves (every wave estimated, linked to the previous one and trended).

A warehouse is built once with the shipped demo survey (3 synthetic waves x ~306 responses).
For each size, a new process copies it and replaces ``restricted.survey_responses`` with N
responses over W waves (``2025 - W`` ... 2024): each target wave takes the rows of a demo wave
(cycling 2022, 2023, 2024 so the last three map to themselves), tiled with fresh
``response_id`` and, per copy, a fresh ``org_pseudo`` (sha256 of the old one and the copy
number: the panel still links across waves), cut to N / W rows per wave; the frame counts
(``core.survey_frame``) are multiplied by the number of copies so the sampling fraction stays
the demo's. Then it times ``compute_all`` on fresh copies of that file (median of ``--runs``;
wall time, and the process's CPU time, which a busy shared machine inflates less) and reports
its peak RSS (GNU time, scaling included). ``--quick``: 10k and 100k, 1 run; the wave curve on
10k over 1 and 10 waves.
"""

from __future__ import annotations

import argparse
import json
import math
import os
import platform
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import duckdb

from indicators.compute import compute_all
from pipeline.build import build

ROOT = Path(__file__).resolve().parent.parent

TARGET_S = 30.0
TARGET_SIZE = 1_000_000
LAST_WAVE = 2024


def scale(con: duckdb.DuckDBPyConnection, total: int, waves: int) -> dict:
    """Replace the survey responses by ``total`` tiled synthetic rows over ``waves`` waves."""
    demo = [
        r[0]
        for r in con.execute("SELECT DISTINCT wave FROM restricted.survey_responses ORDER BY wave").fetchall()
    ]
    years = range(LAST_WAVE - waves + 1, LAST_WAVE + 1)
    mapping = [(year, demo[(i - waves) % len(demo)]) for i, year in enumerate(years)]
    smallest = con.execute(
        "SELECT min(n) FROM (SELECT count(*) AS n FROM restricted.survey_responses GROUP BY wave)"
    ).fetchone()[0]
    per_wave = total // waves
    copies = math.ceil(per_wave / smallest)
    con.execute("CREATE TEMP TABLE base AS SELECT * FROM restricted.survey_responses")
    con.execute("CREATE TEMP TABLE wave_map (wave INTEGER, src INTEGER)")
    con.executemany("INSERT INTO wave_map (wave, src) VALUES (?, ?)", mapping)
    con.execute("DELETE FROM restricted.survey_responses")
    con.execute(f"""
        INSERT INTO restricted.survey_responses BY NAME
        SELECT b.* REPLACE (
            substr(sha256(b.response_id || ':' || m.wave || ':' || c.k), 1, 16) AS response_id,
            m.wave AS wave,
            CASE WHEN c.k = 0 THEN b.org_pseudo ELSE sha256(b.org_pseudo || ':' || c.k) END AS org_pseudo,
            b.submitted_at + to_years(m.wave - m.src) AS submitted_at)
        FROM base b JOIN wave_map m ON b.wave = m.src CROSS JOIN range({copies}) c(k)
        QUALIFY row_number() OVER (PARTITION BY m.wave ORDER BY c.k, b.response_id) <= {per_wave}""")
    con.execute("UPDATE core.survey_frame SET n_associations = n_associations * ?", [copies])
    responses, current = con.execute(
        "SELECT (SELECT count(*) FROM restricted.survey_responses), "
        "(SELECT count(*) FROM restricted.survey_current)"
    ).fetchone()
    return {"responses": responses, "current_with_consent": current, "waves": waves, "copies": copies}


def worker(base: Path, total: int, waves: int, runs: int, folder: Path) -> dict:
    """Scale a copy of ``base`` and time ``compute_all`` on fresh copies of it."""
    scaled = folder / "scaled.duckdb"
    shutil.copy(base, scaled)
    start = time.perf_counter()
    con = duckdb.connect(str(scaled))
    sizes = scale(con, total, waves)
    con.close()
    result = {**sizes, "scale_s": time.perf_counter() - start, "seconds": [], "cpu_seconds": []}
    for i in range(runs):
        copy = folder / f"run{i}.duckdb"
        shutil.copy(scaled, copy)
        con = duckdb.connect(str(copy))
        start, cpu = time.perf_counter(), time.process_time()
        report = compute_all(con)
        result["seconds"].append(time.perf_counter() - start)
        result["cpu_seconds"].append(time.process_time() - cpu)
        con.close()
        copy.unlink()
    return {**result, "n_values": report.n_values, "n_indicators": report.n_indicators}


def measure(base: Path, total: int, waves: int, runs: int) -> dict:
    with tempfile.TemporaryDirectory(prefix="indicators_scale_") as tmp:
        rss = Path(tmp) / "rss.txt"
        done = subprocess.run(
            [
                "/usr/bin/time",
                "-f",
                "%M",
                "-o",
                str(rss),
                sys.executable,
                __file__,
                "--worker",
                str(base),
                str(total),
                str(waves),
                str(runs),
                tmp,
            ],
            cwd=ROOT,
            capture_output=True,
            text=True,
        )
        if done.returncode:
            raise RuntimeError(f"size {total} failed: {done.stderr[-2000:]}")
        result = json.loads(done.stdout)
        result["peak_rss_mb"] = int(rss.read_text().split()[-1]) / 1024
    result["median_s"] = statistics.median(result["seconds"])
    return result


def growth(points: list[dict]) -> list[dict]:
    """Exponent b of time ~ n^b between consecutive sizes (1 = linear)."""
    return [
        {
            "from": a["responses"],
            "to": b["responses"],
            "exponent": math.log(b["median_s"] / a["median_s"]) / math.log(b["responses"] / a["responses"]),
        }
        for a, b in zip(points, points[1:], strict=False)
    ]


def verdict(points: list[dict], waves: int) -> str:
    at_target = [p for p in points if p["responses"] >= TARGET_SIZE]
    if not at_target or waves != 10:
        return "not measured (needs 1,000,000 responses over 10 waves)"
    return "MET" if at_target[0]["median_s"] <= TARGET_S else "NOT MET"


def parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument(
        "--sizes",
        type=int,
        nargs="+",
        default=[10_000, 100_000, TARGET_SIZE],
        help="total responses (over all waves)",
    )
    p.add_argument("--waves", type=int, default=10)
    p.add_argument("--runs", type=int, default=5, help="timed runs per size (median reported)")
    p.add_argument(
        "--wave-size",
        type=int,
        default=100_000,
        help="responses of the growth curve over the number of waves",
    )
    p.add_argument(
        "--wave-counts", type=int, nargs="+", default=[1, 2, 5, 10], help="numbers of waves of that curve"
    )
    p.add_argument(
        "--quick", action="store_true", help="10k and 100k responses, 1 run; 10k over 1 and 10 waves"
    )
    p.add_argument("--json", type=Path, help="also write the results as JSON here")
    p.add_argument(
        "--worker", nargs=5, metavar=("BASE", "TOTAL", "WAVES", "RUNS", "FOLDER"), help=argparse.SUPPRESS
    )
    return p


def main() -> None:
    args = parser().parse_args()
    if args.worker:
        base, total, waves, runs, folder = args.worker
        print(json.dumps(worker(Path(base), int(total), int(waves), int(runs), Path(folder))))
        return
    if args.quick:
        args.sizes, args.runs = [10_000, 100_000], 1
        args.wave_size, args.wave_counts = 10_000, [1, 10]
    load_before = os.getloadavg()
    # no key file for a throwaway build
    os.environ.setdefault("SECTOR_MONITOR_PSEUDONYM_KEY", "benchmark-key-not-secret")
    with tempfile.TemporaryDirectory(prefix="indicators_base_") as tmp:
        base = Path(tmp) / "warehouse.duckdb"
        build(base)
        points = []
        for size in args.sizes:
            points.append(measure(base, size, args.waves, args.runs))
            p = points[-1]
            print(
                f"{p['responses']:>9,} responses, {p['waves']} waves: compute_all median "
                f"{p['median_s']:.2f} s (CPU {statistics.median(p['cpu_seconds']):.2f} s, all "
                f"threads) over {len(p['seconds'])} run(s); "
                f"peak RSS {p['peak_rss_mb']:.0f} MB; {p['n_values']:,} values",
                flush=True,
            )
        wave_points = []
        for waves in args.wave_counts:  # the same responses spread over more waves
            wave_points.append(measure(base, args.wave_size, waves, args.runs))
            p = wave_points[-1]
            print(
                f"{p['responses']:>9,} responses over {p['waves']:>2} wave(s): median {p['median_s']:.2f} s",
                flush=True,
            )
    result = {
        "benchmark": "indicators_scale",
        "synthetic": True,
        "waves": args.waves,
        "runs": args.runs,
        "points": points,
        "growth": growth(points),
        "wave_points": wave_points,
        "target": f"<= {TARGET_S:g} s for 1M over 10 waves",
        "status": verdict(points, args.waves),
        "load_average_before": load_before,
        "load_average_after": os.getloadavg(),
        "machine": platform.platform(),
        "python": platform.python_version(),
        "cpus": os.cpu_count(),
    }
    for g in result["growth"]:
        print(f"growth {g['from']:,} -> {g['to']:,}: time ~ n^{g['exponent']:.2f}")
    print(f"{result['status']}: {result['target']}")
    if args.json:
        args.json.write_text(json.dumps(result, indent=2))


if __name__ == "__main__":
    main()
