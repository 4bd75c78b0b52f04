"""Our data API against Datasette on the same filtered query, under the same saturating load.

Usage: python -m benchmarks.api_compare [--users 20 50] [--duration 15] [--runs 3] [--quick]
       [--warehouse PATH] [--bench-python /work/venv-bench/bin/python] [--json OUT]

1. Builds a warehouse in a temporary folder (or uses --warehouse, built there if missing).
2. Exports what our API serves for indicator values (the ``values`` listing of api/queries.py:
   ``public.indicator_values`` with its English breakdown labels, every indicator) to a SQLite
   file, in the API's order, with an index on (indicator_id, period, breakdown).
3. Serves, each in its own process group on a free 127.0.0.1 port, all stopped at the end:
   ``ours``, ``sector-monitor serve`` (gunicorn, its default number of sync workers);
   ``datasette``, ``datasette serve -i FILE`` (one process; SQL in its pool of 3 threads);
   ``datasette_gunicorn``, the same Datasette app under gunicorn with as many uvicorn workers as
   ours has processes.
4. Picks one filtered query (an indicator, its latest period, breakdown=subsector: our
   ``/api/v1/indicators/{id}/values?period=P&breakdown=subsector`` and Datasette's
   ``/{db}/indicator_values.json?indicator_id=ID&period=P&breakdown=subsector&_shape=array``),
   checks that every server answers the same rows, warms each up, then loads one server at a
   time with locust (benchmark virtualenv; FastHttpUser, no wait time: saturation; statistics
   reset once every user has started) for each user count and case:
   ``same_url``, the same URL again and again (ours answers it from its response cache);
   ``distinct_urls``, a different page size on each request (``limit`` / ``_size``, always above
   the result's size, so the same rows), so that no response cache can answer.
   Runs are interleaved (run 1 of every server, then run 2, ...); medians are reported.
5. Prints requests/s, p50/p95/p99/max latency (locust keeps whole milliseconds below 100 ms),
   errors, the ratio ours / peer, and MET / NOT MET for "our API throughput >= Datasette's" (ours
   with zero errors). Exit code 0 whatever the verdicts, 1 if the benchmark could not run.

The servers and the load generator share the machine's cores; only the server under load is
busy. Setup of the benchmark virtualenv: ``/work/venv-bench/bin/pip install datasette locust
gunicorn``.
"""

from __future__ import annotations

import argparse
import csv
import json
import math
import os
import platform
import sqlite3
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from contextlib import ExitStack, closing, contextmanager
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import urlencode

import duckdb
import requests

from api.queries import LISTINGS
from benchmarks import _server

ROOT = Path(__file__).resolve().parent.parent
HERE = Path(__file__).resolve().parent

BENCH_PYTHON = Path("/work/venv-bench/bin/python")
TABLE = "indicator_values"
BREAKDOWN = "subsector"
OURS = "ours"
PEERS = ("datasette", "datasette_gunicorn")
CASES = ("same_url", "distinct_urls")
#: Page sizes of the distinct_urls case: first value and how many (ours: limit <= 10000;
#: Datasette: _size <= its max_returned_rows, 1000).
VARY = {
    OURS: ("limit", 100, 9900),
    "datasette": ("_size", 100, 900),
    "datasette_gunicorn": ("_size", 100, 900),
}
TIMEOUT_S = 10.0
WARM_UP_REQUESTS = 40


@dataclass(frozen=True)
class Server:
    """A running server: its name, base URL, the filtered query's path and how it is served."""

    name: str
    base_url: str
    path: str
    setup: str


# ---- data: the query, the SQLite export, the same answer ----


def pick_query(warehouse: Path) -> dict:
    """The indicator with the most ``subsector`` values in the latest period (ties: by id)."""
    con = duckdb.connect(str(warehouse), read_only=True)
    try:
        indicator, period, rows = con.execute(
            "SELECT indicator_id, period, count(*) AS n FROM public.indicator_values "
            "WHERE breakdown = ? GROUP BY ALL ORDER BY period DESC, n DESC, indicator_id LIMIT 1",
            [BREAKDOWN],
        ).fetchone()
    finally:
        con.close()
    return {"indicator_id": indicator, "period": period, "breakdown": BREAKDOWN, "rows": rows}


def export_sqlite(warehouse: Path, target: Path) -> int:
    """Write the API's indicator values (English labels) to ``target``'s table; its row count."""
    listing = LISTINGS["values"]
    order = ", ".join(("indicator_id", *listing.order))
    con = duckdb.connect(str(warehouse), read_only=True)
    try:
        frame = con.execute(f"SELECT * FROM ({listing.select.format(lang='en')}) ORDER BY {order}").df()
    finally:
        con.close()
    with closing(sqlite3.connect(target)) as db:
        frame.to_sql(TABLE, db, index=False)
        db.execute(f"CREATE INDEX {TABLE}_filter ON {TABLE} (indicator_id, period, breakdown)")
        db.commit()
    return len(frame)


