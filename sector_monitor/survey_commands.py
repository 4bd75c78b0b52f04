"""`sector-monitor survey ...`: the instrument, ingestion of exports and demo data."""

from __future__ import annotations

import dataclasses
import getpass
import os
from pathlib import Path
from typing import Any

import duckdb

from etl import landing
from etl.survey.errors import SurveyReadError
from etl.survey.filecheck import FileSummary, SurveyRefusedError, header_check, max_failing_share
from etl.survey.validation import causes
from warehouse.paths import landing_dir
from warehouse.sql import quote_literal

LANGS = ("fr", "nl", "en")


def user_language(explicit: str | None = None) -> str:
    """The language of messages: --lang, else $LANG (fr_BE.UTF-8 -> fr), else English."""
    lang = (explicit or os.environ.get("LANG", "en"))[:2].lower()
    return lang if lang in LANGS else "en"


MAX_LISTED = 1_000  # errors listed in a report; the summary counts them all


def _attach(warehouse: Path) -> duckdb.DuckDBPyConnection:
    con = duckdb.connect(":memory:")
    con.execute(f"ATTACH '{str(warehouse).replace(chr(39), chr(39) * 2)}' AS wh (READ_ONLY)")
    return con


def listed_errors(
    warehouse: Path, name: str, wave: int, lang: str, limit: int = MAX_LISTED
) -> tuple[list[dict[str, Any]], int]:
    """The first ``limit`` errors of a landed file (messages rendered for those only), and how
    many there are."""
    con = _attach(warehouse)
    try:
        load = con.execute(
            "SELECT load_id FROM wh.meta.survey_loads WHERE file = ? AND wave = ?", [name, wave]
        ).fetchone()
        if load is None:
            return [], 0
        total = con.execute(
            "SELECT count(*) FROM wh.meta.quarantine_errors WHERE load_id = ? AND source_file = ?",
            [load[0], name],
        ).fetchone()[0]
        rows = con.execute(
            f"SELECT line, field, rule, message_{lang} FROM wh.meta.quarantine WHERE load_id = ? AND "
            "source_file = ? ORDER BY line, field, rule LIMIT ?",
            [load[0], name, limit],
        ).fetchall()
    finally:
        con.close()
    return [
        {"line": line, "field": field, "rule": rule, "message": message}
        for line, field, rule, message in rows
    ], total


