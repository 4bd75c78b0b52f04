"""XLSX builds of the instrument: the XLSForm for KoboToolbox/ODK and a blank Excel template."""

from __future__ import annotations

import csv
from pathlib import Path
from typing import TYPE_CHECKING

from etl.survey.codebook import CODEBOOK, INSTRUMENT_DIR, LANGUAGES, Codebook

if TYPE_CHECKING:
    from openpyxl import Workbook

TEMPLATE_SHEET = "answers"
INSTRUCTIONS_SHEET = "instructions"
SUBMITTED_AT = "submitted_at"
"""Template column holding the answer date (dd/mm/yyyy [hh:mm[:ss]])."""

_INTRO = {
    "fr": "Une ligne par association. Utilisez les codes ci-dessous (pas les libellés). Plusieurs "
    "réponses : codes séparés par une espace. Dates au format jj/mm/aaaa. Laissez vide ce qui "
    "ne s'applique pas.",
    "nl": "Eén rij per organisatie. Gebruik de codes hieronder (niet de labels). Meerdere "
    "antwoorden: codes gescheiden door een spatie. Datums als dd/mm/jjjj. Laat leeg wat niet "
    "van toepassing is.",
    "en": "One row per organisation. Use the codes below (not the labels). Several answers: codes "
    "separated by a space. Dates as dd/mm/yyyy. Leave empty what does not apply.",
}


def build_form_xlsx(out_path: Path, instrument_dir: Path = INSTRUMENT_DIR) -> Path:
    """Write the XLSForm (sheets survey, choices, settings) for upload to KoboToolbox/ODK."""
    from openpyxl import Workbook  # here: readers need this module's names, not openpyxl

    workbook = Workbook()
    workbook.remove(workbook.active)
    for sheet in ("survey", "choices", "settings"):
        with (instrument_dir / f"{sheet}.csv").open(encoding="utf-8", newline="") as handle:
            target = workbook.create_sheet(sheet)
            for row in csv.reader(handle):
                target.append(row)
    return _save(workbook, out_path)


def template_columns(codebook: Codebook = CODEBOOK) -> list[str]:
    """Header row of the Excel template: the answer date, then every question code."""
    return [SUBMITTED_AT, *codebook.codes]


def build_template_xlsx(out_path: Path, codebook: Codebook = CODEBOOK) -> Path:
    """Write a blank answer sheet (one header row of codes) plus a trilingual instructions sheet."""
    from openpyxl import Workbook
    from openpyxl.styles import Font

    workbook = Workbook()
    answers = workbook.active
    answers.title = TEMPLATE_SHEET
    answers.append(template_columns(codebook))
    for cell in answers[1]:
        cell.font = Font(bold=True)
    answers.freeze_panes = "A2"

    notes = workbook.create_sheet(INSTRUCTIONS_SHEET)
    for lang, text in _INTRO.items():
        notes.append([lang.upper(), text])
    notes.append([])
    header = [
        "code",
        "type",
        "required",
        "allowed",
        *(f"question ({x})" for x in LANGUAGES),
        *(f"allowed codes ({x})" for x in LANGUAGES),
    ]
    notes.append(header)
    for cell in notes[notes.max_row]:
        cell.font = Font(bold=True)
    notes.append(
        [
            SUBMITTED_AT,
            "date",
            "",
            "dd/mm/yyyy [hh:mm:ss]",
            "Date de la réponse",
            "Datum van het antwoord",
            "Date of the answer",
            "",
            "",
            "",
        ]
    )
    for q in codebook.questions:
        allowed = f"{q.min:g} - {q.max:g}" if q.min is not None else ""
        codes_by_lang = [""] * len(LANGUAGES)
        if q.list_name:
            allowed = " | ".join(codebook.lists[q.list_name].codes)
            codes_by_lang = [
                "; ".join(f"{c.code} = {c.labels[lang]}" for c in codebook.lists[q.list_name].choices)
                for lang in LANGUAGES
            ]
        notes.append(
            [
                q.code,
                q.xlsform_type,
                "yes" if q.required else "",
                allowed,
                *(q.labels[x] for x in LANGUAGES),
                *codes_by_lang,
            ]
        )
    return _save(workbook, out_path)


def _save(workbook: Workbook, out_path: Path) -> Path:
    out_path = Path(out_path)
    out_path.parent.mkdir(parents=True, exist_ok=True)
    workbook.save(out_path)
    return out_path
