"""N `sector-monitor serve` replicas behind nginx on 127.0.0.1, and a load to send through it
(tests/sector_monitor/test_replicas.py, benchmarks/replicas.py).

Every replica serves the same warehouse file (the deployment deploy/ documents); nginx runs in
the foreground with the site rendered from deploy/nginx-site.conf.j2 wrapped in a standalone
configuration (sector_monitor.deploy). Each process runs in its own session (process group) and
is stopped, with everything it started, when the block ends, also on errors.
"""

from __future__ import annotations

import json
import os
import random
import re
import shutil
import signal
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager, suppress
from dataclasses import dataclass, field
from pathlib import Path

import requests
import yaml

from benchmarks._load import Sample, send
from benchmarks._recording import Request
from benchmarks._server import ROOT, free_port
from sector_monitor.deploy import FAIL_TIMEOUT_S, render_nginx_site, standalone_nginx_conf

NGINX_CANDIDATES = ("/usr/sbin/nginx", "/usr/bin/nginx")
API_PATHS = (
    "/api/v1/indicators",
    "/api/v1/indicators/tt_task_transfer/values",
    "/api/v1/indicators/tt_task_transfer/values?breakdown=region",
    "/api/v1/sources",
    "/api/v1/statistics",
    "/api/v1/series",
)
PAGE_PATHS = ("/fr", "/nl/explorer", "/en/statistics", "/fr/themes/funding", "/_dash-layout")
EXPLORER_INPUTS = {
    "explorer-breakdown.value": None,
    "explorer-period.value": None,
    "explorer-sort.data": None,
    "url.pathname": "/fr/explorer",
}


def nginx_binary() -> str | None:
    """nginx from the Debian package (``apt-get install nginx-light``), or None."""
    found = shutil.which("nginx")
    return found or next((p for p in NGINX_CANDIDATES if Path(p).exists()), None)


def small_snapshots(target: Path) -> Path:
    """A copy of the shipped snapshots with one synthetic survey wave (2024) instead of three:
    the same build, in about half the time (a publish under load stays short)."""
    shutil.copytree(ROOT / "etl" / "snapshots", target)
    manifest = target / "survey_demo" / "source.yaml"
    data = yaml.safe_load(manifest.read_text(encoding="utf-8"))
    keep = [f for f in data["files"] if "2024" in f["path"]] or data["files"][-1:]
    for f in data["files"]:
        if f not in keep:
            (manifest.parent / f["path"]).unlink()
    data["files"] = keep
    manifest.write_text(yaml.safe_dump(data, allow_unicode=True, sort_keys=False), encoding="utf-8")
    return target


def run_build(warehouse: Path, env: dict[str, str], timeout_s: float = 180.0) -> str:
    """``sector-monitor build`` in a new process (its own session, killed on timeout); the
    build id it printed."""
    process = subprocess.Popen(
        [sys.executable, "-m", "sector_monitor.cli", "build", "--warehouse", str(warehouse)],
        cwd=ROOT,
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
        start_new_session=True,
    )
    try:
        out, _ = process.communicate(timeout=timeout_s)
    except subprocess.TimeoutExpired:
        os.killpg(process.pid, signal.SIGKILL)
        process.communicate()
        raise
    if process.returncode:
        raise RuntimeError(f"build failed ({process.returncode}): {out[-2000:]}")
    return re.search(r"\(build (\w+)\)", out.replace("\n", " "))[1]


def _stop(process: subprocess.Popen, sig: int = signal.SIGTERM, grace_s: float = 30.0) -> None:
    """Stop ``process`` and its process group: ``sig``, then SIGKILL after ``grace_s``."""
    for signum, wait_s in ((sig, grace_s), (signal.SIGKILL, 10.0)):
        with suppress(ProcessLookupError):
            os.killpg(process.pid, signum)
        try:
            process.wait(timeout=wait_s)
        except subprocess.TimeoutExpired:
            continue
        with suppress(ProcessLookupError):  # anything of the group left behind
            os.killpg(process.pid, signal.SIGKILL)
        return


def healthz(base_url: str, timeout_s: float = 2.0) -> dict | None:
    """The /healthz body when it answers 200, else None."""
    try:
        response = requests.get(f"{base_url}/healthz", timeout=timeout_s)
    except requests.RequestException:
        return None
    return response.json() if response.status_code == 200 else None


