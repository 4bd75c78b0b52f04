"""The survey codebook, loaded from the XLSForm sheets in ``instrument/`` (single source of truth).

``CODEBOOK`` holds every answerable question (code, group, XLSForm type, list, required flag,
range, relevance, restricted flag) and every choice list with its fr/nl/en labels, plus helpers
that map a label in any language (or a code) back to its code, case- and accent-insensitively.

The questionnaire is versioned (:data:`CODEBOOKS`): ``v1`` is ``instrument/*.csv`` (the first
version, and :data:`CODEBOOK`, the default of the readers), ``v2`` is ``instrument/v2/*.csv``;
``instrument/versions.yaml`` holds each version's changelog and the seed passage of each new
question. A later version may add questions; a question it changes (type, choices, range,
relevance) makes the waves asked with different wordings incomparable for the indicators that
use it (:meth:`Codebook.signature`). :data:`LATEST` has every question of every version.
"""

from __future__ import annotations

import csv
import re
import unicodedata
from collections.abc import Iterable
from dataclasses import dataclass, field
from functools import cached_property
from pathlib import Path

INSTRUMENT_DIR = Path(__file__).with_name("instrument")
LANGUAGES: dict[str, str] = {"fr": "French (fr)", "nl": "Dutch (nl)", "en": "English (en)"}
ANSWER_TYPES = ("integer", "decimal", "text", "date", "select_one", "select_multiple")
EXCLUSIVE_OPTION = "none"

_RANGE = re.compile(r"\.\s*>=\s*(-?[\d.]+)\s+and\s+\.\s*<=\s*(-?[\d.e+]+)")
_RELEVANT = re.compile(r"^\$\{(\w+)\}\s*=\s*'([^']*)'$")


def normalise_label(text: str) -> str:
    """Fold case, strip accents and collapse whitespace so labels compare loosely."""
    text = str(text)
    if not text.isascii():  # ASCII has neither accents nor compatibility forms
        decomposed = unicodedata.normalize("NFKD", text)
        text = "".join(ch for ch in decomposed if not unicodedata.combining(ch))
    return " ".join(text.replace("\u2019", "'").casefold().split())


def label_lookup(entries: Iterable[tuple[str, dict[str, str]]], what: str) -> dict[str, str]:
    """Normalised code or label (any language) -> code; a label naming two codes is an error."""
    table: dict[str, str] = {}
    for code, labels in entries:
        for key in (code, *labels.values()):
            if table.setdefault(normalise_label(key), code) != code:
                raise ValueError(f"{what} {key!r} is ambiguous")
    return table


@dataclass(frozen=True)
class Choice:
    """One option of a choice list."""

    code: str
    labels: dict[str, str]


@dataclass(frozen=True)
class ChoiceList:
    """A named XLSForm choice list with a loose label -> code lookup."""

    name: str
    choices: tuple[Choice, ...]

    @property
    def codes(self) -> tuple[str, ...]:
        return tuple(c.code for c in self.choices)

    @cached_property
    def lookup(self) -> dict[str, str]:
        """Normalised code or label (any language) -> code."""
        return label_lookup(((c.code, c.labels) for c in self.choices), f"list {self.name}: choice")

    def code_for(self, text: str) -> str | None:
        """Map a code or a label in any language to its code; None when unknown."""
        return self.lookup.get(normalise_label(text))

    def label(self, code: str, lang: str) -> str:
        return next(c.labels[lang] for c in self.choices if c.code == code)


@dataclass(frozen=True)
class Question:
    """One answerable question of the form."""

    code: str
    group: str
    xlsform_type: str
    list_name: str | None
    required: bool
    min: float | None
    max: float | None
    relevance: str | None
    labels: dict[str, str]
    hints: dict[str, str]

    @property
    def base_type(self) -> str:
        return self.xlsform_type.split()[0]

    @property
    def restricted(self) -> bool:
        """Free text and names are never published."""
        return self.base_type == "text"

    @property
    def relevance_condition(self) -> tuple[str, str] | None:
        """``(code, value)`` for a relevance of the form ``${code} = 'value'``."""
        if not self.relevance:
            return None
        match = _RELEVANT.match(self.relevance.strip())
        if match is None:
            raise ValueError(f"{self.code}: unsupported relevance {self.relevance!r}")
        return match.group(1), match.group(2)


@dataclass(frozen=True)
class Codebook:
    """Questions in form order and their choice lists."""

    questions: tuple[Question, ...]
    lists: dict[str, ChoiceList]
    groups: dict[str, dict[str, str]] = field(default_factory=dict)
    version: str = "v1"

    def signature(self, code: str) -> tuple | None:
        """What makes answers to ``code`` comparable across versions (None: not asked): its
        type, choice codes, range, required flag and relevance; not its labels' wording."""
        question = self.by_code.get(code)
        if question is None:
            return None
        choices = self.lists[question.list_name].codes if question.list_name else ()
        return (
            question.xlsform_type,
            choices,
            question.min,
            question.max,
            question.required,
            question.relevance,
        )

    @cached_property
    def by_code(self) -> dict[str, Question]:
        return {q.code: q for q in self.questions}

    @property
    def codes(self) -> tuple[str, ...]:
        return tuple(q.code for q in self.questions)

    def choices_of(self, code: str) -> ChoiceList:
        list_name = self.by_code[code].list_name
        if list_name is None:
            raise KeyError(f"{code} is not a select question")
        return self.lists[list_name]

    def codes_of_type(self, *base_types: str) -> list[str]:
        return [q.code for q in self.questions if q.base_type in base_types]

    @cached_property
    def share_codes(self) -> tuple[str, ...]:
        """The budget shares that must sum to 100."""
        return tuple(c for c in self.codes if c.startswith("share_") and c.endswith("_pct"))

    @cached_property
    def question_lookup(self) -> dict[str, str]:
        """Normalised code or question label (any language) -> code."""
        return label_lookup(((q.code, q.labels) for q in self.questions), "question label")

    def question_for(self, text: str) -> str | None:
        """Map a question code or label in any language to its code."""
        return self.question_lookup.get(normalise_label(text))


