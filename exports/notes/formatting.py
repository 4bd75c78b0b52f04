"""A note's numbers: decimals by unit (languages, locales and the missing mark: :mod:`core.i18n`)."""

from __future__ import annotations

from core.i18n import MISSING, decimals_for, format_number, is_missing


def number(value: object, lang: str, unit: str | None = None, signed: bool = False) -> str:
    """``7 036,5`` (fr), ``7.036,5`` (nl), ``7,036.5`` (en) with the unit's decimals; ``–`` when missing."""
    return format_number(value, lang, decimals_for(unit), signed)


def change_with_interval(
    change: object, low: object, high: object, lang: str, unit: str | None = None
) -> tuple[str, str, str]:
    """A change (unsigned) and its interval's bounds (signed), all with the unit's decimals or up
    to three more, so that a value that is not zero never reads 0 (the interval of a significant
    change would seem to hold 0, or a change of 0.03 read 0.0)."""
    base = decimals = decimals_for(unit)
    shown = [abs(float(v)) for v in (change, low, high) if not is_missing(v) and float(v) != 0]  # type: ignore[arg-type]
    while decimals < base + 3 and any(round(v, decimals) == 0 for v in shown):
        decimals += 1
    magnitude = MISSING if is_missing(change) else format_number(abs(float(change)), lang, decimals)  # type: ignore[arg-type]
    return magnitude, format_number(low, lang, decimals, True), format_number(high, lang, decimals, True)
