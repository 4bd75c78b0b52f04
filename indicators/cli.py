"""Text views of the indicator tables for the command line (wired into argparse by sector_monitor.cli)."""

from __future__ import annotations

import io

import duckdb
from rich.console import Console
from rich.table import Table

from core.errors import Explained
from core.i18n import LANGUAGES, format_number

HEADERS = {
    "fr": (
        "Indicateur",
        "Thème",
        "Titre",
        "Période",
        "Ventilation",
        "Catégorie",
        "Estimation",
        "IC 95 %",
        "n",
        "Statut",
        "Unité",
    ),
    "nl": (
        "Indicator",
        "Thema",
        "Titel",
        "Periode",
        "Uitsplitsing",
        "Categorie",
        "Schatting",
        "95 %-BI",
        "n",
        "Status",
        "Eenheid",
    ),
    "en": (
        "Indicator",
        "Theme",
        "Title",
        "Period",
        "Breakdown",
        "Category",
        "Estimate",
        "95 % CI",
        "n",
        "Flag",
        "Unit",
    ),
}
#: Trend table: title, change, per year, significant at 5 %, yes, no, waves, paired.
TREND_WORDS = {
    "fr": (
        "Tendance",
        "Variation",
        "Pente par an",
        "Significatif (5 %)",
        "oui",
        "non",
        "vagues",
        "apparié",
    ),
    "nl": (
        "Trend",
        "Verandering",
        "Helling per jaar",
        "Significant (5 %)",
        "ja",
        "nee",
        "golven",
        "gepaard",
    ),
    "en": (
        "Trend",
        "Change",
        "Slope per year",
        "Significant (5 %)",
        "yes",
        "no",
        "waves",
        "paired",
    ),
}


#: The disclosure flags of values and trends (``flag`` columns) as each language writes them.
FLAG_WORDS = {
    "fr": {"suppressed": "supprimé", "low_reliability": "fiabilité faible"},
    "nl": {"suppressed": "onderdrukt", "low_reliability": "lage betrouwbaarheid"},
    "en": {"suppressed": "suppressed", "low_reliability": "low reliability"},
}


#: Above a table of figures computed from synthetic survey data.
SYNTHETIC_WORDS = {
    "fr": "DONNÉES SYNTHÉTIQUES : chiffres calculés sur des réponses simulées (démonstration ou test), "
    "à ne pas citer.",
    "nl": "SYNTHETISCHE GEGEVENS: cijfers berekend op gesimuleerde antwoorden (demonstratie of test), "
    "niet citeren.",
    "en": "SYNTHETIC DATA: figures computed from simulated responses (demo or test), do not cite.",
}


class UnknownIndicatorError(Explained, KeyError):
    """No indicator of that id in the catalogue."""


class UnknownSelectionError(Explained, LookupError):
    """No theme of that name, or no value of the indicator for that period."""


def _render(table: Table) -> str:
    console = Console(record=True, file=io.StringIO(), width=200, color_system=None)
    console.print(table)
    return console.export_text()


def _lang(lang: str) -> str:
    if lang not in LANGUAGES:
        raise ValueError(f"language must be one of {LANGUAGES}, not {lang!r}")
    return lang


def _num(x: float | None, lang: str) -> str:
    """``x`` to four significant digits, written the language's way."""
    return "" if x is None else format_number(float(f"{x:.4g}"), lang)


def _flag(flag: str | None, lang: str) -> str:
    return FLAG_WORDS[lang].get(flag or "", flag or "")


def list_indicators(con: duckdb.DuckDBPyConnection, theme: str | None = None, lang: str = "fr") -> str:
    """The catalogue (optionally one theme) as a text table in ``lang``."""
    lang = _lang(lang)
    rows = con.execute(
        f"SELECT indicator_id, theme, title_{lang}, unit_label_{lang} FROM public.indicators "
        "WHERE ? IS NULL OR theme = ? ORDER BY theme, indicator_id",
        [theme, theme],
    ).fetchall()
    if not rows and theme is not None:
        themes = ", ".join(
            t for (t,) in con.execute("SELECT DISTINCT theme FROM public.indicators ORDER BY 1").fetchall()
        )
        raise UnknownSelectionError(
            f"thème inconnu : {theme!r} (thèmes : {themes})",
            f"onbekend thema: {theme!r} (thema's: {themes})",
            f"unknown theme {theme!r} (themes: {themes})",
        )
    h = HEADERS[lang]
    table = Table(h[0], h[1], h[2], h[10])
    for row in rows:
        table.add_row(*row)
    return _render(table)


