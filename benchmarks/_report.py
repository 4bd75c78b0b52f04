"""Latency statistics of a load run, as a table and as JSON, and the verdict against the target."""

from __future__ import annotations

from collections import defaultdict

import numpy as np
from rich.console import Console
from rich.table import Table

from benchmarks._load import LoadResult, Sample

TARGET_P95_MS = 150.0
SLOWEST_CALLBACKS = 5


def stats(samples: list[Sample], wall_s: float) -> dict:
    """p50/p95/p99/max latency (ms, all requests, failed ones included), counts, throughput."""
    ms = np.array([s.seconds * 1000 for s in samples]) if samples else np.array([np.nan])
    p50, p95, p99 = np.percentile(ms, [50, 95, 99])
    return {
        "requests": len(samples),
        "errors": sum(1 for s in samples if s.error),
        "p50_ms": float(p50),
        "p95_ms": float(p95),
        "p99_ms": float(p99),
        "max_ms": float(np.max(ms)),
        "throughput_rps": len(samples) / wall_s if wall_s else 0.0,
    }


def summarize(result: LoadResult) -> dict:
    """Statistics per category (page loads, callbacks, the explorer's callbacks), the slowest
    callbacks, and the verdict (explorer callback p95 and no error at all)."""
    by_category: dict[str, list[Sample]] = defaultdict(list)
    by_callback: dict[str, list[Sample]] = defaultdict(list)
    for s in result.samples:
        by_category[s.category].append(s)
        if s.category == "callbacks":
            by_callback[s.name].append(s)
    by_category["explorer callbacks"] = [
        s for s in by_category["callbacks"] if s.name.rpartition(" @ ")[2].endswith("/explorer")
    ]
    categories = {
        c: stats(by_category[c], result.wall_s) for c in ("page loads", "callbacks", "explorer callbacks")
    }
    slowest = sorted(
        ((name, stats(samples, result.wall_s)) for name, samples in by_callback.items()),
        key=lambda item: item[1]["p95_ms"],
        reverse=True,
    )[:SLOWEST_CALLBACKS]
    errors = sorted({f"{s.name}: {s.error}" for s in result.samples if s.error})
    explorer = categories["explorer callbacks"]  # the target of issues 5 and 8
    met = (
        bool(explorer["requests"])
        and explorer["p95_ms"] < TARGET_P95_MS
        and not (categories["callbacks"]["errors"] or categories["page loads"]["errors"])
    )
    return {
        "wall_s": result.wall_s,
        "categories": categories,
        "slowest_callbacks": [{"callback": name, **s} for name, s in slowest],
        "distinct_errors": errors[:20],
        "target": {"callback_p95_ms_below": TARGET_P95_MS, "errors": 0, "met": met},
    }


def _row(table: Table, label: str, s: dict) -> None:
    table.add_row(
        label,
        f"{s['requests']:,}",
        str(s["errors"]),
        f"{s['p50_ms']:.1f}",
        f"{s['p95_ms']:.1f}",
        f"{s['p99_ms']:.1f}",
        f"{s['max_ms']:.1f}",
        f"{s['throughput_rps']:.1f}",
    )


def print_summary(summary: dict, console: Console) -> None:
    """The latency table, the slowest callbacks, any errors, and MET / NOT MET."""
    table = Table(
        "requests",
        "count",
        "errors",
        "p50 ms",
        "p95 ms",
        "p99 ms",
        "max ms",
        "req/s",
        title=f"Dashboard under load ({summary['wall_s']:.1f} s)",
    )
    for name, s in summary["categories"].items():
        _row(table, name, s)
    table.add_section()
    for item in summary["slowest_callbacks"]:
        _row(table, f"  {item['callback']}", item)
    console.print(table)
    for error in summary["distinct_errors"]:
        console.print(f"[red]error[/] {error}")
    target = summary["target"]
    verdict = "[green]MET[/]" if target["met"] else "[red]NOT MET[/]"
    console.print(
        f"Target: explorer callback p95 < {target['callback_p95_ms_below']:.0f} ms and zero errors: {verdict}"
    )