def ingest(
    warehouse: Path,
    file: Path,
    wave: int,
    fmt: str = "auto",
    lang: str = "en",
    share: float | None = None,
    user: str | None = None,
    version: str | None = None,
) -> tuple[dict[str, Any], int]:
    """Check, validate and load one export, rebuilding the warehouse atomically.

    File-level checks come first (:mod:`etl.survey.filecheck`): a file missing a required
    question is refused from its header alone; a file with more than ``share`` of its rows
    failing one rule is refused by the build, which reads the file from where it is before any
    other. A refused file, like one that cannot be read, changes nothing and is not landed; an
    accepted one is landed just before the new warehouse is swapped in. Returns the report (the
    grouped ``summary`` above the first :data:`MAX_LISTED` ``errors``) and the exit code: 0 when
    the file was loaded (possibly with quarantined rows), 2 when it was refused. ``version``:
    the questionnaire version (default: detected from the header, see detect_version)."""
    report: dict[str, Any] = {
        "file": str(file),
        "format": fmt,
        "wave": wave,
        "rows_read": 0,
        "rows_loaded": 0,
        "rows_quarantined": 0,
        "rows_superseded": 0,
        "rows_incomplete": 0,
        "summary": None,
        "errors": [],
    }
    if not file.is_file():
        return _failed(
            report,
            SurveyReadError(
                f"Fichier introuvable : {file}", f"Bestand niet gevonden: {file}", f"File not found: {file}"
            ),
            lang,
        ), 2
    try:
        header = header_check(file, fmt, version=version)
    except SurveyReadError as exc:
        return _failed(report, exc, lang), 2
    version = header.version if header is not None else (version or "v1")
    report["version"] = version
    if header is not None and header.refused:
        report.update(rows_read=header.rows, refused=True, summary=header.as_dict())
        return _failed(report, SurveyRefusedError(header), lang), 2
    from pipeline.build import build  # the build's modules: only for a file that passed

    area = landing_dir(warehouse)
    landed: dict[str, Any] = {}

    def land() -> None:
        landed["entry"], landed["previous"] = landing.land(
            area, file, wave, fmt, user=user or default_user(), version=version
        )

    try:
        build(warehouse, pending=landing.Pending(file, wave, fmt, share, version), before_swap=land)
    except BaseException as exc:
        if "entry" in landed:  # landed, then the swap failed: nothing changes
            landing.restore(area, landed["previous"], landed["entry"])
        cause = exc.__cause__
        if isinstance(cause, SurveyRefusedError):
            report.update(rows_read=cause.summary.rows, refused=True, summary=cause.summary.as_dict())
        if isinstance(cause, SurveyReadError):
            return _failed(report, cause, lang), 2
        raise
    entry = landed["entry"]
    landing.commit(area, entry)
    con = _attach(warehouse)
    row = con.execute(
        "SELECT format, rows_read, rows_loaded, rows_quarantined, rows_superseded, rows_incomplete "
        "FROM wh.meta.survey_loads WHERE file = ? AND wave = ?",
        [entry.name, wave],
    ).fetchone()
    con.close()
    keys = ["format", "rows_read", "rows_loaded", "rows_quarantined", "rows_superseded", "rows_incomplete"]
    report.update(dict(zip(keys, row, strict=True)))
    report["summary"] = file_summary(warehouse, entry.name, wave, header).as_dict()
    report["errors"], report["errors_total"] = listed_errors(warehouse, entry.name, wave, lang)
    quarantine = area / "quarantine" / str(wave) / f"{entry.name}.quarantine.csv"
    if report["rows_quarantined"] and quarantine.exists():
        report["quarantine_file"] = str(quarantine)
    return report, 0


def _failed(report: dict[str, Any], error: SurveyReadError, lang: str) -> dict[str, Any]:
    """The report of a file that was refused or could not be read: ``error`` in the user's
    language, ``messages`` in all three."""
    report["messages"] = {code: getattr(error, f"message_{code}") for code in LANGS}
    report["error"] = report["messages"][lang]
    return report


def file_summary(warehouse: Path, name: str, wave: int, header: FileSummary | None = None) -> FileSummary:
    """The summary of a landed file: its rows' open errors grouped by (field, rule), from the
    warehouse (``header``: its header check, for the headers set aside)."""
    con = _attach(warehouse)
    try:
        load = con.execute(
            "SELECT load_id, rows_read, rows_quarantined FROM wh.meta.survey_loads "
            "WHERE file = ? AND wave = ?",
            [name, wave],
        ).fetchone()
        if load is None:
            return header or FileSummary(name, 0, 0, [], [], [], [], max_failing_share())
        errors = (
            f"(SELECT line, field, rule FROM wh.meta.quarantine_errors WHERE load_id = "
            f"{quote_literal(load[0])} AND source_file = {quote_literal(name)})"
        )
        found = causes(con, errors)
    finally:
        con.close()
    base = header or FileSummary(name, 0, 0, [], [], [], [], max_failing_share())
    return dataclasses.replace(base, rows=load[1], failed_rows=load[2], causes=found)


def default_user() -> str:
    """Who runs the command, for the landing registry and the audit log."""
    try:
        return getpass.getuser()
    except (KeyError, OSError):
        return "-"


FILE_COUNTS = ("rows_read", "rows_loaded", "rows_quarantined", "rows_superseded", "rows_corrected")


