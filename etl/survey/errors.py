"""The error raised when a survey export cannot be read at all (trilingual message)."""

from __future__ import annotations

from core.errors import Explained


class SurveyReadError(Explained, ValueError):
    """A file that cannot be read: says what is wrong, where, and how to fix it, in fr/nl/en
    (the messages in ``messages``, by language code; English as ``str()``)."""


def unreadable(path: object, fr: str, nl: str, en: str) -> SurveyReadError:
    """Build a SurveyReadError naming the file in each language."""
    return SurveyReadError(f"Fichier {path} : {fr}", f"Bestand {path}: {nl}", f"File {path}: {en}")
