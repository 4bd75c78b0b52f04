"""The error raised when a survey export cannot be read at all (trilingual message)."""

from __future__ import annotations


class SurveyReadError(ValueError):
    """A file that cannot be read: says what is wrong, where, and how to fix it, in fr/nl/en."""

    def __init__(self, message_fr: str, message_nl: str, message_en: str) -> None:
        self.message_fr = message_fr
        self.message_nl = message_nl
        self.message_en = message_en
        super().__init__(f"[fr] {message_fr}\n[nl] {message_nl}\n[en] {message_en}")


def unreadable(path: object, fr: str, nl: str, en: str) -> SurveyReadError:
    """Build a SurveyReadError naming the file in each language."""
    return SurveyReadError(f"Fichier {path} : {fr}", f"Bestand {path}: {nl}", f"File {path}: {en}")
