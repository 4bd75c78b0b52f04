"""Incremental against full `survey ingest` of one new wave over existing waves (SYNTHETIC data).

Usage: python -m benchmarks.incremental_ingest [--waves 10] [--rows-per-wave 100000] [--runs 5]
       [--data DIR] [--json OUT]

Set-up, not timed: ``--waves`` waves of ``--rows-per-wave`` synthetic responses each, ending in
2023, and one more for 2024 are generated (benchmarks/scaled_exports.py, kept in ``--data``); the
existing waves are landed with a scaled frame (as benchmarks/build_time.py does) and built once.
Each run copies that folder and times, in a new process (interpreter start-up included),
``sector-monitor survey ingest <2024 file> --wave 2024`` into the copy, incremental (the other
waves' rows and the public statistics reused) and with ``--full`` (every step and wave computed
again); the two kinds of run alternate. Peak RSS from GNU time.
"""

from __future__ import annotations

import argparse
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from benchmarks.build_time import KEY, land_scaled
from benchmarks.scaled_exports import write_scaled_exports
from benchmarks.timing import report

ROOT = Path(__file__).resolve().parent.parent
DATA = Path(__file__).resolve().parent / "data"
NEW_WAVE = 2024


def _cli(*args: str, rss: Path | None = None) -> float:
    """Seconds of one `sector-monitor` command in a new process."""
    timer = ["/usr/bin/time", "-f", "%M", "-o", str(rss)] if rss else []
    env = {**os.environ, "SECTOR_MONITOR_PSEUDONYM_KEY": KEY}
    start = time.perf_counter()
    subprocess.run(
        [*timer, sys.executable, "-m", "sector_monitor.cli", *args],
        cwd=ROOT,
        env=env,
        check=True,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    return time.perf_counter() - start


def main() -> None:
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--waves", type=int, default=10, help="existing waves")
    p.add_argument("--rows-per-wave", type=int, default=100_000)
    p.add_argument("--runs", type=int, default=5, help="timed runs of each kind (medians reported)")
    p.add_argument("--data", type=Path, default=DATA, help="folder of the generated exports (kept)")
    p.add_argument("--json", type=Path, help="also write the result as JSON here")
    args = p.parse_args()
    waves = list(range(NEW_WAVE - args.waves, NEW_WAVE + 1))
    exports = write_scaled_exports(args.data, args.rows_per_wave * len(waves), waves)
    times: dict[str, list[float]] = {"incremental": [], "full": []}
    peaks: dict[str, list[float]] = {"incremental": [], "full": []}
    with tempfile.TemporaryDirectory(dir=args.data) as tmp:
        base = Path(tmp) / "base" / "warehouse.duckdb"
        land_scaled(base, exports[:-1], waves[:-1], args.rows_per_wave)
        setup = _cli("build", "--warehouse", str(base))
        print(f"set-up: {args.waves} waves x {args.rows_per_wave:,} rows built in {setup:.1f} s", flush=True)
        for run in range(args.runs):
            for kind in ("incremental", "full") if run % 2 == 0 else ("full", "incremental"):
                copy = Path(tmp) / "run"
                shutil.copytree(base.parent, copy)
                rss = Path(tmp) / "rss.txt"
                extra = ["--full"] if kind == "full" else []
                times[kind].append(
                    _cli(
                        "survey",
                        "ingest",
                        str(exports[-1]),
                        "--wave",
                        str(NEW_WAVE),
                        "--warehouse",
                        str(copy / base.name),
                        *extra,
                        rss=rss,
                    )
                )
                peaks[kind].append(int(rss.read_text().split()[-1]) / 1024)
                shutil.rmtree(copy)
                print(f"  {kind}: {times[kind][-1]:.1f} s", flush=True)
    for kind in times:
        report(
            f"ingest_{kind}",
            f"{kind} ingest of one {args.rows_per_wave:,}-row wave over {args.waves} waves",
            times[kind],
            args.json.with_name(f"{args.json.stem}_{kind}.json") if args.json else None,
            peak_rss_mb=max(peaks[kind]),
            synthetic=True,
        )
    ratio = statistics.median(times["incremental"]) / statistics.median(times["full"])
    print(f"incremental / full (medians): {ratio:.2f} (target <= 0.5)")


if __name__ == "__main__":
    main()
