"""Advocacy notes: figures equal the warehouse, PDF/DOCX/Markdown show them with sources,
suppressed cells are never printed but explained."""

from __future__ import annotations

import re
import subprocess
import sys
import textwrap
from pathlib import Path

import docx
import pytest

from core.i18n import LANGUAGES
from exports.notes.content import build_note
from exports.notes.formatting import change_with_interval, number
from exports.notes.model import Note
from exports.notes.writer import write_note
from warehouse.sql import connect_readonly


def _public(warehouse: Path, sql: str, params: list) -> list[tuple]:
    con = connect_readonly(warehouse)
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
    (linked,) = _public(
        warehouse_path, "SELECT indicators FROM public.recommendations WHERE recommendation_id = 'R4'", []
    )[0]
    expected = _public(
        warehouse_path,
        "SELECT indicator_id, period, estimate, ci_low, ci_high, n FROM public.indicator_values v "
        "WHERE list_contains(?, indicator_id) AND breakdown = 'all' AND period = ("
        "SELECT max(period) FROM public.indicator_values w "
        "WHERE w.indicator_id = v.indicator_id AND breakdown = 'all')",
        [linked.split()],
    )
    got = [(f.indicator_id, f.period, f.value, f.ci_low, f.ci_high, f.n) for f in r4_note.key_figures]
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
    text = _flat(
        subprocess.run(
            ["pdftotext", str(r4_files[".pdf"]), "-"], check=True, capture_output=True, text=True
        ).stdout
    )
    for figure in r4_note.key_figures:
        assert figure.value_text in text
        assert figure.ci_text in text
        assert figure.title in text
    for source in r4_note.sources:
        assert _flat(source.citation) in _flat(text.replace("\u00ad", ""))
    pages = int(
        subprocess.run(["pdfinfo", str(r4_files[".pdf"])], check=True, capture_output=True, text=True)
        .stdout.split("Pages:")[1]
        .split()[0]
    )
    assert text.count("SYNTHETISCHE GEGEVENS") >= pages
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
    assert all(s.citation in text.replace("\\", "") for s in r4_note.sources)
    assert "SYNTHETISCHE GEGEVENS" in text
    assert "\\[1\\]" in text  # a citation mark, not a Markdown link


def test_a_suppressed_cell_is_omitted_and_explained(warehouse_path: Path, tmp_path: Path) -> None:
    suppressed = _public(
        warehouse_path,
        "SELECT v.breakdown_value, c.label_en, v.n FROM public.indicator_values v JOIN "
        "public.categories c ON c.variable = v.breakdown AND c.code = v.breakdown_value "
        "WHERE indicator_id = 'tt_task_transfer' AND breakdown = 'size_class' AND period = '2024' "
        "AND flag = 'suppressed'",
        [],
    )
    assert any(n < 5 for _, _, n in suppressed)
    note = build_note(
        warehouse_path, "en", indicators=["tt_task_transfer"], period="2024", breakdown="size_class"
    )
    hidden = {label for _, label, _ in suppressed}
    assert not hidden & {f.category for f in note.key_figures}
    assert {u.category for u in note.unpublished} == hidden
    text = write_note(note, tmp_path / "s.md").read_text(encoding="utf-8")
    table = text.split("## Key figures")[1].split("### Figures not published")[0]
    for _, label, n in suppressed:
        assert label not in table
        reason = f"fewer than 5 responding associations, n = {n}" if n < 5 else "secondary suppression"
        assert any(
            label in line and "figure not published" in line and reason in line for line in text.splitlines()
        )


def test_unknown_selection_and_format_are_refused(
    warehouse_path: Path, r4_note: Note, tmp_path: Path
) -> None:
    with pytest.raises(ValueError, match="R9"):
        build_note(warehouse_path, "fr", recommendations=["R9"])
    with pytest.raises(ValueError, match="odt"):
        write_note(r4_note, tmp_path / "x.odt")


# --- what a federation hands to a minister: caveats, scope, language, context ---

