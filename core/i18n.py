"""The interface languages and how each writes numbers, dates and missing values.

Every surface (dashboard, admin, API, notes, CLI and ingest messages) takes its languages,
its Babel locale, its language negotiation and its number and date formats from here; each
surface keeps only its own gettext catalog (a ``localedir`` and a domain, loaded with
:func:`translations`).
"""

from __future__ import annotations

import math
import sys
from collections.abc import Callable
from datetime import date
from decimal import Decimal
from functools import cache
from pathlib import Path

from babel import Locale
from babel.dates import format_date
from babel.numbers import NumberPattern, format_decimal, get_decimal_symbol, get_group_symbol, parse_pattern
from babel.support import NullTranslations, Translations

from core.codes import iso_country

LANGUAGES: tuple[str, ...] = ("fr", "nl", "en")
DEFAULT_LANGUAGE = "fr"
LANGUAGE_NAMES = {"fr": "Français", "nl": "Nederlands", "en": "English"}
#: Babel locale of each language: numbers, dates and country names.
LOCALES = {"fr": "fr_BE", "nl": "nl_BE", "en": "en_GB"}
#: The mark of a cell without a value (an en dash).
MISSING = "–"
#: Decimals written for an estimate by its unit (one for any other unit).
DECIMALS = {"ratio": 2, "score": 2, "fte": 0, "eur": 0, "count": 0, "persons": 0}


def valid_language(lang: str | None) -> str | None:
    """``lang`` when it is one of the interface languages, else None."""
    return lang if lang in LANGUAGES else None


def negotiate_language(accept_language: str | None, default: str = DEFAULT_LANGUAGE) -> str:
    """Best interface language for an ``Accept-Language`` header (``default`` when none fits)."""
    from werkzeug.datastructures import LanguageAccept  # here: werkzeug costs the CLI ~0.1 s to import
    from werkzeug.http import parse_accept_header

    accept = parse_accept_header(accept_language, LanguageAccept)
    return accept.best_match(LANGUAGES, default=default)


def language_of_locale(locale_name: str | None, default: str) -> str:
    """The interface language of a POSIX locale name (``fr_BE.UTF-8`` -> ``fr``), else ``default``."""
    return valid_language((locale_name or "")[:2].lower()) or default


@cache
def translations(lang: str, localedir: Path, domain: str = "messages") -> NullTranslations:
    """The compiled gettext catalog of ``lang`` in ``localedir`` (a missing one gives the msgids)."""
    return Translations.load(str(localedir), [lang], domain=domain)


def gettext(lang: str, localedir: Path, domain: str = "messages") -> Callable[[str], str]:
    """The eager ``gettext`` function of ``lang`` (plain text, not lazy strings)."""
    return translations(lang, localedir, domain).gettext


def is_missing(value: object) -> bool:
    """Whether a cell holds nothing: None, NaN, pandas NA or NaT, or a blank text.

    A non-blank text is a value (a code, a label, a caveat), not a missing number."""
    if value is None:
        return True
    if isinstance(value, str):
        return not value.strip()
    try:
        return math.isnan(float(value))  # type: ignore[arg-type]  # anything float() takes
    except (TypeError, ValueError):
        pandas = sys.modules.get("pandas")  # not loaded: the value cannot be its NA or NaT
        return pandas is not None and (value is pandas.NA or value is pandas.NaT)


@cache
def _locale(lang: str) -> Locale:
    return Locale.parse(LOCALES[lang])


@cache
def _number_pattern(decimals: int | None, signed: bool) -> NumberPattern:
    """Babel's pattern of :func:`format_number` (parsed once: Babel parses a text pattern on
    every call)."""
    fraction = ".###" if decimals is None else ("." + "0" * decimals if decimals else "")
    pattern = "#,##0" + fraction
    return parse_pattern(f"+{pattern};-{pattern}" if signed else pattern)


def format_number(value: object, lang: str, decimals: int | None = None, signed: bool = False) -> str:
    """A number as written in ``lang``: ``7 036,5`` (fr), ``7.036,5`` (nl), ``7,036.5`` (en).

    ``decimals`` fixes the number of decimals (by default up to three are kept as given);
    ``signed`` writes ``+`` before a positive number; :data:`MISSING` when there is no value.
    """
    if is_missing(value):
        return MISSING
    # Babel writes int, float and Decimal exactly; anything else (numpy, text) goes through float
    number = value if isinstance(value, int | float | Decimal) else float(value)  # type: ignore[arg-type]  # numeric text
    return format_decimal(number, format=_number_pattern(decimals, signed), locale=_locale(lang))


def decimals_for(unit: str | None) -> int:
    """Decimals written for an estimate in ``unit`` (one unless the unit says otherwise)."""
    return DECIMALS.get(unit or "", 1)


def colon(lang: str) -> str:
    """A label's colon: `` : `` (no-break space before it) in French, ``: `` otherwise."""
    return "\u00a0: " if lang == "fr" else ": "


def percent_suffix(lang: str) -> str:
    """What follows a percentage: `` %`` (no-break space) in French, ``%`` in Dutch and English."""
    return "\u00a0%" if lang == "fr" else "%"


def long_date(day: date, lang: str) -> str:
    """``25 novembre 2026``, ``25 november 2026``, ``25 November 2026``."""
    return format_date(day, format="long", locale=LOCALES[lang])


def separators(lang: str) -> str:
    """The decimal mark then the thousands separator of ``lang`` (plotly's ``separators``)."""
    locale = LOCALES[lang]
    return get_decimal_symbol(locale) + get_group_symbol(locale)


def country_name(geo_code: str, lang: str, fallback: str | None = None) -> str:
    """Name of a country in ``lang`` given its Eurostat code (``BE``, ``EL``, ``UK``)."""
    name = Locale.parse(LOCALES[lang]).territories.get(iso_country(geo_code))
    return name or fallback or geo_code
