"""The sampling-frame service: load the frame the survey weights rest on and rebuild."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from core.errors import Explained
from core.i18n import LANGUAGES
from etl import landing
from pipeline.build import build
from pipeline.results import Result
from pipeline.survey import default_user
from warehouse.layout import Layout
from warehouse.sql import connect_readonly


class FrameError(Explained):
    """A sampling frame that cannot be loaded: why and what to do, in fr, nl and en."""


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
) -> Result[dict[str, Any]]:
    """Load the sampling frame the weights rest on and rebuild the warehouse (atomic; on a
    failure the previous frame stays). ``path``: a KBO/BCE open-data extract (folder or zip),
    counted by :func:`etl.survey.kbo.kbo_frame`, or a CSV of counts (``source`` required);
    None goes back to the illustrative demo frame. Returns what was loaded, or a refusal (in
    fr, nl and en) that changed nothing."""
    try:
        files, summary = _frame_file(path, source, date, definition, mapping, employers_only, user)
    except Explained as exc:  # FrameError, and the file's own: KboFormatError, FrameFileError
        return Result.refused(exc.messages)
    area = Layout(warehouse).landing
    if files is not None:
        _, previous = landing.store_frame(area, *files)
    else:
        previous = landing.clear_frame(area)
    try:
        build(warehouse)
    except BaseException:
        landing.restore_frame(area, previous)
        raise
    con = connect_readonly(warehouse)
    try:
        [(status, total)] = con.execute(
            "SELECT any_value(status), sum(n_associations) FROM wh.public.sampling_frame"
        ).fetchall()
    finally:
        con.close()
    return Result.done({"status": status, "n_associations": int(total), **summary})


def _frame_file(
    path: Path | None,
    source: str | None,
    date: str | None,
    definition: str | None,
    mapping: Path | None,
    employers_only: bool,
    user: str | None,
) -> tuple[tuple[str, str] | None, dict[str, Any]]:
    """The frame CSV to land with its provenance JSON (None for the demo frame), and what to
    report. Raises an :class:`~core.errors.Explained` error."""
    from etl.survey.frame import FrameSource, frame_csv, load_frame, now_iso, sha256_text
    from etl.survey.kbo import MAPPING, Mapping, is_extract, kbo_frame

    if path is None:
        return None, {}
    for given in (path, mapping):
        if given is not None and not given.exists():
            raise FrameError.about(
                given,
                "fichier ou dossier introuvable ; rien n'a changé.",
                "bestand of map niet gevonden; er is niets veranderd.",
                "no such file or folder; nothing changed.",
            )
    user = user or default_user()
    if is_extract(path):
        rules = Mapping.load(mapping or MAPPING)
        counted = kbo_frame(path, rules, employers_only)
        if not counted.total:
            scope, unmapped = counted.in_scope, counted.unmapped
            raise FrameError.about(
                path,
                "aucune association de la définition de la base de sondage dans cet extrait "
                f"({scope} dans le champ, {unmapped} sans activité principale reprise dans la "
                "correspondance) ; rien n'a changé.",
                "geen enkele vereniging van de definitie van het steekproefkader in dit uittreksel "
                f"({scope} binnen het bereik, {unmapped} zonder hoofdactiviteit in de koppeling); "
                "er is niets veranderd.",
                f"no association of the frame's definition in this extract ({scope} in scope, "
                f"{unmapped} without a mapped main activity); nothing changed.",
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
                for lang in LANGUAGES
            },
            when,
            {
                lang: rules.definition[lang].strip() + (EMPLOYERS_ONLY[lang] if employers_only else "")
                for lang in LANGUAGES
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
        return (text, frame_source.to_json()), {"kind": "kbo", "cells": cells, **frame_source.details}
    frame = load_frame(path)
    if not source:
        raise FrameError(
            "un CSV de comptages a besoin de sa source : --source 'qui a compté quoi, quand'.",
            "een CSV met aantallen heeft zijn bron nodig: --source 'wie telde wat, wanneer'.",
            "a CSV of counts needs its source: --source 'who counted what, when'.",
        )
    frame_source = FrameSource(
        "illustrative" if frame.attrs["illustrative"] else "register",
        dict.fromkeys(LANGUAGES, source),
        date,
        dict.fromkeys(LANGUAGES, definition or source),
        "counts",
        sha256_text(path.read_bytes()),
        now_iso(),
        user,
    )
    return (path.read_text(encoding="utf-8"), frame_source.to_json()), {"kind": "counts", "cells": len(frame)}