HEADLINES = {
    "fr": ("735 000", "6,4 %", "11 000", "18 %", "Hustinx et Dudal, 2020"),
    "nl": ("735.000", "6,4%", "11.000", "18%", "Hustinx & Dudal, 2020"),
    "en": ("735,000", "6.4%", "11,000", "18%", "Hustinx & Dudal, 2020"),
}
COVID = {
    "fr": "2020 est l'année du COVID-19",
    "nl": "2020 is het COVID-19-jaar",
    "en": "2020 is the COVID-19 year",
}


def _spaces(text: str) -> str:
    """Text with every kind of space (narrow no-break in fr_BE numbers) as one plain space."""
    return " ".join(text.replace("\u202f", " ").replace("\xa0", " ").split())


def _texts(note: Note, folder: Path) -> dict[str, str]:
    """The note as written in Markdown, in the PDF (pdftotext) and in the DOCX (read back)."""
    files = {ext: write_note(note, folder / f"{note.lang}{ext}") for ext in (".md", ".pdf", ".docx")}
    pdf = subprocess.run(
        ["pdftotext", str(files[".pdf"]), "-"], check=True, capture_output=True, text=True
    ).stdout
    document = docx.Document(str(files[".docx"]))
    cells = [c.text for t in document.tables for r in t.rows for c in r.cells]
    word = "\n".join([p.text for p in document.paragraphs] + cells)
    return {"md": files[".md"].read_text(encoding="utf-8"), "pdf": pdf, "docx": word}


@pytest.fixture(scope="module")
def r1_texts(warehouse_path: Path, tmp_path_factory: pytest.TempPathFactory) -> dict:
    folder = tmp_path_factory.mktemp("r1")
    return {
        lang: _texts(build_note(warehouse_path, lang, recommendations=["R1"]), folder) for lang in LANGUAGES
    }


@pytest.mark.slow
@pytest.mark.parametrize("lang", LANGUAGES)
def test_a_known_caveat_is_printed_in_every_format(r1_texts: dict, lang: str) -> None:
    for fmt, text in r1_texts[lang].items():
        assert COVID[lang] in _spaces(text), fmt


@pytest.mark.parametrize("lang", LANGUAGES)
def test_headline_figures_and_their_citation_in_every_language(r1_texts: dict, lang: str) -> None:
    for fmt, text in r1_texts[lang].items():
        flat = _spaces(text)
        for expected in HEADLINES[lang]:
            assert expected in flat, (fmt, expected)
        assert "p. 17-18" in flat and "PFV" in flat


@pytest.mark.parametrize("lang", ("fr", "nl"))
def test_french_and_dutch_notes_hold_no_english_code_path_or_threshold(
    r1_texts: dict, warehouse_path: Path, lang: str
) -> None:
    english_titles = [
        t
        for (t, own) in _public(warehouse_path, f"SELECT title_en, title_{lang} FROM public.sources", [])
        if t != own
    ]
    # a bare threshold: "..., en dessous de 0,0." / "boven 25,0." (no unit, no meaning)
    threshold = re.compile(r"(au-dessus|en dessous|boven|onder) (de |van )?-?[\d.,]+\.(\s|$)")
    for fmt, text in r1_texts[lang].items():
        flat = _spaces(text)
        assert "NOT REAL DATA" not in flat and "SYNTHETIC" not in flat, fmt
        assert not re.search(r"[\w.-]+/[\w.-]+\.(py|csv|yaml|duckdb)\b", flat), fmt
        assert "seed:" not in flat and "King Baudouin" not in flat, fmt
        assert not threshold.search(flat), (fmt, threshold.search(flat))
        assert not [t for t in english_titles if _spaces(t) in flat], fmt
    assert {"fr": "Note de plaidoyer", "nl": "Pleitnota"}[lang] in r1_texts[lang]["md"]


