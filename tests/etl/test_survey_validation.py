"""Validation rules, typed output, trilingual messages and the planted-error file."""

from __future__ import annotations

import pandas as pd
import pytest

from etl.survey.codebook import CODEBOOK
from etl.survey.demo import write_planted_errors
from etl.survey.readers import read_export
from etl.survey.validation import validate

GOOD = {
    "org_id": "0123.456.749",
    "subsector": "food_aid",
    "region": "brussels",
    "commune": "21004",
    "volunteer_model": "predominant",
    "staff_fte": "3.5",
    "volunteers_active": "20",
    "operating_costs_covered": "partly",
    "public_funding_trend_3y": "decreased",
    "task_transfer_3y": "yes",
    "task_transfer_areas": "reception care",
    "share_structural_subsidy_pct": "50",
    "share_project_subsidy_pct": "30.5",
    "share_own_revenue_pct": "19.5",
    "framework_documents": "charter",
    "consent_aggregates": "yes",
}


def _frame(*changes: dict) -> pd.DataFrame:
    rows = [{**GOOD, **change} for change in changes]
    frame = pd.DataFrame(rows, columns=list(CODEBOOK.codes)).astype("str")
    frame["_line"] = range(2, len(rows) + 2)
    frame["_submitted_at"] = pd.Timestamp("2024-03-01") + pd.to_timedelta(frame["_line"], unit="h")
    frame["_source_id"] = None
    return frame


def _errors(change: dict) -> set[tuple[str, str]]:
    return {(e.field, e.rule) for e in validate(_frame(change)).errors}


def test_good_row_is_valid_and_typed():
    result = validate(_frame({}))
    assert result.errors == []
    row = result.valid.iloc[0]
    types = dict(
        result.con.execute(
            f"SELECT column_name, column_type FROM (DESCRIBE {result.valid_relation})"
        ).fetchall()
    )
    assert types["staff_fte"] == "DOUBLE" and row["staff_fte"] == 3.5
    assert types["volunteers_active"] == "BIGINT" and row["volunteers_active"] == 20
    assert row["org_id"] == "0123456749"
    assert not row["_no_consent"] and not row["_superseded"]


@pytest.mark.parametrize(
    ("change", "expected"),
    [
        ({"staff_fte": "abc"}, ("staff_fte", "type_decimal")),
        ({"volunteers_active": "2.5"}, ("volunteers_active", "type_integer")),
        ({"staff_fte": "5000.5"}, ("staff_fte", "range")),
        ({"activities_stop_pct": "-1"}, ("activities_stop_pct", "range")),
        ({"subsector": "social"}, ("subsector", "choice")),
        ({"task_transfer_areas": "reception knitting"}, ("task_transfer_areas", "choice")),
        ({"region": None}, ("region", "required")),
        ({"consent_aggregates": None}, ("consent_aggregates", "required")),
        ({"consent_aggregates": "maybe"}, ("consent_aggregates", "choice")),
        ({"region": "wallonia"}, ("commune", "relevance")),
        ({"task_transfer_3y": "no"}, ("task_transfer_areas", "relevance")),
        ({"share_own_revenue_pct": "21"}, ("share_*_pct", "share_sum")),
        ({"framework_documents": "charter none"}, ("framework_documents", "none_exclusive")),
        ({"sanctions_12m": "none warning"}, ("sanctions_12m", "none_exclusive")),
        ({"org_id": "12345"}, ("org_id", "org_id_format")),
        ({"org_id": "0123.456.748"}, ("org_id", "org_id_check")),
        ({"org_id": None}, ("org_id", "required")),
    ],
)
def test_each_rule_is_reported(change, expected):
    assert _errors(change) == {expected}


def test_share_sum_tolerance_and_no_shares():
    assert _errors({"share_own_revenue_pct": "20.4"}) == set()
    shares = dict.fromkeys(CODEBOOK.share_codes)
    assert _errors(shares) == set()


def test_all_errors_of_a_row_reported_and_row_excluded():
    result = validate(_frame({}, {"staff_fte": "-3", "subsector": "x", "org_id": "1"}))
    assert result.valid["_line"].tolist() == [2]
    assert {(e.line, e.field) for e in result.errors} == {
        (3, "staff_fte"),
        (3, "subsector"),
        (3, "org_id"),
    }


def test_consent_no_is_valid_but_flagged():
    result = validate(_frame({}, {"consent_aggregates": "no"}))
    assert result.errors == []
    assert result.valid["_no_consent"].tolist() == [False, True]


def test_messages_say_where_what_and_how_in_three_languages():
    error = validate(_frame({"staff_fte": "9000"})).errors[0]
    assert error.line == 2 and error.value == "9000"
    assert error.message_fr.startswith("Ligne 2, question « Personnel salarié")
    assert "0 à 5000" in error.message_fr
    assert error.message_nl.startswith("Rij 2, vraag 'Betaald personeel") and "0 tot 5000" in error.message_nl
    assert "Correct the number" in error.message_en
    relevance = validate(_frame({"region": "flanders"})).errors[0]
    assert "Région du siège principal" in relevance.message_fr
    assert "Bruxelles-Capitale" in relevance.message_fr


def test_the_computed_total_is_written_with_each_languages_decimal_mark():
    import duckdb

    from etl.survey.validation import message_templates, render_sql
    from warehouse.sql import quote_literal

    error = validate(_frame({"share_own_revenue_pct": "22.6"})).errors[0]  # 50 + 30.5 + 22.6
    assert "totalisent 103,1 % au lieu" in error.message_fr
    assert "zijn samen 103,1 % in plaats" in error.message_nl
    assert "add up to 103.1% instead" in error.message_en
    [template] = message_templates(CODEBOOK, [("share_*_pct", "share_sum")])
    rendered = [
        duckdb.connect()
        .execute(f"SELECT {render_sql(quote_literal(text), '7', quote_literal('103.1'), lang)}")
        .fetchall()[0][0]
        for text, lang in zip(template[2:], ("fr", "nl", "en"), strict=True)
    ]
    assert rendered[0] == error.message_fr.replace("Ligne 2", "Ligne 7") and "103,1 %" in rendered[1]
    assert "103.1%" in rendered[2]


def test_planted_error_file(tmp_path):
    path = tmp_path / "planted.csv"
    planted = write_planted_errors(path)
    result = validate(read_export(path).frame)
    assert result.valid["_line"].tolist() == planted["valid_lines"]
    assert sorted((e.line, e.field, e.rule) for e in result.errors) == sorted(planted["errors"])
    first, second = planted["duplicate_lines"]
    superseded = dict(zip(result.valid["_line"], result.valid["_superseded"], strict=True))
    assert superseded[first] and not superseded[second]
