"""`sector-monitor survey ...`: the instrument, ingestion of exports and demo data."""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

import duckdb

from etl import landing
from etl.survey.demo import write_demo
from etl.survey.errors import SurveyReadError
from etl.survey.workbooks import build_form_xlsx, build_template_xlsx
from sector_monitor.pipeline import build
from warehouse.paths import landing_dir

LANGS = ("fr", "nl", "en")


def user_language(explicit: str | None = None) -> str:
    """The language of messages: --lang, else $LANG (fr_BE.UTF-8 -> fr), else English."""
    lang = (explicit or os.environ.get("LANG", "en"))[:2].lower()
    return lang if lang in LANGS else "en"


def ingest(warehouse: Path, file: Path, wave: int, fmt: str = "auto",
           lang: str = "en") -> tuple[dict[str, Any], int]:
    """Validate and load one export, rebuilding the warehouse atomically.

    Returns the report and the exit code: 0 when the file was loaded (possibly with
    quarantined rows), 2 when it cannot be read at all (then nothing changes)."""
    report: dict[str, Any] = {"file": str(file), "format": fmt, "wave": wave, "rows_read": 0,
                              "rows_loaded": 0, "rows_quarantined": 0, "rows_superseded": 0,
                              "rows_incomplete": 0, "errors": []}
    if not file.is_file():
        report["error"] = getattr(SurveyReadError(
            f"Fichier introuvable : {file}", f"Bestand niet gevonden: {file}",
            f"File not found: {file}"), f"message_{lang}")
        return report, 2
    area = landing_dir(warehouse)
    entry, previous = landing.land(area, file, wave, fmt)
    try:
        build(warehouse)  # replays every landed file, this one included
    except BaseException as exc:
        landing.restore(area, previous, entry)  # nothing changes: the old warehouse stays
        unreadable = exc.__cause__
        if isinstance(unreadable, SurveyReadError):  # name the user's file, not the landed copy
            message = getattr(unreadable, f"message_{lang}")
            report["error"] = message.replace(str(area / entry.stored), str(file))
            return report, 2
        raise
    landing.commit(area, entry)
    con = duckdb.connect(":memory:")
    con.execute(f"ATTACH '{str(warehouse).replace(chr(39), chr(39) * 2)}' AS wh (READ_ONLY)")
    row = con.execute(
        "SELECT format, rows_read, rows_loaded, rows_quarantined, rows_superseded, rows_incomplete, "
        "load_id FROM wh.meta.survey_loads WHERE file = ? AND wave = ?", [entry.name, wave]).fetchone()
    keys = ["format", "rows_read", "rows_loaded", "rows_quarantined", "rows_superseded",
            "rows_incomplete"]
    report.update(dict(zip(keys, row[:6], strict=True)))
    report["errors"] = [
        {"line": line, "field": field, "rule": rule, "message": message}
        for line, field, rule, message in con.execute(
            f"SELECT line, field, rule, message_{lang} FROM wh.meta.quarantine "
            "WHERE load_id = ? AND source_file = ? ORDER BY line, rowid", [row[6], entry.name]
        ).fetchall()]
    con.close()
    quarantine = area / "quarantine" / str(wave) / f"{entry.name}.quarantine.csv"
    if report["rows_quarantined"] and quarantine.exists():
        report["quarantine_file"] = str(quarantine)
    return report, 0


def form(out: Path | None, template: Path | None) -> list[Path]:
    """Write the XLSForm for KoboToolbox/ODK and/or the blank spreadsheet template."""
    written = []
    if out:
        written.append(build_form_xlsx(out))
    if template:
        written.append(build_template_xlsx(template))
    return written


def demo(out: Path, waves: list[int], n: int, seed: int) -> list[Path]:
    """Write synthetic Kobo exports (clearly named as synthetic)."""
    return write_demo(out, tuple(waves), n, seed)
