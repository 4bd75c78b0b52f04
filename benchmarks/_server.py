"""Build a warehouse and run servers (the dashboard with gunicorn, as the product does) for
benchmarks, each in its own process group, always stopped at the end."""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import requests

ROOT = Path(__file__).resolve().parent.parent


def build_warehouse(path: Path) -> None:
    """Run ``sector-monitor build --warehouse path`` in a new process."""
    subprocess.run(
        [sys.executable, "-m", "sector_monitor.cli", "build", "--warehouse", str(path)],
        cwd=ROOT,
        check=True,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )


def free_port() -> int:
    """A TCP port free on 127.0.0.1 right now."""
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _stop(process: subprocess.Popen, grace_s: float = 10.0) -> None:
    """Terminate the server's process group (the CLI and its gunicorn master and workers)."""
    for sig in (signal.SIGTERM, signal.SIGKILL):
        try:
            os.killpg(process.pid, sig)
        except ProcessLookupError:
            return
        try:
            process.wait(timeout=grace_s)
            return
        except subprocess.TimeoutExpired:
            continue


def default_workers() -> int:
    """The gunicorn worker count ``sector-monitor serve`` uses when not told otherwise."""
    from sector_monitor.cli import parser

    return parser().parse_args(["serve"]).workers


@contextmanager
def running(
    command: list[str],
    probe_url: str,
    log: Path,
    env: dict[str, str] | None = None,
    start_timeout_s: float = 60.0,
) -> Iterator[None]:
    """Run a server ``command`` until the block ends; wait until ``probe_url`` answers 200.

    The server runs in its own session (process group) so that stopping it also stops the
    worker processes it starts; it is stopped on errors and Ctrl+C too. Its output goes to ``log``.
    """
    with log.open("wb") as out:
        process = subprocess.Popen(
            command, cwd=ROOT, stdout=out, stderr=subprocess.STDOUT, env=env, start_new_session=True
        )
    try:
        _wait_until_up(process, probe_url, log, start_timeout_s)
        yield
    finally:
        _stop(process)


@contextmanager
def serve(warehouse: Path, log: Path, workers: int = 2, start_timeout_s: float = 60.0) -> Iterator[str]:
    """Serve the dashboard (and API) as ``sector-monitor serve`` does, on a free loopback port;
    yield its base URL; always stop it."""
    port = free_port()
    base_url = f"http://127.0.0.1:{port}"
    command = [
        sys.executable,
        "-m",
        "sector_monitor.cli",
        "serve",
        "--warehouse",
        str(warehouse),
        "--host",
        "127.0.0.1",
        "--port",
        str(port),
        "--workers",
        str(workers),
    ]
    with running(command, f"{base_url}/fr", log, start_timeout_s=start_timeout_s):
        yield base_url


def _wait_until_up(process: subprocess.Popen, probe_url: str, log: Path, timeout_s: float) -> None:
    deadline = time.monotonic() + timeout_s
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError(
                f"the server exited ({process.returncode}):\n" + log.read_text(errors="replace")[-2000:]
            )
        try:
            if requests.get(probe_url, timeout=2).ok:
                return
        except requests.RequestException:
            pass
        time.sleep(0.25)
    raise TimeoutError(f"the server did not answer on {probe_url} within {timeout_s:.0f} s")
