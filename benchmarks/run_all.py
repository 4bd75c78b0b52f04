"""Run every benchmark, keep their JSON results in benchmarks/results/ and regenerate the tables of
BENCHMARKS.md from them.

Usage: python -m benchmarks.run_all [--quick] [--only NAME ...] [--markdown PATH]

Jobs, one after the other, each in its own process: build_time, build_scaled (1M synthetic
responses over 10 waves; not in --quick), indicators_time, ingest_compare, indicators_scale,
dashboard_load at 20 and at 50 users, api_compare (our API against Datasette) and note_time.
``--quick`` (under 10 minutes on a 2-core machine): 2 runs for the timings, 100k rows for the
ingest comparison, 10k/100k responses for the indicator scaling, 20 s per dashboard load, one
10-second run at 20 users for the API comparison. The dashboard and API jobs share one
warehouse built by the first of them.

Writes ``results/<job>.json`` per job and ``results/run_all.json`` (machine, date, command,
`uptime` before and after, each job's wall time and exit code), prints the headline numbers and
writes the generated section of BENCHMARKS.md (between ``<!-- run_all:begin -->`` and
``<!-- run_all:end -->``) from the results of this run only. With ``--only`` BENCHMARKS.md is
left alone. Generated exports go to benchmarks/data/ (git-ignored).
"""

from __future__ import annotations

import argparse
import importlib.metadata
import json
import os
import platform
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from benchmarks import _markdown

HERE = Path(__file__).resolve().parent
RESULTS = HERE / "results"
DOCUMENT = HERE.parent / "BENCHMARKS.md"


def jobs(quick: bool, warehouse: Path) -> dict[str, tuple[str, list[str]]]:
    """Job name -> (script, its arguments; ``--json`` is added)."""
    runs = ["--runs", "2" if quick else "5"]
    mode = ["--quick"] if quick else []
    shared = ["--warehouse", str(warehouse)]
    load = ["--duration", "20" if quick else "30", *shared]
    plan = {
        "build_time": ("build_time", runs),
        "build_scaled": ("build_time", ["--scaled-rows", "1000000", "--waves", "10", *runs]),
        "indicators_time": ("indicators_time", runs),
        "ingest_compare": ("ingest_compare", mode),
        "indicators_scale": ("indicators_scale", mode),
        "dashboard_load_20": ("dashboard_load", ["--users", "20", *load]),
        "dashboard_load_50": ("dashboard_load", ["--users", "50", *load]),
        "api_compare": (
            "api_compare",
            [*mode, *([] if quick else ["--runs", "5", "--duration", "10"]), *shared],
        ),
        "note_time": ("note_time", runs),
    }
    if quick:
        del plan["build_scaled"]  # about 10 minutes per build on 2 cores
    return plan


def uptime() -> str:
    return subprocess.run(["uptime"], capture_output=True, text=True).stdout.strip()


def machine() -> dict:
    """CPU model, cores, RAM, OS and the versions the figures depend on."""
    info = {
        k.strip(): v.strip()
        for k, _, v in (line.partition(":") for line in Path("/proc/cpuinfo").read_text().splitlines())
    }
    mem_kb = next(
        int(line.split()[1])
        for line in Path("/proc/meminfo").read_text().splitlines()
        if line.startswith("MemTotal:")
    )
    os_name = platform.freedesktop_os_release().get("PRETTY_NAME", platform.system())
    return {
        "cpu": info.get("model name", platform.processor()),
        "cores": os.cpu_count(),
        "ram_gib": mem_kb / 1024**2,
        "os": f"{os_name}, Linux {platform.release()}",
        "python": platform.python_version(),
        **{p: importlib.metadata.version(p) for p in ("duckdb", "pandas", "dash")},
    }


