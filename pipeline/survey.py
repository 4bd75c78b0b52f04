"""The survey services: ingest an export (check, validate, land, rebuild), list and remove
landed files, write the instrument and synthetic demo exports."""

from __future__ import annotations

import dataclasses
import datetime as dt
import getpass
from pathlib import Path
from typing import Any

from etl import landing
from etl.snapshots import sha256_once
from etl.survey.errors import SurveyReadError
from etl.survey.filecheck import FileSummary, SurveyRefusedError, header_check, max_failing_share
from etl.survey.validation import causes
from pipeline.audit import record
from pipeline.results import Result
from warehouse.layout import Layout
from warehouse.lock import BuildLockedError
from warehouse.sql import connect_readonly, quote_literal

MAX_LISTED = 1_000  # errors listed in a report; the summary counts them all


def listed_errors(
    warehouse: Path, name: str, wave: int, lang: str, limit: int = MAX_LISTED
) -> tuple[list[dict[str, Any]], int]:
    """The first ``limit`` errors of a landed file (messages rendered for those only), and how
    many there are."""
    con = connect_readonly(warehouse)
    try:
        load = con.execute(
            "SELECT load_id FROM wh.meta.survey_loads WHERE file = ? AND wave = ?", [name, wave]
        ).fetchone()
        if load is None:
            return [], 0
        [(total,)] = con.execute(
            "SELECT count(*) FROM wh.meta.quarantine_errors "
            "WHERE load_id = ? AND source_file = ? AND wave = ?",
            [load[0], name, wave],
        ).fetchall()
        rows = con.execute(
            f"SELECT line, field, rule, message_{lang} FROM wh.meta.quarantine WHERE load_id = ? AND "
            "source_file = ? AND wave = ? ORDER BY line, field, rule LIMIT ?",
            [load[0], name, wave, limit],
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
    full: bool = False,
    synthetic: bool | None = None,
) -> Result[dict[str, Any]]:
    """Check, validate and load one export, rebuilding the warehouse atomically (reusing the
    rows of the other waves and of the unchanged steps unless ``full``).

    File-level checks come first (:mod:`etl.survey.filecheck`): a file missing a required
    question is refused from its header alone; a file with more than ``share`` of its rows
    failing one rule is refused by the build, which reads the file from where it is before any
    other. A refused file, like one that cannot be read, changes nothing and is not landed; an
    accepted one is landed just before the new warehouse is swapped in. The report holds the
    grouped ``summary`` above the first :data:`MAX_LISTED` ``errors`` (messages in ``lang``, as
    are those of the file's quarantine CSV).
    The result is ok when the file was loaded (possibly with quarantined rows), refused by a
    file-level check (``refused`` and the ``summary`` in the report), or failed when the file
    cannot be read; its messages say why in fr/nl/en. ``version``: the questionnaire version
    (default: detected from the header, see detect_version). ``synthetic``: the file is test
    data (a file tagged ``synthetic`` in Kobo's ``_tags`` is marked anyway): every figure computed
    from it is labelled synthetic; None keeps what was declared for a landed file of that wave
    and name (a file sent again stays declared); ``synthetic`` in the report says whether the
    file was loaded as synthetic."""
    area = Layout(warehouse).landing
    if synthetic is None:
        replaced = landing.find(area, file.name, wave)
        synthetic = replaced is not None and replaced.synthetic
    report: dict[str, Any] = {
        "file": str(file),
        "format": fmt,
        "wave": wave,
        "rows_read": 0,
        "rows_loaded": 0,
        "rows_quarantined": 0,
        "rows_superseded": 0,
        "rows_incomplete": 0,
        "synthetic": synthetic,
        "summary": None,
        "errors": [],
        "warnings": [],  # fr/nl/en messages the sender should read (a file landed in another wave)
    }
    if not file.is_file():
        return _unloaded(
            report,
            SurveyReadError(
                f"Fichier introuvable : {file}", f"Bestand niet gevonden: {file}", f"File not found: {file}"
            ),
        )
    first, last = wave_range()
    if not first <= wave <= last:
        return _unloaded(
            report,
            SurveyReadError(
                f"Vague {wave} : ce n'est pas une année d'enquête ({first} à {last}).",
                f"Golf {wave}: dat is geen bevragingsjaar ({first} tot {last}).",
                f"Wave {wave}: not a survey year ({first} to {last}).",
            ),
        )
    try:
        header = header_check(file, fmt, version=version)
    except SurveyReadError as exc:
        return _unloaded(report, exc)
    report["warnings"] = landed_elsewhere(area, file, wave)
    version = header.version if header is not None else (version or "v1")
    report["version"] = version
    if header is not None and header.refused:  # no row was read: the lines below the header
        report["lines_below_header"] = header.rows
        return _unloaded(report, SurveyRefusedError(header), rows_read=0)
    from pipeline.build import build

    landed: dict[str, Any] = {}

    def land() -> None:
        landed["entry"], landed["previous"] = landing.land(
            area, file, wave, fmt, user or default_user(), version, synthetic, lang
        )

    try:
        build(
            warehouse,
            pending=landing.Pending(file, wave, fmt, share, version, synthetic, lang),
            before_swap=land,
            full=full,
        )
    except BaseException as exc:
        if "entry" in landed:  # landed, then the swap failed: nothing changes
            landing.restore(area, landed["previous"], landed["entry"])
        cause = exc if isinstance(exc, SurveyReadError) else exc.__cause__
        if isinstance(cause, SurveyReadError):
            return _unloaded(report, cause)
        raise
    entry = landed["entry"]
    landing.commit(area, entry)
    con = connect_readonly(warehouse)
    keys = ["format", *LOAD_COUNTS, "synthetic"]
    row = con.execute(
        f"SELECT {', '.join(keys)} FROM wh.meta.survey_loads WHERE file = ? AND wave = ?",
        [entry.name, wave],
    ).fetchone()
    con.close()
    assert row is not None, f"the build loaded {entry.name} but did not record it in meta.survey_loads"
    report.update(dict(zip(keys, row, strict=True)))
    report["summary"] = file_summary(warehouse, entry.name, wave, header).as_dict()
    report["errors"], report["errors_total"] = listed_errors(warehouse, entry.name, wave, lang)
    quarantine = area / "quarantine" / str(wave) / f"{entry.name}.quarantine.csv"
    if report["rows_quarantined"] and quarantine.exists():
        report["quarantine_file"] = str(quarantine)
    return Result.done(report)


