"""Publishing under load: N simulated public users while a coordinator publishes K survey waves.

Usage: python -m benchmarks.publish_load [--users 20] [--publishes 3] [--workers 2]
       [--think 0.5] [--json OUT]

Builds a warehouse in a temporary folder, adds a coordinator account, serves the product with
gunicorn on a free 127.0.0.1 port (benchmarks/_server.py), then runs the public users
(benchmarks/_load.py: thread per user, pages and data API) while the coordinator, through the
real /admin forms, uploads a synthetic export (etl.survey.demo), waits for its candidate and
publishes it, K times in a row. Reports the requests, failures and latencies (any failed public
request is a failure of the benchmark's target: zero failed requests).
"""

from __future__ import annotations

import argparse
import json
import re
import sys
import tempfile
import threading
import time
from pathlib import Path

import requests
from rich.console import Console

from admin.accounts import add_user
from benchmarks import _load, _report, _server
from benchmarks._recording import Recording, Request, Visit
from etl.survey.demo import write_demo
from warehouse.layout import Layout

ROOT = Path(__file__).resolve().parent.parent

PUBLIC_PATHS = (
    "/fr",
    "/nl/indicators",
    "/en/statistics",
    "/api/v1/indicators",
    "/api/v1/indicators/tt_task_transfer/values",
    "/api/v1/sources",
    "/api/v1/statistics",
)
USER, PASSWORD = "benchmark", "benchmark password"


def public_recording(base_url: str) -> Recording:
    """Each public path as a one-step visit (page HTML or API JSON)."""
    return Recording(
        visits=[Visit(base_url + p, [[Request("GET", base_url + p, "page", {})]]) for p in PUBLIC_PATHS]
    )


def _token(session: requests.Session, url: str) -> str:
    return re.search(r'name="csrf_token" value="([^"]+)"', session.get(url, timeout=30).text)[1]


def publish_waves(base_url: str, exports: list[Path], wave: int) -> list[dict]:
    """Log in, then upload, wait for and publish each export in turn; time each stage."""
    admin = f"{base_url}/admin/en"
    timings = []
    with requests.Session() as session:
        session.post(
            f"{admin}/login",
            data={"username": USER, "password": PASSWORD, "csrf_token": _token(session, f"{admin}/login")},
            timeout=30,
        ).raise_for_status()
        for export in exports:
            start = time.monotonic()
            with export.open("rb") as handle:
                response = session.post(
                    f"{admin}/uploads",
                    files={"file": handle},
                    timeout=60,
                    data={"wave": wave, "format": "auto", "csrf_token": _token(session, f"{admin}/")},
                )
            page = response.url
            while 'data-status="building"' in (html := session.get(page, timeout=30).text):
                time.sleep(0.5)
            built = time.monotonic()
            status = re.search(r'data-status="(\w+)"', html)[1]
            if status != "ready":
                raise RuntimeError(f"{export.name}: candidate {status}")
            session.post(
                f"{page}/publish", data={"csrf_token": _token(session, page)}, timeout=60
            ).raise_for_status()
            timings.append(
                {"file": export.name, "candidate_s": built - start, "publish_s": time.monotonic() - built}
            )
    return timings


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--users", type=int, default=20)
    p.add_argument("--publishes", type=int, default=3)
    p.add_argument("--workers", type=int, default=2)
    p.add_argument("--think", type=float, default=0.5)
    p.add_argument(
        "--duration",
        type=float,
        default=120.0,
        help="seconds of public load; the publishes must end within it",
    )
    p.add_argument("--json", type=Path)
    args = p.parse_args(argv)
    console = Console(width=120)
    with tempfile.TemporaryDirectory(prefix="publish-load-") as tmp:
        folder = Path(tmp)
        warehouse = folder / "deploy" / "warehouse.duckdb"
        with console.status("building the warehouse"):
            _server.build_warehouse(warehouse)
        add_user(Layout(warehouse).users, USER, PASSWORD)
        exports = [
            write_demo(folder / f"wave{i}", (2025,), n=150, seed=10 + i)[0] for i in range(args.publishes)
        ]
        with _server.serve(warehouse, folder / "server.log", workers=args.workers) as base_url:
            recording = public_recording(base_url)
            _load.warm_up(base_url, recording, args.workers)
            timings: list[dict] = []
            ended: list[float] = []
            started = time.monotonic()

            def coordinator() -> None:
                timings.extend(publish_waves(base_url, exports, 2025))
                ended.append(time.monotonic() - started)

            worker = threading.Thread(target=coordinator)
            worker.start()
            result = _load.run(base_url, recording, args.users, args.duration, args.think)
            worker.join()
    summary = _report.stats(result.samples, result.wall_s)
    errors = sorted({f"{s.name}: {s.error}" for s in result.samples if s.error})
    console.print(
        {
            "publishes": timings,
            "public_requests": summary,
            "errors": errors[:20],
            "load_s": result.wall_s,
            "publishes_ended_at_s": ended[0] if ended else None,
        }
    )
    within = bool(ended) and ended[0] < result.wall_s
    verdict = "MET" if within and len(timings) == args.publishes and not summary["errors"] else "NOT MET"
    console.print(f"Target: {args.publishes} publishes, zero failed public requests: {verdict}")
    if args.json:
        args.json.write_text(
            json.dumps(
                {"publishes": timings, "public_requests": summary, "errors": errors, "verdict": verdict},
                indent=2,
            )
        )
    return 0


if __name__ == "__main__":
    sys.exit(main())
