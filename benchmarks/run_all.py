"""Run every benchmark script and keep their JSON results in benchmarks/results/.

Usage: python benchmarks/run_all.py [--quick] [--only NAME ...]

Scripts, one after the other, each in its own process: build_time, indicators_time,
ingest_compare, indicators_scale, dashboard_load (20 users, 20 s). ``--quick`` (under 10 minutes
on a 2-core machine) uses 2 runs for the timings, 100k rows for the ingest comparison and
10k/100k responses for the indicator scaling. Writes ``results/<name>.json`` per script and
``results/run_all.json`` (the `uptime` line before and after, each script's wall time and exit
code), then prints the key numbers. Generated exports go to benchmarks/data/ (git-ignored).
"""

from __future__ import annotations

import argparse
import json
import platform
import subprocess
import sys
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
RESULTS = HERE / "results"


def scripts(quick: bool) -> dict[str, list[str]]:
    """Script name -> its arguments (``--json`` is added)."""
    runs = ["--runs", "2"] if quick else []
    mode = ["--quick"] if quick else []
    return {"build_time": runs, "indicators_time": runs, "ingest_compare": mode,
            "indicators_scale": mode, "dashboard_load": ["--users", "20", "--duration", "20"]}


def uptime() -> str:
    return subprocess.run(["uptime"], capture_output=True, text=True).stdout.strip()


def key_numbers(name: str, result: dict) -> list[str]:
    """One line per headline figure of a script's JSON result."""
    if name in ("build_time", "indicators_time"):
        return [f"median {result['median_s']:.2f} s over {result['runs']} runs"]
    if name == "ingest_compare":
        lines = [f"{n}: {r['median_s']:.2f} s, {r['ratio_vs_floor']:.2f}x floor, "
                 f"{r['rows_per_s']:,.0f} rows/s, {r['mb_per_s']:.1f} MB/s, peak {r['peak_rss_mb']:.0f} MB"
                 for n, r in result["results"].items()]
        return lines + [f"{t['status']}: {t['contender']} {t['target']}" for t in result["targets"]]
    if name == "indicators_scale":
        return [f"{p['responses']:,} responses / {p['waves']} waves: {p['median_s']:.2f} s, "
                f"peak {p['peak_rss_mb']:.0f} MB" for p in result["points"]] + [result["status"]]
    c = result["results"]["categories"]["callbacks"]
    return [f"callbacks p50 {c['p50_ms']:.1f} ms, p95 {c['p95_ms']:.1f} ms, {c['requests']} requests, "
            f"{c['errors']} errors; target {'MET' if result['results']['target']['met'] else 'NOT MET'}"]


def main() -> int:
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--quick", action="store_true", help="smaller sizes and fewer runs (< 10 min)")
    p.add_argument("--only", nargs="+", choices=list(scripts(False)), help="run only these scripts")
    args = p.parse_args()
    RESULTS.mkdir(exist_ok=True)
    summary = {"quick": args.quick, "uptime_before": uptime(), "machine": platform.platform(),
               "python": platform.python_version(), "scripts": {}}
    start = time.perf_counter()
    for name, extra in scripts(args.quick).items():
        if args.only and name not in args.only:
            continue
        out = RESULTS / f"{name}.json"
        out.unlink(missing_ok=True)  # never report a previous run's result
        print(f"== {name} {' '.join(extra)}", flush=True)
        began = time.perf_counter()
        command = [sys.executable, str(HERE / f"{name}.py"), *extra, "--json", str(out)]
        code = subprocess.run(command).returncode
        summary["scripts"][name] = {"args": extra, "seconds": time.perf_counter() - began,
                                    "exit_code": code, "result": out.name if out.exists() else None}
    summary["total_s"] = time.perf_counter() - start
    summary["uptime_after"] = uptime()
    (RESULTS / "run_all.json").write_text(json.dumps(summary, indent=2))
    print(f"\n== summary ({summary['total_s']:.0f} s)\nbefore: {summary['uptime_before']}\n"
          f"after:  {summary['uptime_after']}")
    for name, info in summary["scripts"].items():
        print(f"{name} ({info['seconds']:.0f} s, exit {info['exit_code']})")
        if info["exit_code"] == 0 and info["result"]:
            for line in key_numbers(name, json.loads((RESULTS / info["result"]).read_text())):
                print(f"  {line}")
    return max((i["exit_code"] for i in summary["scripts"].values()), default=0)


if __name__ == "__main__":
    sys.exit(main())
