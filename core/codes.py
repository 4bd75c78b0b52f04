"""Codes shared by the ETL, the indicators and the surfaces: size classes and country codes."""

from __future__ import annotations

import math
from dataclasses import dataclass


@dataclass(frozen=True)
class SizeClass:
    """Associations whose paid staff, in full-time equivalents, is ``low <= fte < high``."""

    low: float
    high: float
    labels: dict[str, str]  # fr, nl, en


#: The survey size classes (``core.survey_frame``, ``restricted.survey_responses``), smallest first.
SIZE_CLASSES: dict[str, SizeClass] = {
    "lt5": SizeClass(0, 5, {"fr": "Moins de 5 ETP", "nl": "Minder dan 5 vte", "en": "Fewer than 5 FTE"}),
    "5to19": SizeClass(5, 20, {"fr": "5 à 19 ETP", "nl": "5 tot 19 vte", "en": "5 to 19 FTE"}),
    "20to49": SizeClass(20, 50, {"fr": "20 à 49 ETP", "nl": "20 tot 49 vte", "en": "20 to 49 FTE"}),
    "50plus": SizeClass(
        50, math.inf, {"fr": "50 ETP et plus", "nl": "50 vte en meer", "en": "50 FTE or more"}
    ),
}

#: Eurostat's country codes that differ from ISO 3166-1 alpha-2.
EUROSTAT_TO_ISO = {"EL": "GR", "UK": "GB"}

#: Eurostat country code -> ISO 3166-1 alpha-3 (plotly's choropleth locations).
EUROSTAT_TO_ISO3 = {
    "AT": "AUT",
    "BE": "BEL",
    "BG": "BGR",
    "CH": "CHE",
    "CY": "CYP",
    "CZ": "CZE",
    "DE": "DEU",
    "DK": "DNK",
    "EE": "EST",
    "EL": "GRC",
    "ES": "ESP",
    "FI": "FIN",
    "FR": "FRA",
    "HR": "HRV",
    "HU": "HUN",
    "IE": "IRL",
    "IS": "ISL",
    "IT": "ITA",
    "LI": "LIE",
    "LT": "LTU",
    "LU": "LUX",
    "LV": "LVA",
    "ME": "MNE",
    "MK": "MKD",
    "MT": "MLT",
    "NL": "NLD",
    "NO": "NOR",
    "PL": "POL",
    "PT": "PRT",
    "RO": "ROU",
    "RS": "SRB",
    "SE": "SWE",
    "SI": "SVN",
    "SK": "SVK",
    "TR": "TUR",
    "UK": "GBR",
    "AL": "ALB",
}


def iso_country(eurostat_code: str) -> str:
    """The ISO 3166-1 alpha-2 code of a Eurostat country code (``EL`` -> ``GR``)."""
    return EUROSTAT_TO_ISO.get(eurostat_code, eurostat_code)
