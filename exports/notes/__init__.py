"""Advocacy notes: ``build_note`` reads the public views, ``write_note`` renders them."""

from exports.notes.content import build_note
from exports.notes.model import Note
from exports.notes.writer import render_note, write_note

__all__ = ["Note", "build_note", "render_note", "write_note"]
