"""A note's numbers: decimals by unit (languages, locales and the missing mark: :mod:`core.i18n`)."""

from __future__ import annotations

from core.i18n import decimals_for, format_number, is_missing


def number(value: object, lang: str, unit: str | None = None, signed: bool = False) -> str:
    """``7 036,5`` (fr), ``7.036,5`` (nl), ``7,036.5`` (en) with the unit's decimals; ``–`` when missing."""
    return format_number(value, lang, decimals_for(unit), signed)


def interval(
    low: object, high: object, lang: str, unit: str | None = None, signed: bool = False
) -> tuple[str, str]:
    """Both bounds of an interval with the unit's decimals, or up to three more so that a bound
    that is not zero never reads 0 (the interval of a significant change would seem to hold 0)."""
    base = decimals = decimals_for(unit)
    bounds = [float(b) for b in (low, high) if not is_missing(b) and float(b) != 0]  # type: ignore[arg-type]
    while decimals < base + 3 and any(round(abs(b), decimals) == 0 for b in bounds):
        decimals += 1
    return format_number(low, lang, decimals, signed), format_number(high, lang, decimals, signed)
