"""Public funding: what governments spend on social exclusion, family and social protection, by
level of government, Belgium beside the EU-27, and the Brussels institutions (NBB).

Every number comes from ``public.statistics``; which release a chart shows, its caveats and its
breaks come from ``public.series``. Sentences under the charts are computed from the values
shown (first and last value, change, highest and lowest), never written by hand. A toggle
expresses amounts in million EUR, million EUR at 2015 prices, EUR per inhabitant or a share of
GDP; a chart says so when a unit is not published for what it shows.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from typing import NamedTuple

import dash
import dash_bootstrap_components as dbc
import pandas as pd
import plotly.graph_objects as go
from dash import Input, Output, State, callback, html

from core.i18n import colon, format_number, is_missing, valid_language
from dashboard import charts
from dashboard.chrome import language_of_path
from dashboard.components import (
    browser_title,
    chart_card,
    not_available,
    not_found,
    page_header,
    page_href,
    page_titles,
    source_line,
)
from dashboard.data import PublicData, current_data
from dashboard.formatting import format_value, unit_labels, unit_suffix
from dashboard.i18n import gettext_for

dash.register_page(
    __name__, path_template="/<lang>/public-funding", title=browser_title("public_funding"), order=6
)

#: Toggle value -> unit codes of public.series, in order of preference.
UNITS: dict[str, tuple[str, ...]] = {
    "nominal": ("eur_million",),
    "real": ("eur_million_2015",),
    "per_inhabitant": ("eur_per_inhabitant",),
    "gdp": ("percent_gdp", "per_mille_gdp"),
}
DEFAULT_UNIT = "nominal"
#: Releases, most recent first (a chart by level of government shows the most recent one).
RELEASES = ("estat202608", "estat202501", "estat202301", "oecd201507")
UNIT_CODES = (
    "eur_million_2015",
    "eur_million",
    "eur_per_inhabitant",
    "percent_gdp",
    "per_mille_gdp",
    "percent_total_expenditure",
)
_UNIT = "|".join(UNIT_CODES)
COFOG_ID = re.compile(
    rf"^cofog_(?P<function>[a-z0-9]+)_(?P<level>s13\d*)_(?P<unit>{_UNIT})_"
    r"(?P<release>[a-z0-9]+)$"
)
NBB_ID = re.compile(
    rf"^nbb_(?P<kind>cofog|acc)_(?P<what>[a-z0-9_]+?)_(?P<level>bcr|cocof|cocom|vgc|"
    rf"s13\d*)_(?P<unit>{_UNIT})_nbb201907$"
)
LEVELS = ("s1311", "s1312", "s1313", "s1314", "s13")
ENTITIES = ("bcr", "cocof", "cocom", "vgc")
DASHES = ("solid", "dash", "dot", "dashdot")
SYMBOLS = ("circle", "square", "diamond", "triangle-up")
TOGGLE_ID = "funding-unit"


def function_labels(_: Callable[[str], str]) -> dict[str, str]:
    return {
        "gf1007": _("Social exclusion n.e.c."),
        "gf1004": _("Family and children"),
        "gf10": _("Social protection"),
        "total": _("All functions"),
    }


def level_labels(_: Callable[[str], str]) -> dict[str, str]:
    return {
        "s13": _("All levels of government"),
        "s1311": _("Federal government"),
        "s1312": _("Communities and Regions"),
        "s1313": _("Local government"),
        "s1314": _("Social security funds"),
    }


def entity_labels(_: Callable[[str], str]) -> dict[str, str]:
    return {"bcr": _("Brussels-Capital Region"), "cocof": "COCOF", "cocom": _("COCOM/GGC"), "vgc": "VGC"}


def unit_choices(_: Callable[[str], str]) -> dict[str, str]:
    return {
        "nominal": _("Million euros (current prices)"),
        "real": _("Million euros at 2015 prices (real terms)"),
        "per_inhabitant": _("Euros per inhabitant"),
        "gdp": _("Share of GDP"),
    }


# --- data -----------------------------------------------------------------------------------


def finance_rows(data: PublicData, lang: str) -> pd.DataFrame:
    """Every public-spending value with its series' metadata in ``lang`` and parsed id parts."""
    return data.memo(("public-funding-rows", lang), lambda: _finance_rows(data, lang))


