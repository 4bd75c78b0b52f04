"""Numbers and dates as written in each note language (Babel: fr_BE, nl_BE, en)."""

from __future__ import annotations

import math
import sys
from datetime import date

from babel.dates import format_date
from babel.numbers import format_decimal

LOCALES = {"fr": "fr_BE", "nl": "nl_BE", "en": "en"}
DECIMALS = {"ratio": 2, "score": 2, "fte": 0, "eur": 0, "count": 0, "persons": 0}
MISSING = "–"


def is_missing(value: object) -> bool:
    """Whether a cell holds nothing: None, NaN, pandas NA or an empty text.

    A non-empty text is a value (a caveat, a label), not a missing number."""
    if value is None:
        return True
    if isinstance(value, str):
        return not value.strip()
    try:
        return math.isnan(float(value))  # type: ignore[arg-type]
    except (TypeError, ValueError):
        pandas = sys.modules.get("pandas")  # no pandas loaded: the value cannot be its NA
        return pandas is not None and value is pandas.NA


def decimals_for(unit: str | None) -> int:
    """Decimals printed for a value in ``unit`` (one unless the unit says otherwise)."""
    return DECIMALS.get(unit or "", 1)


def number(value: object, lang: str, unit: str | None = None, signed: bool = False) -> str:
    """``7 036,5`` (fr), ``7.036,5`` (nl), ``7,036.5`` (en); ``–`` when missing."""
    if is_missing(value):
        return MISSING
    decimals = decimals_for(unit)
    pattern = "#,##0" + ("." + "0" * decimals if decimals else "")
    if signed:
        pattern = f"+{pattern};-{pattern}"
    return format_decimal(float(value), format=pattern, locale=LOCALES[lang])  # type: ignore[arg-type]


def long_date(day: date, lang: str) -> str:
    """``25 novembre 2026``, ``25 november 2026``, ``November 25, 2026``."""
    return format_date(day, format="long", locale=LOCALES[lang])