@pytest.mark.parametrize("lang", LANGUAGES)
def test_demo_data_make_an_illustration_not_a_supported_recommendation(
    warehouse_path: Path, lang: str
) -> None:
    """R3 rests on survey figures only: on demo data an illustration. R1 also has real
    (barometer) evidence: its status counts that evidence only."""
    illustration = {
        "fr": "illustration (données synthétiques)",
        "nl": "illustratie (synthetische gegevens)",
        "en": "illustration (synthetic data)",
    }
    supported = {
        "fr": "étayée par les données",
        "nl": "onderbouwd door de gegevens",
        "en": "supported by the evidence",
    }
    note = build_note(warehouse_path, lang, recommendations=["R1", "R3"])
    r1, r3 = note.recommendations
    assert r3.status == illustration[lang] and r1.status == supported[lang]
    label = {
        "fr": "Illustration sur données synthétiques",
        "nl": "Illustratie op synthetische gegevens",
        "en": "Illustration on synthetic data",
    }[lang]
    assert label in r3.evidence and label in r1.evidence
    assert r1.evidence.index("2020") < r1.evidence.index(label)  # real evidence first


def test_the_barometer_figure_is_cited_to_its_own_edition(warehouse_path: Path) -> None:
    note = build_note(warehouse_path, "fr", indicators=["pub_barometer_financial_deterioration"])
    (figure,) = note.key_figures
    assert figure.period == "2020" and figure.scope == "Belgique"
    (source,) = figure.sources
    assert source.source_id == "kbs_barometer_associations_2020"
    assert "2020" in source.citation and "codef.be" in source.reference
    assert "Fondation Roi Baudouin" in source.citation


def test_the_evidence_sentence_says_what_the_number_means(warehouse_path: Path) -> None:
    (fr,) = _public(
        warehouse_path, "SELECT evidence_fr FROM public.recommendations WHERE recommendation_id = 'R1'", []
    )[0]
    assert "plus de baisses que de hausses (solde de -" in fr and "points en 2024" in fr
    assert re.search(r"n = \d+", fr) and "0,0" not in fr


def test_a_failed_render_exits_2_with_one_line_in_the_note_language(
    warehouse_path: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys
) -> None:
    from exports.notes import writer
    from sector_monitor.cli import main

    def broken(note: Note, fmt: str) -> bytes:
        raise OSError("cannot load library 'libpango-1.0-0'")

    monkeypatch.setattr(writer, "render_note", broken)
    out = tmp_path / "note.pdf"
    code = main(
        [
            "note",
            "--lang",
            "nl",
            "--recommendation",
            "R1",
            "--warehouse",
            str(warehouse_path),
            "--out",
            str(out),
        ]
    )
    printed = capsys.readouterr().err.strip()
    assert code == 2 and not out.exists()
    assert printed.count("\n") == 0 and "De nota kon niet als PDF worden gemaakt" in printed
    assert "libpango" in printed


