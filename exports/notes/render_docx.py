"""The note as an editable Word document: real headings, a table, PNG charts (python-docx)."""

from __future__ import annotations

import io

from docx import Document
from docx.oxml import OxmlElement
from docx.oxml.ns import qn
from docx.shared import Cm, Pt, RGBColor
from docx.text.paragraph import Paragraph

from exports.notes.charts import render
from exports.notes.model import Note

BANNER_COLOUR = RGBColor(0x8A, 0x2B, 0x00)


def _field(paragraph: Paragraph, instruction: str) -> None:
    """Append a Word field (``PAGE``, ``NUMPAGES``) that Word computes when displaying."""
    field = OxmlElement("w:fldSimple")
    field.set(qn("w:instr"), instruction)
    run = OxmlElement("w:r")
    text = OxmlElement("w:t")
    text.text = "1"
    run.append(text)
    field.append(run)
    paragraph._p.append(field)


def _page_footer(paragraph: Paragraph, template: str) -> None:
    """``Page {page} of {pages}`` with live page fields."""
    before, _, rest = template.partition("{page}")
    middle, _, after = rest.partition("{pages}")
    paragraph.add_run(before)
    _field(paragraph, "PAGE")
    paragraph.add_run(middle)
    _field(paragraph, "NUMPAGES")
    paragraph.add_run(after)


def render_docx(note: Note) -> bytes:
    """DOCX bytes of ``note``."""
    lab = note.labels
    doc = Document()
    doc.core_properties.title = note.title
    doc.core_properties.language = note.lang
    section = doc.sections[0]
    section.page_height, section.page_width = Cm(29.7), Cm(21)
    section.left_margin = section.right_margin = Cm(2)
    _page_footer(section.footer.paragraphs[0], lab["page"])
    if note.synthetic:
        run = section.header.paragraphs[0].add_run(lab["synthetic_banner"])
        run.bold, run.font.color.rgb = True, BANNER_COLOUR

    doc.add_heading(note.title, level=0)
    doc.add_paragraph(f"{note.date} · {note.edition}")
    if note.synthetic:
        run = doc.add_paragraph().add_run(lab["synthetic_banner"])
        run.bold, run.font.color.rgb = True, BANNER_COLOUR

    doc.add_heading(lab["context"], level=1)
    for paragraph in note.context:
        doc.add_paragraph(paragraph)

    doc.add_heading(lab["summary"], level=1)
    for sentence in note.summary:
        doc.add_paragraph(sentence, style="List Bullet")

    doc.add_heading(lab["key_figures"], level=1)
    header, rows = note.key_figure_table()
    if rows:
        table = doc.add_table(rows=1, cols=len(header), style="Table Grid")
        for cell, text in zip(table.rows[0].cells, header, strict=True):
            cell.paragraphs[0].add_run(text).bold = True
        for row in rows:
            for cell, text in zip(table.add_row().cells, row, strict=True):
                cell.text = text
        legend = doc.add_paragraph(note.table_legend())
        legend.runs[0].font.size = Pt(8)
    else:
        doc.add_paragraph(lab["no_figures"])
    if note.unpublished:
        doc.add_heading(lab["unpublished"], level=2)
        for item in note.unpublished:
            doc.add_paragraph(item.text, style="List Bullet")

    if note.charts:
        doc.add_heading(lab["charts"], level=1)
        for chart in note.charts:
            doc.add_picture(io.BytesIO(render(chart.spec, "png")), width=Cm(16))
            doc.add_paragraph(chart.caption, style="Caption")

    doc.add_heading(lab["recommendations"], level=1)
    for rec in note.recommendations:
        doc.add_heading(rec.heading, level=2)
        doc.add_paragraph(rec.text)
        doc.add_paragraph().add_run(rec.status).italic = True

    doc.add_heading(lab["methods"], level=1)
    for paragraph in note.methods:
        doc.add_paragraph(paragraph)
    if note.caveats:
        doc.add_heading(lab["caveats"], level=2)
        for caveat in note.caveats:
            doc.add_paragraph(caveat, style="List Bullet")

    doc.add_heading(lab["sources"], level=1)
    for source in note.sources:
        doc.add_paragraph(f"[{source.ref}] {source.reference}")
    buffer = io.BytesIO()
    doc.save(buffer)
    return buffer.getvalue()
