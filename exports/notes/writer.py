"""Write a note in the format its file suffix names."""

from __future__ import annotations

from pathlib import Path

from exports.notes.model import Note

FORMATS = (".pdf", ".docx", ".md")


def write_note(note: Note, out: Path) -> Path:
    """Render ``note`` to ``out`` as PDF, DOCX or Markdown (by suffix); returns ``out``."""
    out = Path(out)
    suffix = out.suffix.lower()
    if suffix == ".pdf":
        from exports.notes.render_pdf import render_pdf as render
    elif suffix == ".docx":
        from exports.notes.render_docx import render_docx as render
    elif suffix == ".md":
        from exports.notes.render_markdown import render_markdown as render
    else:
        raise ValueError(f"unsupported note format {suffix!r}: use {', '.join(FORMATS)}")
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_bytes(render(note))
    return out