FIRST_WAVE = 1990  # a generous floor: the survey and the public series begin in the 2010s


def wave_range() -> tuple[int, int]:
    """The years a survey wave may be: from FIRST_WAVE to next year (the command line and the
    coordinators' workspace accept the same)."""
    return FIRST_WAVE, dt.date.today().year + 1


def landed_elsewhere(area: Path, file: Path, wave: int) -> list[dict[str, str]]:
    """A warning (fr/nl/en) per landed file of another wave that is this very file (same
    checksum): one export holds one wave, so one of the two is probably wrong."""
    digest = sha256_once(file)
    return [
        {
            "fr": f"ce fichier est déjà déposé dans la vague {e.wave} (sous le nom {e.name}) : un export "
            "ne contient qu'une vague. Si l'une des deux est fausse, retirez-la (sector-monitor survey "
            f"remove {e.name} --wave {e.wave}, ou « Retirer » dans l'espace des coordinateurs).",
            "nl": f"dit bestand is al aangeleverd in golf {e.wave} (als {e.name}): een export bevat maar "
            "één golf. Is een van beide fout, haal ze dan weg (sector-monitor survey remove "
            f"{e.name} --wave {e.wave}, of „Verwijderen” in de werkruimte van de coördinatoren).",
            "en": f"this very file is already landed in wave {e.wave} (as {e.name}): one export holds one "
            f"wave. If one of the two is wrong, take it out (sector-monitor survey remove {e.name} "
            f"--wave {e.wave}, or “Remove” in the coordinators' workspace).",
        }
        for e in landing.registry(area)
        if e.sha256 == digest and e.wave != wave
    ]


