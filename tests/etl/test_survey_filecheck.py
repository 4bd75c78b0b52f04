"""File-level checks: a structurally wrong export is refused as a whole, in seconds,
with one message; nothing is landed and the warehouse does not change. Group paths named like
the tool's (``meta/``) map to their questions, the tool's own fields stay metadata."""

from __future__ import annotations

import csv
import hashlib
import json
import shutil
import time
from pathlib import Path

import pytest
from support import cli

from etl.survey.demo import demo_answers, write_planted_errors
from etl.survey.filecheck import FileSummary, header_check
from etl.survey.kobo_export import kobo_table
from etl.survey.readers import read_export
from warehouse.sql import connect_readonly


def write_rows(path: Path, header: list[str], rows: list[list[str]], repeat: int = 1) -> Path:
    with path.open("w", encoding="utf-8", newline="") as handle:
        writer = csv.writer(handle, delimiter=";", quoting=csv.QUOTE_ALL, lineterminator="\r\n")
        writer.writerow(header)
        for _ in range(repeat):
            writer.writerows(rows)
    return path


def kobo_rows(
    n: int = 40, seed: int = 3, rename: dict[str, str] | None = None, drop: tuple[str, ...] = ()
) -> tuple[list[str], list[list[str]]]:
    """A synthetic Kobo export (header, rows) with headers renamed or dropped."""
    table = kobo_table(demo_answers((2024,), n=n, seed=seed)[2024])
    table = table.drop(columns=list(drop)).rename(columns=rename or {})
    return list(table.columns), [list(r) for r in table.itertuples(index=False)]


def tree_digest(folder: Path) -> dict[str, str]:
    """Every file below ``folder`` (history excluded) and its sha256; folders as ''."""
    out = {}
    for path in sorted(folder.rglob("*")):
        if "history" in path.relative_to(folder).parts:
            continue
        out[str(path.relative_to(folder))] = (
            hashlib.sha256(path.read_bytes()).hexdigest() if path.is_file() else ""
        )
    return out


@pytest.fixture()
def deployed(warehouse_path: Path, tmp_path: Path) -> Path:
    """A private copy of the session warehouse with one landed file (a landing area exists)."""
    folder = tmp_path / "var"
    shutil.copytree(warehouse_path.parent, folder)
    wh = folder / warehouse_path.name
    write_planted_errors(tmp_path / "planted.csv")
    result = cli(
        "survey", "ingest", str(tmp_path / "planted.csv"), "--wave", "2024", "--warehouse", str(wh), "--json"
    )
    assert result.returncode == 0, result.stderr
    return wh


@pytest.mark.slow
def test_missing_required_column_is_refused_from_the_header_in_seconds(
    deployed: Path, tmp_path: Path
) -> None:
    header, rows = kobo_rows(drop=("respondent/consent_aggregates",))
    small = write_rows(tmp_path / "no_consent_40.csv", header, rows)
    big = write_rows(tmp_path / "no_consent_100k.csv", header, rows, repeat=2_500)  # 100,000 rows
    before = tree_digest(deployed.parent)
    result = cli(
        "survey",
        "ingest",
        str(small),
        "--wave",
        "2024",
        "--warehouse",
        str(deployed),
        "--json",
        "--lang",
        "fr",
    )
    assert result.returncode == 2, result.stderr
    report = json.loads(result.stdout)
    assert report["refused"] and report["summary"]["missing"] == ["consent_aggregates"]
    lines = small.read_bytes().count(b"\n") - 1  # some records hold a newline in a comment
    assert (report["rows_read"], report["lines_below_header"]) == (0, lines) and lines > len(rows)
    assert "consent_aggregates" in report["error"] and "refusé" in report["error"]
    assert report["error"].count("\n") < 10  # one message, not one per row
    started = time.perf_counter()
    result = cli("survey", "ingest", str(big), "--wave", "2024", "--warehouse", str(deployed))
    seconds = time.perf_counter() - started
    assert result.returncode == 2
    assert "consent_aggregates" in result.stderr and "no column" in result.stderr
    assert seconds < 5, f"{seconds:.1f} s"
    assert tree_digest(deployed.parent) == before  # warehouse, landing area: byte-identical
    assert not (deployed.parent / "landing" / "surveys" / "2024" / big.name).exists()


@pytest.mark.slow
def test_a_column_under_a_group_named_meta_maps_and_tool_fields_stay_metadata(tmp_path: Path) -> None:
    header, rows = kobo_rows(
        rename={
            "respondent/consent_aggregates": "meta/consent_aggregates",
            "respondent/respondent_role": "meta/respondent_role",
        }
    )
    header += [
        "meta/instanceID",
        "meta/rootUuid",
        "meta/deprecatedID",
        "meta/instanceName",
        "formhub/uuid",
        "meta/something_of_the_tool",
    ]
    rows = [r + [f"uuid:{i:08d}", f"uuid:{i:08d}", "", "x", "f00", "y"] for i, r in enumerate(rows)]
    file = write_rows(tmp_path / "kobo_meta_group.csv", header, rows)
    export = read_export(file)
    assert export.columns.joined["consent_aggregates"] == "meta/consent_aggregates"
    assert export.columns.joined["respondent_role"] == "meta/respondent_role"
    assert {
        "meta/instanceID",
        "meta/rootUuid",
        "meta/deprecatedID",
        "meta/instanceName",
        "formhub/uuid",
        "meta/something_of_the_tool",
    } <= set(export.metadata)
    assert export.missing_required == []
    assert set(export.frame["consent_aggregates"]) <= {"yes", "no"}
    wh = tmp_path / "var" / "warehouse.duckdb"
    result = cli("survey", "ingest", str(file), "--wave", "2024", "--warehouse", str(wh), "--json")
    assert result.returncode == 0, result.stderr
    report = json.loads(result.stdout)
    assert report["rows_loaded"] == len(rows) and report["rows_quarantined"] == 0


