"""The note as an A4 PDF: HTML from a Jinja2 template with inline SVG charts, by weasyprint."""

from __future__ import annotations

import re
from pathlib import Path

import jinja2
import weasyprint

from exports.notes.charts import render
from exports.notes.model import Note

HERE = Path(__file__).parent
TEMPLATE = jinja2.Environment(loader=jinja2.FileSystemLoader(HERE), autoescape=True).get_template(
    "note.html.j2"
)


def _css_string(text: str) -> str:
    return '"' + text.replace("\\", "\\\\").replace('"', '\\"') + '"'


def page_footer(template: str) -> str:
    """CSS ``content`` for ``Page {page} of {pages}`` with weasyprint's page counters."""
    parts = re.split(r"(\{page\}|\{pages\})", template)
    counters = {"{page}": "counter(page)", "{pages}": "counter(pages)"}
    return " ".join(counters.get(p) or _css_string(p) for p in parts if p)


def inline_svg(svg: bytes) -> str:
    """The ``<svg>`` element of a standalone SVG file (without its XML prolog and doctype)."""
    text = svg.decode("utf-8")
    return text[text.index("<svg") :]


def render_pdf(note: Note) -> bytes:
    """PDF bytes of ``note``."""
    header, rows = note.key_figure_table()
    html = TEMPLATE.render(
        note=note,
        lab=note.labels,
        header=header,
        rows=rows,
        charts=[(c, inline_svg(render(c.spec, "svg"))) for c in note.charts],
        css=(HERE / "note.css").read_text(encoding="utf-8"),
        footer=page_footer(note.labels["page"]),
    )
    return weasyprint.HTML(string=html, base_url=str(HERE)).write_pdf()
