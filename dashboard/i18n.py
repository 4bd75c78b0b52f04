"""Languages of the dashboard: gettext catalogs (Babel), number formats, plotly settings.

Strings are translated eagerly: a page builds its layout with ``_ = gettext_for(lang)`` and
``_("...")`` returns plain text (lazy strings would not be JSON serialisable for Dash).
Catalogs live in ``dashboard/locale/<lang>/LC_MESSAGES/messages.po`` and are compiled by
``scripts/i18n.sh``.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from functools import cache
from pathlib import Path

from babel import Locale
from babel.numbers import get_decimal_symbol, get_group_symbol
from babel.support import Translations
from werkzeug.datastructures import LanguageAccept
from werkzeug.http import parse_accept_header

LANGUAGES: tuple[str, ...] = ("fr", "nl", "en")
DEFAULT_LANGUAGE = "fr"
LANGUAGE_NAMES = {"fr": "Français", "nl": "Nederlands", "en": "English"}
#: Babel locale used to format numbers and dates per interface language.
NUMBER_LOCALES = {"fr": "fr_BE", "nl": "nl_BE", "en": "en_GB"}

LOCALE_DIR = Path(__file__).resolve().parent / "locale"
PLOTLY_LOCALE_DIR = Path(__file__).resolve().parent / "assets" / "vendor" / "plotly-locales"

#: Eurostat uses EL for Greece and UK for the United Kingdom; ISO 3166 uses GR and GB.
_EUROSTAT_TO_ISO2 = {"EL": "GR", "UK": "GB"}


def valid_language(lang: str | None) -> str | None:
    """``lang`` when it is one of the interface languages, else None."""
    return lang if lang in LANGUAGES else None


@cache
def translations(lang: str) -> Translations:
    """The compiled gettext catalog of ``lang`` (English falls back to the msgids)."""
    return Translations.load(str(LOCALE_DIR), [lang], domain="messages")


def gettext_for(lang: str) -> Callable[[str], str]:
    """The eager ``gettext`` function of ``lang``."""
    return translations(lang).gettext


def negotiate_language(accept_language: str | None) -> str:
    """Best interface language for an ``Accept-Language`` header (French by default)."""
    accept = parse_accept_header(accept_language, LanguageAccept)
    return accept.best_match(LANGUAGES, default=DEFAULT_LANGUAGE)


def plotly_separators(lang: str) -> str:
    """``layout.separators`` for plotly: decimal mark then thousands separator."""
    locale = NUMBER_LOCALES[lang]
    return get_decimal_symbol(locale) + get_group_symbol(locale)


@cache
def plotly_locale(lang: str) -> dict:
    """The plotly.js locale dictionary (menus, tooltips, dates) vendored for ``lang``."""
    path = PLOTLY_LOCALE_DIR / f"{lang}.json"
    return json.loads(path.read_text(encoding="utf-8")) if path.exists() else {}


def country_name(geo_code: str, lang: str, fallback: str | None = None) -> str:
    """Localised name of a country given its Eurostat code (``BE``, ``EL``, ``UK``)."""
    iso2 = _EUROSTAT_TO_ISO2.get(geo_code, geo_code)
    name = Locale.parse(NUMBER_LOCALES[lang]).territories.get(iso2)
    return name or fallback or geo_code
