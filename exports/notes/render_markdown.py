"""The note as Markdown (GitHub tables) to copy and paste; charts are left to PDF/DOCX."""

from __future__ import annotations

from exports.notes.model import Note

MARKUP = str.maketrans({c: "\\" + c for c in "\\[]<>`*"})


def _text(text: str) -> str:
    """Text as Markdown shows it literally: ``[1]`` stays a citation mark, not a link, and no
    markup (HTML, emphasis, code) can come from the data."""
    return text.translate(MARKUP)


def _cell(text: str) -> str:
    return _text(text).replace("|", "\\|").replace("\n", " ")


def render_markdown(note: Note) -> bytes:
    """UTF-8 Markdown of ``note``."""
    lab = note.labels
    lines = [f"# {note.title}", "", f"{note.date} · {note.edition}", ""]
    if note.synthetic:
        lines += [f"> **{lab['synthetic_banner']}**", ""]
    lines += [f"## {lab['context']}", ""] + [_text(p) + "\n" for p in note.context]
    lines += [f"## {lab['summary']}", ""] + [f"- {_text(s)}" for s in note.summary] + [""]
    lines += [f"## {lab['key_figures']}", ""]
    header, rows = note.key_figure_table()
    if rows:
        lines += ["| " + " | ".join(header) + " |", "|" + "---|" * len(header)]
        lines += ["| " + " | ".join(_cell(c) for c in row) + " |" for row in rows]
        lines += ["", "*" + _cell(note.table_legend()) + "*", ""]
    else:
        lines += [lab["no_figures"], ""]
    if note.unpublished:
        lines += [f"### {lab['unpublished']}", ""] + [f"- {_text(u.text)}" for u in note.unpublished]
        lines += [""]
    lines += [f"## {lab['recommendations']}", ""]
    for rec in note.recommendations:
        lines += [f"### {_text(rec.heading)}", "", _text(rec.text), "", f"*{_text(rec.status)}*", ""]
    lines += [f"## {lab['methods']}", ""] + [_text(p) + "\n" for p in note.methods]
    if note.caveats:
        lines += [f"### {lab['caveats']}", ""] + [f"- {_text(c)}" for c in note.caveats] + [""]
    lines += [f"## {lab['sources']}", ""]
    lines += [f"{s.ref}. {_text(s.reference)}" for s in note.sources]
    return ("\n".join(lines).rstrip() + "\n").encode("utf-8")