def query_paths(query: dict, database: str) -> dict[str, str]:
    """The same filtered query as a path of each server."""
    ours = f"/api/v1/indicators/{query['indicator_id']}/values?" + urlencode(
        {"period": query["period"], "breakdown": query["breakdown"]}
    )
    peer = f"/{database}/{TABLE}.json?" + urlencode(
        {
            "indicator_id": query["indicator_id"],
            "period": query["period"],
            "breakdown": query["breakdown"],
            "_shape": "array",
        }
    )
    return {OURS: ours, **dict.fromkeys(PEERS, peer)}


def comparable(rows: list[dict]) -> list[dict]:
    """Rows without Datasette's ``rowid``, booleans as SQLite stores them (0/1)."""
    return [{k: int(v) if isinstance(v, bool) else v for k, v in r.items() if k != "rowid"} for r in rows]


def answer(server: Server) -> list[dict]:
    """The rows a server answers to the filtered query."""
    body = requests.get(server.base_url + server.path, timeout=TIMEOUT_S)
    body.raise_for_status()
    data = body.json()
    return comparable(data["data"] if server.name == OURS else data)


# ---- servers ----


@contextmanager
def datasette(
    name: str, database: Path, command: list[str], log: Path, setup: str, path: str
) -> Iterator[Server]:
    """Run a Datasette command (``{port}`` filled in) serving ``database``; yield the Server."""
    port = _server.free_port()
    base_url = f"http://127.0.0.1:{port}"
    env = {**os.environ, "BENCH_SQLITE": str(database)}
    with _server.running([c.format(port=port) for c in command], f"{base_url}/-/versions.json", log, env=env):
        yield Server(name, base_url, path, setup)


def start_servers(
    stack: ExitStack,
    warehouse: Path,
    database: Path,
    paths: dict[str, str],
    workers: int,
    bench_python: Path,
    folder: Path,
) -> list[Server]:
    """Start ours and both Datasette setups; ``stack`` stops them."""
    base_url = stack.enter_context(_server.serve(warehouse, folder / "ours.log", workers=workers))
    servers = [
        Server(
            OURS,
            base_url,
            paths[OURS],
            f"sector-monitor serve: gunicorn, {workers} sync workers (its default), 1 thread each",
        )
    ]
    serve = [
        str(bench_python),
        "-m",
        "datasette",
        "serve",
        "-i",
        str(database),
        "--host",
        "127.0.0.1",
        "--port",
        "{port}",
    ]
    gunicorn = [
        str(bench_python),
        "-m",
        "gunicorn",
        "--no-control-socket",
        "--workers",
        str(workers),
        "--worker-class",
        "uvicorn.workers.UvicornWorker",
        "--bind",
        "127.0.0.1:{port}",
        "--pythonpath",
        str(HERE),
        "_datasette_asgi:app",
    ]
    setups = {
        "datasette": (
            serve,
            "datasette serve -i (immutable): 1 process, asyncio, SQL in 3 threads (its defaults)",
        ),
        "datasette_gunicorn": (
            gunicorn,
            f"Datasette app (immutable) under gunicorn: {workers} uvicorn workers, as many processes as ours",
        ),
    }
    for name, (command, setup) in setups.items():
        servers.append(
            stack.enter_context(
                datasette(name, database, command, folder / f"{name}.log", setup, paths[name])
            )
        )
    return servers


def warm_up(server: Server, requests_count: int = WARM_UP_REQUESTS, threads: int = 4) -> None:
    """Send the query a few times, concurrently, so every worker has served it once."""

    def one(_: int) -> int:
        return requests.get(server.base_url + server.path, timeout=TIMEOUT_S).status_code

    with ThreadPoolExecutor(max_workers=threads) as pool:
        failed = [code for code in pool.map(one, range(requests_count)) if code != 200]
    if failed:
        raise RuntimeError(f"{server.name} answered {failed[:5]} while warming up")


# ---- load ----


def percentile(histogram: list[tuple[int, int]], q: float) -> float:
    """Nearest-rank percentile ``q`` (0-1) of a sorted (milliseconds, count) histogram."""
    total = sum(count for _, count in histogram)
    rank, seen = max(1, math.ceil(q * total)), 0
    for ms, count in histogram:
        seen += count
        if seen >= rank:
            return float(ms)
    return math.nan


