"""Shared by the benchmark scripts: command-line options and the result record."""

from __future__ import annotations

import argparse
import json
import os
import platform
import statistics
from pathlib import Path
from typing import Any


def options(doc: str | None) -> argparse.Namespace:
    p = argparse.ArgumentParser(description=doc)
    p.add_argument("--runs", type=int, default=5, help="timed runs (the median is reported)")
    p.add_argument("--json", type=Path, help="also write the result as JSON here")
    return p.parse_args()


def report(name: str, label: str, times: list[float], out: Path | None, **extra: Any) -> dict:
    """Print the median (with min/max) and write the JSON record when asked."""
    result = {
        "benchmark": name,
        "runs": len(times),
        "seconds": times,
        "median_s": statistics.median(times),
        "machine": platform.platform(),
        "python": platform.python_version(),
        "cpus": os.cpu_count(),
        **extra,
    }
    print(
        f"{label}: median {result['median_s']:.2f} s over {len(times)} runs "
        f"(min {min(times):.2f}, max {max(times):.2f})"
    )
    if out:
        out.write_text(json.dumps(result, indent=2))
    return result
