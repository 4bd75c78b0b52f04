"""The note as Markdown (GitHub tables) to copy and paste; charts are left to PDF/DOCX."""

from __future__ import annotations

from exports.notes.model import Note


def _cell(text: str) -> str:
    return text.replace("|", "\\|").replace("\n", " ")


def render_markdown(note: Note) -> bytes:
    """UTF-8 Markdown of ``note``."""
    lab = note.labels
    lines = [f"# {note.title}", "", f"{note.date} · {note.edition}", ""]
    if note.synthetic:
        lines += [f"> **{lab['synthetic_banner']}**", ""]
    lines += [f"## {lab['context']}", ""] + [p + "\n" for p in note.context]
    lines += [f"## {lab['summary']}", ""] + [f"- {s}" for s in note.summary] + [""]
    lines += [f"## {lab['key_figures']}", ""]
    header, rows = note.key_figure_table()
    if rows:
        lines += ["| " + " | ".join(header) + " |", "|" + "---|" * len(header)]
        lines += ["| " + " | ".join(_cell(c) for c in row) + " |" for row in rows]
        lines += ["", "*" + _cell(note.table_legend()).replace("*", "\\*") + "*", ""]
    else:
        lines += [lab["no_figures"], ""]
    if note.unpublished:
        lines += [f"### {lab['unpublished']}", ""] + [f"- {u.text}" for u in note.unpublished]
        lines += [""]
    lines += [f"## {lab['recommendations']}", ""]
    for rec in note.recommendations:
        lines += [f"### {rec.heading}", "", rec.text, "", f"*{rec.status}*", ""]
    lines += [f"## {lab['methods']}", ""] + [p + "\n" for p in note.methods]
    if note.caveats:
        lines += [f"### {lab['caveats']}", ""] + [f"- {c}" for c in note.caveats] + [""]
    lines += [f"## {lab['sources']}", ""]
    lines += [f"{s.ref}. {s.reference}" for s in note.sources]
    return ("\n".join(lines).rstrip() + "\n").encode("utf-8")
