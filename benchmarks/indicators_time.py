"""Time the indicator computation (all indicators, breakdowns, CIs, disclosure control,
trends, pressure index with its Monte Carlo interval) on the shipped demo survey
(3 waves x 300 associations): median of N runs of `indicators.compute.compute_all`.

Usage: python benchmarks/indicators_time.py [--runs 5] [--json OUT]
"""

from __future__ import annotations

import argparse
import json
import shutil
import statistics
import tempfile
import time
from pathlib import Path

import duckdb

from indicators.compute import compute_all
from sector_monitor.pipeline import build


def main() -> None:
    p = argparse.ArgumentParser(description=__doc__)
    p.add_argument("--runs", type=int, default=5)
    p.add_argument("--json", type=Path)
    args = p.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        built = Path(tmp) / "warehouse.duckdb"
        build(built)
        times = []
        for i in range(args.runs):
            copy = Path(tmp) / f"run{i}.duckdb"
            shutil.copy(built, copy)
            con = duckdb.connect(str(copy))
            start = time.perf_counter()
            report = compute_all(con)
            times.append(time.perf_counter() - start)
            con.close()
    result = {"benchmark": "indicators_demo_3x300", "runs": args.runs, "seconds": times,
              "median_s": statistics.median(times), "n_values": report.n_values,
              "n_indicators": report.n_indicators}
    print(f"compute_all on 3 waves x 300 responses: median {result['median_s']:.2f} s "
          f"over {args.runs} runs ({report.n_indicators} indicators, {report.n_values} values)")
    if args.json:
        args.json.write_text(json.dumps(result, indent=2))


if __name__ == "__main__":
    main()
