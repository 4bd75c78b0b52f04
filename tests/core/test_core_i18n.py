"""The one language layer: negotiation, formats per language, the missing mark, shared codes."""

from __future__ import annotations

import math
from datetime import date

import numpy as np
import pandas as pd
import pytest

from core.codes import SIZE_CLASSES, iso_country
from core.i18n import (
    DEFAULT_LANGUAGE,
    LANGUAGES,
    LOCALES,
    MISSING,
    country_name,
    decimals_for,
    format_number,
    is_missing,
    language_of_locale,
    long_date,
    negotiate_language,
    percent_suffix,
    separators,
    valid_language,
)


def test_languages_and_locales() -> None:
    assert LANGUAGES == ("fr", "nl", "en") and DEFAULT_LANGUAGE == "fr"
    assert set(LOCALES) == set(LANGUAGES) and LOCALES["en"] == "en_GB"


@pytest.mark.parametrize(
    ("header", "default", "expected"),
    [
        ("nl-BE,nl;q=0.9,en;q=0.5", "fr", "nl"),
        ("en-GB,en;q=0.8", "fr", "en"),
        ("de-DE,de;q=0.9", "fr", "fr"),
        ("de-DE", "en", "en"),
        (None, "fr", "fr"),
        ("", "fr", "fr"),
        ("fr;q=0.2,nl;q=0.7", "en", "nl"),
    ],
)
def test_negotiation(header: str | None, default: str, expected: str) -> None:
    assert negotiate_language(header, default) == expected


def test_query_and_locale_values() -> None:
    assert valid_language("nl") == "nl" and valid_language("de") is None and valid_language(None) is None
    assert language_of_locale("fr_BE.UTF-8", "en") == "fr"
    assert language_of_locale("NL", "en") == "nl"
    assert language_of_locale("de_DE.UTF-8", "en") == "en" and language_of_locale(None, "en") == "en"


@pytest.mark.parametrize(
    ("lang", "plain", "two", "signed", "day", "seps"),
    [
        ("fr", "7\u202f036,5", "7\u202f036,50", "+1,5", "25 novembre 2026", ",\u202f"),
        ("nl", "7.036,5", "7.036,50", "+1,5", "25 november 2026", ",."),
        ("en", "7,036.5", "7,036.50", "+1.5", "25 November 2026", ".,"),
    ],
)
def test_formats_per_language(lang: str, plain: str, two: str, signed: str, day: str, seps: str) -> None:
    assert format_number(7036.5, lang) == plain
    assert format_number(np.float64(7036.5), lang, 2) == two
    assert format_number(1.5, lang, 1, signed=True) == signed
    assert format_number(-1.5, lang, 1, signed=True)[0] == "-"
    assert format_number(np.int64(12), lang, 0) == "12"
    assert long_date(date(2026, 11, 25), lang) == day
    assert separators(lang) == seps


def test_percent_and_decimals() -> None:
    assert percent_suffix("fr") == "\u00a0%" and percent_suffix("nl") == percent_suffix("en") == "%"
    assert decimals_for("ratio") == 2 and decimals_for("count") == 0 and decimals_for(None) == 1


@pytest.mark.parametrize("value", [None, math.nan, np.nan, pd.NA, pd.NaT, "", "  "])
def test_missing_values(value: object) -> None:
    assert is_missing(value)
    assert all(format_number(value, lang) == MISSING == "–" for lang in LANGUAGES)


@pytest.mark.parametrize(
    "value", [0, 0.0, -3, "lt5", "a caveat", date(2026, 1, 1), pd.Timestamp("2026-01-01")]
)
def test_values_are_not_missing(value: object) -> None:
    assert not is_missing(value)


def test_country_names_and_codes() -> None:
    assert iso_country("EL") == "GR" and iso_country("UK") == "GB" and iso_country("BE") == "BE"
    assert country_name("EL", "fr") == "Grèce" and country_name("UK", "nl") == "Verenigd Koninkrijk"
    assert country_name("XX", "en", "Nowhere") == "Nowhere"


def test_size_classes_cover_every_staff_size_once() -> None:
    classes = list(SIZE_CLASSES.values())
    assert list(SIZE_CLASSES) == ["lt5", "5to19", "20to49", "50plus"]
    assert classes[0].low == 0 and classes[-1].high == math.inf
    assert all(a.high == b.low for a, b in zip(classes, classes[1:], strict=False))
    assert all(set(c.labels) == set(LANGUAGES) and all(c.labels.values()) for c in classes)
