"""Render a note in a format (pdf, docx, md), to bytes or to the file its suffix names."""

from __future__ import annotations

import threading
from pathlib import Path

from exports.notes.content import TEXTS
from exports.notes.model import Note

FORMATS = (".pdf", ".docx", ".md")
TIMEOUT_S = 60.0  # a note renders in about a second; past this something is wrong


class NoteRenderError(RuntimeError):
    """Rendering failed or took too long; ``str()`` is one line in the note's language."""


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


def render_note_within(note: Note, fmt: str, timeout: float = TIMEOUT_S) -> bytes:
    """``render_note`` bounded in time: raises NoteRenderError (in the note's language) when
    the renderer fails or has not finished after ``timeout`` seconds (the renderer thread is a
    daemon: it cannot keep the process alive)."""
    fmt = fmt.lower().lstrip(".")
    if f".{fmt}" not in FORMATS:
        raise ValueError(f"unsupported note format .{fmt}: use {', '.join(FORMATS)}")
    outcome: dict[str, object] = {}

    def work() -> None:
        try:
            outcome["body"] = render_note(note, fmt)
        except Exception as exc:  # reported to the caller below
            outcome["error"] = exc

    thread = threading.Thread(target=work, name="note-render", daemon=True)
    thread.start()
    thread.join(timeout)
    t = TEXTS[note.lang]
    if thread.is_alive():
        raise NoteRenderError(t["render_timeout"].format(format=fmt.upper(), seconds=int(timeout)))
    if "error" in outcome:
        error = outcome["error"]
        reason = " ".join(str(error).split())[:200] or type(error).__name__
        raise NoteRenderError(t["render_failed"].format(format=fmt.upper(), reason=reason)) from error  # type: ignore[misc]
    return outcome["body"]  # type: ignore[return-value]


def write_note(note: Note, out: Path, timeout: float = TIMEOUT_S) -> Path:
    """Render ``note`` to ``out`` as PDF, DOCX or Markdown (by suffix); returns ``out``."""
    out = Path(out)
    body = render_note_within(note, out.suffix, timeout)
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_bytes(body)
    return out
