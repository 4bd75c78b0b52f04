"""Kill builds at random moments and check the warehouse is always a whole version.

Each run starts ``python -m sector_monitor.cli build --warehouse W`` and sends it SIGKILL after
a random delay (seeded, at most ``--max-delay`` seconds; some runs finish first). Runs alternate
between two pseudonymisation keys, so the two possible complete builds have different table
digests (``org_pseudo`` differs). After each run the warehouse must open read-only, its digest
(tests/support.py ``table_digest``) must equal the version before the run or the complete
build of the run's key, and no more than $SECTOR_MONITOR_KEEP_BUILDS builds may be kept.

    python scripts/fault_injection.py --runs 20 --seed 7 [--warehouse DIR/warehouse.duckdb]

Prints one line per run and exits 1 on any violation.
"""

from __future__ import annotations

import argparse
import os
import random
import signal
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path[:0] = [str(ROOT), str(ROOT / "tests")]

from support import table_digest  # noqa: E402

from pipeline.build import build  # noqa: E402
from warehouse.history import keep_count, list_builds  # noqa: E402

KEYS = ("fault-injection-key-a", "fault-injection-key-b")
KEY_VARIABLE = "SECTOR_MONITOR_PSEUDONYM_KEY"  # each run sets it for the builds it starts


@dataclass
class Run:
    number: int
    key: int
    delay: float
    killed: bool
    outcome: str  # "previous", "new", or a violation
    seconds: float

    @property
    def ok(self) -> bool:
        return self.outcome in ("previous", "new")


def _env(key: int) -> dict[str, str]:
    return {**os.environ, KEY_VARIABLE: KEYS[key], "PYTHONWARNINGS": "ignore"}


def _build(warehouse: Path, key: int, delay: float | None) -> tuple[bool, float]:
    """Run one build; kill it after ``delay`` seconds (None: let it finish). True if killed."""
    started = time.monotonic()
    proc = subprocess.Popen(
        [sys.executable, "-m", "sector_monitor.cli", "build", "--warehouse", str(warehouse)],
        cwd=ROOT,
        env=_env(key),
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    try:
        proc.wait(timeout=delay if delay is not None else 600)
    except subprocess.TimeoutExpired:
        os.kill(proc.pid, signal.SIGKILL)
        proc.wait()
        return True, time.monotonic() - started
    if proc.returncode != 0:
        raise RuntimeError(f"build exited with {proc.returncode}")
    return False, time.monotonic() - started


def _reference(warehouse: Path, key: int) -> dict:
    """Build to completion in this process (no interpreter start-up) and return the digest."""
    saved = os.environ.get(KEY_VARIABLE)
    os.environ[KEY_VARIABLE] = KEYS[key]
    try:
        build(warehouse)
    finally:
        if saved is None:
            del os.environ[KEY_VARIABLE]
        else:
            os.environ[KEY_VARIABLE] = saved
    return table_digest(warehouse)


def _check(warehouse: Path, previous: dict, new: dict) -> str:
    try:
        digest = table_digest(warehouse)
    except Exception as exc:  # noqa: BLE001 - any failure to open is the violation we report
        return f"VIOLATION: cannot open ({type(exc).__name__}: {exc})"
    if len(list_builds(warehouse)) > keep_count():
        return "VIOLATION: too many kept builds"
    if digest == previous:
        return "previous"
    if digest == new:
        return "new"
    return "VIOLATION: digest is neither the previous nor the new version"


def campaign(warehouse: Path, runs: int, seed: int, max_delay: float | None = None) -> list[Run]:
    """Reference builds for both keys, then ``runs`` killed builds (see module docstring)."""
    started = time.monotonic()
    versions = [{}, _reference(warehouse, 1)]
    duration = time.monotonic() - started + 1.5  # a CLI build also starts an interpreter
    versions[0] = _reference(warehouse, 0)
    if versions[0] == versions[1]:
        raise RuntimeError("both keys give the same digest: the check could not tell them apart")
    rng = random.Random(seed)
    limit = max_delay if max_delay is not None else duration * 1.5
    current, results = versions[0], []
    for number in range(1, runs + 1):
        key = number % 2  # the first run builds with key b: a different version than the current
        delay = round(rng.uniform(0.05, limit), 2)
        started = time.monotonic()
        killed, _ = _build(warehouse, key, delay)
        outcome = _check(warehouse, current, versions[key])
        if outcome == "new":
            current = versions[key]
        results.append(Run(number, key, delay, killed, outcome, time.monotonic() - started))
    return results


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--runs", type=int, default=20)
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument(
        "--max-delay", type=float, default=None, help="latest kill, seconds (default: 1.5 x a measured build)"
    )
    parser.add_argument(
        "--warehouse", type=Path, default=None, help="warehouse file to use (default: a temporary folder)"
    )
    args = parser.parse_args(argv)
    with tempfile.TemporaryDirectory(prefix="fault-injection-") as tmp:
        warehouse = (args.warehouse or Path(tmp) / "warehouse.duckdb").resolve()
        results = campaign(warehouse, args.runs, args.seed, args.max_delay)
    print(f"{'run':>3}  {'key':>3}  {'kill at s':>9}  {'killed':>6}  {'took s':>6}  outcome")
    for r in results:
        print(
            f"{r.number:>3}  {'ab'[r.key]:>3}  {r.delay:>9.2f}  {'yes' if r.killed else 'no':>6}  "
            f"{r.seconds:>6.1f}  {r.outcome}"
        )
    bad = [r for r in results if not r.ok]
    killed = sum(r.killed for r in results)
    print(
        f"{len(results)} runs, {killed} killed, "
        f"{sum(r.outcome == 'new' for r in results)} ended on the new version, "
        f"{len(bad)} violation(s)"
    )
    return 1 if bad else 0


if __name__ == "__main__":
    sys.exit(main())