def _finance_rows(data: PublicData, lang: str) -> pd.DataFrame:
    if not (data.has_view("statistics") and data.has_column("series", "release")):
        return pd.DataFrame()
    frame = data.query(
        f"SELECT st.series, st.geo_code, st.period, st.value, st.flag, st.source_id, se.unit, "
        f"se.title_{lang} AS title, se.release, se.release_{lang} AS release_text, se.breaks, "
        f"se.comparability_note_{lang} AS comparability, so.title_{lang} AS source_title "
        "FROM public.statistics st JOIN public.series se USING (series) "
        "LEFT JOIN public.sources so ON so.source_id = st.source_id "
        "WHERE (starts_with(st.series, 'cofog_') OR starts_with(st.series, 'nbb_')) "
        "AND st.value IS NOT NULL ORDER BY st.series, st.geo_code, st.period"
    )
    if frame.empty:
        return frame
    parts = []
    for sid in frame["series"]:
        if m := COFOG_ID.match(sid):
            parts.append({"kind": "cofog", "what": m["function"], "level": m["level"]})
        elif m := NBB_ID.match(sid):
            parts.append({"kind": f"nbb_{m['kind']}", "what": m["what"], "level": m["level"]})
        else:
            parts.append({"kind": None, "what": None, "level": None})
    frame = pd.concat([frame.reset_index(drop=True), pd.DataFrame(parts)], axis=1)
    frame["year"] = pd.to_numeric(frame["period"], errors="coerce")
    frame["short_release"] = frame["title"].str.extract(r"\(([^()]*)\)\s*$")[0]
    return frame[frame["kind"].notna() & frame["year"].notna()]


class Line(NamedTuple):
    """One trace: a name, years and values, a colour, a dash and a marker; ``gaps`` are the
    years a break in series starts (no line is drawn into them)."""

    name: str
    years: list[int]
    values: list[float]
    colour: str
    dash: str = "solid"
    gaps: tuple[int, ...] = ()
    symbol: str = "circle"


def line_chart(
    lines: list[Line], lang: str, unit: str, breaks: tuple[int, ...] = (), break_label: str = ""
) -> go.Figure:
    """Lines over years (plotly graph_objects); a line stops before a break and starts again
    after it, and each break is marked by a dotted vertical rule with ``break_label``."""
    suffix = unit_suffix(unit, lang)
    traces = []
    for line in lines:
        xs: list[float | None] = []
        ys: list[float | None] = []
        for year, value in zip(line.years, line.values, strict=True):
            if year in line.gaps and xs:
                xs.append(year - 0.5)
                ys.append(None)
            xs.append(year)
            ys.append(value)
        traces.append(
            go.Scatter(
                x=xs,
                y=ys,
                name=line.name,
                mode="lines+markers",
                connectgaps=False,
                line={"color": line.colour, "width": 3, "dash": line.dash},
                marker={"size": 8, "symbol": line.symbol},
                hovertemplate="%{x}: %{y:,.1f}" + suffix + "<extra>" + line.name + "</extra>",
            )
        )
    fig = go.Figure(traces, charts._layout(lang, 380, legend={"orientation": "h", "y": -0.18, "x": 0}))
    for year in breaks:
        fig.add_vline(
            x=year - 0.5,
            line={"color": "#495057", "width": 1.5, "dash": "dot"},
            annotation_text=break_label,
            annotation_position="top left",
            annotation_font={"size": 12, "color": "#495057"},
        )
    fig.update_yaxes(
        gridcolor="#e9ecef",
        rangemode="tozero",
        automargin=True,
        tickformat=",~r",
        title_text=axis_title(unit, lang),
    )
    years = [y for line in lines for y in line.years]
    fig.update_xaxes(
        dtick=1,
        tickformat="d",
        automargin=True,
        range=[min(years) - 0.4, max(years) + 0.4] if years else None,
    )
    return fig


def axis_title(unit: str, lang: str) -> str:
    """The unit in words for a value axis (``% of GDP``, ``million EUR at 2015 prices``)."""
    return unit_labels(gettext_for(lang)).get(unit, unit)


