"""Format detection and parsing robustness on real exports of other surveys and edge cases."""

from __future__ import annotations

import csv
import io
from pathlib import Path

import pandas as pd
import pytest

from etl.survey import tables
from etl.survey.codebook import CODEBOOK
from etl.survey.errors import SurveyReadError
from etl.survey.readers import read_export

DATA = Path(__file__).parents[1] / "data" / "survey"


def _record_starts(path: Path, delimiter: str) -> list[int]:
    text = path.read_text(encoding="utf-8").replace("\r\n", "\n")
    reader, previous, starts = csv.reader(io.StringIO(text), delimiter=delimiter), 0, []
    for _ in reader:
        starts.append(previous + 1)
        previous = reader.line_num
    return starts[1:]


def test_real_kobo_semicolon_export_with_multiline_notes():
    path = DATA / "paleocore_kobo_semicolon_allversions_subset.csv"
    export = read_export(path)
    assert export.format == "kobo"
    assert export.dialect["delimiter"] == ";"
    assert len(export.frame) == 160
    assert export.frame["_line"].tolist() == _record_starts(path, ";")
    assert export.frame["_line"].iloc[-1] > 161  # quoted newlines shift later records
    assert export.frame["_source_id"].iloc[0] == "e6eddaab-b7dc-4cb1-bf93-e4d60701ecfa"
    assert export.frame["_submitted_at"].notna().all()
    assert "Artifact_type" in export.dialect["unknown_columns"]
    assert "_uuid" not in export.dialect["unknown_columns"]
    assert set(CODEBOOK.codes) <= set(export.frame.columns)
    assert export.frame[list(CODEBOOK.codes)].isna().all().all()


def test_legacy_kobocat_export():
    export = read_export(DATA / "kobocat_fixture_tutorial_w_repeats.csv")
    assert export.format == "kobo"
    assert export.frame["_submitted_at"].iloc[0] == pd.Timestamp("2013-02-18 15:54:01")
    assert "children[1]/childs_age" in export.dialect["unknown_columns"]


def test_dutch_google_forms_tsv():
    export = read_export(DATA / "googleforms_nl_tsv_tijdstempel_checkbox.tsv")
    assert export.format == "google_forms"
    assert export.dialect["delimiter"] == "\t"
    assert export.frame["_submitted_at"].iloc[0] == pd.Timestamp("2020-08-31 14:20:53")
    assert "Coding Languages" in export.dialect["unknown_columns"]


@pytest.mark.parametrize(
    "name", ["rcce_uganda_2020_xlsform.xlsx", "rcce_uganda_2020_xlsform_choices_sheet.csv"]
)
def test_files_that_are_not_exports_raise_a_trilingual_error(name):
    with pytest.raises(SurveyReadError) as caught:
        read_export(DATA / name)
    error = caught.value
    assert "format non reconnu" in error.messages["fr"]
    assert "onbekend formaat" in error.messages["nl"]
    assert "not recognised" in error.messages["en"] and name in error.messages["en"]


