"""Text views of the indicator tables for the command line (the lead wires them into argparse)."""

from __future__ import annotations

import io

import duckdb
from rich.console import Console
from rich.table import Table

from indicators.catalogue import LANGS

HEADERS = {
    "fr": ("Indicateur", "Thème", "Titre", "Période", "Ventilation", "Catégorie", "Estimation",
           "IC 95 %", "n", "Statut"),
    "nl": ("Indicator", "Thema", "Titel", "Periode", "Uitsplitsing", "Categorie", "Schatting",
           "95 %-BI", "n", "Status"),
    "en": ("Indicator", "Theme", "Title", "Period", "Breakdown", "Category", "Estimate",
           "95 % CI", "n", "Flag"),
}


def _render(table: Table) -> str:
    console = Console(record=True, file=io.StringIO(), width=200, color_system=None)
    console.print(table)
    return console.export_text()


def _lang(lang: str) -> str:
    if lang not in LANGS:
        raise ValueError(f"language must be one of {LANGS}, not {lang!r}")
    return lang


def _num(x: float | None) -> str:
    return "" if x is None else f"{x:,.4g}"


def list_indicators(con: duckdb.DuckDBPyConnection, theme: str | None = None,
                    lang: str = "fr") -> str:
    """The catalogue (optionally one theme) as a text table in ``lang``."""
    lang = _lang(lang)
    rows = con.execute(
        f"SELECT indicator_id, theme, title_{lang}, unit_label_{lang} FROM public.indicators "
        "WHERE ? IS NULL OR theme = ? ORDER BY theme, indicator_id", [theme, theme]).fetchall()
    h = HEADERS[lang]
    table = Table(h[0], h[1], h[2], "")
    for row in rows:
        table.add_row(*row)
    return _render(table)


def show_indicator(con: duckdb.DuckDBPyConnection, indicator_id: str,
                   period: str | None = None, lang: str = "fr") -> str:
    """One indicator: its description, caveats and values (latest period unless given)."""
    lang = _lang(lang)
    meta = con.execute(
        f"SELECT title_{lang}, description_{lang}, caveats_{lang}, unit_label_{lang} "
        "FROM public.indicators WHERE indicator_id = ?", [indicator_id]).fetchone()
    if meta is None:
        raise KeyError(f"unknown indicator {indicator_id!r}")
    period = period or con.execute(
        "SELECT max(period) FROM public.indicator_values WHERE indicator_id = ?",
        [indicator_id]).fetchone()[0]
    rows = con.execute(
        "SELECT breakdown, breakdown_value, estimate, ci_low, ci_high, n, flag "
        "FROM public.indicator_values WHERE indicator_id = ? AND period = ? "
        "ORDER BY breakdown <> 'all', breakdown, breakdown_value",
        [indicator_id, period]).fetchall()
    h = HEADERS[lang]
    table = Table(h[4], h[5], f"{h[6]} ({meta[3]})", h[7], h[8], h[9],
                  title=f"{meta[0]} — {h[3]} {period}")
    for b, v, est, lo, hi, n, flag in rows:
        ci = f"{_num(lo)} – {_num(hi)}" if lo is not None else ""
        table.add_row(b, v, _num(est), ci, "" if n is None else str(n), flag)
    text = "\n".join(filter(None, [meta[0], meta[1], meta[2]]))
    return f"{text}\n\n{_render(table)}"