def landed_files(warehouse: Path, wave: int | None = None) -> list[dict[str, Any]]:
    """Every landed file (registry order) with what the current warehouse loaded from it."""
    entries = [e for e in landing.registry(landing_dir(warehouse)) if wave is None or e.wave == wave]
    loads: dict[tuple[int, str], tuple] = {}
    if entries and warehouse.exists():
        con = _attach(warehouse)
        try:
            loads = {
                (r[0], r[1]): r[2:]
                for r in con.execute(
                    f"SELECT wave, file, format, {', '.join(FILE_COUNTS)}, version "
                    "FROM wh.meta.survey_loads WHERE NOT synthetic"
                ).fetchall()
            }
        finally:
            con.close()
    out = []
    for e in entries:
        found = loads.get((e.wave, e.name))
        counts = (
            dict(zip(("format", *FILE_COUNTS, "version"), found, strict=True))
            if found
            else {"format": e.format, **dict.fromkeys(FILE_COUNTS), "version": None}
        )
        out.append(
            {
                "wave": e.wave,
                "name": e.name,
                "sha256": e.sha256,
                **counts,
                "landed_by": e.landed_by,
                "landed_at": e.ingested_at,
            }
        )
    return out


class NotLandedError(LookupError):
    """No landed file of that name in that wave."""


def remove(
    warehouse: Path, name: str, wave: int, user: str | None = None, address: str | None = None
) -> dict[str, Any]:
    """Take one landed file out: rebuild the warehouse without it (atomic; the wave's figures
    change accordingly) and, just before the new warehouse is swapped in, move the file and
    its quarantine file to the archive of the restricted landing area. Writes an audit entry
    (``address``: the admin client's).
    Raises :class:`NotLandedError`; a failed rebuild changes nothing."""
    from admin.audit import record
    from admin.paths import audit_log
    from pipeline.build import build

    area = landing_dir(warehouse)
    entry = landing.find(area, name, wave)
    if entry is None:
        raise NotLandedError(name, wave)
    user = user or default_user()
    done: dict[str, landing.Archived] = {}

    def take_out() -> None:
        done["archived"] = landing.archive(area, entry, user)

    try:
        build(warehouse, exclude=[(wave, name)], before_swap=take_out)
    except BaseException:
        if "archived" in done:
            landing.unarchive(area, done["archived"])
        raise
    archived = done["archived"]
    details = {
        "file": name,
        "wave": wave,
        "sha256": entry.sha256,
        "archived": str(archived.file.relative_to(area)),
    }
    record(audit_log(warehouse), user, "remove", **details, **({"address": address} if address else {}))
    return {**details, "remaining": len(landing.registry(area))}


class FrameError(ValueError):
    """A sampling frame that cannot be loaded (the message says why and what to do)."""


KBO_SOURCE = {
    "fr": "BCE Open Data, SPF Economie, extrait {number} ({kind}) du {date}",
    "nl": "KBO Open Data, FOD Economie, extract {number} ({kind}) van {date}",
    "en": "KBO/BCE Open Data, FPS Economy, extract {number} ({kind}) of {date}",
}
EMPLOYERS_ONLY = {
    "fr": " Seuls les employeurs sont comptés.",
    "nl": " Enkel werkgevers worden geteld.",
    "en": " Only employers are counted.",
}


