"""Time the advocacy note as a user makes it, cold: median of N runs of
`sector-monitor note --lang nl --recommendation R4 --out note.pdf`.

Usage: python benchmarks/note_time.py [--runs 5] [--json OUT]

Builds one warehouse from the shipped data in a temporary folder, then runs the command N times,
each in a new process writing a new PDF: interpreter start-up, the charts (kaleido starts
Chromium) and the PDF rendering are included. Peak RSS from GNU time (the CLI process; Chromium
runs in child processes it does not count).
"""

from __future__ import annotations

import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from timing import options, report

ROOT = Path(__file__).resolve().parent.parent
COMMAND = ["note", "--lang", "nl", "--recommendation", "R4"]
KEY = "benchmark-key-not-secret"


def one_run(warehouse: Path, out: Path) -> tuple[float, float]:
    """Seconds and peak RSS (MB) of one note command; fails unless a PDF was written."""
    rss = out.with_suffix(".rss")
    start = time.perf_counter()
    subprocess.run(["/usr/bin/time", "-f", "%M", "-o", str(rss), sys.executable, "-m", "sector_monitor.cli",
                    *COMMAND, "--warehouse", str(warehouse), "--out", str(out)], cwd=ROOT, check=True,
                   stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    seconds = time.perf_counter() - start
    if not out.read_bytes().startswith(b"%PDF"):
        raise RuntimeError(f"{out} is not a PDF")
    return seconds, int(rss.read_text().split()[-1]) / 1024


def main() -> None:
    args = options(__doc__)
    os.environ.setdefault("SECTOR_MONITOR_PSEUDONYM_KEY", KEY)  # throwaway build: no key file
    with tempfile.TemporaryDirectory(prefix="note-time-") as tmp:
        folder = Path(tmp)
        warehouse = folder / "warehouse.duckdb"
        subprocess.run([sys.executable, "-m", "sector_monitor.cli", "build", "--warehouse", str(warehouse)],
                       cwd=ROOT, check=True, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        runs = [one_run(warehouse, folder / f"note{i}.pdf") for i in range(args.runs)]
    report("note_pdf_cold", "sector-monitor note --lang nl --recommendation R4 (PDF), cold",
           [seconds for seconds, _ in runs], args.json, peak_rss_mb=max(peak for _, peak in runs),
           command="sector-monitor " + " ".join(COMMAND) + " --out note.pdf")


if __name__ == "__main__":
    main()