def wait_healthy(base_url: str, process: subprocess.Popen, log: Path, timeout_s: float) -> dict:
    deadline = time.monotonic() + timeout_s
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError(
                f"{base_url}: exited ({process.returncode}):\n" + log.read_text(errors="replace")[-2000:]
            )
        if (body := healthz(base_url)) is not None:
            return body
        time.sleep(0.2)
    raise TimeoutError(f"{base_url}/healthz not 200 within {timeout_s:.0f} s")


@dataclass
class Deployment:
    """Replicas (base URLs, processes) and nginx in front of them."""

    warehouse: Path
    workdir: Path
    env: dict[str, str]
    workers: int
    threads: int
    start_timeout_s: float
    replica_urls: list[str] = field(default_factory=list)
    processes: dict[str, subprocess.Popen] = field(default_factory=dict)
    proxy_url: str = ""

    def _log(self, base_url: str) -> Path:
        return self.workdir / f"replica-{base_url.rsplit(':', 1)[1]}.log"

    def launch_replica(self, base_url: str) -> subprocess.Popen:
        """Start ``sector-monitor serve`` for ``base_url`` (not waiting for it)."""
        port = base_url.rsplit(":", 1)[1]
        log = self._log(base_url)
        with log.open("ab") as out:
            process = subprocess.Popen(
                [
                    sys.executable,
                    "-m",
                    "sector_monitor.cli",
                    "serve",
                    "--warehouse",
                    str(self.warehouse),
                    "--host",
                    "127.0.0.1",
                    "--port",
                    port,
                    "--workers",
                    str(self.workers),
                    "--threads",
                    str(self.threads),
                ],
                cwd=ROOT,
                env=self.env,
                stdout=out,
                stderr=subprocess.STDOUT,
                start_new_session=True,
            )
        self.processes[base_url] = process
        return process

    def start_replica(self, base_url: str) -> None:
        """Start a replica and wait until its /healthz answers 200."""
        process = self.launch_replica(base_url)
        wait_healthy(base_url, process, self._log(base_url), self.start_timeout_s)

    def stop_replica(self, base_url: str) -> None:
        """SIGTERM (serve forwards it: gunicorn finishes the requests in flight), then wait."""
        _stop(self.processes.pop(base_url))

    def restart_replica(self, base_url: str) -> float:
        """Stop and start one replica (as ``systemctl restart``); seconds until it is healthy.
        Then wait nginx's fail_timeout: the next replica may be restarted after that."""
        start = time.monotonic()
        self.stop_replica(base_url)
        self.start_replica(base_url)
        healthy = time.monotonic() - start
        time.sleep(FAIL_TIMEOUT_S + 1)
        return healthy

    def access_log(self) -> list[str]:
        path = self.workdir / "access.log"
        return path.read_text(errors="replace").splitlines() if path.exists() else []


@contextmanager
def deployment(
    warehouse: Path,
    replicas: int,
    workdir: Path,
    env: dict[str, str] | None = None,
    workers: int = 2,
    threads: int = 4,
    start_timeout_s: float = 120.0,
    nginx: str | None = None,
) -> Iterator[Deployment]:
    """``replicas`` × ``sector-monitor serve`` on free loopback ports behind nginx; yields the
    :class:`Deployment` once every replica and the proxy answer /healthz; stops them all."""
    nginx = nginx or nginx_binary()
    if nginx is None:
        raise FileNotFoundError("nginx not found (apt-get install nginx-light)")
    workdir.mkdir(parents=True, exist_ok=True)
    dep = Deployment(warehouse, workdir, dict(env or os.environ), workers, threads, start_timeout_s)
    proxy = None
    try:
        for _ in range(replicas):
            dep.replica_urls.append(f"http://127.0.0.1:{free_port()}")
        for url in dep.replica_urls:
            dep.launch_replica(url)
        for url in dep.replica_urls:
            wait_healthy(url, dep.processes[url], dep._log(url), start_timeout_s)
        port = free_port()
        site = render_nginx_site(
            [u.removeprefix("http://") for u in dep.replica_urls],
            listen=f"127.0.0.1:{port}",
            server_name="localhost",
        )
        conf = workdir / "nginx.conf"
        conf.write_text(standalone_nginx_conf(site, workdir))
        log = workdir / "nginx.out"
        with log.open("wb") as out:
            proxy = subprocess.Popen(
                [nginx, "-c", str(conf), "-p", str(workdir)],
                stdout=out,
                stderr=subprocess.STDOUT,
                start_new_session=True,
            )
        dep.proxy_url = f"http://127.0.0.1:{port}"
        wait_healthy(dep.proxy_url, proxy, log, 30.0)
        yield dep
    finally:
        if proxy is not None:
            _stop(proxy, signal.SIGQUIT, grace_s=10.0)  # graceful: finish requests, exit
        for url in list(dep.processes):
            dep.stop_replica(url)


