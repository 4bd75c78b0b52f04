"""Time the advocacy note as a user makes it, cold: median of N runs of
`sector-monitor note --lang nl --recommendation R4 --out note.pdf`, beside the same note as
Markdown (no charts, no layout: the floor of reading the warehouse and writing the text).

Usage: python -m benchmarks.note_time [--runs 5] [--json OUT]

Builds one warehouse from the shipped data in a temporary folder, then runs each command N
times, interleaved, each in a new process writing a new file: interpreter start-up, the charts
(matplotlib) and the PDF layout (weasyprint) are included. Peak RSS from GNU time.
"""

from __future__ import annotations

import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from benchmarks.timing import options, report

ROOT = Path(__file__).resolve().parent.parent
COMMAND = ["note", "--lang", "nl", "--recommendation", "R4"]
KEY = "benchmark-key-not-secret"


def one_run(warehouse: Path, out: Path) -> tuple[float, float]:
    """Seconds and peak RSS (MB) of one note command; fails unless the note was written."""
    rss = out.with_suffix(".rss")
    start = time.perf_counter()
    subprocess.run(
        [
            "/usr/bin/time",
            "-f",
            "%M",
            "-o",
            str(rss),
            sys.executable,
            "-m",
            "sector_monitor.cli",
            *COMMAND,
            "--warehouse",
            str(warehouse),
            "--out",
            str(out),
        ],
        cwd=ROOT,
        check=True,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    seconds = time.perf_counter() - start
    if out.suffix == ".pdf" and not out.read_bytes().startswith(b"%PDF"):
        raise RuntimeError(f"{out} is not a PDF")
    return seconds, int(rss.read_text().split()[-1]) / 1024


def main() -> None:
    args = options(__doc__)
    os.environ.setdefault("SECTOR_MONITOR_PSEUDONYM_KEY", KEY)  # throwaway build: no key file
    with tempfile.TemporaryDirectory(prefix="note-time-") as tmp:
        folder = Path(tmp)
        warehouse = folder / "warehouse.duckdb"
        subprocess.run(
            [sys.executable, "-m", "sector_monitor.cli", "build", "--warehouse", str(warehouse)],
            cwd=ROOT,
            check=True,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        runs = {".pdf": [], ".md": []}
        for i in range(args.runs):
            for suffix, done in runs.items():
                done.append(one_run(warehouse, folder / f"note{i}{suffix}"))
    floor = report(
        "note_md_cold",
        "the same note as Markdown (floor), cold",
        [seconds for seconds, _ in runs[".md"]],
        None,
        peak_rss_mb=max(peak for _, peak in runs[".md"]),
    )
    report(
        "note_pdf_cold",
        "sector-monitor note --lang nl --recommendation R4 (PDF), cold",
        [seconds for seconds, _ in runs[".pdf"]],
        args.json,
        peak_rss_mb=max(peak for _, peak in runs[".pdf"]),
        command="sector-monitor " + " ".join(COMMAND) + " --out note.pdf",
        markdown_floor={k: floor[k] for k in ("median_s", "seconds", "peak_rss_mb")},
    )


if __name__ == "__main__":
    main()
