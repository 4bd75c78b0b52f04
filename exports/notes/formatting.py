"""A note's numbers: decimals by unit (languages, locales and the missing mark: :mod:`core.i18n`)."""

from __future__ import annotations

from core.i18n import decimals_for, format_number


def number(value: object, lang: str, unit: str | None = None, signed: bool = False) -> str:
    """``7 036,5`` (fr), ``7.036,5`` (nl), ``7,036.5`` (en) with the unit's decimals; ``–`` when missing."""
    return format_number(value, lang, decimals_for(unit), signed)