def key_numbers(name: str, result: dict) -> list[str]:
    """One line per headline figure of a job's JSON result."""
    if "median_s" in result:
        return [f"median {result['median_s']:.2f} s over {result['runs']} runs"]
    if name == "ingest_compare":
        lines = [
            f"{n}: {r['median_s']:.2f} s, {r['ratio_vs_floor']:.2f}x floor, "
            f"{r['rows_per_s']:,.0f} rows/s, {r['mb_per_s']:.1f} MB/s, peak {r['peak_rss_mb']:.0f} MB"
            for n, r in result["results"].items()
        ]
        return lines + [f"{t['status']}: {t['contender']} {t['target']}" for t in result["targets"]]
    if name == "indicators_scale":
        return [
            f"{p['responses']:,} responses / {p['waves']} waves: {p['median_s']:.2f} s, "
            f"peak {p['peak_rss_mb']:.0f} MB"
            for p in result["points"]
        ] + [result["status"]]
    if name == "api_compare":
        return [
            f"{v['status']}: ours / {v['peer']} = {v['ratio']:.2f} ({v['case']}, {v['users']} users)"
            for v in result["verdicts"]
        ]
    c = result["results"]["categories"]["callbacks"]
    return [
        f"callbacks p50 {c['p50_ms']:.1f} ms, p95 {c['p95_ms']:.1f} ms, {c['requests']} requests, "
        f"{c['errors']} errors; target {'MET' if result['results']['target']['met'] else 'NOT MET'}"
    ]


def run_jobs(plan: dict[str, tuple[str, list[str]]], only: list[str] | None) -> dict[str, dict]:
    """Run the jobs in order; each job's arguments, wall time, exit code and result file name."""
    ran = {}
    for name, (script, extra) in plan.items():
        if only and name not in only:
            continue
        out = RESULTS / f"{name}.json"
        out.unlink(missing_ok=True)  # never report a previous run's result
        print(f"== {name}: {script} {' '.join(extra)}", flush=True)
        began = time.perf_counter()
        command = [sys.executable, "-m", f"benchmarks.{script}", *extra, "--json", str(out)]
        code = subprocess.run(command, cwd=HERE.parent).returncode
        ran[name] = {
            "script": script,
            "args": extra,
            "seconds": time.perf_counter() - began,
            "exit_code": code,
            "result": out.name if code == 0 and out.exists() else None,
        }
    return ran


def main() -> int:
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--quick", action="store_true", help="smaller sizes and fewer runs (< 10 min)")
    p.add_argument("--only", nargs="+", choices=list(jobs(False, Path())), help="run only these jobs")
    p.add_argument(
        "--markdown", type=Path, default=DOCUMENT, help="document to regenerate (default: %(default)s)"
    )
    args = p.parse_args()
    RESULTS.mkdir(exist_ok=True)
    summary = {
        "quick": args.quick,
        "date": time.strftime("%Y-%m-%d %H:%M %Z"),
        "machine": machine(),
        "command": "python -m benchmarks.run_all" + (" --quick" if args.quick else ""),
        "uptime_before": uptime(),
    }
    start = time.perf_counter()
    with tempfile.TemporaryDirectory(prefix="run-all-") as tmp:
        summary["jobs"] = run_jobs(jobs(args.quick, Path(tmp) / "warehouse.duckdb"), args.only)
    summary["total_s"] = time.perf_counter() - start
    summary["uptime_after"] = uptime()
    (RESULTS / "run_all.json").write_text(json.dumps(summary, indent=2))
    results = {
        name: json.loads((RESULTS / job["result"]).read_text())
        for name, job in summary["jobs"].items()
        if job["result"]
    }
    print(
        f"\n== summary ({summary['total_s']:.0f} s)\nbefore: {summary['uptime_before']}\n"
        f"after:  {summary['uptime_after']}"
    )
    for name, job in summary["jobs"].items():
        print(f"{name} ({job['seconds']:.0f} s, exit {job['exit_code']})")
        for line in key_numbers(name, results[name]) if name in results else []:
            print(f"  {line}")
    if args.only:
        print(f"--only: {args.markdown.name} left as it is")
    else:
        _markdown.update(args.markdown, _markdown.render(summary, results))
        print(f"regenerated the tables of {args.markdown}")
    return max((job["exit_code"] for job in summary["jobs"].values()), default=0)


if __name__ == "__main__":
    sys.exit(main())
