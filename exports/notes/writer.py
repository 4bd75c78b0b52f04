"""Render a note in a format (pdf, docx, md), to bytes or to the file its suffix names."""

from __future__ import annotations

import contextlib
import importlib
import multiprocessing
import threading
from multiprocessing.connection import Connection
from pathlib import Path

from core.errors import Explained
from exports.notes.model import Note
from exports.notes.texts import TEXTS

FORMATS = (".pdf", ".docx", ".md")
TIMEOUT_S = 60.0  # a note renders in about a second; past this something is wrong


class NoteRenderError(RuntimeError):
    """Rendering failed or took too long; ``str()`` is one line in the note's language."""


RENDERERS = {
    "pdf": ("exports.notes.render_pdf", "render_pdf"),
    "docx": ("exports.notes.render_docx", "render_docx"),
    "md": ("exports.notes.render_markdown", "render_markdown"),
}


class NoteFormatError(Explained, ValueError):
    """A note asked in a format no renderer writes."""


def _format(fmt: str) -> str:
    fmt = fmt.lower().lstrip(".")
    if fmt not in RENDERERS:
        formats = ", ".join(FORMATS)
        raise NoteFormatError(
            f"format de note non pris en charge : .{fmt} ; utilisez {formats}",
            f"notaformaat niet ondersteund: .{fmt}; gebruik {formats}",
            f"unsupported note format .{fmt}: use {formats}",
        )
    return fmt


def render_note(note: Note, fmt: str) -> bytes:
    """The note as ``pdf``, ``docx`` or ``md`` bytes."""
    module, function = RENDERERS[_format(fmt)]
    return getattr(importlib.import_module(module), function)(note)


def _failure(note: Note, fmt: str, error: BaseException | str) -> NoteRenderError:
    reason = " ".join(str(error).split())[:200] or type(error).__name__
    return NoteRenderError(TEXTS[note.lang]["render_failed"].format(format=fmt.upper(), reason=reason))


def _timeout(note: Note, fmt: str, timeout: float) -> NoteRenderError:
    return NoteRenderError(
        TEXTS[note.lang]["render_timeout"].format(format=fmt.upper(), seconds=int(timeout))
    )


def render_note_within(note: Note, fmt: str, timeout: float = TIMEOUT_S) -> bytes:
    """``render_note`` bounded in time: raises NoteRenderError (in the note's language) when
    the renderer fails or has not finished after ``timeout`` seconds (the renderer thread is a
    daemon: it cannot keep the process alive)."""
    fmt = _format(fmt)
    outcome: dict[str, object] = {}

    def work() -> None:
        try:
            outcome["body"] = render_note(note, fmt)
        except Exception as exc:  # reported to the caller below
            outcome["error"] = exc

    thread = threading.Thread(target=work, name="note-render", daemon=True)
    thread.start()
    thread.join(timeout)
    if thread.is_alive():
        raise _timeout(note, fmt, timeout)
    error = outcome.get("error")
    if isinstance(error, BaseException):
        raise _failure(note, fmt, error) from error
    body = outcome["body"]
    assert isinstance(body, bytes)
    return body


def write_note(note: Note, out: Path, timeout: float = TIMEOUT_S) -> Path:
    """Render ``note`` to ``out`` as PDF, DOCX or Markdown (by suffix); returns ``out``."""
    out = Path(out)
    body = render_note_within(note, out.suffix, timeout)
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_bytes(body)
    return out


class RendererProcess:
    """One note rendered in a process forked before the note is built, for one-shot commands.

    The process loads the renderer's libraries (weasyprint and matplotlib take about a second
    cold) while the caller reads the warehouse, then renders the note it is sent and writes
    the file. A render past its time is killed, not abandoned. It is forked only while the
    caller runs a single thread (forking a threaded process can deadlock); otherwise
    :meth:`write` renders in a thread like :func:`render_note_within`. A server keeps its
    libraries loaded and renders in threads instead."""

    def __init__(self, fmt: str) -> None:
        self.fmt = _format(fmt)
        self._conn: Connection | None = None
        self._process: multiprocessing.process.BaseProcess | None = None
        if threading.active_count() == 1:
            context = multiprocessing.get_context("fork")
            self._conn, child = context.Pipe()
            self._process = context.Process(target=_serve, args=(child, self.fmt), daemon=True)
            self._process.start()
            child.close()

    def write(self, note: Note, out: Path, timeout: float = TIMEOUT_S) -> Path:
        """Render ``note`` to ``out`` (suffix = the format given); NoteRenderError on failure."""
        out = Path(out)
        if self._conn is None or self._process is None:
            return write_note(note, out, timeout)
        try:
            self._conn.send((note, str(out)))
            if not self._conn.poll(timeout):
                raise _timeout(note, self.fmt, timeout)
            error = self._conn.recv()
        except (EOFError, OSError) as exc:  # the process died (e.g. killed by the system)
            raise _failure(note, self.fmt, exc) from exc
        finally:
            self.close()
        if error is not None:
            raise _failure(note, self.fmt, error)
        return out

    def close(self) -> None:
        """Stop the process (a note not sent, or a render past its time)."""
        if self._process is not None:
            if self._process.is_alive():
                self._process.kill()
            self._process.join()
            self._process = None
        if self._conn is not None:
            self._conn.close()
            self._conn = None

    def __enter__(self) -> RendererProcess:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()


def _serve(conn: Connection, fmt: str) -> None:
    """The renderer process: load the libraries, wait for the note, write it, answer None or
    the error's text (an exception object may not pickle)."""
    with contextlib.suppress(Exception):  # a library that cannot load fails the render below
        importlib.import_module(RENDERERS[fmt][0])
    try:
        note, out = conn.recv()
    except (EOFError, OSError):  # the caller gave up (e.g. an unknown recommendation)
        return
    try:
        body = render_note(note, fmt)
        Path(out).parent.mkdir(parents=True, exist_ok=True)
        Path(out).write_bytes(body)
    except Exception as exc:
        conn.send(str(exc) or type(exc).__name__)
        return
    conn.send(None)
