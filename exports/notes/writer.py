"""Render a note in a format (pdf, docx, md), to bytes or to the file its suffix names."""

from __future__ import annotations

from pathlib import Path

from exports.notes.model import Note

FORMATS = (".pdf", ".docx", ".md")


def render_note(note: Note, fmt: str) -> bytes:
    """The note as ``pdf``, ``docx`` or ``md`` bytes."""
    fmt = fmt.lower().lstrip(".")
    if fmt == "pdf":
        from exports.notes.render_pdf import render_pdf as render
    elif fmt == "docx":
        from exports.notes.render_docx import render_docx as render
    elif fmt == "md":
        from exports.notes.render_markdown import render_markdown as render
    else:
        raise ValueError(f"unsupported note format .{fmt}: use {', '.join(FORMATS)}")
    return render(note)


def write_note(note: Note, out: Path) -> Path:
    """Render ``note`` to ``out`` as PDF, DOCX or Markdown (by suffix); returns ``out``."""
    out = Path(out)
    body = render_note(note, out.suffix)
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_bytes(body)
    return out
