"""Throughput of 1, 2 and 4 reader replicas behind nginx (issue 17, item 5).

Usage: python -m benchmarks.replicas [--replicas 1 2 4] [--runs 3] [--duration 20]
       [--users 20] [--workers 1] [--threads 4] [--json OUT] [--write BENCHMARKS.md]

Builds the warehouse from the shipped data in a temporary folder, then, for each run and each
replica count (interleaved, so that a change of the machine's load hits every count alike),
starts the replicas (`sector-monitor serve --workers W` on their own loopback ports, one shared
warehouse file) behind nginx (benchmarks/_replicas.py, deploy/nginx-site.conf.j2), warms every
worker up, then sends two closed-loop loads through the proxy, one after the other: N users
with no think time asking the JSON API (6 listings and filters), then N users sending the
explorer's callback (4 indicators x chart/table tab). Reports per load the throughput (req/s),
p50/p95, errors, the CPU the replicas, nginx and the load generator used per request, and
`uptime` before and after; the median over the runs per replica count, the speed-up over one
replica and the ratio per replica (speed-up / replicas). ``--write`` puts the markdown section
in BENCHMARKS.md between ``<!-- replicas:begin -->`` and ``<!-- replicas:end -->`` (outside
run_all's markers). Every process is stopped at the end (process groups).
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import numpy as np
from rich.console import Console
from rich.table import Table

from benchmarks import _replicas, _server
from benchmarks._load import send
from benchmarks.run_all import machine, uptime

ROOT = Path(__file__).resolve().parent.parent

BEGIN, END = "<!-- replicas:begin -->", "<!-- replicas:end -->"
MAX_DURATION_S = 120.0
TICKS = os.sysconf("SC_CLK_TCK")
LOADS = ("api", "explorer")


def parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--replicas", type=int, nargs="+", default=[1, 2, 4])
    p.add_argument("--runs", type=int, default=3, help="runs per replica count (median reported)")
    p.add_argument("--duration", type=float, default=20.0, help="seconds of each load")
    p.add_argument("--users", type=int, default=20, help="concurrent closed-loop users")
    p.add_argument("--workers", type=int, default=1, help="gunicorn workers per replica")
    p.add_argument("--threads", type=int, default=4, help="threads per worker")
    p.add_argument("--timeout", type=float, default=30.0, help="seconds per request")
    p.add_argument("--json", type=Path, help="write every run and the medians as JSON")
    p.add_argument("--write", type=Path, help="put the markdown section into this BENCHMARKS.md")
    p.add_argument("--from-json", type=Path, help="measure nothing: render this earlier --json")
    return p


def group_cpu_s(pgids: list[int]) -> float:
    """CPU seconds (user + system) used so far by the live processes of these process groups."""
    total = 0
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            fields = (entry / "stat").read_text().rsplit(")", 1)[1].split()
        except (OSError, IndexError):
            continue
        if int(fields[2]) in pgids:  # pgrp; utime, stime are fields 14, 15 of stat
            total += int(fields[11]) + int(fields[12])
    return total / TICKS


def group_rss_mib(pgids: list[int]) -> float:
    """Resident memory (MiB) of the live processes of these process groups."""
    total = 0
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            fields = (entry / "stat").read_text().rsplit(")", 1)[1].split()
        except (OSError, IndexError):
            continue
        if int(fields[2]) in pgids:
            total += int(fields[21]) * os.sysconf("SC_PAGE_SIZE")  # rss (pages), field 24
    return total / 2**20


def warm_up(dep: _replicas.Deployment, mix: list, workers: int) -> list[str]:
    """Every request of ``mix`` a few times on each replica directly (each worker gets some)."""
    from concurrent.futures import ThreadPoolExecutor

    import requests

    def one(url: str) -> list[str]:
        with requests.Session() as session:
            return [f"{r.url}: {s.error}" for r in mix if (s := send(session, url, r, 60)).error]

    jobs = [u for u in dep.replica_urls for _ in range(2 * workers)]
    with ThreadPoolExecutor(max_workers=len(jobs)) as pool:
        return [e for errors in pool.map(one, jobs) for e in errors]


def measure(dep: _replicas.Deployment, mix: list, args: argparse.Namespace) -> dict:
    """One closed-loop load through the proxy; throughput, latency and CPU per request."""
    pgids = [p.pid for p in dep.processes.values()]
    proxy_pgid = [int(dep.workdir.joinpath("nginx.pid").read_text())]
    before = (group_cpu_s(pgids), group_cpu_s(proxy_pgid), time.process_time(), os.getloadavg())
    with _replicas.Load(
        dep.proxy_url, mix, args.users, 0.0, timeout_s=args.timeout, max_s=args.duration
    ) as load:
        time.sleep(args.duration)
    wall = load.ended - load.started
    replicas_cpu = group_cpu_s(pgids) - before[0]
    nginx_cpu = group_cpu_s(proxy_pgid) - before[1]
    client_cpu = time.process_time() - before[2]
    ms = np.array([s.sample.seconds * 1000 for s in load.samples]) if load.samples else np.array([np.nan])
    n = len(load.samples)
    return {
        "requests": n,
        "errors": len(load.failures()),
        "distinct_errors": sorted({f"{s.sample.name}: {s.sample.error}" for s in load.failures()})[:5],
        "wall_s": wall,
        "throughput_rps": n / wall,
        "p50_ms": float(np.percentile(ms, 50)),
        "p95_ms": float(np.percentile(ms, 95)),
        "max_ms": float(np.max(ms)),
        "cpu_ms_per_request": {
            "replicas": 1000 * replicas_cpu / max(n, 1),
            "nginx": 1000 * nginx_cpu / max(n, 1),
            "load_generator": 1000 * client_cpu / max(n, 1),
        },
        "cores_busy": {
            "replicas": replicas_cpu / wall,
            "nginx": nginx_cpu / wall,
            "load_generator": client_cpu / wall,
        },
        "load_average_before": before[3],
        "rss_mib_per_replica": group_rss_mib(pgids) / len(pgids),
    }


def one_run(
    warehouse: Path, replicas: int, args: argparse.Namespace, workdir: Path, console: Console
) -> dict:
    with _replicas.deployment(
        warehouse, replicas, workdir, workers=args.workers, threads=args.threads
    ) as dep:
        mixes = {
            "api": _replicas.get_requests(dep.proxy_url, _replicas.API_PATHS, "api"),
            "explorer": _replicas.explorer_requests(dep.proxy_url, indicators=4),
        }
        errors = warm_up(dep, mixes["api"] + mixes["explorer"], args.workers)
        out = {"warm_up_errors": errors[:5]}
        for name in LOADS:
            out[name] = measure(dep, mixes[name], args)
            console.print(
                f"  {replicas} replica(s), {name}: {out[name]['throughput_rps']:.1f} req/s, "
                f"p95 {out[name]['p95_ms']:.0f} ms, {out[name]['errors']} errors, load "
                f"{out[name]['load_average_before'][0]:.2f}"
            )
    return out


def medians(runs: list[dict], counts: list[int]) -> dict:
    """Per load and replica count: medians over the runs, speed-up and ratio per replica."""
    out: dict = {}
    for name in LOADS:
        rows = {}
        for n in counts:
            mine = [r["results"][str(n)][name] for r in runs]
            rows[n] = {
                "throughput_rps": statistics.median(m["throughput_rps"] for m in mine),
                "throughput_min": min(m["throughput_rps"] for m in mine),
                "throughput_max": max(m["throughput_rps"] for m in mine),
                "p95_ms": statistics.median(m["p95_ms"] for m in mine),
                "p50_ms": statistics.median(m["p50_ms"] for m in mine),
                "errors": sum(m["errors"] for m in mine),
                "requests": sum(m["requests"] for m in mine),
                "replica_cpu_ms": statistics.median(m["cpu_ms_per_request"]["replicas"] for m in mine),
                "nginx_cpu_ms": statistics.median(m["cpu_ms_per_request"]["nginx"] for m in mine),
                "client_cpu_ms": statistics.median(m["cpu_ms_per_request"]["load_generator"] for m in mine),
                "cores_busy": statistics.median(sum(m["cores_busy"].values()) for m in mine),
                "rss_mib_per_replica": statistics.median(m["rss_mib_per_replica"] for m in mine),
            }
        base = rows[counts[0]]["throughput_rps"] / counts[0]
        for n, row in rows.items():
            row["speedup"] = row["throughput_rps"] / rows[counts[0]]["throughput_rps"]
            row["ratio_per_replica"] = row["throughput_rps"] / (n * base)
        out[name] = rows
    return out


def reading(report: dict) -> str:
    """What the medians predict for a bigger machine: arithmetic on the measured CPU per
    request, stated as a prediction (nothing here was measured on a bigger machine)."""
    med, cfg, cores = report["medians"], report["config"], report["machine"]["cores"]
    api, exp = med["api"], med["explorer"]
    one, most = min(api), max(api)
    cpu = {name: med[name][one]["replica_cpu_ms"] for name in LOADS}
    proxy = {name: med[name][one]["nginx_cpu_ms"] for name in LOADS}
    client = {name: med[name][one]["client_cpu_ms"] for name in LOADS}
    big = 16
    usable = big - 2  # cores left to the replicas' workers (nginx, the OS)

    def rate(name: str) -> float:
        return usable * 1000 / (cpu[name] + proxy[name])

    return (
        f"How to read it. The users never wait between requests, so the servers are saturated "
        f"and p50/p95 are mostly queueing ({cfg['users']} users / throughput). With "
        f"{cfg['workers']} gunicorn worker{'s' if cfg['workers'] > 1 else ''} per replica, a "
        f"replica uses at most {cfg['workers']} core{'s' if cfg['workers'] > 1 else ''} for Python "
        f"(a worker's threads share one GIL). Here the "
        f"{cores} cores also ran nginx, the load generator ({client['api']:.1f} ms of CPU per API "
        f"request, {client['explorer']:.1f} ms per callback) and other engineers' tests, so the "
        f"speed-up stops at what the cores allow: {api[most]['speedup']:.2f}x for the API and "
        f"{exp[most]['speedup']:.2f}x for the explorer with {most} replicas (ratio per replica "
        f"{api[most]['ratio_per_replica']:.2f} and {exp[most]['ratio_per_replica']:.2f}); "
        f'"cores busy" counts only the benchmark\'s processes, the load average says where the '
        f"rest went. The API figures are a floor set by this test bed: the load generator spends "
        f"as much CPU per API request as the replica answering it. "
        f"**On paper, not measured:** the replicas share nothing but the read-only warehouse file "
        f"(the OS page cache), so throughput should grow with the replicas until the cores are "
        f"used up. A replica spends {cpu['api']:.1f} ms of CPU per API request and "
        f"{cpu['explorer']:.1f} ms per explorer callback (nginx {proxy['api']:.2f} ms); a "
        f"{big}-core machine with the load generated elsewhere and {usable} workers (e.g. 7 "
        f"replicas x 2 workers, 2 cores for nginx and the system) would serve about "
        f"{rate('api'):,.0f} API requests/s or {rate('explorer'):,.0f} explorer callbacks/s, "
        f"about {rate('explorer') / exp[one]['throughput_rps']:.0f}x the one-replica figure "
        f"here, with p95 near the single-request time while the offered load stays below that "
        f"rate, if memory allows (~{exp[one]['rss_mib_per_replica']:.0f} MiB resident per replica here, "
        f"shared pages counted in each process) "
        f"and the cores are real (hyper-threads give less). Past one machine, each machine "
        f"needs its own copy of the published file (README, Deploy)."
    )


def markdown(report: dict) -> str:
    m, cfg = report["machine"], report["config"]
    lines = [
        BEGIN,
        "## Reader replicas behind nginx (issue 17, item 5; `benchmarks/replicas.py`)",
        "",
        f"Run of {report['date']} on {m['cpu']}, {m['cores']} cores, {m['ram_gib']:.0f} GiB, "
        f"{m['os']}, Python {m['python']}, DuckDB {m['duckdb']}, Dash {m['dash']}; nginx "
        f"{report['nginx']}. Each replica: `sector-monitor serve --workers {cfg['workers']} "
        f"--threads {cfg['threads']}`, all reading one warehouse file (shipped data); nginx from "
        f"`deploy/nginx-site.conf.j2`. Load: {cfg['users']} closed-loop users (no think time, "
        f"threads with `requests`, on the same machine) for {cfg['duration']:g} s per load; "
        f"median of {cfg['runs']} runs (replica counts interleaved), throughput min-max in "
        "brackets; ratio per replica = speed-up / replicas. **The machine was shared with "
        "other engineers' test runs**: "
        f"`uptime` before: {report['uptime_before']}; after: {report['uptime_after']}.",
        "",
        "| load | replicas | req/s (min-max) | speed-up | ratio per replica | p50 ms | p95 ms "
        "| errors / requests | CPU ms per request: replicas + nginx + client | cores busy |",
        "|---|---|---|---|---|---|---|---|---|---|",
    ]
    labels = {"api": "API (JSON listings)", "explorer": "explorer callback"}
    for name in LOADS:
        for n, r in report["medians"][name].items():
            lines.append(
                f"| {labels[name]} | {n} | {r['throughput_rps']:.0f} ({r['throughput_min']:.0f}-"
                f"{r['throughput_max']:.0f}) | {r['speedup']:.2f}x | {r['ratio_per_replica']:.2f} | "
                f"{r['p50_ms']:.0f} | {r['p95_ms']:.0f} | {r['errors']} / {r['requests']:,} | "
                f"{r['replica_cpu_ms']:.1f} + {r['nginx_cpu_ms']:.2f} + {r['client_cpu_ms']:.1f} | "
                f"{r['cores_busy']:.2f} |"
            )
    lines += ["", report.get("reading", ""), "", END]
    return "\n".join(lines) + "\n"


def write_section(path: Path, section: str) -> None:
    """Replace the section between the markers, or add it after run_all's end marker."""
    text = path.read_text(encoding="utf-8")
    if BEGIN in text and END in text:
        head, rest = text.split(BEGIN, 1)
        text = head + section.rstrip("\n") + rest.split(END, 1)[1]
    elif "<!-- run_all:end -->" in text:
        head, tail = text.split("<!-- run_all:end -->", 1)
        text = head + "<!-- run_all:end -->\n\n" + section + "\n" + tail.lstrip("\n")
    else:
        text = text.rstrip("\n") + "\n\n" + section
    path.write_text(text, encoding="utf-8")