def show_indicator(
    con: duckdb.DuckDBPyConnection, indicator_id: str, period: str | None = None, lang: str = "fr"
) -> str:
    """One indicator: its description, caveats and values (latest period unless given)."""
    lang = _lang(lang)
    meta = con.execute(
        f"SELECT title_{lang}, description_{lang}, caveats_{lang}, unit_label_{lang} "
        "FROM public.indicators WHERE indicator_id = ?",
        [indicator_id],
    ).fetchone()
    if meta is None:
        raise UnknownIndicatorError(
            f"indicateur inconnu : {indicator_id!r} (voir `sector-monitor indicators list`)",
            f"onbekende indicator: {indicator_id!r} (zie `sector-monitor indicators list`)",
            f"unknown indicator {indicator_id!r} (see `sector-monitor indicators list`)",
        )
    if not period:
        [(period,)] = con.execute(
            "SELECT max(period) FROM public.indicator_values WHERE indicator_id = ?", [indicator_id]
        ).fetchall()
    rows = con.execute(
        "SELECT breakdown, breakdown_value, estimate, ci_low, ci_high, n, flag, synthetic "
        "FROM public.indicator_values WHERE indicator_id = ? AND period = ? "
        "ORDER BY breakdown <> 'all', breakdown, breakdown_value",
        [indicator_id, period],
    ).fetchall()
    if not rows and period is None:
        raise UnknownSelectionError(
            f"{indicator_id} : aucune valeur publiée pour l'instant",
            f"{indicator_id}: nog geen gepubliceerde waarde",
            f"{indicator_id}: no value published yet",
        )
    if not rows:
        periods = ", ".join(
            p
            for (p,) in con.execute(
                "SELECT DISTINCT period FROM public.indicator_values WHERE indicator_id = ? ORDER BY 1",
                [indicator_id],
            ).fetchall()
        )
        raise UnknownSelectionError(
            f"{indicator_id} : aucune valeur pour la période {period} (périodes : {periods or '-'})",
            f"{indicator_id}: geen waarde voor periode {period} (periodes: {periods or '-'})",
            f"{indicator_id}: no value for period {period} (periods: {periods or '-'})",
        )
    h = HEADERS[lang]
    table = Table(
        h[4],
        h[5],
        f"{h[6]} ({meta[3]})",
        h[7],
        h[8],
        h[9],
        title=f"{meta[0]} — {h[3]} {period}",
    )
    for b, v, est, lo, hi, n, flag, _synthetic in rows:
        ci = f"{_num(lo, lang)} – {_num(hi, lang)}" if lo is not None else ""
        table.add_row(
            b, v, _num(est, lang), ci, "" if n is None else format_number(n, lang, 0), _flag(flag, lang)
        )
    synthetic = SYNTHETIC_WORDS[lang] if any(r[7] for r in rows) else None
    text = "\n".join(filter(None, [synthetic, meta[0], meta[1], meta[2]]))
    trend = trend_table(con, indicator_id, meta[3], lang)
    return f"{text}\n\n{_render(table)}" + (f"\n{trend}" if trend else "")


def _has_trend_kinds(con: duckdb.DuckDBPyConnection) -> bool:
    [(n,)] = con.execute(
        "SELECT count(*) FROM information_schema.columns WHERE table_schema = 'public' "
        "AND table_name = 'indicator_trends' AND column_name = 'kind'"
    ).fetchall()
    return bool(n)


def trend_table(con: duckdb.DuckDBPyConnection, indicator_id: str, unit_label: str, lang: str = "fr") -> str:
    """The survey indicator's trend per cell: change from the first to the last wave and the
    linear slope per year over all waves, each with its 95 % CI and significance at 5 % (empty
    for an indicator without trend rows)."""
    lang = _lang(lang)
    if not _has_trend_kinds(con):
        return ""
    rows = con.execute(
        "SELECT f.breakdown, f.breakdown_value, f.first_period, f.period, f.change, f.ci_low, "
        "f.ci_high, f.significant, f.method, f.flag, l.slope, l.slope_ci_low, l.slope_ci_high, "
        "l.significant, l.method, l.flag, l.n_periods, f.synthetic OR coalesce(l.synthetic, false) "
        "FROM public.indicator_trends f LEFT JOIN public.indicator_trends l "
        "ON l.kind = 'linear' AND l.indicator_id = f.indicator_id AND l.breakdown = f.breakdown "
        "AND l.breakdown_value = f.breakdown_value "
        "WHERE f.kind = 'first_last' AND f.indicator_id = ? "
        "ORDER BY f.breakdown <> 'all', f.breakdown, f.breakdown_value",
        [indicator_id],
    ).fetchall()
    if not rows:
        return ""
    h, w = HEADERS[lang], TREND_WORDS[lang]
    first, last, waves = rows[0][2], rows[0][3], rows[0][16]

    def ci(lo: float | None, hi: float | None) -> str:
        return "" if lo is None else f"{_num(lo, lang)} – {_num(hi, lang)}"

    def sig(value: bool | None, method: str | None) -> str:
        if value is None:
            return ""
        return (w[4] if value else w[5]) + (f" ({w[7]})" if method == "paired" else "")

    span = f"{first} → {last}" + (f", {waves} {w[6]}" if waves else "")
    table = Table(
        h[4],
        h[5],
        f"{w[1]} {first} → {last} ({unit_label})",
        h[7],
        w[3],
        f"{w[2]} ({unit_label})",
        h[7],
        w[3],
        title=f"{w[0]} — {span}",
        caption=SYNTHETIC_WORDS[lang] if any(r[17] for r in rows) else None,
    )
    for (
        b,
        v,
        _f,
        _l,
        change,
        lo,
        hi,
        significant,
        method,
        flag,
        slope,
        slo,
        shi,
        ssig,
        smethod,
        sflag,
        _n,
        _synthetic,
    ) in rows:
        left = (
            [_num(change, lang), ci(lo, hi), sig(significant, method)]
            if flag == "ok"
            else [_flag("suppressed", lang), "", ""]
        )
        right = (
            [_num(slope, lang), ci(slo, shi), sig(ssig, smethod)]
            if sflag == "ok"
            else ["", "", ""]
            if sflag is None
            else [_flag("suppressed", lang), "", ""]
        )
        table.add_row(b, v, *left, *right)
    return _render(table)