# --- sentences (computed from the values shown) --------------------------------------------


def fmt(value: float, unit: str, lang: str) -> str:
    """A value with one decimal and its unit (``3 537,0 millions EUR``, ``1.0% of GDP``)."""
    return (
        format_number(value, lang, 1) + unit_suffix(unit, lang)
        if not is_missing(value)
        else format_value(value, unit, lang)
    )


def change_text(first: float, last: float, lang: str) -> str:
    """``+69,7 %`` / ``−12.3%`` (relative change), or ``–`` when it cannot be computed."""
    if is_missing(first) or is_missing(last) or first == 0:
        return "–"
    change = (last - first) / abs(first) * 100
    sign = "+" if change > 0 else ("−" if change < 0 else "±")
    return sign + format_number(abs(change), lang, 1) + unit_suffix("percent", lang)


def path_sentence(
    name: str, years: list[int], values: list[float], unit: str, lang: str, gaps: tuple[int, ...] = ()
) -> str:
    """``Federal: 3 593,2 (2021) → 4 595,6 (2024), +27,9 %`` — or, across a break, both parts
    without a change."""
    _ = gettext_for(lang)
    if not years:
        return ""
    pieces = []
    start = 0
    cuts = [i for i, y in enumerate(years) if y in gaps and i > 0] + [len(years)]
    for cut in cuts:
        part_y, part_v = years[start:cut], values[start:cut]
        text = f"{fmt(part_v[0], unit, lang)} ({part_y[0]})"
        if len(part_y) > 1:
            text += f" → {fmt(part_v[-1], unit, lang)} ({part_y[-1]}), " + change_text(
                part_v[0], part_v[-1], lang
            )
        pieces.append(text)
        start = cut
    joined = (" | " + _("break in series") + " | ").join(pieces)
    return f"{name}{colon(lang)}{joined}"


# --- cards ----------------------------------------------------------------------------------


def _sources(lang: str, rows: pd.DataFrame) -> list[html.P]:
    """A source line per source (title, periods) and the release of each."""
    _ = gettext_for(lang)
    out: list[html.P] = []
    for (source_id, title), part in rows.groupby(["source_id", "source_title"], dropna=False, sort=False):
        years = sorted(part["year"].astype(int).unique())
        period = f"{years[0]}-{years[-1]}" if len(years) > 1 else str(years[0])
        out.append(
            source_line(lang, str(title if isinstance(title, str) else source_id), period, str(source_id))
        )
        for release in part["release_text"].dropna().unique():
            out.append(
                html.P(
                    _("Release") + colon(lang) + release, className="release small text-body-secondary mb-1"
                )
            )
    return out


SENTENCE_END = re.compile(r"(?<=[.!?])\s+(?=[A-ZÀ-Ý])")


def _notes(rows: pd.DataFrame, extra: list[str] | None = None) -> list[str]:
    """The chart's own notes, then the caveats of its series in one paragraph, each sentence
    once (the series of a chart share most of their caveats)."""
    sentences = [s for note in rows["comparability"].dropna() for s in SENTENCE_END.split(note)]
    caveats = " ".join(dict.fromkeys(s.strip() for s in sentences if s.strip()))
    return [n for n in [*(extra or []), caveats] if n]


def _table(lang: str, rows: pd.DataFrame, label_of: Callable[[pd.Series], str]) -> pd.DataFrame:
    _ = gettext_for(lang)
    ordered = rows.sort_values(["series", "year"])
    return pd.DataFrame(
        {
            _("Series"): [label_of(r) for _i, r in ordered.iterrows()],
            _("Year"): ordered["period"].tolist(),
            _("Value"): [fmt(v, u, lang) for v, u in zip(ordered["value"], ordered["unit"], strict=True)],
            _("Flag"): ordered["flag"].fillna("").tolist(),
            _("Release"): ordered["short_release"].fillna("").tolist(),
        }
    )


def _graph(fig: go.Figure, lang: str, graph_id: str, summary: str) -> html.Div:
    return charts.graph(fig, lang, graph_id, summary)


def _explorer_link(lang: str, series: str) -> html.P:
    _ = gettext_for(lang)
    href = page_href(lang, "explorer", f"?indicator=series%3A{series}&breakdown=geo")
    return html.P(html.A(_("Open this series in the explorer"), href=href), className="small mb-1")


