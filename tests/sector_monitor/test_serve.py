"""`sector-monitor serve` as an operator runs it: gunicorn with threaded workers, stopped
with its parent by SIGTERM or SIGINT (forwarded, waited for) or SIGKILL (gunicorn gets
SIGTERM when its parent dies), leaving no process and a free port."""

from __future__ import annotations

import contextlib
import os
import signal
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from pathlib import Path

import pytest
from support import ROOT

pytestmark = pytest.mark.slow  # end-to-end: left out of `make test-fast`

START_S, STOP_S = 90, 45


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def children(pid: int) -> dict[int, list[int]]:
    """``parent pid -> child pids`` of every process (a /proc scan)."""
    tree: dict[int, list[int]] = {}
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            fields = (entry / "stat").read_text().rsplit(")", 1)[1].split()
        except (OSError, IndexError):
            continue
        tree.setdefault(int(fields[1]), []).append(int(entry.name))
    return tree


def descendants(pid: int) -> list[int]:
    tree, found, todo = children(pid), [], [pid]
    while todo:
        for child in tree.get(todo.pop(), []):
            found.append(child)
            todo.append(child)
    return found


def alive(pid: int) -> bool:
    """Running (a zombie waiting for its parent counts as gone: it serves nothing)."""
    try:
        state = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0]
    except (OSError, IndexError):
        return False
    return state != "Z"


def answers(url: str) -> bool:
    try:
        with urllib.request.urlopen(url, timeout=5) as response:
            return response.status == 200
    except (urllib.error.URLError, OSError):
        return False


def cmdline(pid: int) -> list[str]:
    return Path(f"/proc/{pid}/cmdline").read_bytes().decode().split("\0")


@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="reads /proc")
@pytest.mark.parametrize(
    ("stop", "exit_code"),
    [(signal.SIGTERM, 0), (signal.SIGINT, 0), (signal.SIGKILL, -signal.SIGKILL)],
    ids=["SIGTERM", "SIGINT", "SIGKILL"],
)
def test_serve_stops_gunicorn_and_frees_the_port(
    warehouse_path: Path, stop: signal.Signals, exit_code: int
) -> None:
    port = free_port()
    serve = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "sector_monitor.cli",
            "serve",
            "--port",
            str(port),
            "--workers",
            "2",
            "--warehouse",
            str(warehouse_path),
        ],
        cwd=ROOT,
        start_new_session=True,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    try:
        deadline = time.monotonic() + START_S
        while not answers(f"http://127.0.0.1:{port}/"):
            assert serve.poll() is None, "sector-monitor serve exited while starting"
            assert time.monotonic() < deadline, "not serving after 90 s"
            time.sleep(0.5)
        while len(descendants(serve.pid)) < 3 and time.monotonic() < deadline:
            time.sleep(0.2)  # the master and its 2 workers
        processes = descendants(serve.pid)
        assert len(processes) >= 3
        master = cmdline(processes[0])
        assert "gunicorn" in " ".join(master) and "--no-control-socket" in master
        assert master[master.index("--worker-class") + 1] == "gthread"
        assert master[master.index("--threads") + 1] == "4"

        os.kill(serve.pid, stop)
        assert serve.wait(timeout=STOP_S) == exit_code
        deadline = time.monotonic() + 10
        while any(map(alive, processes)) and time.monotonic() < deadline:
            time.sleep(0.1)
        assert not [pid for pid in processes if alive(pid)], "gunicorn left running"
        assert not answers(f"http://127.0.0.1:{port}/")
        with socket.socket() as sock:  # nothing listens on the port any more: with
            # SO_REUSEADDR, Linux refuses the bind only while a socket listens there, not for
            # the TIME_WAIT a connection the server closed leaves (which made this flaky)
            sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
            sock.bind(("127.0.0.1", port))
            sock.listen()
    finally:  # whatever happened, nothing of this test keeps running
        with contextlib.suppress(ProcessLookupError):
            os.killpg(serve.pid, signal.SIGKILL)  # its own session: serve and gunicorn
        serve.wait(timeout=10)
