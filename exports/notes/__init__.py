"""Advocacy notes: ``build_note`` reads the public views, ``write_note`` renders them."""

from exports.notes.content import build_note
from exports.notes.model import Note
from exports.notes.writer import NoteRenderError, render_note, render_note_within, write_note

__all__ = ["Note", "NoteRenderError", "build_note", "render_note", "render_note_within", "write_note"]
