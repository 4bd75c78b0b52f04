"""Time `sector-monitor build` on the shipped data: median of N runs.

Usage: python benchmarks/build_time.py [--runs 5] [--json OUT]
Each run builds a fresh warehouse in a temporary folder, in a new process (as a user
runs it), and reports wall-clock seconds including interpreter start-up.
"""

from __future__ import annotations

import argparse
import json
import platform
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def one_run(folder: Path) -> float:
    start = time.perf_counter()
    subprocess.run([sys.executable, "-m", "sector_monitor.cli", "build", "--warehouse",
                    str(folder / "warehouse.duckdb")], cwd=ROOT, check=True,
                   stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    return time.perf_counter() - start


def main() -> None:
    p = argparse.ArgumentParser(description=__doc__)
    p.add_argument("--runs", type=int, default=5)
    p.add_argument("--json", type=Path)
    args = p.parse_args()
    times = []
    for _ in range(args.runs):
        with tempfile.TemporaryDirectory() as tmp:
            times.append(one_run(Path(tmp)))
    result = {"benchmark": "build_shipped_data", "runs": args.runs, "seconds": times,
              "median_s": statistics.median(times), "machine": platform.platform(),
              "python": platform.python_version(), "cpus": __import__("os").cpu_count()}
    print(f"build on shipped data: median {result['median_s']:.2f} s over {args.runs} runs "
          f"(min {min(times):.2f}, max {max(times):.2f})")
    if args.json:
        args.json.write_text(json.dumps(result, indent=2))


if __name__ == "__main__":
    main()