@pytest.mark.parametrize(
    ("content", "phrase"),
    [
        (b"", "empty"),
        (b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\0" * 64, ".xls"),
        (b"PK\x03\x04 not really a zip", "damaged"),
    ],
)
def test_unreadable_files(tmp_path, content, phrase):
    path = tmp_path / "broken.csv"
    path.write_bytes(content)
    with pytest.raises(SurveyReadError, match=phrase):
        read_export(path)


def test_missing_file(tmp_path):
    with pytest.raises(SurveyReadError, match="not found"):
        read_export(tmp_path / "nope.csv")


def test_belgian_excel_csv_cp1252_decimal_comma_and_labels(tmp_path):
    path = tmp_path / "excel.csv"
    text = (
        "submitted_at;org_id;subsector;region;staff_fte;budget_total_eur;comments;support_stages;"
        "framework_documents;extra\r\n"
        "03/04/2024;0123.456.749;Aide sociale générale;bruxelles-capitale;12,5;1.234.567,89;"
        '"café\r\nsecond";initial_training  Formation continue;AUCUN;x\r\n'
    )
    path.write_bytes(text.encode("cp1252"))
    export = read_export(path)
    row = export.frame.iloc[0]
    assert export.format == "spreadsheet"
    assert export.dialect["encoding"] == "cp1252"
    assert export.dialect["unknown_columns"] == ["extra"]
    assert row["subsector"] == "general_social_aid" and row["region"] == "brussels"
    assert row["staff_fte"] == "12.5" and row["budget_total_eur"] == "1234567.89"
    assert row["comments"] == "café\nsecond"
    assert row["support_stages"] == "initial_training continuing_training"
    assert row["framework_documents"] == "none"
    assert pd.isna(row["org_name"])
    assert row["_submitted_at"] == pd.Timestamp("2024-04-03")
    assert row["_line"] == 2


def test_google_checkbox_labels_containing_commas_and_unknown_options(tmp_path):
    label = CODEBOOK.by_code["support_stages"].labels["fr"]
    path = tmp_path / "g.csv"
    pd.DataFrame(
        {
            "Horodateur": ["1/3/2024 9:05:07"],
            label: ["Moments conviviaux (repas, verres, cartes), Formation initiale, Yoga"],
        }
    ).to_csv(path, index=False)
    row = read_export(path).frame.iloc[0]
    assert row["support_stages"] == "initial_training convivial_moments yoga"
    assert row["_submitted_at"] == pd.Timestamp("2024-03-01 09:05:07")


def test_utf8_bom_and_limesurvey_incomplete_lines(tmp_path):
    path = tmp_path / "lime.csv"
    rows = [
        "id,submitdate,lastpage,startlanguage,seed,region,support_stages[initial_training],"
        "support_stages[convivial_moments]",
        "1,2024-05-01 10:00:00,9,fr,1,brussels,Y,",
        "2,,2,fr,2,wallonia,,Y",
        "3,2024-05-02 11:00:00,9,nl,3,flanders,,",
    ]
    path.write_bytes("\n".join(rows).encode("utf-8-sig"))
    export = read_export(path)
    assert export.format == "limesurvey" and export.dialect["encoding"] == "utf-8-sig"
    assert export.incomplete == [3]
    assert export.frame["_line"].tolist() == [2, 4]
    assert export.frame["_source_id"].tolist() == ["1", "3"]
    assert export.frame["support_stages"].iloc[0] == "initial_training"
    assert pd.isna(export.frame["support_stages"].iloc[1])


def test_forced_format_overrides_detection(tmp_path):
    path = tmp_path / "plain.csv"
    path.write_text("org_id,region\n0123456749,brussels\n", encoding="utf-8")
    assert read_export(path).format == "spreadsheet"
    assert read_export(path, fmt="kobo").format == "kobo"


def test_a_file_is_scanned_once_until_it_changes(tmp_path):
    path = tmp_path / "export.csv"
    path.write_text("org_id;staff_fte\n0999057735;2\n", encoding="utf-8")
    tables._scan.cache_clear()
    assert tables.read_header(path) == (["org_id", "staff_fte"], 1)
    read_export(path, "spreadsheet")  # the header check, then the build: one scan
    assert tables._scan.cache_info().misses == 1
    path.write_text("org_id;staff_fte\n0999057735;2\n0999057735;3\n", encoding="cp1252")
    assert tables.read_header(path) == (["org_id", "staff_fte"], 2)
    assert tables._scan.cache_info().misses == 2


def test_refusals_write_numbers_and_file_kinds_in_each_language(tmp_path: Path) -> None:
    wide = tmp_path / "wide.csv"
    wide.write_text(";".join(f"c{i}" for i in range(2_001)) + "\n", encoding="utf-8")
    with pytest.raises(SurveyReadError) as too_wide:
        read_export(wide)
    assert "2\u202f001 colonnes (au plus 2\u202f000 attendues)" in too_wide.value.messages["fr"]
    assert "2.001 kolommen (hoogstens 2.000 verwacht)" in too_wide.value.messages["nl"]
    assert "2,001 columns (at most 2,000 expected)" in too_wide.value.messages["en"]
    pdf = tmp_path / "answers.csv"
    pdf.write_bytes(b"%PDF-1.7\n\x00\x01binary")
    with pytest.raises(SurveyReadError) as binary:
        read_export(pdf)
    assert "c'est un document PDF, pas un tableau" in binary.value.messages["fr"]
    assert "dit is een PDF-document, geen tabel" in binary.value.messages["nl"]


@pytest.mark.parametrize(
    ("tags", "synthetic"),
    [
        (["", ""], False),
        (["urgent", ""], False),
        (["", "Urgent, Synthetic"], True),
        (["synthetic", ""], True),
    ],
)
def test_a_row_tagged_synthetic_makes_the_file_synthetic(
    tmp_path: Path, tags: list[str], synthetic: bool
) -> None:
    path = tmp_path / "tags.csv"
    rows = [f"{i};brussels;{tag}" for i, tag in enumerate(tags)]
    path.write_text("_uuid;profile/region;_tags\n" + "\n".join(rows) + "\n", encoding="utf-8")
    assert read_export(path).synthetic is synthetic


def test_a_file_without_tags_is_not_synthetic(tmp_path: Path) -> None:
    path = tmp_path / "plain.csv"
    path.write_text("_uuid;profile/region\n1;brussels\n", encoding="utf-8")
    assert read_export(path).synthetic is False


def test_a_transcoded_copy_is_written_in_the_builds_scratch_folder(tmp_path: Path, monkeypatch) -> None:
    """A non-UTF-8 export is copied as UTF-8 before DuckDB reads it: during a build, in the
    restricted scratch folder that the next command cleans when the build is killed."""
    from warehouse.private import build_leftovers, scratch_dir

    warehouse = tmp_path / "var" / "warehouse.duckdb"
    scratch = scratch_dir(warehouse)
    folders: list[Path] = []
    copy = tables._utf8_copy
    monkeypatch.setattr(
        tables, "_utf8_copy", lambda p, e, folder: folders.append(folder) or copy(p, e, folder)
    )
    with tables.copies_in(scratch, f"{warehouse.name}."):
        assert len(read_export(Path(__file__).parents[1] / "bad_inputs" / "latin1_accents.csv").frame) > 0
    assert [f.parent for f in folders] == [scratch] and folders[0].name.startswith(
        "warehouse.duckdb.survey-read-"
    )
    folders[0].mkdir()  # as a killed build leaves it
    assert folders[0] in build_leftovers(warehouse)
