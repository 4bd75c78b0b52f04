"""Survey indicators as the pages need them: catalogue, cells, trends, labels, sources.

Everything comes from the ``public`` views through ``PublicData`` (cached by warehouse
version); nothing here reads an internal schema.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence

import pandas as pd

from core.i18n import LANGUAGES, decimals_for, format_number, is_missing
from dashboard.data import PublicData
from dashboard.formatting import unit_suffix
from dashboard.i18n import gettext_for

#: Themes of the indicator catalogue, in display order.
THEMES: tuple[str, ...] = (
    "funding",
    "task_transfer",
    "support",
    "framework",
    "accessibility",
    "recognition",
    "group_life",
    "combined",
    "public_statistics",
)
SOURCE_COLUMNS = ["source_id", "title", "producer", "url", "licence", "retrieved_on", "citation"]


def theme_labels(_: Callable[[str], str]) -> dict[str, str]:
    """Translated theme names."""
    return {
        "funding": _("Funding & disinvestment"),
        "task_transfer": _("Task transfer & dependence"),
        "support": _("Volunteer support"),
        "framework": _("Framework"),
        "accessibility": _("Accessibility"),
        "recognition": _("Recognition"),
        "group_life": _("Group life"),
        "combined": _("Volunteer workforce (combined estimates)"),
        "public_statistics": _("Public statistics"),
    }


def has_indicators(data: PublicData) -> bool:
    """Whether the indicator views are built."""
    return data.has_view("indicators") and data.has_view("indicator_values")


def catalogue(data: PublicData, lang: str) -> dict[str, dict]:
    """The indicator catalogue in ``lang``: ``indicator_id -> record`` with ``title``,
    ``summary``, ``description``, ``caveats``, ``unit_label`` localised (None when missing);
    empty when not built. Kept per warehouse version."""
    if lang not in LANGUAGES or not has_indicators(data):
        return {}

    def compute() -> dict[str, dict]:
        frame = data.query(
            f"SELECT indicator_id, theme, family, unit, polarity, estimator, money, questions, "
            f"sources, recommendations, title_{lang} AS title, summary_{lang} AS summary, "
            f"description_{lang} AS description, caveats_{lang} AS caveats, "
            f"unit_label_{lang} AS unit_label FROM public.indicators ORDER BY indicator_id"
        )
        frame = frame.astype(object).where(frame.notna(), None)
        return {r["indicator_id"]: r for r in frame.to_dict("records")}

    return data.memo(("catalogue", lang), compute)


def category_labels(data: PublicData, lang: str) -> dict[tuple[str, str], str]:
    """``(variable, code) -> label`` from ``public.categories`` (empty when not built)."""
    if lang not in LANGUAGES or not data.has_view("categories"):
        return {}

    def compute() -> dict[tuple[str, str], str]:
        frame = data.query(f"SELECT variable, code, label_{lang} AS label FROM public.categories")
        return {(r.variable, str(r.code)): r.label for r in frame.itertuples(index=False)}

    return data.memo(("categories", lang), compute)


def category_order(data: PublicData) -> dict[tuple[str, str], int]:
    """``(variable, code) -> position`` of the codebook order."""
    if not data.has_view("categories"):
        return {}

    def compute() -> dict[tuple[str, str], int]:
        frame = data.query("SELECT variable, code, position FROM public.categories")
        return {(r.variable, str(r.code)): int(r.position) for r in frame.itertuples(index=False)}

    return data.memo("category_order", compute)


def cell_label(data: PublicData, lang: str, breakdown: str, code: str) -> str:
    """The label of one breakdown category (category label, geography name or the code)."""
    _ = gettext_for(lang)
    if breakdown == "all":
        return _("All associations")
    if breakdown == "geo":
        return data.geo_names(lang).get(code, code)
    return category_labels(data, lang).get((breakdown, code), code)


def cells(data: PublicData, ids: Sequence[str], breakdown: str = "all") -> pd.DataFrame:
    """Published cells of ``ids`` for one breakdown, every period, oldest first."""
    if not has_indicators(data):
        return pd.DataFrame()
    return data.query(
        "SELECT * FROM public.indicator_values WHERE list_contains(?, indicator_id) AND "
        "breakdown = ? ORDER BY indicator_id, period, breakdown_value",
        [list(ids), breakdown],
    )


def latest(frame: pd.DataFrame) -> pd.DataFrame:
    """The rows of each indicator's latest period."""
    if frame.empty:
        return frame
    last = frame.groupby("indicator_id")["period"].transform("max")
    return frame[frame["period"] == last]


