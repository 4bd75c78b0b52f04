"""Replay a recording with concurrent simulated users (one thread and HTTP session each).

Each user loops over the recorded visits, starting at a different one: a visit loads the page
(its HTML, ``_dash-layout`` and ``_dash-dependencies``) and sends its callbacks, step by step,
with a think time between steps. Users start no request after the deadline; a request that
is in flight then still counts, and each is bounded by a timeout.
"""

from __future__ import annotations

import random
import threading
import time
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from urllib.parse import urlsplit

import requests

from benchmarks._recording import Recording, Request

#: Request kinds counted as page loads (the rest replayed are callbacks).
PAGE_KINDS = {"page", "layout", "dependencies"}
OK_STATUS = {200, 204}  # Dash answers 204 when a callback raises PreventUpdate


@dataclass
class Sample:
    """One replayed request: its category, name, latency and outcome."""

    category: str
    name: str
    seconds: float
    error: str | None = None


@dataclass
class LoadResult:
    samples: list[Sample]
    wall_s: float


def send(session: requests.Session, base_url: str, request: Request, timeout_s: float) -> Sample:
    """Send one recorded request to ``base_url`` (same path and query); time it."""
    parts = urlsplit(request.url)
    url = base_url + parts.path + (f"?{parts.query}" if parts.query else "")
    category = "page loads" if request.kind in PAGE_KINDS else "callbacks"
    start = time.perf_counter()
    try:
        response = session.request(
            request.method,
            url,
            headers=request.headers,
            data=request.body.encode() if request.body else None,
            timeout=timeout_s,
        )
        response.content  # noqa: B018 - read the whole body inside the timing
        error = None if response.status_code in OK_STATUS else f"HTTP {response.status_code}"
    except requests.RequestException as exc:
        error = type(exc).__name__
    return Sample(category, request.name, time.perf_counter() - start, error)


def _user(
    base_url: str,
    recording: Recording,
    first_visit: int,
    deadline: float,
    think_s: float,
    timeout_s: float,
    rng: random.Random,
    stop: threading.Event,
) -> list[Sample]:
    samples: list[Sample] = []
    visits = recording.visits
    with requests.Session() as session:
        stop.wait(rng.uniform(0, think_s))  # users arrive spread over one think time
        i = first_visit
        while time.monotonic() < deadline and not stop.is_set():
            for step in visits[i % len(visits)].steps:
                for request in step:
                    if time.monotonic() >= deadline:
                        return samples
                    samples.append(send(session, base_url, request, timeout_s))
                stop.wait(rng.uniform(0.5, 1.5) * think_s)
            i += 1
    return samples


def run(
    base_url: str,
    recording: Recording,
    users: int,
    duration_s: float,
    think_s: float,
    timeout_s: float = 10.0,
    seed: int = 0,
) -> LoadResult:
    """Replay ``recording`` with ``users`` concurrent users for ``duration_s`` seconds."""
    if not recording.visits:
        raise ValueError("the recording has no visits")
    stop = threading.Event()
    start = time.monotonic()
    deadline = start + duration_s
    with ThreadPoolExecutor(max_workers=users) as pool:
        futures = [
            pool.submit(
                _user, base_url, recording, n, deadline, think_s, timeout_s, random.Random(seed + n), stop
            )
            for n in range(users)
        ]
        try:
            samples = [s for f in futures for s in f.result()]
        finally:
            stop.set()
    return LoadResult(samples, time.monotonic() - start)


def warm_up(base_url: str, recording: Recording, workers: int, timeout_s: float = 30.0) -> list[str]:
    """Replay every recorded request once per server worker, concurrently; return the errors.

    Gives each gunicorn worker the chance to open the warehouse and fill its caches, so that
    the measurement is of a running server, not of its start.
    """

    def one_pass(_: int) -> list[str]:
        with requests.Session() as session:
            return [
                f"{s.name}: {s.error}"
                for r in recording.requests()
                if (s := send(session, base_url, r, timeout_s)).error
            ]

    with ThreadPoolExecutor(max_workers=workers) as pool:
        return [e for errors in pool.map(one_pass, range(workers)) for e in errors]