# ---- load ------------------------------------------------------------------------------------


def explorer_requests(base_url: str, indicators: int = 4) -> list[Request]:
    """Explorer callback POSTs (as the page sends them when a visitor picks an indicator, chart
    and table tabs), built from the server's ``_dash-dependencies``, for a few indicators."""
    deps = requests.get(f"{base_url}/_dash-dependencies", timeout=30).json()
    dep = next(d for d in deps if d["output"].startswith("..explorer-breakdown."))
    listing = requests.get(f"{base_url}/api/v1/indicators?limit={indicators}", timeout=30).json()
    out = []
    for row in listing["data"][:indicators]:
        for tab in ("chart", "table"):
            values = EXPLORER_INPUTS | {
                "explorer-indicator.value": f"indicator:{row['indicator_id']}",
                "explorer-tab.active_tab": tab,
            }

            def items(declared: list[dict], values: dict = values) -> list[dict]:
                return [
                    {
                        "id": d["id"],
                        "property": d["property"],
                        "value": values.get(f"{d['id']}.{d['property']}"),
                    }
                    for d in declared
                ]

            outputs = [
                dict(zip(("id", "property"), part.rsplit(".", 1), strict=True))
                for part in dep["output"].strip(".").split("...")
            ]
            body = {
                "output": dep["output"],
                "outputs": outputs,
                "inputs": items(dep["inputs"]),
                "state": items(dep["state"]),
                "changedPropIds": ["explorer-indicator.value"],
            }
            out.append(
                Request(
                    "POST",
                    f"{base_url}/_dash-update-component",
                    "callback",
                    {"Content-Type": "application/json"},
                    json.dumps(body),
                    page="/fr/explorer",
                )
            )
    return out


def get_requests(base_url: str, paths: tuple[str, ...], kind: str) -> list[Request]:
    return [Request("GET", base_url + p, kind, {}) for p in paths]


@dataclass
class TimedSample:
    sample: Sample
    at: float  # time.monotonic() when the request ended
    kind: str  # the request's kind: api, page, callback, health


class Load:
    """``users`` threads, each with its own HTTP session, sending requests picked at random
    from ``mix`` to ``base_url`` with a think time (uniform 0 - 2x ``think_s``) until stopped
    (or ``max_s``). Every request has a timeout; failures are recorded, not raised."""

    def __init__(
        self,
        base_url: str,
        mix: list[Request],
        users: int,
        think_s: float,
        timeout_s: float = 15.0,
        max_s: float = 300.0,
        seed: int = 0,
    ) -> None:
        self.base_url, self.mix, self.users, self.think_s = base_url, mix, users, think_s
        self.timeout_s, self.max_s, self.seed = timeout_s, max_s, seed
        self.stop_event = threading.Event()
        self.samples: list[TimedSample] = []
        self._lock = threading.Lock()
        self._threads: list[threading.Thread] = []
        self.started = self.ended = 0.0

    def _user(self, n: int) -> None:
        rng = random.Random(self.seed + n)
        deadline = self.started + self.max_s
        with requests.Session() as session:
            while not self.stop_event.is_set() and time.monotonic() < deadline:
                request = rng.choice(self.mix)
                sample = send(session, self.base_url, request, self.timeout_s)
                with self._lock:
                    self.samples.append(TimedSample(sample, time.monotonic(), request.kind))
                if self.think_s:
                    self.stop_event.wait(rng.uniform(0, 2 * self.think_s))

    def __enter__(self) -> Load:
        self.started = time.monotonic()
        self._threads = [
            threading.Thread(target=self._user, args=(n,), daemon=True) for n in range(self.users)
        ]
        for t in self._threads:
            t.start()
        return self

    def stop(self) -> None:
        self.stop_event.set()
        for t in self._threads:
            t.join(timeout=self.timeout_s + 5)
        self.ended = self.ended or time.monotonic()

    def __exit__(self, *exc: object) -> None:
        self.stop()

    def failures(self) -> list[TimedSample]:
        return [s for s in self.samples if s.sample.error]
