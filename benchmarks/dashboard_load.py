"""Load benchmark of the dashboard: recorded browser traffic replayed by concurrent users.

Usage: python -m benchmarks.dashboard_load [--users 20] [--duration 30] [--think 1.0]
       [--workers 2] [--warehouse PATH] [--json OUT]

1. Builds a warehouse in a temporary folder (or uses --warehouse, built there if missing).
2. Serves the dashboard as the product does (`sector-monitor serve`, gunicorn) on a free
   127.0.0.1 port, and stops it (its whole process group) at the end.
3. Records, with Chromium driven by Playwright, the requests every page makes (page HTML,
   _dash-layout, _dash-dependencies, callback POSTs), including the callbacks clicking each
   tab and choosing in each dropdown triggers. Requests to other hosts are aborted.
4. Warms each worker up, then replays the recording with N users for a bounded duration.
5. Prints p50/p95/p99/max, errors and throughput of page loads and callbacks, the slowest
   callbacks, and MET / NOT MET for "callback p95 < 150 ms and zero errors". Exit code 0
   whatever the verdict; 1 if the benchmark itself could not run.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import sys
import tempfile
import time
from collections import Counter
from pathlib import Path

from rich.console import Console

from benchmarks import _load, _recording, _report, _server

ROOT = Path(__file__).resolve().parent.parent

MAX_DURATION_S = 300.0
MAX_USERS = 200


def bounded(limit: float, cast: type = float):
    """An argparse type accepting values in (0, limit]."""

    def parse(text: str):
        value = cast(text)
        if not 0 < value <= limit:
            raise argparse.ArgumentTypeError(f"must be > 0 and <= {limit:g}")
        return value

    return parse


def parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--users", type=bounded(MAX_USERS, int), default=20, help="concurrent users")
    p.add_argument(
        "--duration",
        type=bounded(MAX_DURATION_S),
        default=30.0,
        help=f"seconds of load (at most {MAX_DURATION_S:g})",
    )
    p.add_argument(
        "--think",
        type=float,
        default=1.0,
        help="mean seconds a user waits between steps (uniform 0.5x-1.5x; 0: none)",
    )
    p.add_argument("--workers", type=int, default=2, help="gunicorn workers")
    p.add_argument("--timeout", type=float, default=10.0, help="seconds per request")
    p.add_argument("--seed", type=int, default=0, help="seed of the think times")
    p.add_argument("--warehouse", type=Path, help="warehouse to use (built there if missing)")
    p.add_argument("--json", type=Path, help="write the configuration and results as JSON")
    return p


def recording_summary(recording: _recording.Recording) -> dict:
    kinds = Counter(r.kind for r in recording.requests())
    return {
        "visits": [v.url.split("/", 3)[-1] for v in recording.visits],
        "steps": sum(len(v.steps) for v in recording.visits),
        "requests": dict(kinds),
        "distinct_callbacks": len({r.name for r in recording.requests({"callback"})}),
        "static_assets_not_replayed": recording.assets,
        "foreign_requests_aborted": recording.foreign,
        "failed_in_browser": recording.failed,
    }


def benchmark(args: argparse.Namespace, folder: Path, console: Console) -> dict:
    load_before = os.getloadavg()
    warehouse = args.warehouse or folder / "warehouse.duckdb"
    if not warehouse.exists():
        with console.status(f"building {warehouse}"):
            _server.build_warehouse(warehouse)
    with _server.serve(warehouse, folder / "server.log", workers=args.workers) as base_url:
        with console.status(f"recording the pages of {base_url} in Chromium"):
            recording = _recording.record(base_url)
        recorded = recording_summary(recording)
        console.print(
            f"Recorded {len(recording.visits)} visits, {recorded['steps']} steps: "
            f"{recorded['requests']} ({recorded['distinct_callbacks']} distinct callbacks)"
        )
        with console.status("warming up the workers"):
            warm_up_errors = _load.warm_up(base_url, recording, args.workers)
        with console.status(f"{args.users} users for {args.duration:g} s"):
            result = _load.run(
                base_url, recording, args.users, args.duration, args.think, args.timeout, args.seed
            )
    summary = _report.summarize(result)
    _report.print_summary(summary, console)
    for problem in recorded["foreign_requests_aborted"] + recorded["failed_in_browser"] + warm_up_errors:
        console.print(f"[yellow]note[/] {problem}")
    return {
        "benchmark": "dashboard_load",
        "date": time.strftime("%Y-%m-%dT%H:%M:%S%z"),
        "config": {k: str(v) if isinstance(v, Path) else v for k, v in vars(args).items()},
        "load_tool": "thread per user, requests.Session (benchmarks/_load.py)",
        "machine": {
            "platform": platform.platform(),
            "python": platform.python_version(),
            "cpus": os.cpu_count(),
            "load_average_before": load_before,
        },
        "recording": recorded,
        "warm_up_errors": warm_up_errors,
        "results": summary,
    }


def main(argv: list[str] | None = None) -> int:
    args = parser().parse_args(argv)
    console = Console(width=None if sys.stdout.isatty() else 120)
    try:
        with tempfile.TemporaryDirectory(prefix="dashboard-load-") as tmp:
            report = benchmark(args, Path(tmp), console)
    except Exception as exc:  # the benchmark could not run: say why in one line
        console.print(f"[red]benchmark failed:[/] {exc}")
        return 1
    if args.json:
        args.json.write_text(json.dumps(report, indent=2, ensure_ascii=False))
    return 0


if __name__ == "__main__":
    sys.exit(main())
