"""Headline indicators of a warehouse (latest wave, all associations), live vs candidate."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from warehouse.sql import connect_readonly

HEADLINE = ("tt_task_transfer", "fund_project_share", "fund_operating_costs_not_covered", "sup_support_cut")
PRESSURE_INDEX = "pressure_index"


@dataclass(frozen=True)
class Figure:
    period: str
    estimate: float | None
    ci_low: float | None
    ci_high: float | None
    n: int | None
    flag: str


@dataclass(frozen=True)
class Change:
    """One headline row of the preview: the title and the live and candidate figures."""

    key: str
    title: str
    live: Figure | None
    candidate: Figure | None

    @property
    def delta(self) -> float | None:
        if not (self.live and self.candidate):
            return None
        live, candidate = self.live.estimate, self.candidate.estimate
        if live is None or candidate is None:
            return None
        return candidate - live


def _figure(row: tuple) -> Figure:
    period, estimate, low, high, n, flag = row
    return Figure(str(period), estimate, low, high, None if n is None else int(n), flag)


def headline(warehouse: Path, lang: str) -> tuple[dict[str, str], dict[str, Figure]]:
    """Titles in ``lang`` and latest-wave figures of the headline indicators and the index."""
    if not warehouse.exists():
        return {}, {}
    con = connect_readonly(warehouse)
    try:
        placeholders = ", ".join("?" * len(HEADLINE))
        titles = dict(
            con.execute(
                f"SELECT indicator_id, title_{lang} FROM wh.public.indicators "
                f"WHERE indicator_id IN ({placeholders})",
                list(HEADLINE),
            ).fetchall()
        )
        rows = con.execute(
            "SELECT indicator_id, period, estimate, ci_low, ci_high, n, flag "
            "FROM wh.public.indicator_values v WHERE breakdown = 'all' "
            f"AND indicator_id IN ({placeholders}) AND period = (SELECT max(period) "
            "FROM wh.public.indicator_values w WHERE w.indicator_id = v.indicator_id "
            "AND w.breakdown = 'all')",
            list(HEADLINE),
        ).fetchall()
        figures = {r[0]: _figure(r[1:]) for r in rows}
        index = con.execute(
            "SELECT period, index, index_low, index_high, NULL, flag FROM wh.public.index_values "
            "WHERE breakdown = 'all' ORDER BY period DESC LIMIT 1"
        ).fetchone()
        if index:
            figures[PRESSURE_INDEX] = _figure(index)
        return titles, figures
    finally:
        con.close()


def compare(live: Path, candidate: Path, lang: str, index_title: str) -> list[Change]:
    """The preview table: each headline indicator, then the pressure index."""
    live_titles, live_figures = headline(live, lang)
    titles, figures = headline(candidate, lang)
    titles = {**live_titles, **titles, PRESSURE_INDEX: index_title}
    return [
        Change(key, titles.get(key, key), live_figures.get(key), figures.get(key))
        for key in (*HEADLINE, PRESSURE_INDEX)
    ]