def trends(
    data: PublicData, ids: Sequence[str], breakdown: str = "all", kind: str = "consecutive"
) -> pd.DataFrame:
    """Trend rows of ``ids`` of one ``kind`` (``consecutive``: changes between consecutive
    waves; ``first_last``; ``linear``), empty when not built. A warehouse built before the
    ``kind`` column has consecutive changes only."""
    if not data.has_view("indicator_trends"):
        return pd.DataFrame()
    if not data.has_column("indicator_trends", "kind"):
        if kind != "consecutive":
            return pd.DataFrame()
        return data.query(
            "SELECT * FROM public.indicator_trends WHERE list_contains(?, indicator_id) AND "
            "breakdown = ? ORDER BY indicator_id, period",
            [list(ids), breakdown],
        )
    return data.query(
        "SELECT * FROM public.indicator_trends WHERE list_contains(?, indicator_id) AND "
        "breakdown = ? AND kind = ? ORDER BY indicator_id, period, breakdown_value",
        [list(ids), breakdown, kind],
    )


def sources_of(data: PublicData, source_ids: Sequence[str], lang: str) -> pd.DataFrame:
    """Rows of ``public.sources`` for the given ids, title, producer and citation in ``lang``;
    an id also matches a snapshot whose id extends it (``kbs_barometer`` ->
    ``kbs_barometer_associations``), and a survey id the survey snapshot loaded
    (``association_survey`` -> ``survey_demo``)."""
    if not source_ids or not data.has_view("sources"):
        return pd.DataFrame(columns=SOURCE_COLUMNS)
    columns = [f"{data.localised('sources', c, lang)} AS {c}" for c in SOURCE_COLUMNS]
    return data.query(
        f"SELECT {', '.join(columns)} FROM public.sources WHERE list_contains(?, "
        "source_id) OR len(list_filter(?, lambda x: starts_with(source_id, x || '_') OR "
        "(x LIKE '%survey%' AND source_id LIKE '%survey%'))) > 0 ORDER BY source_id",
        [list(source_ids), list(source_ids)],
    )


def suppression_reason(reason: object, lang: str) -> str:
    """Why a cell is suppressed, from its published ``flag_reason``."""
    _ = gettext_for(lang)
    return {
        "min_n": _("fewer than 5 responses"),
        "money_min_n": _("money amount with fewer than 10 responses"),
        "dominance": _("one association would make up more than half of the total"),
        "secondary": _("withheld so that another suppressed cell cannot be recovered"),
    }.get(str(reason), _("disclosure control"))


def suppressed_text(reason: object, lang: str) -> str:
    """The text shown instead of a suppressed value."""
    _ = gettext_for(lang)
    return _("suppressed") + f" ({suppression_reason(reason, lang)})"


def ci_text(low: object, high: object, lang: str, unit: str = "percent") -> str:
    """``95 % CI 19,3 – 30,1`` in ``lang`` (empty without interval)."""
    if is_missing(low) or is_missing(high):
        return ""
    _ = gettext_for(lang)
    decimals = decimals_for(unit)
    return _("95 % CI") + (f" {format_number(low, lang, decimals)} – {format_number(high, lang, decimals)}")


def estimate_text(value: object, unit: str, lang: str, label: str | None = None) -> str:
    """A survey estimate rounded for display, with its unit: the indicator's unit ``label``
    ("hours per month per FTE") for a generic unit code such as ``ratio``."""
    return format_number(value, lang, decimals_for(unit)) + unit_suffix(unit, lang, label)