def main(argv: list[str] | None = None) -> int:
    args = parser().parse_args(argv)
    if not 0 < args.duration <= MAX_DURATION_S:
        raise SystemExit(f"--duration must be in (0, {MAX_DURATION_S:g}]")
    console = Console(width=None if sys.stdout.isatty() else 120)
    if args.from_json:
        report = json.loads(args.from_json.read_text())
        report["medians"] = {k: {int(n): v for n, v in rows.items()} for k, rows in report["medians"].items()}
        report["reading"] = reading(report)
        if args.write:
            write_section(args.write, markdown(report))
        print(markdown(report))
        return 0
    nginx = _replicas.nginx_binary()
    if nginx is None:
        console.print("[red]nginx not found[/] (apt-get install nginx-light)")
        return 1
    version = subprocess.run([nginx, "-v"], capture_output=True, text=True).stderr.strip()
    report: dict = {
        "benchmark": "replicas",
        "date": dt.datetime.now(dt.UTC).strftime("%Y-%m-%d %H:%M UTC"),
        "config": {k: str(v) if isinstance(v, Path) else v for k, v in vars(args).items()},
        "machine": machine(),
        "nginx": version.split("/")[-1],
        "uptime_before": uptime(),
        "runs": [],
    }
    with tempfile.TemporaryDirectory(prefix="replicas-") as tmp:
        warehouse = Path(tmp) / "var" / "warehouse.duckdb"
        with console.status("building the warehouse"):
            _server.build_warehouse(warehouse)
        for run in range(args.runs):
            console.print(f"run {run + 1}/{args.runs}")
            results = {}
            for n in args.replicas:
                results[str(n)] = one_run(warehouse, n, args, Path(tmp) / f"run{run}-{n}", console)
            report["runs"].append({"results": results})
    report["uptime_after"] = uptime()
    report["medians"] = medians(report["runs"], args.replicas)
    report["reading"] = reading(report)
    table = Table(
        "load",
        "replicas",
        "req/s",
        "speed-up",
        "per replica",
        "p50 ms",
        "p95 ms",
        "errors",
        title="Replicas behind nginx (medians)",
    )
    for name in LOADS:
        for n, r in report["medians"][name].items():
            table.add_row(
                name,
                str(n),
                f"{r['throughput_rps']:.0f}",
                f"{r['speedup']:.2f}x",
                f"{r['ratio_per_replica']:.2f}",
                f"{r['p50_ms']:.0f}",
                f"{r['p95_ms']:.0f}",
                str(r["errors"]),
            )
    console.print(table)
    console.print(f"uptime before: {report['uptime_before']}\nuptime after: {report['uptime_after']}")
    if args.json:
        args.json.write_text(json.dumps(report, indent=2, default=str))
    if args.write:
        write_section(args.write, markdown(report))
        console.print(f"wrote the section into {args.write}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
