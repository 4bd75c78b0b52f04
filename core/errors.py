"""Errors a user reads: the message in each interface language (``messages``), English as ``str()``."""

from __future__ import annotations

from typing import Self


class Explained(Exception):
    """An error whose message says what happened and what to do, in fr, nl and en."""

    def __init__(self, fr: str, nl: str, en: str) -> None:
        super().__init__(en)
        self.messages = {"fr": fr, "nl": nl, "en": en}

    @classmethod
    def about(cls, subject: object, fr: str, nl: str, en: str) -> Self:
        """The error about ``subject`` (a file...), named before each message, a space before
        the French colon: ``f.csv : ...``, ``f.csv: ...``."""
        return cls(f"{subject} : {fr}", f"{subject}: {nl}", f"{subject}: {en}")


class ExplainedWarning(Explained, UserWarning):
    """A warning the user must act on, in fr, nl and en."""