def _unloaded(
    report: dict[str, Any], error: SurveyReadError, rows_read: int | None = None
) -> Result[dict[str, Any]]:
    """The result of a file that was refused by a file-level check (its summary goes into the
    report) or could not be read: nothing changed; ``error`` says why in fr/nl/en."""
    messages = error.messages
    if not isinstance(error, SurveyRefusedError):
        return Result.failed(messages, report)
    read = error.summary.rows if rows_read is None else rows_read
    report.update(rows_read=read, refused=True, summary=error.summary.as_dict())
    return Result.refused(messages, report)


def file_summary(warehouse: Path, name: str, wave: int, header: FileSummary | None = None) -> FileSummary:
    """The summary of a landed file: its rows' open errors grouped by (field, rule), from the
    warehouse (``header``: its header check, for the headers set aside)."""
    con = connect_readonly(warehouse)
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
            f"{quote_literal(load[0])} AND source_file = {quote_literal(name)} AND wave = {int(wave)})"
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


LOAD_COUNTS = ("rows_read", "rows_loaded", "rows_quarantined", "rows_superseded", "rows_incomplete")
FILE_COUNTS = (*LOAD_COUNTS, "rows_corrected")  # and the rows a later file sent again


def landed_files(warehouse: Path, wave: int | None = None) -> list[dict[str, Any]]:
    """Every landed file (registry order) with what the current warehouse loaded from it."""
    entries = [e for e in landing.registry(Layout(warehouse).landing) if wave is None or e.wave == wave]
    loads: dict[tuple[int, str, str], tuple] = {}
    if entries and warehouse.exists():
        con = connect_readonly(warehouse)
        try:
            loads = {
                (r[0], r[1], r[2]): r[3:]
                for r in con.execute(
                    f"SELECT wave, file, sha256, format, {', '.join(FILE_COUNTS)}, version, synthetic "
                    "FROM wh.meta.survey_loads"
                ).fetchall()
            }
        finally:
            con.close()
    out = []
    for e in entries:
        found = loads.get((e.wave, e.name, e.sha256))  # this very file (not a demo file of that name)
        counts = (
            dict(zip(("format", *FILE_COUNTS, "version", "synthetic"), found, strict=True))
            if found
            else {"format": e.format, **dict.fromkeys(FILE_COUNTS), "version": None, "synthetic": e.synthetic}
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


def remove(
    warehouse: Path, name: str, wave: int, user: str | None = None, address: str | None = None
) -> Result[dict[str, Any]]:
    """Take one landed file out: rebuild the warehouse without it (atomic; the wave's figures
    change accordingly) and, just before the new warehouse is swapped in, move the file and
    its quarantine file to the archive of the restricted landing area. Writes an audit entry
    (``address``: the admin client's). Refused when no file of that name is landed in that
    wave, failed while another build runs; a failed rebuild changes nothing."""
    from pipeline.build import build

    area = Layout(warehouse).landing
    entry = landing.find(area, name, wave)
    if entry is None:
        return Result.refused(
            {
                "fr": f"aucun fichier déposé {name!r} dans la vague {wave}",
                "nl": f"geen aangeleverd bestand {name!r} in golf {wave}",
                "en": f"no landed file {name!r} in wave {wave}",
            }
        )
    user = user or default_user()
    done: dict[str, landing.Archived] = {}

    def take_out() -> None:
        done["archived"] = landing.archive(area, entry, user)

    try:
        build(warehouse, exclude=[(wave, name)], before_swap=take_out)
    except BaseException as exc:
        if "archived" in done:
            landing.unarchive(area, done["archived"])
        if isinstance(exc, BuildLockedError):
            return Result.failed(exc.messages)
        raise
    archived = done["archived"]
    details = {
        "file": name,
        "wave": wave,
        "sha256": entry.sha256,
        "archived": str(archived.file.relative_to(area)),
    }
    extra = {"address": address} if address else {}
    record(Layout(warehouse).audit_log, user, "remove", **details, **extra)
    return Result.done({**details, "remaining": len(landing.registry(area))})


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