def load_sampling_frame(
    warehouse: Path,
    path: Path | None,
    source: str | None = None,
    date: str | None = None,
    definition: str | None = None,
    mapping: Path | None = None,
    employers_only: bool = False,
    user: str | None = None,
) -> dict[str, Any]:
    """Load the sampling frame the weights rest on and rebuild the warehouse (atomic; on a
    failure the previous frame stays). ``path``: a KBO/BCE open-data extract (folder or zip),
    counted by :func:`etl.survey.kbo.kbo_frame`, or a CSV of counts (``source`` required);
    None goes back to the illustrative demo frame. Returns what was loaded."""
    from etl.survey.frame import FrameSource, frame_csv, load_frame, now_iso, sha256_text
    from etl.survey.kbo import MAPPING, KboFormatError, Mapping, is_kbo_extract, kbo_frame
    from pipeline.build import build

    area = landing_dir(warehouse)
    user = user or default_user()
    summary: dict[str, Any] = {}
    if path is None:
        text = provenance = None
    elif not path.exists():
        raise FrameError(f"{path}: not found")
    elif is_kbo_extract(path):
        rules = Mapping.load(mapping or MAPPING)
        try:
            counted = kbo_frame(path, rules, employers_only)
        except KboFormatError as exc:
            raise FrameError(str(exc)) from exc
        if not counted.total:
            raise FrameError(
                f"{path}: no association of the frame's definition in this extract "
                f"({counted.in_scope} in scope, {counted.unmapped} without a mapped "
                f"main activity); nothing changed"
            )
        when = counted.snapshot_date.isoformat() if counted.snapshot_date else (date or None)
        names = {"fr": ("complet", "mise à jour"), "nl": ("volledig", "update"), "en": ("full", "update")}
        frame_source = FrameSource(
            "register",
            {
                lang: KBO_SOURCE[lang].format(
                    number=counted.extract_number or "?",
                    kind=names[lang][counted.extract_type != "full"],
                    date=(
                        counted.snapshot_date.strftime("%d/%m/%Y" if lang != "en" else "%d %b %Y")
                        if counted.snapshot_date
                        else when or "?"
                    ),
                )
                for lang in LANGS
            },
            when,
            {
                lang: rules.definition[lang].strip() + (EMPLOYERS_ONLY[lang] if employers_only else "")
                for lang in LANGS
            },
            "kbo",
            counted.sha256,
            now_iso(),
            user,
            {
                "in_scope": counted.in_scope,
                "unmapped": counted.unmapped,
                "excluded": counted.excluded,
                "extract_type": counted.extract_type,
                "nace_versions": counted.by_version,
                "employers_only": employers_only,
                "warnings": counted.warnings,
                "mapping_sha256": sha256_text(rules.path.read_bytes()),
            },
        )
        cells = [{**c, "region": rules.region} for c in counted.cells]
        text = frame_csv(
            cells,
            "register",
            f"Sampling frame from {frame_source.source['en']}.\n"
            f"Mapping: {rules.path.name}. Counts only: no enterprise is listed.",
        )
        provenance = frame_source.to_json()
        summary = {"kind": "kbo", "cells": cells, **frame_source.details}
    else:
        try:
            frame = load_frame(path)
        except (ValueError, KeyError) as exc:
            raise FrameError(str(exc)) from exc
        if not source:
            raise FrameError("a CSV of counts needs its source: --source 'who counted what, when'")
        status = "illustrative" if frame.attrs["illustrative"] else "register"
        described = definition or source
        frame_source = FrameSource(
            status,
            dict.fromkeys(LANGS, source),
            date,
            dict.fromkeys(LANGS, described),
            "counts",
            sha256_text(path.read_bytes()),
            now_iso(),
            user,
        )
        text, provenance = path.read_text(encoding="utf-8"), frame_source.to_json()
        summary = {"kind": "counts", "cells": len(frame)}
    previous = None
    if text is not None:
        _, previous = landing.store_frame(area, text, provenance)
    else:
        previous = landing.clear_frame(area)
    try:
        build(warehouse)
    except BaseException:
        landing.restore_frame(area, previous)
        raise
    con = _attach(warehouse)
    try:
        status, total = con.execute(
            "SELECT any_value(status), sum(n_associations) FROM wh.public.sampling_frame"
        ).fetchone()
    finally:
        con.close()
    return {"status": status, "n_associations": int(total), **summary}


def form(out: Path | None, template: Path | None, version: str = "v1") -> list[Path]:
    """Write the XLSForm for KoboToolbox/ODK and/or the blank spreadsheet template of a
    questionnaire version."""
    from etl.survey.codebook import VERSION_DIRS, codebook_for
    from etl.survey.workbooks import build_form_xlsx, build_template_xlsx

    written = []
    if out:
        written.append(build_form_xlsx(out, VERSION_DIRS[version]))
    if template:
        written.append(build_template_xlsx(template, codebook_for(version)))
    return written


def demo(out: Path, waves: list[int], n: int, seed: int) -> list[Path]:
    """Write synthetic Kobo exports (clearly named as synthetic)."""
    from etl.survey.demo import write_demo

    return write_demo(out, tuple(waves), n, seed)
