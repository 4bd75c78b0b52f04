"""Readers scale out: two `sector-monitor serve` replicas behind nginx (the config
rendered from deploy/nginx-site.conf.j2), 20 users through the proxy while 3 publishes
(`sector-monitor build` over the warehouse file both replicas read) and a rolling restart
happen: no failed request, and both replicas report each new build id on /healthz within 10 s.

Loopback only; every process in its own session, stopped at the end; bounded. Needs nginx
(Debian `nginx-light`, installed by scripts/bootstrap.sh test): skipped when it is missing,
except in CI, where that is a failure.
"""

from __future__ import annotations

import os
import re
import sys
import threading
import time
from collections import Counter
from pathlib import Path

import pytest

from benchmarks._replicas import (
    API_PATHS,
    PAGE_PATHS,
    Load,
    deployment,
    explorer_requests,
    get_requests,
    healthz,
    nginx_binary,
    run_build,
    small_snapshots,
)
from sector_monitor.deploy import DEPLOY_DIR, render_nginx_site, standalone_nginx_conf

USERS, PUBLISHES, THINK_S = 20, 3, 0.25
CONVERGE_S = 10.0  # both replicas on the new build within this time of the swap
MAX_LOAD_S = 420.0  # the load stops by itself after this, whatever happens


@pytest.fixture(scope="module")
def nginx() -> str:
    found = nginx_binary()
    if found is None:  # CI installs it: there a missing nginx is a failure
        message = "no nginx (apt-get install nginx-light; scripts/bootstrap.sh test installs it)"
        if os.environ.get("CI"):
            pytest.fail(message)
        pytest.skip(message)
    return found


def test_shipped_nginx_example_is_the_rendered_template() -> None:
    example = (DEPLOY_DIR / "nginx-sector-monitor.conf").read_text()
    assert example == render_nginx_site(
        ["127.0.0.1:8051", "127.0.0.1:8052"], server_name="monitor.example.org"
    )
    assert "proxy_next_upstream error timeout http_502 http_503;" in example
    assert example.count("max_fails=3 fail_timeout=5s") == 2
    unit = (DEPLOY_DIR / "sector-monitor@.service").read_text()
    assert "--port %i" in unit and "sector-monitor serve" in unit


def test_rendered_config_passes_nginx_t(nginx: str, tmp_path: Path) -> None:
    import subprocess

    conf = tmp_path / "nginx.conf"
    conf.write_text(
        standalone_nginx_conf(
            render_nginx_site(
                ["127.0.0.1:8051", "127.0.0.1:8052", "127.0.0.1:8053"], listen="127.0.0.1:8080"
            ),
            tmp_path,
        )
    )
    result = subprocess.run(
        [nginx, "-t", "-c", str(conf), "-p", str(tmp_path)], capture_output=True, text=True, timeout=30
    )
    assert result.returncode == 0, result.stderr


class SwapWatcher(threading.Thread):
    """Records when the warehouse file is replaced (its inode changes), polling every 20 ms."""

    def __init__(self, path: Path) -> None:
        super().__init__(daemon=True)
        self.path, self.swaps, self.halt = path, [], threading.Event()
        self.inode = path.stat().st_ino

    def run(self) -> None:
        while not self.halt.wait(0.02):
            try:
                inode = self.path.stat().st_ino
            except FileNotFoundError:
                continue
            if inode != self.inode:
                self.inode = inode
                self.swaps.append(time.monotonic())


def wait_for_build(urls: list[str], build_id: str, timeout_s: float) -> dict[str, float]:
    """``url -> time.monotonic()`` when each replica's /healthz first named ``build_id``."""
    seen: dict[str, float] = {}
    deadline = time.monotonic() + timeout_s
    while len(seen) < len(urls) and time.monotonic() < deadline:
        for url in urls:
            if url not in seen and (body := healthz(url)) and body["build_id"] == build_id:
                seen[url] = time.monotonic()
        time.sleep(0.05)
    return seen


@pytest.mark.slow
@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="process groups, nginx")
def test_publishes_and_restarts_behind_nginx_fail_no_request(nginx: str, tmp_path: Path) -> None:
    env = os.environ | {
        "SECTOR_MONITOR_SNAPSHOTS": str(small_snapshots(tmp_path / "snapshots")),
        "SECTOR_MONITOR_KEEP_BUILDS": "1",
    }
    warehouse = tmp_path / "var" / "warehouse.duckdb"
    build_id = run_build(warehouse, env)
    with deployment(warehouse, 2, tmp_path / "deploy", env=env, nginx=nginx) as dep:
        replicas = dep.replica_urls
        assert [healthz(u)["build_id"] for u in replicas] == [build_id] * 2
        mix = (
            get_requests(dep.proxy_url, API_PATHS, "api") * 2
            + get_requests(dep.proxy_url, PAGE_PATHS, "page")
            + explorer_requests(dep.proxy_url, indicators=2)
            + get_requests(dep.proxy_url, ("/healthz",), "health")
        )
        watcher = SwapWatcher(warehouse)
        watcher.start()
        converged, restarts, phases = [], [], []
        try:
            with Load(dep.proxy_url, mix, USERS, THINK_S, max_s=MAX_LOAD_S) as load:
                time.sleep(2)
                for n in range(PUBLISHES):
                    phases.append((f"publish {n + 1}", time.monotonic()))
                    previous, build_id = build_id, run_build(warehouse, env)
                    assert build_id != previous
                    seen = wait_for_build(replicas, build_id, CONVERGE_S + 5)
                    assert len(watcher.swaps) == n + 1, "one swap per publish"
                    assert set(seen) == set(replicas), f"publish {n + 1}: not every replica on {build_id}"
                    converged.append(max(seen.values()) - watcher.swaps[-1])
                for url in replicas:  # rolling restart, one replica at a time
                    phases.append((f"restart {url}", time.monotonic()))
                    restarts.append(dep.restart_replica(url))
                    assert healthz(url)["build_id"] == build_id
                time.sleep(2)
        finally:
            watcher.halt.set()
        log = dep.access_log()
        errors = [
            line
            for line in (dep.workdir / "error.log").read_text().splitlines()
            if "[error]" in line or "[crit]" in line or "[alert]" in line
        ]

    samples = load.samples
    failures = load.failures()
    by_kind = Counter(s.kind for s in samples)
    upstreams = Counter(m[1] for line in log if (m := re.search(r'upstream="([^"]+)"', line)))
    retried = sum(n for addr, n in upstreams.items() if "," in addr)
    summary = (
        f"{len(samples)} requests {dict(by_kind)}, {len(failures)} failed, "
        f"converged after {[round(c, 2) for c in converged]} s, restarts "
        f"{[round(r, 1) for r in restarts]} s, {retried} retried by nginx, "
        f"max {max(s.sample.seconds for s in samples):.2f} s"
    )
    print(summary)
    start = load.started
    assert not failures, "\n".join(
        [
            summary,
            "phases: " + ", ".join(f"{name} at {t - start:.1f} s" for name, t in phases),
            *(f"{s.at - start:.2f} s {s.kind} {s.sample.name}: {s.sample.error}" for s in failures[:20]),
            "nginx errors:",
            *errors[-15:],
        ]
    )
    assert all(c <= CONVERGE_S for c in converged), summary
    assert all(by_kind[k] >= 20 for k in ("api", "page", "callback", "health")), summary
    for url in replicas:  # both replicas served the load
        assert sum(n for addr, n in upstreams.items() if url.removeprefix("http://") in addr) > 50