def test_a_render_that_hangs_is_stopped(warehouse_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    import threading

    from exports.notes import writer
    from exports.notes.writer import NoteRenderError, render_note_within

    release = threading.Event()
    monkeypatch.setattr(writer, "render_note", lambda note, fmt: release.wait(30) or b"")
    note = build_note(warehouse_path, "fr", recommendations=["R2"])
    with pytest.raises(NoteRenderError, match="a dépassé 1 secondes"):
        render_note_within(note, "pdf", timeout=1)
    release.set()


def test_a_command_render_past_its_time_is_killed(
    warehouse_path: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The CLI renders in a forked process (its libraries load while the warehouse is read):
    a render that hangs is killed at the timeout, with the message in the note's language."""
    import time

    from exports.notes import writer

    monkeypatch.setattr(writer, "render_note", lambda note, fmt: time.sleep(60) or b"")
    note = build_note(warehouse_path, "nl", recommendations=["R2"])
    renderer = writer.RendererProcess("pdf")
    process = renderer._process
    if process is None:
        pytest.skip("another thread runs in this test process: the renderer falls back to a thread")
    with pytest.raises(writer.NoteRenderError, match="Het maken van de nota als PDF duurde langer"):
        renderer.write(note, tmp_path / "note.pdf", timeout=1)
    assert not process.is_alive() and not (tmp_path / "note.pdf").exists()


@pytest.mark.slow
def test_notes_render_with_no_browser_on_the_machine(warehouse_path: Path, tmp_path: Path) -> None:
    """PDF and DOCX with charts in FR, NL and EN, and /download/note.pdf, with /usr/bin/chromium
    made unusable in a private mount namespace (as after the README's run command only)."""
    script = tmp_path / "no_browser.py"
    script.write_text(
        textwrap.dedent(f"""
        import os, docx
        from pathlib import Path
        from sector_monitor.cli import main
        from sector_monitor.web import create_app
        assert not os.access("/usr/bin/chromium", os.X_OK)  # no browser to start
        for lang in ("fr", "nl", "en"):
            for ext in ("pdf", "docx"):
                out = Path({str(tmp_path)!r}) / f"{{lang}}.{{ext}}"
                assert main(["note", "--lang", lang, "--recommendation", "R4", "--warehouse",
                             {str(warehouse_path)!r}, "--out", str(out)]) == 0
            assert len(docx.Document(str(out)).inline_shapes) >= 1
        client = create_app({str(warehouse_path)!r}).server.test_client()
        response = client.get("/download/note.pdf?lang=nl&rec=R1")
        assert response.status_code == 200 and response.data.startswith(b"%PDF")
        print("ok")
    """)
    )
    command = [sys.executable, str(script)]
    if Path("/usr/bin/chromium").exists():
        command = [
            "unshare",
            "--mount",
            "sh",
            "-c",
            "mount --bind /dev/null /usr/bin/chromium && exec " + " ".join(command),
        ]
    done = subprocess.run(command, capture_output=True, text=True, timeout=300)
    assert done.returncode == 0 and done.stdout.strip().endswith("ok"), done.stderr[-2000:]
    for lang in LANGUAGES:
        text = subprocess.run(
            ["pdftotext", str(tmp_path / f"{lang}.pdf"), "-"], check=True, capture_output=True, text=True
        ).stdout
        assert {"fr": "Graphiques", "nl": "Grafieken", "en": "Charts"}[lang] in text
        assert "2022" in text and "2024" in text  # the trend chart's axis, drawn as text


@pytest.mark.parametrize("period", ["2022", "2024"])
def test_a_note_of_an_earlier_period_says_its_verdicts_rest_on_the_latest_figures(
    warehouse_path: Path, period: str
) -> None:
    """The recommendations are judged on the latest figures: a note whose key figures are of
    2022 says so, a note of the latest wave does not."""
    note = build_note(warehouse_path, "en", recommendations=["R4"], period=period)
    said = [s for s in note.summary if s.startswith("The verdicts on the recommendations rest on")]
    assert {f.period for f in note.key_figures} <= {period, "2013"}
    if period == "2024":
        assert said == []
    else:
        assert said == [
            "The verdicts on the recommendations rest on the latest published figures (up to 2024), "
            "not on the period 2022 chosen for the key figures."
        ]


def test_an_interval_bound_that_is_not_zero_never_reads_zero() -> None:
    """A significant rise of 0.3 with a lower bound of 0.034 reads "+0.03 to +0.51", not
    "+0.0 to +0.5", which would seem to include no change; the change keeps the same decimals."""
    assert change_with_interval(0.27, 0.034, 0.512, "en") == ("0.27", "+0.03", "+0.51")
    assert change_with_interval(-10.0, 2.14, 17.9, "fr") == ("10,0", "+2,1", "+17,9")
    assert change_with_interval(0.0004, -0.0004, 0.0, "nl") == ("0,0004", "-0,0004", "+0,0000")
    assert change_with_interval(None, None, 1.0, "en") == ("–", "–", "+1.0")


def test_a_note_of_a_survey_wave_keeps_the_public_figures_of_their_own_year(warehouse_path: Path) -> None:
    """The note builder sends the latest wave: the Barometer figures of R4 (2013) are shown with
    their year and source, not listed as "not published in 2024"."""
    note = build_note(warehouse_path, "en", recommendations=["R4"], period="2024")
    public = [f for f in note.key_figures if f.n is None]
    assert {(f.period, f.other_year) for f in public} == {("2013", True)} and len(public) == 2
    assert all(f.sources for f in public) and note.unpublished == ()
    assert any("King Baudouin Foundation" in s.producer for s in note.sources)
