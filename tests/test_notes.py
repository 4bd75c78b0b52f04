"""Advocacy notes: figures equal the warehouse, PDF/DOCX/Markdown show them with sources,
suppressed cells are never printed but explained."""

from __future__ import annotations

import subprocess
from pathlib import Path

import docx
import duckdb
import pytest

from exports.notes import Note, build_note, write_note
from exports.notes.formatting import number


def _public(warehouse: Path, sql: str, params: list) -> list[tuple]:
    con = duckdb.connect(":memory:")
    con.execute(f"ATTACH '{warehouse}' AS wh (READ_ONLY)")
    try:
        return con.execute(sql.replace("public.", "wh.public."), params).fetchall()
    finally:
        con.close()


def _flat(text: str) -> str:
    return " ".join(text.split())


@pytest.fixture(scope="module")
def r4_note(warehouse_path: Path) -> Note:
    return build_note(warehouse_path, "nl", recommendations=["R4"])


@pytest.fixture(scope="module")
def r4_files(r4_note: Note, tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    folder = tmp_path_factory.mktemp("notes")
    return {ext: write_note(r4_note, folder / f"x{ext}") for ext in (".pdf", ".docx", ".md")}


def test_key_figures_equal_the_warehouse_values(r4_note: Note, warehouse_path: Path) -> None:
    (linked,) = _public(warehouse_path, "SELECT indicators FROM public.recommendations "
                        "WHERE recommendation_id = 'R4'", [])[0]
    expected = _public(
        warehouse_path,
        "SELECT indicator_id, period, estimate, ci_low, ci_high, n FROM public.indicator_values v "
        "WHERE list_contains(?, indicator_id) AND breakdown = 'all' AND period = ("
        "SELECT max(period) FROM public.indicator_values w "
        "WHERE w.indicator_id = v.indicator_id AND breakdown = 'all')",
        [linked.split()])
    got = [(f.indicator_id, f.period, f.value, f.ci_low, f.ci_high, f.n)
           for f in r4_note.key_figures]
    assert sorted(got) == sorted(expected)
    assert [f.indicator_id for f in r4_note.key_figures] == linked.split()
    assert all(f.sources for f in r4_note.key_figures)
    assert r4_note.synthetic and r4_note.recommendations[0].recommendation_id == "R4"


def test_numbers_are_written_in_the_note_language(r4_note: Note) -> None:
    assert number(7036.5, "fr") == "7\u202f036,5"
    assert number(7036.5, "nl") == "7.036,5"
    assert number(7036.5, "en") == "7,036.5"
    figure = r4_note.key_figures[0]
    assert figure.value_text == number(figure.value, "nl") and "," in figure.value_text


def test_pdf_shows_key_figures_sources_and_synthetic_banner(r4_note: Note, r4_files) -> None:
    text = _flat(subprocess.run(["pdftotext", str(r4_files[".pdf"]), "-"], check=True,
                                capture_output=True, text=True).stdout)
    for figure in r4_note.key_figures:
        assert figure.value_text in text
        assert figure.ci_text in text
        assert figure.title in text
    for source in r4_note.sources:
        assert _flat(source.citation) in text
    pages = int(subprocess.run(["pdfinfo", str(r4_files[".pdf"])], check=True, capture_output=True,
                               text=True).stdout.split("Pages:")[1].split()[0])
    assert text.count("SYNTHETISCHE DEMONSTRATIEGEGEVENS") >= pages
    assert f"Pagina 1 van {pages}" in text


def test_docx_has_headings_an_editable_table_and_a_picture(r4_note: Note, r4_files) -> None:
    document = docx.Document(str(r4_files[".docx"]))
    headings = [p.text for p in document.paragraphs if p.style.name.startswith("Heading")]
    assert "Kerncijfers" in headings and "R4 – " + r4_note.recommendations[0].title in headings
    table = document.tables[0]
    header, rows = r4_note.key_figure_table()
    assert [c.text for c in table.rows[0].cells] == header
    assert [[c.text for c in r.cells] for r in table.rows[1:]] == rows
    assert len(document.inline_shapes) == len(r4_note.charts) >= 1
    assert "SYNTHETISCHE" in document.sections[0].header.paragraphs[0].text


def test_markdown_contains_figures_and_sources(r4_note: Note, r4_files) -> None:
    text = r4_files[".md"].read_text(encoding="utf-8")
    for figure in r4_note.key_figures:
        assert f"| {figure.value_text} | {figure.ci_text} | {figure.n_text} |" in text
    assert all(s.citation in text for s in r4_note.sources)
    assert "SYNTHETISCHE DEMONSTRATIEGEGEVENS" in text


def test_a_suppressed_cell_is_omitted_and_explained(warehouse_path: Path, tmp_path: Path) -> None:
    suppressed = _public(
        warehouse_path,
        "SELECT v.breakdown_value, c.label_en, v.n FROM public.indicator_values v JOIN "
        "public.categories c ON c.variable = v.breakdown AND c.code = v.breakdown_value "
        "WHERE indicator_id = 'tt_task_transfer' AND breakdown = 'size_class' AND period = '2024' "
        "AND flag = 'suppressed'", [])
    assert any(n < 5 for _, _, n in suppressed)
    note = build_note(warehouse_path, "en", indicators=["tt_task_transfer"], period="2024",
                      breakdown="size_class")
    hidden = {label for _, label, _ in suppressed}
    assert not hidden & {f.category for f in note.key_figures}
    assert {u.category for u in note.unpublished} == hidden
    text = write_note(note, tmp_path / "s.md").read_text(encoding="utf-8")
    table = text.split("## Key figures")[1].split("### Figures not published")[0]
    for _, label, n in suppressed:
        assert label not in table
        reason = (f"fewer than 5 responding associations, n = {n}" if n < 5
                  else "secondary suppression")
        assert any(label in line and "figure not published" in line and reason in line
                   for line in text.splitlines())


def test_unknown_selection_and_format_are_refused(warehouse_path: Path, r4_note: Note,
                                                  tmp_path: Path) -> None:
    with pytest.raises(ValueError, match="R9"):
        build_note(warehouse_path, "fr", recommendations=["R9"])
    with pytest.raises(ValueError, match="odt"):
        write_note(r4_note, tmp_path / "x.odt")