@pytest.mark.slow
def test_more_than_half_the_rows_failing_one_rule_is_refused(deployed: Path, tmp_path: Path) -> None:
    header, rows = kobo_rows()
    column = header.index("profile/staff_fte")
    for row in rows[:30]:
        row[column] = "beaucoup"
    file = write_rows(tmp_path / "shifted_fte.csv", header, rows)
    before = tree_digest(deployed.parent)
    result = cli(
        "survey",
        "ingest",
        str(file),
        "--wave",
        "2024",
        "--warehouse",
        str(deployed),
        "--json",
        "--lang",
        "nl",
    )
    assert result.returncode == 2, result.stderr
    report = json.loads(result.stdout)
    cause = report["summary"]["causes"][0]
    assert (cause["field"], cause["rule"], cause["count"]) == ("staff_fte", "type_decimal", 30)
    assert cause["first_lines"][0] == 2 and len(cause["first_lines"]) == 3
    assert "staff_fte" in report["error"] and "30 rijen (73\u00a0%, meer dan 50\u00a0%" in report["error"]
    assert "beaucoup" not in report["error"]  # no answer quoted
    assert tree_digest(deployed.parent) == before
    loose = cli(
        "survey",
        "ingest",
        str(file),
        "--wave",
        "2024",
        "--warehouse",
        str(deployed),
        "--json",
        "--max-failing-share",
        "0.8",
    )
    assert loose.returncode == 0, loose.stderr
    assert json.loads(loose.stdout)["rows_quarantined"] == 30


def test_an_export_of_another_questionnaire_names_what_is_missing_and_unknown(tmp_path: Path) -> None:
    header = [
        "start",
        "end",
        "site/site_name",
        "site/layer",
        "finds/count",
        "finds/material",
        "meta/instanceID",
        "_id",
        "_uuid",
        "_submission_time",
        "_index",
    ]
    rows = [
        [
            "2024-01-01",
            "2024-01-01",
            f"Site {i}",
            str(i % 4),
            str(i),
            "flint",
            f"uuid:{i}",
            str(i),
            f"u{i}",
            "2024-01-01T10:00:00",
            str(i),
        ]
        for i in range(160)
    ]
    file = write_rows(tmp_path / "archaeology.csv", header, rows)
    summary = header_check(file)
    assert summary.refused and "consent_aggregates" in summary.missing and "org_id" in summary.missing
    assert summary.unknown == ["site/site_name", "site/layer", "finds/count", "finds/material"]
    text = summary.message("en")
    assert "10 required question(s) with no column" in text
    assert "'site/site_name'" in text and "not recognised" in text
    assert "Site 1" not in text


def test_a_near_miss_header_is_named_beside_the_missing_question(tmp_path: Path) -> None:
    header, rows = kobo_rows(rename={"respondent/consent_aggregates": "respondent/consent_agregates"})
    summary = header_check(write_rows(tmp_path / "typo.csv", header, rows))
    assert summary.missing == ["consent_aggregates"]
    assert summary.closest == {"consent_aggregates": "respondent/consent_agregates"}
    assert "closest header: 'respondent/consent_agregates'" in summary.message("en")
    assert "colonne la plus proche" in summary.message("fr")


@pytest.mark.slow
def test_the_report_of_an_accepted_file_groups_its_errors(deployed: Path) -> None:
    con = connect_readonly(deployed)
    stored = con.execute("SELECT count(*) FROM wh.meta.quarantine_errors").fetchone()[0]
    templates = con.execute("SELECT count(*) FROM wh.meta.quarantine_messages").fetchone()[0]
    rendered = con.execute(
        "SELECT message_en FROM wh.meta.quarantine WHERE field = 'share_*_pct'"
    ).fetchone()[0]
    con.close()
    assert stored == 9 and templates <= 10  # one message per (field, rule), not per row
    assert "add up to 150% instead of 100%" in rendered and "{line}" not in rendered
    planted = deployed.parent.parent / "planted.csv"
    result = cli("survey", "ingest", str(planted), "--wave", "2024", "--warehouse", str(deployed), "--json")
    report = json.loads(result.stdout)
    assert list(report).index("summary") < list(report).index("errors")
    summary = FileSummary.from_dict(report["summary"])
    assert sum(c.count for c in summary.causes) == len(report["errors"]) == 9
    assert not summary.refused and summary.failed_rows == 9
    text = cli("survey", "ingest", str(planted), "--wave", "2024", "--warehouse", str(deployed))
    assert "org_id (Enterprise number" in text.stderr and "first lines" in text.stderr