def locust_stats(entries: list[dict], failures: list[str]) -> dict:
    """Requests, errors, requests/s and latency percentiles from locust's JSON statistics."""
    entry = next(e for e in entries if e["name"] == "query")
    histogram = sorted((round(float(ms)), count) for ms, count in entry["response_times"].items())
    wall = entry["last_request_timestamp"] - entry["start_time"]
    n = entry["num_requests"]
    return {
        "requests": n,
        "errors": entry["num_failures"],
        "rps": n / wall if wall > 0 else 0.0,
        "p50_ms": percentile(histogram, 0.50),
        "p95_ms": percentile(histogram, 0.95),
        "p99_ms": percentile(histogram, 0.99),
        "max_ms": float(entry["max_response_time"] or 0),
        "wall_s": wall,
        "error_messages": failures,
    }


def load(server: Server, case: str, users: int, duration_s: float, bench_python: Path, folder: Path) -> dict:
    """One locust run against ``server``: ``users`` users without wait time for ``duration_s``."""
    out = folder / f"{server.name}_{case}_{users}u"
    param, first, count = VARY[server.name]
    env = {
        **os.environ,
        "BENCH_PATH": server.path,
        "BENCH_TIMEOUT": str(TIMEOUT_S),
        "BENCH_VARY": f"{param}:{first}:{count}" if case == "distinct_urls" else "",
    }
    command = [
        str(bench_python),
        "-m",
        "locust",
        "-f",
        str(HERE / "api_locustfile.py"),
        "--headless",
        "--users",
        str(users),
        "--spawn-rate",
        str(users),
        "--run-time",
        f"{duration_s:g}s",
        "--host",
        server.base_url,
        "--reset-stats",
        "--only-summary",
        "--skip-log-setup",
        "--loglevel",
        "ERROR",
        "--json-file",
        str(out),
        "--csv",
        str(out),
    ]
    done = subprocess.run(
        command, cwd=HERE, env=env, capture_output=True, text=True, timeout=duration_s + 120
    )
    stats = out.with_name(out.name + ".json")
    if not stats.exists():
        raise RuntimeError(f"locust failed ({done.returncode}): {done.stderr[-2000:]}")
    with out.with_name(out.name + "_failures.csv").open(newline="") as handle:
        failures = [f"{r['Error']} ({r['Occurrences']}x)" for r in csv.DictReader(handle)]
    return locust_stats(json.loads(stats.read_text()), failures)


def summarise(runs: list[dict]) -> dict:
    """Medians over runs (requests/s, percentiles), errors and requests summed, max of max."""
    median = {k: statistics.median(r[k] for r in runs) for k in ("rps", "p50_ms", "p95_ms", "p99_ms")}
    return {
        **median,
        "runs": len(runs),
        "rps_runs": [r["rps"] for r in runs],
        "requests": sum(r["requests"] for r in runs),
        "errors": sum(r["errors"] for r in runs),
        "max_ms": max(r["max_ms"] for r in runs),
        "error_messages": sorted({m for r in runs for m in r["error_messages"]})[:10],
    }


def verdicts(results: list[dict]) -> list[dict]:
    """Our requests/s over each peer's, per case and user count; MET when >= 1 and ours had no
    errors."""
    index = {(r["server"], r["case"], r["users"]): r for r in results}
    out = []
    for (server, case, users), ours in index.items():
        if server != OURS:
            continue
        for peer in PEERS:
            if (other := index.get((peer, case, users))) is None:
                continue
            ratio = ours["rps"] / other["rps"] if other["rps"] else math.inf
            out.append(
                {
                    "peer": peer,
                    "case": case,
                    "users": users,
                    "ratio": ratio,
                    "status": "MET" if ratio >= 1 and not ours["errors"] else "NOT MET",
                }
            )
    return out


# ---- the benchmark ----


def tool_versions(bench_python: Path) -> dict[str, str]:
    """Versions of locust, Datasette and gunicorn in the benchmark virtualenv (or a clear error)."""
    script = (
        "import importlib.metadata as m, json; "
        "print(json.dumps({p: m.version(p) for p in ('locust', 'datasette', 'gunicorn', 'uvicorn')}))"
    )
    done = subprocess.run([str(bench_python), "-c", script], capture_output=True, text=True)
    if done.returncode:
        raise RuntimeError(
            f"{bench_python} lacks locust, datasette, gunicorn or uvicorn: create it with "
            f"`python3 -m venv /work/venv-bench && /work/venv-bench/bin/pip install "
            f"datasette locust gunicorn` ({done.stderr.strip()[-300:]})"
        )
    return json.loads(done.stdout)


