"""Headline figures of the home page: which public statistics, never their values.

Each figure names a series, a geography and one period (a level) or two (a change); the
values, units, titles, notes and sources are read from the warehouse at request time.
"""

from __future__ import annotations

from dataclasses import dataclass

import pandas as pd

from core.i18n import LANGUAGES
from dashboard.data import PublicData


@dataclass(frozen=True)
class KeyFigure:
    """A public statistic to headline: ``series`` at ``geo_code`` for ``periods``."""

    series: str
    geo_code: str
    periods: tuple[str, ...]


KEY_FIGURES: tuple[KeyFigure, ...] = (
    KeyFigure("kbs2019_volunteers_organisations", "04000", ("2019",)),
    KeyFigure("seed_brussels_volunteering_rate", "04000", ("2019",)),
    KeyFigure("eurostat_formal_volunteering", "BE", ("2015", "2022")),
    KeyFigure("seed_brussels_social_sector_share", "04000", ("2019",)),
    KeyFigure("barometer_financial_deterioration", "01000", ("2018", "2020")),
    KeyFigure("nbb_npi_salaried_employment", "04000", ("2017",)),
)


@dataclass(frozen=True)
class KeyFigureValues:
    """A key figure as found in the warehouse."""

    figure: KeyFigure
    title: str
    unit: str
    values: tuple[float, ...]
    caveat: str | None  # the series' comparability note, in the reader's language
    source_id: str
    source_title: str
    geo_label: str


def load_key_figures(data: PublicData, lang: str) -> list[KeyFigureValues]:
    """The key figures present in the warehouse (a figure with a missing value is left out).

    ``geo_code`` empty means: the series' only geography.
    """
    if lang not in LANGUAGES or not (data.has_view("statistics") and data.has_view("series")):
        return []
    names = data.geo_names(lang)
    frame = data.query(
        f"SELECT st.series, st.geo_code, st.period, st.value, st.unit, "
        f"se.comparability_note_{lang} AS caveat, st.source_id, se.title_{lang} AS title, "
        f"so.{data.localised('sources', 'title', lang)} AS source_title "
        "FROM public.statistics st JOIN public.series se USING (series) "
        "LEFT JOIN public.sources so ON so.source_id = st.source_id "
        "WHERE list_contains(?, st.series) AND st.sex = 'T' AND st.value IS NOT NULL",
        [[f.series for f in KEY_FIGURES]],
    )
    return [kf for f in KEY_FIGURES if (kf := _match(f, frame, names)) is not None]


def _match(figure: KeyFigure, frame: pd.DataFrame, names: dict[str, str]) -> KeyFigureValues | None:
    rows = frame[frame["series"] == figure.series]
    if figure.geo_code:
        rows = rows[rows["geo_code"] == figure.geo_code]
    elif rows["geo_code"].nunique() != 1:
        return None
    by_period = rows.drop_duplicates("period").set_index("period")
    if not all(p in by_period.index for p in figure.periods):
        return None
    last = by_period.loc[figure.periods[-1]]
    return KeyFigureValues(
        figure=figure,
        title=str(last["title"]),
        unit=str(last["unit"]),
        values=tuple(float(by_period.loc[p, "value"]) for p in figure.periods),
        caveat=None if pd.isna(last["caveat"]) or not last["caveat"] else str(last["caveat"]),
        source_id=str(last["source_id"]),
        source_title=str(last["source_title"] if not pd.isna(last["source_title"]) else last["source_id"]),
        geo_label=names.get(str(last["geo_code"]), str(last["geo_code"])),
    )
