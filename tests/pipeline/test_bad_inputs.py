"""The bad-input corpus (tests/bad_inputs/expected.yaml): every file is refused with a clear
trilingual message, partly quarantined or loaded, never a traceback; a refused ingest changes
neither the warehouse nor the landing registry."""

from __future__ import annotations

import hashlib
import io
import re
import shutil
import tracemalloc
import zipfile
from collections.abc import Iterator
from pathlib import Path

import pytest
import yaml
from openpyxl import Workbook
from support import ROOT

from etl import landing
from etl.survey.errors import SurveyReadError
from etl.survey.readers import read_export
from etl.survey.validation import validate
from pipeline.results import Outcome
from pipeline.survey import ingest
from warehouse.layout import Layout

CORPUS = ROOT / "tests" / "bad_inputs"
ENTRIES = yaml.safe_load((CORPUS / "expected.yaml").read_text(encoding="utf-8"))["files"]
DEMO = ROOT / "etl" / "snapshots" / "survey_demo" / "demo_synthetic_survey_2024_kobo.csv"
MB = 1_000_000


@pytest.fixture(scope="module", autouse=True)
def deployment_limit() -> Iterator[None]:
    """A deployment that accepts survey files up to 100 MB (the default is 1 GB)."""
    with pytest.MonkeyPatch.context() as patch:
        patch.setenv("SECTOR_MONITOR_MAX_SURVEY_MB", "100")
        yield


def _demo_lines() -> list[str]:
    return DEMO.read_text(encoding="utf-8").splitlines()[:4]


