"""Time `sector-monitor build` on the shipped data: median of N runs.

Usage: python benchmarks/build_time.py [--runs 5] [--json OUT]
Each run builds a fresh warehouse in a temporary folder, in a new process (as a user
runs it), and reports wall-clock seconds including interpreter start-up.
"""

from __future__ import annotations

import subprocess
import sys
import tempfile
import time
from pathlib import Path

from timing import options, report

ROOT = Path(__file__).resolve().parent.parent


def one_run(folder: Path) -> float:
    start = time.perf_counter()
    subprocess.run([sys.executable, "-m", "sector_monitor.cli", "build", "--warehouse",
                    str(folder / "warehouse.duckdb")], cwd=ROOT, check=True,
                   stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    return time.perf_counter() - start


def main() -> None:
    args = options(__doc__)
    times = []
    for _ in range(args.runs):
        with tempfile.TemporaryDirectory() as tmp:
            times.append(one_run(Path(tmp)))
    report("build_shipped_data", "build on shipped data", times, args.json)


if __name__ == "__main__":
    main()
