"""Build a warehouse and serve the dashboard with gunicorn, as the product does, for benchmarks."""

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
    subprocess.run([sys.executable, "-m", "sector_monitor.cli", "build", "--warehouse", str(path)],
                   cwd=ROOT, check=True, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)


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


@contextmanager
def serve(warehouse: Path, log: Path, workers: int = 2, start_timeout_s: float = 60.0) -> Iterator[str]:
    """Serve the dashboard on a free loopback port; yield its base URL; always stop it.

    The server runs in its own session (process group) so that stopping it also stops the
    gunicorn processes the CLI starts. Its output (access log) goes to ``log``.
    """
    port = free_port()
    base_url = f"http://127.0.0.1:{port}"
    command = [sys.executable, "-m", "sector_monitor.cli", "serve", "--warehouse", str(warehouse),
               "--host", "127.0.0.1", "--port", str(port), "--workers", str(workers)]
    with log.open("wb") as out:
        process = subprocess.Popen(command, cwd=ROOT, stdout=out, stderr=subprocess.STDOUT,
                                   start_new_session=True)
    try:
        _wait_until_up(process, base_url, log, start_timeout_s)
        yield base_url
    finally:
        _stop(process)


def _wait_until_up(process: subprocess.Popen, base_url: str, log: Path, timeout_s: float) -> None:
    deadline = time.monotonic() + timeout_s
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError(f"the dashboard exited ({process.returncode}):\n"
                               + log.read_text(errors="replace")[-2000:])
        try:
            if requests.get(f"{base_url}/fr", timeout=2).ok:
                return
        except requests.RequestException:
            pass
        time.sleep(0.25)
    raise TimeoutError(f"the dashboard did not answer on {base_url} within {timeout_s:.0f} s")
