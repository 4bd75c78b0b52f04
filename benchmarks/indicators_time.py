"""Time the indicator computation (all indicators, breakdowns, CIs, disclosure control,
trends, pressure index with its Monte Carlo interval) on the shipped demo survey
(3 waves x 300 associations): median of N runs of `indicators.compute.compute_all`.

Usage: python -m benchmarks.indicators_time [--runs 5] [--json OUT]
"""

from __future__ import annotations

import shutil
import tempfile
import time
from pathlib import Path

import duckdb

from benchmarks.timing import options, report
from indicators.compute import compute_all
from pipeline.build import build


def main() -> None:
    args = options(__doc__)
    with tempfile.TemporaryDirectory() as tmp:
        built = Path(tmp) / "warehouse.duckdb"
        build(built)
        times = []
        for i in range(args.runs):
            copy = Path(tmp) / f"run{i}.duckdb"
            shutil.copy(built, copy)
            con = duckdb.connect(str(copy))
            start = time.perf_counter()
            computed = compute_all(con)
            times.append(time.perf_counter() - start)
            con.close()
    report(
        "indicators_demo_3x300",
        "compute_all on 3 waves x 300 responses",
        times,
        args.json,
        n_values=computed.n_values,
        n_indicators=computed.n_indicators,
    )


if __name__ == "__main__":
    main()
