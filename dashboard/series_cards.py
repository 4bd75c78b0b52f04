"""Cards of public series (chart + summary sentence + table + source + comparability note)."""

from __future__ import annotations

import pandas as pd
from dash import html

from core.i18n import colon
from dashboard import charts
from dashboard.components import chart_card, source_line
from dashboard.data import PublicData
from dashboard.formatting import format_value, unit_suffix
from dashboard.i18n import gettext_for


def series_rows(data: PublicData, lang: str, series: list[str]) -> pd.DataFrame:
    """Values (sex total) of ``series`` with localised titles, geographies and source titles."""
    if not (data.has_view("statistics") and data.has_view("series")):
        return pd.DataFrame()
    frame = data.query(
        f"SELECT st.series, st.geo_code, st.period, st.value, st.unit, st.flag, st.note, "
        f"st.source_id, se.title_{lang} AS title, se.comparability_note_{lang} AS comparability, "
        f"so.{data.localised('sources', 'title', lang)} AS source_title "
        "FROM public.statistics st JOIN public.series se USING (series) "
        "LEFT JOIN public.sources so ON so.source_id = st.source_id "
        "WHERE list_contains(?, st.series) AND st.sex = 'T' ORDER BY st.period, st.geo_code",
        [series],
    )
    names = data.geo_names(lang)
    frame["geo"] = [names.get(g, g) for g in frame["geo_code"]]
    return frame


def source_lines(lang: str, frame: pd.DataFrame) -> list[html.P]:
    """One source line per source of the rows, with the periods it covers."""
    out = []
    for (source_id, title), rows in frame.groupby(["source_id", "source_title"], dropna=False):
        periods = sorted(rows["period"].astype(str).unique())
        out.append(
            source_line(
                lang, str(title if isinstance(title, str) else source_id), ", ".join(periods), str(source_id)
            )
        )
    return out


def _notes(frame: pd.DataFrame) -> list[str]:
    return [n for n in frame["comparability"].dropna().unique() if n]


def _parents(data: PublicData, codes: pd.Series) -> set[str]:
    """The geographies of ``codes`` that are the parent of another one (``public.geography``)."""
    if not data.has_column("geography", "parent"):
        return set()
    frame = data.query(
        "SELECT geo_code, parent FROM public.geography WHERE list_contains(?, geo_code)", [list(codes)]
    )
    return set(frame["parent"].dropna()) & set(codes)


def by_geography(data: PublicData, lang: str, series: str, title: str | None = None) -> html.Div:
    """One series compared across geographies (latest period), bars largest first."""
    frame = series_rows(data, lang, [series]).dropna(subset=["value"])
    if frame.empty:
        return html.Div()
    _ = gettext_for(lang)
    period = frame["period"].max()
    rows = frame[frame["period"] == period].sort_values("value", ascending=False)
    unit = str(rows["unit"].iloc[0])
    fig = charts.ranked_bars(
        rows["geo"], rows["value"], lang, texts=[format_value(v, unit, lang) for v in rows["value"]]
    )
    totals = rows["geo_code"].isin(_parents(data, rows["geo_code"]))  # a country beside its regions
    ranked = rows[~totals]
    if len(ranked) >= 2:
        top, bottom = ranked.iloc[0], ranked.iloc[-1]
        summary = _(
            "{title} ({period}): highest in {top} ({top_value}), lowest in {bottom} ({bottom_value})."
        ).format(
            title=rows["title"].iloc[0],
            period=period,
            top=top["geo"],
            top_value=format_value(top["value"], unit, lang),
            bottom=bottom["geo"],
            bottom_value=format_value(bottom["value"], unit, lang),
        )
    else:  # nothing to rank: each value
        values = ", ".join(
            f"{r.geo} {format_value(r.value, unit, lang)}" for r in ranked.itertuples(index=False)
        )
        summary = f"{rows['title'].iloc[0]} ({period}){colon(lang)}{values}."
    summary += "".join(
        " " + _("{geo} as a whole: {value}.").format(geo=r.geo, value=format_value(r.value, unit, lang))
        for r in rows[totals].itertuples(index=False)
    )
    table = pd.DataFrame(
        {
            _("Geography"): rows["geo"],
            _("Period"): rows["period"],
            _("Value"): [format_value(v, unit, lang) for v in rows["value"]],
        }
    )
    return chart_card(
        lang,
        title=title or str(rows["title"].iloc[0]),
        chart=charts.graph(fig, lang, f"chart-{series}", summary),
        summary=summary,
        table=table,
        sources=source_lines(lang, rows),
        notes=_notes(rows),
    )


def by_series(data: PublicData, lang: str, series: list[str], title: str) -> html.Div:
    """Several series of one unit side by side (latest value of each), largest first."""
    frame = series_rows(data, lang, series).dropna(subset=["value"])
    if frame.empty:
        return html.Div()
    _ = gettext_for(lang)
    rows = frame.sort_values("period").groupby("series").tail(1).sort_values("value", ascending=False)
    unit = str(rows["unit"].iloc[0])
    texts = [format_value(v, unit, lang) for v in rows["value"]]
    fig = charts.ranked_bars(rows["title"], rows["value"], lang, texts=texts)
    summary = (
        "; ".join(
            f"{t} ({g}, {p}): {v}"
            for t, g, p, v in zip(rows["title"], rows["geo"], rows["period"], texts, strict=True)
        )
        + "."
    )
    table = pd.DataFrame(
        {
            _("Statistic"): rows["title"],
            _("Geography"): rows["geo"],
            _("Period"): rows["period"],
            _("Value"): [format_value(v, unit, lang) for v in rows["value"]],
        }
    )
    return chart_card(
        lang,
        title=title,
        chart=charts.graph(fig, lang, f"chart-{series[0]}", summary),
        summary=summary,
        table=table,
        sources=source_lines(lang, rows),
        notes=_notes(rows),
    )


def over_time(data: PublicData, lang: str, series: list[str], title: str) -> html.Div:
    """Series of one unit over their periods, one line each."""
    frame = series_rows(data, lang, series).dropna(subset=["value"])
    if frame.empty:
        return html.Div()
    _ = gettext_for(lang)
    unit = str(frame["unit"].iloc[0])
    lines, sentences = {}, []
    for name, rows in frame.groupby("title", sort=False):
        rows = rows.sort_values("period")
        lines[str(name)] = (rows["period"].tolist(), rows["value"].tolist())
        points = (
            f"{format_value(v, unit, lang)} ({p})" for v, p in zip(rows["value"], rows["period"], strict=True)
        )
        # every point, not first against last: a series may break between them (see its notes)
        sentences.append(f"{name}{colon(lang)}{', '.join(points)}")
    fig = charts.trend_lines(lines, lang, unit_suffix=unit_suffix(unit, lang))
    summary = "; ".join(sentences) + "."
    ordered = frame.sort_values(["title", "period"])
    table = pd.DataFrame(
        {
            _("Statistic"): ordered["title"],
            _("Period"): ordered["period"],
            _("Value"): [format_value(v, unit, lang) for v in ordered["value"]],
            _("Note"): ordered["note"].fillna(""),
        }
    )
    return chart_card(
        lang,
        title=title,
        chart=charts.graph(fig, lang, f"chart-{series[0]}", summary),
        summary=summary,
        table=table,
        sources=source_lines(lang, frame),
        notes=_notes(frame),
    )