def levels_card(frame: pd.DataFrame, lang: str, function: str, unit: str) -> dbc.Card:
    """One function by level of government in Belgium, from the most recent release that
    splits it by level in the chosen unit."""
    _ = gettext_for(lang)
    fname = function_labels(_)[function]
    levels = level_labels(_)
    title = _("{function}: spending by level of government, Belgium").format(function=fname)
    rows = _as_percent(
        frame[
            (frame["kind"] == "cofog")
            & (frame["what"] == function)
            & (frame["geo_code"] == "BE")
            & frame["unit"].isin(UNITS[unit])
        ]
    )
    chosen = next((r for r in RELEASES if rows.loc[rows["release"] == r, "level"].nunique() > 1), None)
    if chosen is None:
        return _empty_card(
            lang,
            title,
            _(
                "The shipped releases do not split this function by level of government in this "
                "unit. Choose another unit."
            ),
        )
    shown = rows[rows["release"] == chosen]
    code = str(shown["unit"].iloc[0])
    lines, sentences = [], []
    for i, level in enumerate(lv for lv in LEVELS if lv in set(shown["level"])):
        part = shown[shown["level"] == level].sort_values("year")
        years, values = part["year"].astype(int).tolist(), part["value"].tolist()
        colour = charts.TEXT if level == "s13" else charts.PALETTE[i % len(charts.PALETTE)]
        lines.append(Line(levels[level], years, values, colour, "dash" if level == "s13" else "solid"))
        sentences.append(path_sentence(levels[level], years, values, code, lang))
    summary = "; ".join(sentences) + "."
    notes = [_revisions(rows, chosen, shown, lang)]
    fig = line_chart(lines, lang, code)
    headline = shown.loc[shown["level"] == "s13", "series"]
    links = [_explorer_link(lang, str(headline.iloc[0]))] if len(headline) else []
    return chart_card(
        lang,
        title=f"{title} ({shown['short_release'].iloc[0]})",
        chart=_graph(fig, lang, f"funding-levels-{function}", summary),
        summary=summary,
        table=_table(lang, shown, lambda r: levels[r["level"]]),
        sources=[*_sources(lang, shown), *links],
        notes=_notes(shown, notes),
        card_id=f"funding-levels-{function}",
    )


def _revisions(rows: pd.DataFrame, chosen: str, shown: pd.DataFrame, lang: str) -> str:
    """Which other releases hold the same function in this unit, and by how much they differ
    from the one shown on the years both cover (computed)."""
    _ = gettext_for(lang)
    others = [r for r in RELEASES if r != chosen and (rows["release"] == r).any()]
    if not others:
        return ""
    texts = []
    for release in others:
        other = rows[rows["release"] == release]
        both = shown.merge(other, on=["level", "year"], suffixes=("", "_o"))
        label = str(other["short_release"].iloc[0])
        span = f"{int(other['year'].min())}-{int(other['year'].max())}"
        if both.empty:
            texts.append(_("{release} ({years}): no year in common").format(release=label, years=span))
            continue
        gap = ((both["value"] - both["value_o"]).abs() / both["value_o"].abs()).max() * 100
        texts.append(
            _("{release} ({years}): differs by up to {gap} on the years both cover").format(
                release=label, years=span, gap=format_number(gap, lang, 1) + unit_suffix("percent", lang)
            )
        )
    return (
        _("Other releases in the warehouse, not spliced into this chart (see the explorer)")
        + colon(lang)
        + "; ".join(texts)
        + "."
    )


def _as_percent(rows: pd.DataFrame) -> pd.DataFrame:
    """Per mille of GDP shown as % of GDP (value / 10), so that releases compare."""
    rows = rows.copy()
    permille = rows["unit"] == "per_mille_gdp"
    rows.loc[permille, "value"] = rows.loc[permille, "value"] / 10
    rows.loc[permille, "unit"] = "percent_gdp"
    return rows