def _huge_csv(path: Path) -> None:
    """200 MB of repeated demo rows, written in 1 MB chunks (never held in memory)."""
    header, *rows = _demo_lines()
    block = ("\n".join(rows) + "\n").encode()
    chunk = block * (MB // len(block) + 1)
    with path.open("wb") as fh:
        fh.write((header + "\n").encode())
        while fh.tell() < 200 * MB:
            fh.write(chunk)


def _zip_bomb(path: Path) -> None:
    """A valid workbook whose sheet XML expands to 120 MB (about 1/300 of it compressed)."""
    buffer = io.BytesIO()
    Workbook().save(buffer)
    sheet = "xl/worksheets/sheet1.xml"
    with zipfile.ZipFile(buffer) as src, zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as dst:
        for info in src.infolist():
            if info.filename != sheet:
                dst.writestr(info, src.read(info))
        with dst.open(sheet, "w", force_zip64=True) as fh:
            fh.write(
                b'<worksheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main"><sheetData>'
            )
            row = b'<row><c t="inlineStr"><is><t>x</t></is></c></row>' * 20_000
            for _ in range(120 * MB // len(row)):
                fh.write(row)
            fh.write(b"</sheetData></worksheet>")


def _ten_thousand_columns(path: Path) -> None:
    header, row = (line.split(";") for line in _demo_lines()[:2])
    extra = 10_000 - len(header)
    path.write_text(
        ";".join(header + [f"extra_{i}" for i in range(extra)]) + "\n" + ";".join(row + [""] * extra) + "\n",
        encoding="utf-8",
    )


def _long_cell(path: Path) -> None:
    """A 2 MB free-text comment spanning two lines (beyond the csv module's field limit)."""
    header, first, second = _demo_lines()[:3]
    cells = first.split(";")
    cells[header.split(";").index('"respondent/comments"')] = '"' + "x" * 2 * MB + '\nsecond"'
    path.write_text("\n".join([header, ";".join(cells), second]) + "\n", encoding="utf-8")


GENERATORS = {
    "huge_200mb.csv": _huge_csv,
    "zip_bomb.xlsx": _zip_bomb,
    "ten_thousand_columns.csv": _ten_thousand_columns,
    "long_cell.csv": _long_cell,
}


@pytest.fixture(scope="module")
def generated(tmp_path_factory: pytest.TempPathFactory) -> Path:
    folder = tmp_path_factory.mktemp("generated")
    for name, write in GENERATORS.items():
        write(folder / name)
    yield folder
    shutil.rmtree(folder)  # do not keep 200 MB in the pytest temp folders


def corpus_file(entry: dict, generated: Path) -> Path:
    return (generated if entry.get("generated") else CORPUS) / entry["file"]


def test_corpus_is_complete() -> None:
    static = {e["file"] for e in ENTRIES if not e.get("generated")}
    assert static == {p.name for p in CORPUS.iterdir() if p.name != "expected.yaml"}
    assert {e["file"] for e in ENTRIES if e.get("generated")} == set(GENERATORS)
    assert len(ENTRIES) >= 30


@pytest.mark.parametrize("entry", ENTRIES, ids=[e["file"] for e in ENTRIES])
def test_outcome_and_message(entry: dict, generated: Path) -> None:
    path = corpus_file(entry, generated)
    if entry["outcome"] == "rejected":
        with pytest.raises(SurveyReadError) as error:
            read_export(path)
        assert entry["message"] in error.value.messages["en"]
        assert path.name in error.value.messages["fr"] and path.name in error.value.messages["nl"]
        assert len({error.value.messages["fr"], error.value.messages["nl"], error.value.messages["en"]}) == 3
        return
    export = read_export(path)
    checked = validate(export.frame)
    rules = {e.rule for e in checked.errors}
    if entry["outcome"] == "partial":
        assert entry["rule"] in rules
        assert all(e.line >= 2 and e.message_en for e in checked.errors)
    else:
        assert rules == set()
        assert len(checked.valid) == len(export.frame) > 0


def test_the_200_mb_file_is_refused_without_reading_it(generated: Path) -> None:
    read_export(CORPUS / "crlf.csv")  # the reader's lazy imports are not the file's memory
    tracemalloc.start()
    try:
        with pytest.raises(SurveyReadError, match="too large"):
            read_export(generated / "huge_200mb.csv")
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    assert peak < 5 * MB


def sha256(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


@pytest.mark.parametrize(
    "entry", [e for e in ENTRIES if e.get("ingest")], ids=[e["file"] for e in ENTRIES if e.get("ingest")]
)
@pytest.mark.slow
def test_ingest_against_a_built_warehouse(
    entry: dict, generated: Path, warehouse_path: Path, tmp_path: Path
) -> None:
    shutil.copytree(warehouse_path.parent, tmp_path / "var")
    warehouse = tmp_path / "var" / warehouse_path.name
    before, registry = sha256(warehouse), landing.registry(Layout(warehouse).landing)
    result = ingest(warehouse, corpus_file(entry, generated), 2024, "auto", "en")
    if entry["outcome"] == "rejected":
        assert result.outcome in (Outcome.REFUSED, Outcome.FAILED)
        assert entry["message"] in result.message("en")
        assert sha256(warehouse) == before
        assert landing.registry(Layout(warehouse).landing) == registry
        surveys = Layout(warehouse).landing / "surveys"
        assert not surveys.exists() or not any(
            p.is_file() and p.name != "registry.json" for p in surveys.rglob("*")
        )
    else:
        report = result.value()
        assert report["rows_loaded"] > 0
        assert entry.get("rule") is None or entry["rule"] in {e["rule"] for e in report["errors"]}


@pytest.mark.parametrize("fmt", ["auto", "kobo"])
def test_an_export_without_its_header_row_is_refused_without_quoting_its_answers(
    fmt: str, tmp_path: Path
) -> None:
    """The first line of answers would be read as column names and quoted back as "headers not
    recognised": enterprise numbers and association names in a message. It is refused instead,
    by the header check and by the full read, with no cell of it quoted."""
    from etl.survey.filecheck import header_check

    path = CORPUS / "no_header_row.csv"
    text = path.read_text(encoding="utf-8")
    private = [*re.findall(r"\d{10}", text), *re.findall(r"Association fictive \d+ ASBL", text)]
    assert len(private) == 6
    for check in (lambda: header_check(path, fmt), lambda: read_export(path, fmt)):
        with pytest.raises(SurveyReadError) as error:
            check()
        assert "the header row is missing" in error.value.messages["en"]
        for message in error.value.messages.values():
            assert not [p for p in private if p in message]


@pytest.mark.parametrize(
    "header",
    [
        ["Horodateur", "Numéro d'entreprise (ex. 0123.456.789)", "Nom de l'association"],
        [
            "Timestamp",
            "Phone (e.g. 02 123 45 67)",
            "IBAN (BE68 5390 0754 7034)",
            "Budget (max 1 000 000 000 €)",
        ],
        ["id", "submitdate", "Q12", "1.", "1.1", "1.2", "2023", "2024"],
        ["start", "end", "profile/org_id", "_submission_time", "_tags"],
    ],
)
def test_a_header_that_mentions_numbers_is_still_a_header(header: list[str]) -> None:
    """Questions may name an example number, a year or a question number: only a cell that is
    an answer as a whole (a date, an enterprise number) says the header row is missing."""
    from etl.survey.tables import looks_like_answers

    assert not looks_like_answers(header)