def _read_sheet(name: str, directory: Path) -> list[dict[str, str]]:
    with (directory / f"{name}.csv").open(encoding="utf-8", newline="") as handle:
        return list(csv.DictReader(handle))


def _langs(row: dict[str, str], column: str) -> dict[str, str]:
    return {lang: row.get(f"{column}::{name}", "") for lang, name in LANGUAGES.items()}


def _range(constraint: str) -> tuple[float | None, float | None]:
    match = _RANGE.search(constraint or "")
    return (float(match.group(1)), float(match.group(2))) if match else (None, None)


def load_codebook(directory: Path = INSTRUMENT_DIR, version: str = "v1") -> Codebook:
    """Read the instrument sheets (survey.csv, choices.csv) into a :class:`Codebook`."""
    lists: dict[str, list[Choice]] = {}
    for row in _read_sheet("choices", directory):
        lists.setdefault(row["list_name"], []).append(Choice(row["name"], _langs(row, "label")))
    questions: list[Question] = []
    groups: dict[str, dict[str, str]] = {}
    path: list[str] = []
    for row in _read_sheet("survey", directory):
        kind = row["type"].strip()
        if kind == "begin_group":
            path.append(row["name"])
            groups[row["name"]] = _langs(row, "label")
        elif kind == "end_group":
            path.pop()
        elif kind.split()[0] in ANSWER_TYPES:
            lo, hi = _range(row["constraint"])
            parts = kind.split()
            questions.append(
                Question(
                    code=row["name"],
                    group="/".join(path),
                    xlsform_type=kind,
                    list_name=parts[1] if len(parts) > 1 else None,
                    required=row["required"].strip().lower() in {"yes", "true", "1"},
                    min=lo,
                    max=hi,
                    relevance=row["relevant"].strip() or None,
                    labels=_langs(row, "label"),
                    hints=_langs(row, "hint"),
                )
            )
    return Codebook(tuple(questions), {k: ChoiceList(k, tuple(v)) for k, v in lists.items()}, groups, version)


VERSION_DIRS: dict[str, Path] = {"v1": INSTRUMENT_DIR, "v2": INSTRUMENT_DIR / "v2"}
VERSIONS = tuple(VERSION_DIRS)
CODEBOOK = load_codebook()
CODEBOOKS: dict[str, Codebook] = {
    "v1": CODEBOOK,
    **{v: load_codebook(d, v) for v, d in VERSION_DIRS.items() if v != "v1"},
}
LATEST_VERSION = VERSIONS[-1]
LATEST = CODEBOOKS[LATEST_VERSION]


def codebook_for(version: str | None) -> Codebook:
    """The codebook of a questionnaire version (``v1`` when None)."""
    if version is None:
        return CODEBOOK
    if version not in CODEBOOKS:
        raise ValueError(f"unknown questionnaire version {version!r} (known: {', '.join(VERSIONS)})")
    return CODEBOOKS[version]


def version_rows() -> list[dict[str, object]]:
    """One row per version for ``core.questionnaire_versions``: what it adds, removes and asks
    differently against the previous version (computed from the forms), and its changelog."""
    from core.yamlfile import read_yaml

    notes = read_yaml(INSTRUMENT_DIR / "versions.yaml")
    rows = []
    for version in VERSIONS:
        book, note = CODEBOOKS[version], notes[version]
        previous = note.get("previous")
        before = CODEBOOKS[previous] if previous else None
        codes = set(book.codes)
        old = set(before.codes) if before else set()
        with (VERSION_DIRS[version] / "settings.csv").open(encoding="utf-8", newline="") as handle:
            form_version = next(csv.DictReader(handle)).get("version")
        changed = (
            [c for c in book.codes if c in old and before.signature(c) != book.signature(c)] if before else []
        )
        rows.append(
            {
                "version": version,
                "previous_version": previous,
                "released": str(note.get("released", "")),
                "form_version": form_version,
                "n_questions": len(book.questions),
                "added": (" ".join(c for c in book.codes if c not in old) or None) if before else None,
                "removed": (" ".join(c for c in before.codes if c not in codes) or None) if before else None,
                "changed": " ".join(changed) or None,
                **{f"changelog_{lang}": note["changelog"][lang].strip() for lang in LANGUAGES},
            }
        )
    return rows


def seed_citations(version: str) -> dict[str, str]:
    """Question code -> the passage of the source documents it comes from (versions.yaml)."""
    from core.yamlfile import read_yaml

    notes = read_yaml(INSTRUMENT_DIR / "versions.yaml")
    return {code: " ".join(text.split()) for code, text in notes[version].get("seeds", {}).items()}
