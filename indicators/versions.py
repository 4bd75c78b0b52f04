"""Questionnaire versions in the indicator computation.

Each wave is made of responses to one or more questionnaire versions
(``restricted.survey_responses.questionnaire_version``). A survey indicator declares the versions
it applies to (``versions`` in its catalogue file; default: every version that asks all its
questions):

* a wave's cells of an indicator are published only when every version of the wave is one the
  indicator applies to (:func:`keep_applicable`): a v2-only indicator has no v1 values;
* a trend never compares waves whose versions ask one of the indicator's questions differently
  (type, choices, range, required flag or relevance: :meth:`etl.survey.codebook.Codebook.signature`),
  and a linear trend is kept only for an indicator published in every wave it spans with one
  way of asking (:func:`comparable_trends`).
"""

from __future__ import annotations

import duckdb
import pandas as pd

from etl.survey.codebook import CODEBOOKS
from indicators.catalogue import Indicator


def wave_versions(con: duckdb.DuckDBPyConnection) -> dict[int, tuple[str, ...]]:
    """The questionnaire versions of the current responses of each wave (``v1`` for responses
    that do not say: loaded before versions existed)."""
    [(has_column,)] = con.execute(
        "SELECT count(*) FROM duckdb_columns() WHERE schema_name = 'restricted' AND table_name = "
        "'survey_current' AND column_name = 'questionnaire_version' AND database_name = "
        "current_database()"
    ).fetchall()
    version = "coalesce(questionnaire_version, 'v1')" if has_column else "'v1'"
    return {
        int(wave): tuple(versions)
        for wave, versions in con.execute(
            f"SELECT wave, list(DISTINCT {version} ORDER BY {version}) "
            "FROM restricted.survey_current GROUP BY wave"
        ).fetchall()
    }


def applies(indicator: Indicator, versions: tuple[str, ...]) -> bool:
    return not indicator.versions or set(versions) <= set(indicator.versions)


def keep_applicable(
    cells: pd.DataFrame, indicators: list[Indicator], wave: int, versions: dict[int, tuple[str, ...]]
) -> pd.DataFrame:
    """The cells of one wave without those of indicators that do not apply to its versions."""
    dropped = [i.id for i in indicators if not applies(i, versions.get(wave, ()))]
    if not dropped or cells.empty:
        return cells
    return cells[~cells["indicator_id"].isin(dropped)].reset_index(drop=True)


def asked_as(indicator: Indicator, versions: tuple[str, ...]) -> tuple | None:
    """How the versions of a wave ask the indicator's questions (None: in more than one way)."""
    ways = {tuple(CODEBOOKS[v].signature(q) for q in indicator.questions) for v in versions}
    return next(iter(ways)) if len(ways) == 1 else None


def comparable_trends(
    trends: pd.DataFrame, catalogue: dict[str, Indicator], versions: dict[int, tuple[str, ...]]
) -> pd.DataFrame:
    """The trend rows whose waves all ask the indicator's questions the same way and, for the
    linear trend, whose indicator is published in every wave it spans."""
    if trends.empty or "indicator_id" not in trends:
        return trends
    waves = sorted(versions)

    def spanned(row: dict) -> list[int]:
        if row.get("kind") == "linear":
            start = row.get("first_period") or row["previous_period"]
            return [w for w in waves if int(start) <= w <= int(row["period"])]
        return [int(row["previous_period"]), int(row["period"])]

    keys = [c for c in ("indicator_id", "kind", "previous_period", "first_period", "period") if c in trends]
    frame = trends[keys].astype(object).where(trends[keys].notna(), "")  # no NaN in the keys
    verdict = {}
    for row in frame.drop_duplicates().to_dict("records"):  # dicts: iterrows builds a Series a row
        key = tuple(row[k] for k in keys)
        indicator = catalogue.get(row["indicator_id"])
        if indicator is None or not indicator.versions:
            verdict[key] = True
            continue
        span = spanned(row)
        ways = {asked_as(indicator, versions.get(w, ())) for w in span}
        verdict[key] = (
            len(ways) == 1 and None not in ways and all(applies(indicator, versions.get(w, ())) for w in span)
        )
    if all(verdict.values()):
        return trends
    keep = [verdict[k] for k in frame.itertuples(index=False, name=None)]
    return trends[keep].reset_index(drop=True)