def europe_card(frame: pd.DataFrame, lang: str, function: str, unit: str) -> dbc.Card:
    """General government, Belgium beside the EU-27: every release with this function, one
    line per geography and release. Amounts (nominal, real) are shown for Belgium only."""
    _ = gettext_for(lang)
    fname = function_labels(_)[function]
    relative = unit in ("per_inhabitant", "gdp")
    title = (  # amounts: Belgium alone (the note says why)
        _("{function}: Belgium and the EU-27, all levels of government")
        if relative
        else _("{function}: Belgium, all levels of government")
    ).format(function=fname)
    geos = ("BE", "EU27_2020") if relative else ("BE",)
    rows = frame[
        (frame["kind"] == "cofog")
        & (frame["what"] == function)
        & (frame["level"] == "s13")
        & frame["geo_code"].isin(geos)
        & frame["unit"].isin(UNITS[unit])
    ].copy()
    if rows.empty:
        return _empty_card(
            lang,
            title,
            _("The shipped releases do not publish this function in this unit. Choose another unit."),
        )
    notes = []
    if (rows["unit"] == "per_mille_gdp").any():
        notes.append(
            _("Values published in per mille of GDP (whole numbers) are shown divided by 10, as % of GDP.")
        )
    rows = _as_percent(rows)
    if not relative:
        notes.append(
            _(
                "The EU-27 is compared per inhabitant or as a share of GDP: its amounts "
                "are not comparable with Belgium's."
            )
        )
    names = {"BE": _("Belgium"), "EU27_2020": _("EU-27")}
    colours = {"BE": charts.HIGHLIGHT, "EU27_2020": charts.PALETTE[0]}
    releases = [r for r in RELEASES if (rows["release"] == r).any()]
    lines, sentences = [], []
    for geo in geos:
        for k, release in enumerate(releases):
            part = rows[(rows["geo_code"] == geo) & (rows["release"] == release)].sort_values("year")
            if part.empty:
                continue
            name = f"{names[geo]} · {part['short_release'].iloc[0]}"
            years, values = part["year"].astype(int).tolist(), part["value"].tolist()
            lines.append(
                Line(
                    name,
                    years,
                    values,
                    colours[geo],
                    DASHES[k % len(DASHES)],
                    symbol=SYMBOLS[k % len(SYMBOLS)],
                )
            )
            sentences.append(
                path_sentence(
                    name, years, values, "percent_gdp" if unit == "gdp" else str(part["unit"].iloc[0]), lang
                )
            )
    comparisons = []
    for release in releases:
        both = rows[rows["release"] == release].pivot_table(
            index="year", columns="geo_code", values="value", aggfunc="first"
        )
        both = both.dropna() if set(geos) <= set(both.columns) else both.iloc[0:0]
        if len(geos) == 2 and len(both):
            year = int(both.index.max())
            code = "percent_gdp" if unit == "gdp" else UNITS[unit][0]
            comparisons.append(
                _("{year} ({release}): Belgium {be}, EU-27 {eu}").format(
                    year=year,
                    release=rows.loc[rows["release"] == release, "short_release"].iloc[0],
                    be=fmt(both.loc[year, "BE"], code, lang),
                    eu=fmt(both.loc[year, "EU27_2020"], code, lang),
                )
            )
    summary = "; ".join(comparisons or sentences) + "."
    fig = line_chart(lines, lang, "percent_gdp" if unit == "gdp" else UNITS[unit][0])
    return chart_card(
        lang,
        title=title,
        chart=_graph(fig, lang, f"funding-europe-{function}", summary),
        summary=summary,
        table=_table(lang, rows, lambda r: names[r["geo_code"]]),
        sources=_sources(lang, rows),
        notes=_notes(rows, notes),
        card_id=f"funding-europe-{function}",
    )


