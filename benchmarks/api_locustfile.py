"""Locust user of benchmarks/api_compare.py: one GET after another, no think time (saturation).

Runs in the benchmark virtualenv (locust is not a project dependency). Environment:
``BENCH_PATH`` is the path and query to load; ``BENCH_VARY`` (optional, ``param:first:count``)
appends ``param=first + i % count`` to the i-th request, so that consecutive URLs differ and a
response cache cannot answer them; ``BENCH_TIMEOUT`` is the seconds allowed per request.
"""

from __future__ import annotations

import itertools
import os

from locust import FastHttpUser, constant, task

PATH = os.environ["BENCH_PATH"]
VARY = os.environ.get("BENCH_VARY")
TIMEOUT_S = float(os.environ.get("BENCH_TIMEOUT", "10"))


def urls(path: str, vary: str | None):
    """Endless URLs: ``path`` itself, or ``path`` with the varied parameter appended."""
    if not vary:
        return itertools.repeat(path)
    param, first, count = vary.split(":")
    return (f"{path}&{param}={int(first) + i % int(count)}" for i in itertools.count())


URLS = urls(PATH, VARY)  # shared by the users of this (single, gevent) process


class ApiClient(FastHttpUser):
    wait_time = constant(0)
    network_timeout = TIMEOUT_S
    connection_timeout = TIMEOUT_S

    @task
    def query(self) -> None:
        self.client.get(next(URLS), name="query")
