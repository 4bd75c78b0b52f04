"""API latency while advocacy notes render: does a burst of PDF notes slow the API down?

Usage: python -m benchmarks.note_load [--seconds 15] [--clients 4] [--json OUT]

Builds the shipped warehouse, serves it as ``sector-monitor serve`` does (gunicorn, 2 gthread
workers), then measures the API (``GET /api/v1/indicators``, one client in a loop, no think
time) twice: alone, and while ``--clients`` clients each ask for distinct PDF notes (every
request a new selection, so nothing comes from the note cache) for ``--seconds``. A client that
gets 503 (renders busy in that process) waits 0.5 s and asks for its next note. Reports the
API's p50/p95/max and the notes delivered / refused. Loopback only, bounded in time.
"""

from __future__ import annotations

import argparse
import itertools
import json
import statistics
import tempfile
import threading
import time
from pathlib import Path

import requests

from benchmarks import _server
from core.i18n import LANGUAGES

RECS = [f"R{i}" for i in range(1, 9)]
API_PATH = "/api/v1/indicators"


def note_queries() -> list[str]:
    """Distinct note selections (language x pair of recommendations x wave)."""
    pairs = list(itertools.combinations(RECS, 2))
    return [
        f"lang={lang}&rec={a}&rec={b}&period={wave}"
        for wave in ("2024", "2023", "2022")
        for lang in LANGUAGES
        for a, b in pairs
    ]


def api_latencies(base_url: str, seconds: float) -> list[float]:
    """Milliseconds of each API request made in a loop for ``seconds``."""
    out, session = [], requests.Session()
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        start = time.perf_counter()
        response = session.get(base_url + API_PATH, timeout=30)
        response.raise_for_status()
        out.append((time.perf_counter() - start) * 1000)
    return out


def note_client(base_url: str, queries: list[str], stop: threading.Event, counts: dict) -> None:
    session = requests.Session()
    for query in queries:
        if stop.is_set():
            return
        response = session.get(f"{base_url}/download/note.pdf?{query}", timeout=120)
        key = "pdf" if response.status_code == 200 else str(response.status_code)
        counts[key] = counts.get(key, 0) + 1
        if response.status_code == 503:
            stop.wait(0.5)


def summary(ms: list[float]) -> dict:
    ordered = sorted(ms)
    return {
        "requests": len(ms),
        "p50_ms": statistics.median(ordered),
        "p95_ms": ordered[int(0.95 * (len(ordered) - 1))],
        "max_ms": ordered[-1],
    }


def main() -> None:
    p = argparse.ArgumentParser(description=__doc__)
    p.add_argument("--seconds", type=float, default=15.0)
    p.add_argument("--clients", type=int, default=4)
    p.add_argument("--json", type=Path)
    args = p.parse_args()
    with tempfile.TemporaryDirectory(prefix="note-load-") as tmp:
        warehouse = Path(tmp) / "warehouse.duckdb"
        _server.build_warehouse(warehouse)
        with _server.serve(warehouse, Path(tmp) / "serve.log") as base_url:
            api_latencies(base_url, 2)  # warm-up: caches, connections
            alone = summary(api_latencies(base_url, args.seconds))
            queries = note_queries()
            stop, counts = threading.Event(), [{} for _ in range(args.clients)]
            clients = [
                threading.Thread(
                    target=note_client, args=(base_url, queries[i :: args.clients], stop, counts[i])
                )
                for i in range(args.clients)
            ]
            for client in clients:
                client.start()
            time.sleep(1)  # the renders are under way
            loaded = summary(api_latencies(base_url, args.seconds))
            stop.set()
            for client in clients:
                client.join(timeout=180)
    notes: dict[str, int] = {}
    for c in counts:
        for k, v in c.items():
            notes[k] = notes.get(k, 0) + v
    result = {
        "benchmark": "note_load",
        "clients": args.clients,
        "seconds": args.seconds,
        "api_alone": alone,
        "api_while_notes_render": loaded,
        "notes": notes,
    }
    print(
        f"API {API_PATH} alone: p50 {alone['p50_ms']:.1f} ms, p95 {alone['p95_ms']:.1f} ms "
        f"({alone['requests']} requests)"
    )
    print(
        f"API while {args.clients} clients ask for distinct PDF notes: p50 "
        f"{loaded['p50_ms']:.1f} ms, p95 {loaded['p95_ms']:.1f} ms, max {loaded['max_ms']:.0f} ms "
        f"({loaded['requests']} requests); notes: {notes}"
    )
    if args.json:
        args.json.write_text(json.dumps(result, indent=2))


if __name__ == "__main__":
    main()