def entities_card(frame: pd.DataFrame, lang: str, unit: str) -> dbc.Card:
    """The four Brussels institutions in 2017 (NBB): social exclusion, family and children,
    social protection; per inhabitant when chosen, else million EUR."""
    _ = gettext_for(lang)
    title = _("Brussels institutions in 2017: spending by function")
    code = "eur_per_inhabitant" if unit == "per_inhabitant" else "eur_million"
    rows = frame[
        (frame["kind"] == "nbb_cofog")
        & frame["level"].isin(ENTITIES)
        & frame["what"].isin(["gf1007", "gf1004", "gf10"])
        & (frame["unit"] == code)
    ]
    if rows.empty:
        return _empty_card(lang, title, _("The National Bank figures are not in the warehouse."))
    names, functions = entity_labels(_), function_labels(_)
    groups: dict[str, list[float | None]] = {}
    sentences = []
    for function in ("gf1007", "gf1004", "gf10"):
        part = rows[rows["what"] == function].set_index("level")["value"]
        groups[functions[function]] = [part.get(e) for e in ENTITIES]
        ranked = part.sort_values(ascending=False)
        sentences.append(
            functions[function]
            + colon(lang)
            + ", ".join(f"{names[e]} {fmt(v, code, lang)}" for e, v in ranked.items())
        )
    fig = charts.grouped_bars([names[e] for e in ENTITIES], groups, lang, unit_suffix=unit_suffix(code, lang))
    fig.update_yaxes(title_text=axis_title(code, lang))
    notes = []
    if unit in ("real", "gdp"):
        notes.append(
            _(
                "One year (2017) and no GDP of the Brussels institutions: shown in "
                "million euros at current prices."
            )
        )
    share = _share_of_communities(frame, rows, lang) if code == "eur_million" else None
    summary = "2017 — " + "; ".join(sentences) + "." + (f" {share}" if share else "")
    return chart_card(
        lang,
        title=title,
        chart=_graph(fig, lang, "funding-entities", summary),
        summary=summary,
        table=_table(lang, rows, lambda r: f"{names[r['level']]} · {functions[r['what']]}"),
        sources=_sources(lang, rows),
        notes=_notes(rows, notes),
        card_id="funding-entities",
    )


def _share_of_communities(frame: pd.DataFrame, rows: pd.DataFrame, lang: str) -> str | None:
    """The four institutions' social-exclusion spending as a share of all Communities and
    Regions' (computed)."""
    _ = gettext_for(lang)
    total = frame[
        (frame["kind"] == "nbb_cofog")
        & (frame["level"] == "s1312")
        & (frame["what"] == "gf1007")
        & (frame["unit"] == "eur_million")
    ]["value"]
    brussels = rows[rows["what"] == "gf1007"]["value"].sum()
    if total.empty or not total.iloc[0]:
        return None
    return _(
        "Social exclusion: the four Brussels institutions together {brussels}, "
        "{share} of the {total} spent by all Communities and Regions."
    ).format(
        brussels=fmt(brussels, "eur_million", lang),
        share=format_number(brussels / total.iloc[0] * 100, lang, 1) + unit_suffix("percent", lang),
        total=fmt(total.iloc[0], "eur_million", lang),
    )


def accounts_card(frame: pd.DataFrame, lang: str, unit: str, item: str) -> dbc.Card:
    """An item of the NBB accounts of the four institutions, 2014-2018, lines with a gap at
    each break (COCOM/GGC 2015); real terms when chosen, else million EUR."""
    _ = gettext_for(lang)
    items = {"expenditure": _("Total expenditure"), "social_benefits": _("Social benefits")}
    title = _("{item} of the Brussels institutions, 2014-2018").format(item=items[item])
    code = "eur_million_2015" if unit == "real" else "eur_million"
    rows = frame[(frame["kind"] == "nbb_acc") & (frame["what"] == item) & (frame["unit"] == code)]
    if rows.empty:
        return _empty_card(lang, title, _("The National Bank figures are not in the warehouse."))
    names = entity_labels(_)
    lines, sentences, broken = [], [], []
    breaks: set[int] = set()
    for i, entity in enumerate(ENTITIES):
        part = rows[rows["level"] == entity].sort_values("year")
        if part.empty:
            continue
        gaps = tuple(int(p) for b in part["breaks"].dropna().unique() for p in str(b).split())
        breaks.update(gaps)
        broken += [names[entity]] if gaps else []
        years, values = part["year"].astype(int).tolist(), part["value"].tolist()
        lines.append(Line(names[entity], years, values, charts.PALETTE[i], gaps=gaps))
        sentences.append(path_sentence(names[entity], years, values, code, lang, gaps))
    notes = []
    if unit in ("per_inhabitant", "gdp"):
        notes.append(
            _(
                "No population or GDP of the Brussels institutions for 2014-2016: shown "
                "in million euros at current prices."
            )
        )
    summary = "; ".join(sentences) + "."
    fig = line_chart(
        lines,
        lang,
        code,
        tuple(sorted(breaks)),
        _("break in series") + (f" ({', '.join(broken)})" if broken else ""),
    )
    return chart_card(
        lang,
        title=title,
        chart=_graph(fig, lang, f"funding-accounts-{item}", summary),
        summary=summary,
        table=_table(lang, rows, lambda r: names[r["level"]]),
        sources=_sources(lang, rows),
        notes=_notes(rows, notes),
        card_id=f"funding-accounts-{item}",
    )


