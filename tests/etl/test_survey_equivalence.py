"""The same answers exported by every supported tool read and validate to identical rows."""

from __future__ import annotations

import csv
from pathlib import Path

import pandas as pd
import pytest
from openpyxl import load_workbook

from etl.survey.codebook import CODEBOOK
from etl.survey.demo import demo_answers
from etl.survey.kobo_export import label_values, write_kobo_csv, write_kobo_xlsx
from etl.survey.load import Input, process
from etl.survey.readers import read_export
from etl.survey.validation import validate
from etl.survey.workbooks import SUBMITTED_AT, build_template_xlsx

NUMERIC = set(CODEBOOK.codes_of_type("integer", "decimal"))
MULTI = set(CODEBOOK.codes_of_type("select_multiple"))
LIME_META = ["id", "submitdate", "lastpage", "startlanguage", "seed"]


@pytest.fixture(scope="module")
def answers() -> pd.DataFrame:
    """19 synthetic associations plus one later resubmission: 20 canonical rows."""
    base = demo_answers((2024,), n=19, seed=3)[2024]
    base.loc[0, "comments"] = "Commentaire fictif, avec virgule;\npoint-virgule et « guillemets »"
    base.loc[1, "support_stages"] = "initial_training convivial_moments"
    again = base.iloc[[2]].assign(
        _submitted_at=base.loc[2, "_submitted_at"] + pd.Timedelta(days=3),
        _source_id="resubmitted",
        respondent_role="staff",
    )
    return pd.concat([base, again], ignore_index=True)


def _labelled(answers: pd.DataFrame, lang: str, joiner: str) -> pd.DataFrame:
    out = answers.copy()
    for q in CODEBOOK.questions:
        if q.list_name:
            out[q.code] = label_values(answers[q.code], CODEBOOK, q.code, lang, joiner)
    return out


def _decimal_comma(answers: pd.DataFrame) -> pd.DataFrame:
    out = answers.copy()
    for code in NUMERIC:
        out[code] = out[code].str.replace(".", ",", regex=False)
    return out


def write_limesurvey(answers: pd.DataFrame, path: Path, full: bool) -> list[int]:
    """LimeSurvey CSV (BOM, ``code[option]`` columns); one incomplete response appended."""
    data = _labelled(answers, "fr", " ") if full else answers
    ticked = "Oui" if full else "Y"
    header, rows = list(LIME_META), []
    for q in CODEBOOK.questions:
        if q.code in MULTI:
            header += [f"{q.code}[{o}]" for o in CODEBOOK.choices_of(q.code).codes]
        else:
            header.append(q.code)
    for i, row in answers.reset_index(drop=True).iterrows():
        cells = [str(i + 1), row["_submitted_at"].strftime("%Y-%m-%d %H:%M:%S"), "9", "fr", "123"]
        for q in CODEBOOK.questions:
            if q.code in MULTI:
                chosen = str(row[q.code]).split() if pd.notna(row[q.code]) else []
                cells += [ticked if o in chosen else "" for o in CODEBOOK.choices_of(q.code).codes]
            else:
                cells.append("" if pd.isna(data.loc[i, q.code]) else data.loc[i, q.code])
        rows.append(cells)
    rows.append([str(len(rows) + 1), "", "3", "fr", "124"] + ["" for _ in header[5:]])
    with path.open("w", encoding="utf-8-sig", newline="") as handle:
        writer = csv.writer(handle, delimiter=";" if full else ",", lineterminator="\n")
        writer.writerow(header)
        writer.writerows(rows)
    return [_record_line(path, len(rows))]


def _record_line(path: Path, record: int) -> int:
    with path.open(encoding="utf-8-sig", newline="") as handle:
        reader = csv.reader(handle, delimiter=";" if ";" in handle.readline() else ",")
        handle.seek(0)
        reader = csv.reader(handle, delimiter=reader.dialect.delimiter)
        end = 0
        for index, _ in enumerate(reader):
            start, end = end + 1, reader.line_num
            if index == record:
                return start
    raise AssertionError(record)


def write_google_forms(answers: pd.DataFrame, path: Path, lang: str) -> None:
    """Google Forms: question labels as headers, labels as values, checkboxes joined by ', '."""
    data = _labelled(answers, lang, ", ")
    if lang == "fr":
        data = _decimal_comma(data)
    stamp_name, fmt, delimiter = {
        "fr": ("Horodateur", "%d/%m/%Y %H:%M:%S", ","),
        "nl": ("Tijdstempel", "%d-%m-%Y %H:%M:%S", "\t"),
    }[lang]
    table = pd.DataFrame(
        {
            stamp_name: answers["_submitted_at"].map(
                lambda t: t.strftime(fmt).lstrip("0").replace("/0", "/").replace("-0", "-")
            )
        }
    )
    for q in CODEBOOK.questions:
        table[q.labels[lang]] = data[q.code]
    if lang == "nl":
        table[CODEBOOK.by_code["comments"].labels["nl"]] = data["comments"].str.replace("\n", " ")
    table.to_csv(path, sep=delimiter, index=False)


def write_excel_csv(answers: pd.DataFrame, path: Path) -> None:
    """The Excel template saved by a Belgian Excel: ';', decimal comma, cp1252, dd/mm/yyyy."""
    table = _decimal_comma(answers)
    table.insert(0, SUBMITTED_AT, answers["_submitted_at"].dt.strftime("%d/%m/%Y %H:%M:%S"))
    table["org_id"] = "BE " + answers["org_id"].str.slice(0, 4) + " " + answers["org_id"].str.slice(4)
    table = table[[SUBMITTED_AT, *CODEBOOK.codes]]
    table.to_csv(path, sep=";", index=False, encoding="cp1252", lineterminator="\r\n")