def benchmark(args: argparse.Namespace, folder: Path) -> dict:
    load_before = os.getloadavg()
    versions = tool_versions(args.bench_python)
    warehouse = args.warehouse or folder / "warehouse.duckdb"
    if not warehouse.exists():
        # a throwaway build: no key file
        os.environ.setdefault("SECTOR_MONITOR_PSEUDONYM_KEY", "benchmark-key-not-secret")
        _server.build_warehouse(warehouse)
    query = pick_query(warehouse)
    database = folder / "indicators.db"
    exported = export_sqlite(warehouse, database)
    workers = _server.default_workers()
    with ExitStack() as stack:
        servers = start_servers(
            stack, warehouse, database, query_paths(query, database.stem), workers, args.bench_python, folder
        )
        reference = answer(servers[0])
        for server in servers:
            if answer(server) != reference:
                raise RuntimeError(f"{server.name} does not answer the same rows as ours")
            warm_up(server)
        runs: dict[tuple[str, str, int], list[dict]] = {}
        for i in range(args.runs):
            for users in args.users:
                for case in CASES:
                    for server in servers:
                        run = load(server, case, users, args.duration, args.bench_python, folder)
                        runs.setdefault((server.name, case, users), []).append(run)
                        print(
                            f"run {i + 1}/{args.runs} {users} users {case} {server.name}: "
                            f"{run['rps']:.0f} req/s, p95 {run['p95_ms']:.0f} ms, "
                            f"{run['errors']} errors",
                            flush=True,
                        )
    results = [{"server": s, "case": c, "users": u, **summarise(r)} for (s, c, u), r in runs.items()]
    return {
        "benchmark": "api_compare",
        "date": time.strftime("%Y-%m-%dT%H:%M:%S%z"),
        "config": {
            "users": args.users,
            "duration_s": args.duration,
            "runs": args.runs,
            "warehouse": str(args.warehouse) if args.warehouse else None,
        },
        "query": {
            **query,
            "paths": query_paths(query, database.stem),
            "sqlite_rows": exported,
            "answer_rows": len(reference),
        },
        "servers": {s.name: s.setup for s in servers},
        "versions": versions,
        "load_tool": (
            f"locust {versions['locust']} (FastHttpUser, no wait time, one process, "
            f"statistics reset once all users have started)"
        ),
        "results": results,
        "verdicts": verdicts(results),
        "load_average_before": load_before,
        "load_average_after": os.getloadavg(),
        "machine": platform.platform(),
        "python": platform.python_version(),
        "cpus": os.cpu_count(),
    }


def print_report(report: dict) -> None:
    q = report["query"]
    print(
        f"\nquery: {q['indicator_id']} {q['period']} breakdown={q['breakdown']} ({q['answer_rows']} rows); "
        f"medians of {report['config']['runs']} run(s) of {report['config']['duration_s']:g} s"
    )
    print(
        f"{'users':>5} {'case':<14} {'server':<19} {'req/s':>7} {'p50':>5} {'p95':>5} {'p99':>5} "
        f"{'errors':>6}"
    )
    for r in report["results"]:
        print(
            f"{r['users']:>5} {r['case']:<14} {r['server']:<19} {r['rps']:>7.0f} {r['p50_ms']:>5.0f} "
            f"{r['p95_ms']:>5.0f} {r['p99_ms']:>5.0f} {r['errors']:>6}"
        )
    for v in report["verdicts"]:
        print(f"{v['status']:<8} ours / {v['peer']} = {v['ratio']:.2f} ({v['case']}, {v['users']} users)")


def parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--users", type=int, nargs="+", default=[20, 50], help="user counts to run")
    p.add_argument("--duration", type=float, default=15.0, help="seconds of load per run (at most 300)")
    p.add_argument("--runs", type=int, default=3, help="runs per server, case and user count")
    p.add_argument("--quick", action="store_true", help="20 users, 1 run of 10 s")
    p.add_argument("--warehouse", type=Path, help="warehouse to use (built there if missing)")
    p.add_argument(
        "--bench-python",
        type=Path,
        default=BENCH_PYTHON,
        help="python of the virtualenv with locust, datasette and gunicorn",
    )
    p.add_argument("--json", type=Path, help="also write the results as JSON here")
    return p


def main(argv: list[str] | None = None) -> int:
    args = parser().parse_args(argv)
    if args.quick:
        args.users, args.runs, args.duration = [20], 1, 10.0
    args.duration = min(args.duration, 300.0)
    try:
        with tempfile.TemporaryDirectory(prefix="api-compare-") as tmp:
            report = benchmark(args, Path(tmp))
    except Exception as exc:  # the benchmark could not run: say why in one line
        print(f"benchmark failed: {exc}", file=sys.stderr)
        return 1
    print_report(report)
    if args.json:
        args.json.write_text(json.dumps(report, indent=2))
    return 0


if __name__ == "__main__":
    sys.exit(main())
