"""The XLSForm instrument, its XLSX builds and the codebook loaded from it."""

from __future__ import annotations

import pytest
from openpyxl import load_workbook
from pyxform.xls2xform import convert

from etl.survey.codebook import CODEBOOK, LANGUAGES, normalise_label
from etl.survey.workbooks import SUBMITTED_AT, build_form_xlsx, build_template_xlsx

BINDING_CODES = {
    "profile": [
        "org_id",
        "org_name",
        "subsector",
        "region",
        "commune",
        "volunteer_model",
        "staff_fte",
        "staff_headcount",
        "volunteers_active",
        "volunteer_hours_month",
        "budget_total_eur",
    ],
    "volunteers": ["task_transfer_3y", "task_transfer_areas", "activities_stop_pct"],
    "support": [
        "support_stages",
        "coordinator_fte",
        "support_cut_3y",
        "information_note",
        "insurance",
        "risk_briefing",
    ],
}


def test_form_converts_with_pyxform(tmp_path):
    path = build_form_xlsx(tmp_path / "form.xlsx")
    warnings: list[str] = []
    result = convert(xlsform=str(path), warnings=warnings, validate=False)
    assert "jr:constraintMsg" in result.xform
    for code in ("share_other_pct", "task_transfer_areas", "consent_aggregates"):
        assert f"/{code}" in result.xform
    assert "${region} = 'brussels'" not in result.xform  # references were resolved
    assert warnings == []
    assert set(load_workbook(path).sheetnames) == {"survey", "choices", "settings"}


def test_every_question_and_choice_has_three_labels_and_questions_have_hints():
    for question in CODEBOOK.questions:
        for lang in LANGUAGES:
            assert question.labels[lang].strip(), (question.code, lang)
            assert question.hints[lang].strip(), (question.code, lang)
    for choice_list in CODEBOOK.lists.values():
        for choice in choice_list.choices:
            assert all(choice.labels[lang].strip() for lang in LANGUAGES), choice.code


def test_binding_codes_groups_and_rules():
    for group, codes in BINDING_CODES.items():
        assert all(CODEBOOK.by_code[c].group == group for c in codes), group
    commune = CODEBOOK.by_code["commune"]
    assert commune.relevance_condition == ("region", "brussels")
    assert CODEBOOK.lists["commune"].codes == tuple(str(c) for c in range(21001, 21020))
    assert CODEBOOK.by_code["task_transfer_areas"].relevance_condition == (
        "task_transfer_3y",
        "yes",
    )
    assert (CODEBOOK.by_code["staff_fte"].min, CODEBOOK.by_code["staff_fte"].max) == (0, 5000)
    assert CODEBOOK.by_code["budget_total_eur"].max == 1e9
    assert {q.code for q in CODEBOOK.questions if q.required} == {
        "org_id",
        "subsector",
        "region",
        "volunteer_model",
        "staff_fte",
        "volunteers_active",
        "operating_costs_covered",
        "public_funding_trend_3y",
        "task_transfer_3y",
        "consent_aggregates",
    }
    assert {q.code for q in CODEBOOK.questions if q.restricted} == {
        "org_id",
        "org_name",
        "subsector_other",
        "comments",
    }
    assert len(CODEBOOK.share_codes) == 6


@pytest.mark.parametrize(
    ("list_name", "text", "code"),
    [
        ("skills", "POUR LA PLUPART DES ROLES", "most_roles"),
        ("skills", "voor de meeste rollen", "most_roles"),
        ("commune", "Molenbeek-Saint-Jean", "21012"),
        ("commune", "elsene", "21009"),
        ("trend", "  En   Baisse ", "decreased"),
        ("coverage", "not_at_all", "not_at_all"),
        ("region", "Wallonie", "wallonia"),
    ],
)
def test_labels_map_back_to_codes_case_and_accent_insensitively(list_name, text, code):
    assert CODEBOOK.lists[list_name].code_for(text) == code


def test_question_labels_map_back_and_unknown_text_does_not():
    assert CODEBOOK.question_for("region du siege principal") == "region"
    assert CODEBOOK.question_for("Gewest van de hoofdzetel") == "region"
    assert CODEBOOK.question_for("Favourite colour") is None
    assert normalise_label("Évolution  Œuvre") == "evolution œuvre"


def test_template_has_code_header_and_trilingual_instructions(tmp_path):
    path = build_template_xlsx(tmp_path / "template.xlsx")
    workbook = load_workbook(path)
    header = [c.value for c in workbook["answers"][1]]
    assert header == [SUBMITTED_AT, *CODEBOOK.codes]
    assert workbook["answers"].max_row == 1
    rows = {r[0]: r for r in workbook["instructions"].iter_rows(values_only=True) if r and r[0]}
    assert {"FR", "NL", "EN"} <= set(rows)
    subsector = rows["subsector"]
    assert "general_social_aid = Aide sociale générale" in subsector[7]
    assert "general_social_aid = Algemeen welzijnswerk" in subsector[8]
    assert "general_social_aid = General social aid" in subsector[9]
    assert rows["staff_fte"][3] == "0 - 5000"