def _empty_card(lang: str, title: str, text: str) -> dbc.Card:
    return dbc.Card(
        dbc.CardBody(
            [html.H2(title, className="h5 card-title"), dbc.Alert(text, color="secondary", className="mb-0")]
        ),
        className="mb-4 shadow-sm",
    )


def funding_cards(data: PublicData, lang: str, unit: str) -> list:
    """The page's sections for ``unit`` (one of ``UNITS``)."""
    _ = gettext_for(lang)
    frame = finance_rows(data, lang)
    if frame.empty:
        return [not_available(lang, _("Public spending"))]
    sections = [
        (
            _("Spending by level of government"),
            [levels_card(frame, lang, f, unit) for f in ("gf1007", "gf1004")],
        ),
        (_("Belgium and the EU-27"), [europe_card(frame, lang, f, unit) for f in ("gf1007", "gf1004")]),
        (
            _("The Brussels institutions"),
            [
                entities_card(frame, lang, unit),
                accounts_card(frame, lang, unit, "expenditure"),
                accounts_card(frame, lang, unit, "social_benefits"),
            ],
        ),
    ]
    return [html.Section([html.H2(title, className="h4 mt-4 mb-3"), *cards]) for title, cards in sections]


# --- page -----------------------------------------------------------------------------------


def layout(lang: str | None = None, unit: str | None = None, **_query: str) -> html.Div:
    """The public-funding page in ``lang`` (``?unit=`` chooses the first unit shown)."""
    lang = valid_language(lang)
    if lang is None:
        return not_found()
    chosen = unit if unit in UNITS else DEFAULT_UNIT
    data = current_data()
    return data.memo(("public-funding-page", lang, chosen), lambda: _page(data, lang, chosen))


def _page(data: PublicData, lang: str, unit: str) -> html.Div:
    _ = gettext_for(lang)
    header = page_header(
        page_titles(_)["public_funding"],
        _(
            "What governments in Belgium spend on social exclusion, on family and children and on "
            "social protection: by level of government, beside the EU-27, and for the Brussels "
            "institutions. Each chart shows one release of one source, with its caveats; the "
            "sentences under the charts are computed from the values shown."
        ),
    )
    toggle = dbc.Card(
        dbc.CardBody(
            [
                html.Label(_("Express amounts as"), htmlFor=TOGGLE_ID, className="form-label fw-semibold"),
                dbc.RadioItems(
                    id=TOGGLE_ID,
                    value=unit,
                    inline=True,
                    className="mb-1",
                    options=[{"label": label, "value": key} for key, label in unit_choices(_).items()],
                ),
                html.P(
                    _(
                        "Real terms: deflated by consumer prices, base year 2015. Per inhabitant: "
                        "population on 1 January. Share of GDP: as published by Eurostat."
                    ),
                    className="small text-body-secondary mb-0",
                ),
            ]
        ),
        className="mb-3",
    )
    return html.Div([header, toggle, html.Div(id="funding-cards", children=funding_cards(data, lang, unit))])


@callback(
    Output("funding-cards", "children"),
    Input(TOGGLE_ID, "value"),
    State("url", "pathname"),
    prevent_initial_call=True,
)
def update_unit(unit: str | None, pathname: str) -> list:
    """Redraw the charts in the chosen unit (an unknown unit shows the default one)."""
    data, lang = current_data(), language_of_path(pathname)
    chosen = unit if unit in UNITS else DEFAULT_UNIT
    return data.memo(("public-funding-cards", lang, chosen), lambda: funding_cards(data, lang, chosen))
