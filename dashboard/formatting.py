"""The dashboard's units of measure, named in its catalog (numbers: :mod:`core.i18n`)."""

from __future__ import annotations

from collections.abc import Callable

from core.i18n import MISSING, format_number, is_missing, percent_suffix
from dashboard.i18n import gettext_for


def unit_labels(_: Callable[[str], str]) -> dict[str, str]:
    """Translated names of the unit codes of ``public.series`` and ``public.indicators``."""
    return {
        "percent": "%",
        "persons": _("persons"),
        "hours": _("hours"),
        "million_hours": _("million hours"),
        "eur_million": _("million EUR"),
        "gbp_billion": _("billion GBP"),
        "thousand_jobs": _("thousand jobs"),
        "units": _("organisations"),
        "associations": _("associations"),
        "count": _("count"),
        "mean": _("mean"),
        "ratio": _("ratio"),
        "net_balance": _("net balance (points)"),
        "fte": _("full-time equivalents"),
        "eur": "EUR",
        "index": _("index"),
        "text": "",
        "eur_million_2015": _("million EUR at 2015 prices"),
        "eur_per_inhabitant": _("EUR per inhabitant"),
        "percent_gdp": _("% of GDP"),
        "per_mille_gdp": _("‰ of GDP"),
        "per_mille": "‰",
        "percent_total_expenditure": _("% of total expenditure"),
        "percent_change": "%",
        "index_2015": _("index (2015 = 100)"),
    }


GENERIC_UNITS = ("ratio", "mean", "count")  # codes that say less than an indicator's unit label


def unit_suffix(unit: str | None, lang: str, label: str | None = None) -> str:
    """What follows a number of ``unit``: `` %`` in French, ``%`` in Dutch and English; an
    indicator's unit ``label`` ("hours per month per FTE") for a generic code such as ``ratio``."""
    if label and unit in GENERIC_UNITS:
        return f"\u00a0{label}"
    if unit == "percent":
        return percent_suffix(lang)
    label = unit_labels(gettext_for(lang)).get(unit or "", unit or "")
    if label[:1] in ("%", "‰") and lang != "fr":  # 20.3% of GDP; French: 20,3 % du PIB
        return label
    return f"\u00a0{label}" if label else ""


def format_value(value: float | None, unit: str | None, lang: str) -> str:
    """A value with its unit, e.g. ``20,4 %`` or ``62.000 personen``."""
    if is_missing(value):
        return MISSING
    return format_number(value, lang) + unit_suffix(unit, lang)