def write_template_xlsx(answers: pd.DataFrame, path: Path) -> None:
    build_template_xlsx(path)
    workbook = load_workbook(path)
    sheet = workbook["answers"]
    for _, row in answers.iterrows():
        cells = [row["_submitted_at"].to_pydatetime()]
        for code in CODEBOOK.codes:
            value = row[code]
            cells.append(None if pd.isna(value) else float(value) if code in NUMERIC else value)
        sheet.append(cells)
    workbook.save(path)


WRITERS = {
    "kobo_csv_groups_split": lambda a, p: write_kobo_csv(a, p),
    "kobo_csv_dot_groups_comma": lambda a, p: write_kobo_csv(a, p, separator=".", delimiter=","),
    "kobo_csv_fr_labels": lambda a, p: write_kobo_csv(a, p, lang="fr"),
    "kobo_xlsx": lambda a, p: write_kobo_xlsx(a, p),
    "kobo_xlsx_nl_labels": lambda a, p: write_kobo_xlsx(a, p, lang="nl"),
    "limesurvey_codes": lambda a, p: write_limesurvey(a, p, full=False),
    "limesurvey_full_answers": lambda a, p: write_limesurvey(a, p, full=True),
    "google_forms_fr": lambda a, p: write_google_forms(a, p, "fr"),
    "google_forms_nl": lambda a, p: write_google_forms(a, p, "nl"),
    "excel_cp1252_csv": lambda a, p: write_excel_csv(a, p),
    "template_xlsx": lambda a, p: write_template_xlsx(a, p),
}
EXPECTED_FORMAT = {
    "kobo": "kobo",
    "limesurvey": "limesurvey",
    "google": "google_forms",
    "excel": "spreadsheet",
    "template": "spreadsheet",
}


def _comparable(valid: pd.DataFrame) -> pd.DataFrame:
    return valid.drop(columns=["_line", "_source_id"]).reset_index(drop=True)


KEY = b"test key: loaded rows of every format"


def _loaded(path: Path) -> pd.DataFrame:
    """The rows the build loads into restricted.survey_responses from this file (pseudonymised,
    typed), without what depends on the file itself (its name, line numbers, checksum)."""
    rows = process(Input(path, path.name, 2024, "auto", "sha", False), KEY).rows
    return rows.drop(columns=["response_id", "source_file", "source_line"]).reset_index(drop=True)


@pytest.fixture(scope="module")
def reference(answers: pd.DataFrame, tmp_path_factory) -> pd.DataFrame:
    path = tmp_path_factory.mktemp("ref") / "reference.csv"
    write_kobo_csv(answers, path)
    result = validate(read_export(path).frame)
    assert result.errors == []
    return _comparable(result.valid)


@pytest.fixture(scope="module")
def reference_loaded(answers: pd.DataFrame, tmp_path_factory) -> pd.DataFrame:
    path = tmp_path_factory.mktemp("ref_loaded") / "reference.csv"
    write_kobo_csv(answers, path)
    return _loaded(path)


@pytest.mark.slow
@pytest.mark.parametrize("name", list(WRITERS))
def test_every_format_gives_identical_valid_rows(name, answers, reference, reference_loaded, tmp_path):
    suffix = ".xlsx" if "xlsx" in name else ".tsv" if name.endswith("_nl") else ".csv"
    path = tmp_path / f"{name}{suffix}"
    incomplete = WRITERS[name](answers, path)
    export = read_export(path)
    assert export.format == EXPECTED_FORMAT[name.split("_")[0]]
    assert export.dialect["unknown_columns"] == []
    result = validate(export.frame)
    assert result.errors == []
    comparable = _comparable(result.valid)
    if name == "google_forms_nl":  # the NL export flattened the comment's newline
        comparable["comments"] = reference["comments"]
    pd.testing.assert_frame_equal(comparable, reference)
    pd.testing.assert_frame_equal(_loaded(path), reference_loaded)  # what the warehouse receives
    if name.startswith("limesurvey"):
        assert export.incomplete == incomplete
        assert len(export.frame) == len(answers)


def test_reference_keeps_resubmission_as_superseded(reference):
    assert reference["_superseded"].tolist() == [False, False, True] + [False] * 17
    assert reference["org_id"].str.fullmatch(r"099[89]\d{6}").all()


@pytest.mark.slow
def test_an_incomplete_limesurvey_response_is_counted_and_named_in_the_report(answers, tmp_path) -> None:
    """rows read = loaded (superseded ones included) + quarantined + incomplete, in `survey
    files` too; the incomplete response is named by its line, with no empty question."""
    import json

    from support import cli

    export = tmp_path / "lime.csv"
    (line,) = write_limesurvey(answers, export, full=False)
    wh = str(tmp_path / "var" / "w.duckdb")
    ingested = cli("survey", "ingest", str(export), "--wave", "2024", "--warehouse", wh, "--lang", "en")
    assert ingested.returncode == 0, ingested.stderr
    assert "- incomplete response, 1 row (5%)" in ingested.stderr and "None" not in ingested.stderr
    assert f"  Line {line}: incomplete response (not submitted), not loaded." in ingested.stderr
    (listed,) = json.loads(cli("survey", "files", "--json", "--warehouse", wh).stdout)
    counts = [listed[f"rows_{k}"] for k in ("loaded", "quarantined", "incomplete")]
    assert listed["rows_incomplete"] == 1 and sum(counts) == listed["rows_read"]
    table = cli("survey", "files", "--warehouse", wh, "--lang", "fr").stdout
    assert "incomplètes" in table
