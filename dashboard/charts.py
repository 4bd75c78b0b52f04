"""Plotly figures (graph_objects only: plotly.express is far slower per figure) and graphs.

Colours are the Okabe-Ito colour-blind-safe palette; text colours meet WCAG AA on white.
"""

from __future__ import annotations

import textwrap
from collections.abc import Mapping, Sequence

import plotly.graph_objects as go
from dash import dcc, html

from core.codes import EUROSTAT_TO_ISO3
from core.i18n import separators
from dashboard.components import HtmlAttributes
from dashboard.i18n import plotly_locale

#: Okabe-Ito palette (blue first: it keeps AA contrast for bars with labels).
PALETTE = ("#0072B2", "#E69F00", "#009E73", "#CC79A7", "#56B4E9", "#D55E00", "#F0E442")
HIGHLIGHT = "#D55E00"
MUTED = "#56B4E9"
TEXT = "#212529"
#: Sequential blue scale for maps (light to dark, distinguishable without hue).
MAP_SCALE = [[0.0, "#deebf7"], [0.5, "#6baed6"], [1.0, "#08306b"]]


def _layout(lang: str, height: int, **extra: object) -> go.Layout:
    """Common layout: language separators, readable font, no wasted margins."""
    return go.Layout(
        separators=separators(lang),
        height=height,
        margin={"l": 8, "r": 16, "t": 16, "b": 8},
        font={
            "family": "system-ui, -apple-system, 'Segoe UI', Roboto, sans-serif",
            "size": 14,
            "color": TEXT,
        },
        paper_bgcolor="white",
        plot_bgcolor="white",
        hoverlabel={"font": {"size": 14}},
        **extra,
    )


def wrap(label: str, width: int = 42) -> str:
    """A long axis label broken over lines (plotly does not wrap text)."""
    return "<br>".join(textwrap.wrap(str(label), width)) or str(label)


def ranked_bars(
    labels: Sequence[str],
    values: Sequence[float | None],
    lang: str,
    *,
    texts: Sequence[str],
    highlight: Sequence[bool] | None = None,
    errors: tuple[Sequence[float], Sequence[float]] | None = None,
) -> go.Figure:
    """Horizontal bars in the given order, first on top; highlighted bars in orange.

    ``texts`` are the formatted values written next to the bars and in the tooltips;
    ``errors`` gives (minus, plus) distances to the confidence-interval bounds.
    """
    labels = [wrap(label) for label in labels]
    colours = [HIGHLIGHT if h else PALETTE[0] for h in (highlight or [False] * len(labels))]
    bar = go.Bar(
        y=labels,
        x=list(values),
        orientation="h",
        marker={"color": colours},
        text=list(texts),
        textposition="outside",
        cliponaxis=False,
        hovertemplate="%{y}: %{text}<extra></extra>",
    )
    if errors is not None:
        bar.error_x = {
            "type": "data",
            "symmetric": False,
            "array": list(errors[1]),
            "arrayminus": list(errors[0]),
            "color": TEXT,
            "thickness": 1.5,
        }
    lines = sum(label.count("<br>") + 1 for label in labels)
    fig = go.Figure(bar, _layout(lang, max(200, 22 * lines + 14 * len(labels) + 60)))
    top = max([v for v in values if v is not None and v == v] or [0])
    if errors is not None:
        top = max([top, *[v + e for v, e in zip(values, errors[1], strict=True) if v is not None and e == e]])
    fig.update_yaxes(autorange="reversed", automargin=True, type="category")
    fig.update_xaxes(
        showgrid=True,
        gridcolor="#e9ecef",
        zeroline=False,
        automargin=True,
        range=[0, top * 1.22 or 1],
        tickformat=",~r",
    )
    return fig


def dumbbell(
    labels: Sequence[str],
    start: Sequence[float | None],
    end: Sequence[float | None],
    lang: str,
    *,
    names: tuple[str, str],
    unit_suffix: str = "",
    highlight: Sequence[bool] | None = None,
) -> go.Figure:
    """Change between two periods per category: a grey segment from the first to the second
    value, the second value in blue (orange for highlighted categories)."""
    labels, start, end = list(labels), list(start), list(end)
    segments_x: list[float | None] = []
    segments_y: list[str | None] = []
    for label, a, b in zip(labels, start, end, strict=True):
        segments_x += [a, b, None]
        segments_y += [label, label, None]
    colours = [HIGHLIGHT if h else PALETTE[0] for h in (highlight or [False] * len(labels))]
    traces = [
        go.Scatter(
            x=segments_x,
            y=segments_y,
            mode="lines",
            line={"color": "#adb5bd", "width": 3},
            hoverinfo="skip",
            showlegend=False,
        ),
        go.Scatter(
            x=start,
            y=labels,
            mode="markers",
            name=names[0],
            marker={"color": "white", "size": 10, "line": {"color": TEXT, "width": 2}},
            hovertemplate="%{y} (" + names[0] + "): %{x}" + unit_suffix + "<extra></extra>",
        ),
        go.Scatter(
            x=end,
            y=labels,
            mode="markers",
            name=names[1],
            marker={"color": colours, "size": 12, "symbol": "circle"},
            hovertemplate="%{y} (" + names[1] + "): %{x}" + unit_suffix + "<extra></extra>",
        ),
    ]
    fig = go.Figure(
        traces,
        _layout(
            lang, max(260, 24 * len(labels) + 80), legend={"orientation": "h", "y": 1.02, "yanchor": "bottom"}
        ),
    )
    fig.update_yaxes(autorange="reversed", automargin=True, type="category")
    fig.update_xaxes(
        gridcolor="#e9ecef",
        zeroline=False,
        automargin=True,
        ticksuffix=unit_suffix,
        tickformat=",~r",
        hoverformat=",~r",
    )
    return fig


def grouped_bars(
    categories: Sequence[str],
    groups: Mapping[str, Sequence[float | None]],
    lang: str,
    *,
    unit_suffix: str = "",
) -> go.Figure:
    """Vertical bars, one colour per group (e.g. one per period), categories on the x axis."""
    traces = [
        go.Bar(
            x=list(categories),
            y=list(vals),
            name=str(group),
            marker={"color": PALETTE[i % len(PALETTE)]},
            hovertemplate="%{x} (" + str(group) + "): %{y}" + unit_suffix + "<extra></extra>",
        )
        for i, (group, vals) in enumerate(groups.items())
    ]
    fig = go.Figure(traces, _layout(lang, 380, barmode="group", legend={"orientation": "h", "y": -0.15}))
    fig.update_yaxes(
        gridcolor="#e9ecef", automargin=True, rangemode="tozero", tickformat=",~r", hoverformat=",~r"
    )
    fig.update_xaxes(automargin=True, type="category")
    return fig


def trend_lines(
    series: dict[str, tuple[Sequence[str], Sequence[float | None]]],
    lang: str,
    *,
    unit_suffix: str = "",
    errors: dict[str, tuple[Sequence[float], Sequence[float]]] | None = None,
) -> go.Figure:
    """One line with markers per named series over (text) periods.

    ``errors`` maps a series name to (minus, plus) distances to its CI bounds (error bars).
    """
    errors = errors or {}
    traces = []
    for i, (name, (x, y)) in enumerate(series.items()):
        colour = PALETTE[i % len(PALETTE)]
        trace = go.Scatter(
            x=list(x),
            y=list(y),
            name=name,
            mode="lines+markers",
            line={"color": colour, "width": 3},
            marker={"size": 9},
            hovertemplate="%{x}: %{y}" + unit_suffix + "<extra>" + name + "</extra>",
        )
        if name in errors:
            minus, plus = errors[name]
            trace.error_y = {
                "type": "data",
                "symmetric": False,
                "array": list(plus),
                "arrayminus": list(minus),
                "color": colour,
                "thickness": 1.5,
                "width": 6,
            }
        traces.append(trace)
    fig = go.Figure(traces, _layout(lang, 360, legend={"orientation": "h", "y": -0.2}))
    fig.update_yaxes(
        gridcolor="#e9ecef", rangemode="tozero", automargin=True, tickformat=",~r", hoverformat=",~r"
    )
    fig.update_xaxes(type="category", automargin=True, categoryorder="category ascending")
    return fig


def _rgba(colour: str, alpha: float) -> str:
    r, g, b = (int(colour[i : i + 2], 16) for i in (1, 3, 5))
    return f"rgba({r},{g},{b},{alpha})"


def trend_band(
    series: dict[str, tuple[Sequence[str], Sequence[float | None]]],
    lang: str,
    *,
    unit_suffix: str = "",
    bands: dict[str, tuple[Sequence[float | None], Sequence[float | None]]] | None = None,
) -> go.Figure:
    """One line with markers per named series over (text) periods, each with its 95 % CI as a
    shaded band (``bands`` maps a series name to its lower and upper bounds, one per period).

    The band is drawn under the line in the line's colour (transparent); a period without
    bounds interrupts neither the line nor the band, which join the neighbouring periods.
    """
    bands = bands or {}
    traces = []
    for i, (name, (x, y)) in enumerate(series.items()):
        colour = PALETTE[i % len(PALETTE)]
        x, y = list(x), list(y)
        low, high = (list(b) for b in bands.get(name, ([None] * len(x), [None] * len(x))))
        ok = [
            j
            for j in range(len(x))
            if low[j] is not None and high[j] is not None and low[j] == low[j] and high[j] == high[j]
        ]
        if len(ok) > 1:
            traces.append(
                go.Scatter(
                    x=[x[j] for j in ok] + [x[j] for j in reversed(ok)],
                    y=[high[j] for j in ok] + [low[j] for j in reversed(ok)],
                    fill="toself",
                    fillcolor=_rgba(colour, 0.18),
                    line={"width": 0},
                    mode="lines",
                    hoverinfo="skip",
                    showlegend=False,
                    legendgroup=name,
                    name=name,
                )
            )
        custom = [[lo, hi] for lo, hi in zip(low, high, strict=True)]
        ci = " (%{customdata[0]:,~r} – %{customdata[1]:,~r})" if ok else ""
        traces.append(
            go.Scatter(
                x=x,
                y=y,
                name=name,
                mode="lines+markers",
                legendgroup=name,
                line={"color": colour, "width": 3},
                marker={"size": 9},
                customdata=custom,
                hovertemplate="%{x}: %{y}" + unit_suffix + ci + "<extra>" + name + "</extra>",
            )
        )
    fig = go.Figure(traces, _layout(lang, 380, legend={"orientation": "h", "y": -0.2}))
    fig.update_yaxes(
        gridcolor="#e9ecef", rangemode="tozero", automargin=True, tickformat=",~r", hoverformat=",~r"
    )
    fig.update_xaxes(type="category", automargin=True, categoryorder="category ascending")
    return fig


def estimate_bars(
    labels: Sequence[str],
    values: Sequence[float | None],
    lows: Sequence[float | None],
    highs: Sequence[float | None],
    flags: Sequence[str],
    lang: str,
    *,
    texts: Sequence[str],
    legend: tuple[str, str],
) -> go.Figure:
    """Survey estimates as horizontal bars (given order, first on top) with 95 % CI error bars.

    Low-reliability cells are drawn lighter and hatched; suppressed cells get no bar, only
    their text (``texts``), so no number is ever drawn for them. ``legend`` names the two
    bar styles (reliable, low reliability).
    """
    labels = [wrap(label) for label in labels]
    rows = list(zip(labels, values, lows, highs, flags, texts, strict=True))
    top = max(
        [h for *_x, h, _f, _t in rows if h is not None and h == h]
        + [v for _l, v, *_x in rows if v is not None and v == v]
        + [0]
    )
    traces = []
    for name, wanted, colour, pattern, ink in (
        (legend[0], "ok", PALETTE[0], "", "white"),
        (legend[1], "low_reliability", MUTED, "/", TEXT),
    ):
        part = [r for r in rows if r[4] == wanted]
        if not part:
            continue
        traces.append(
            go.Bar(
                y=[r[0] for r in part],
                x=[r[1] for r in part],
                orientation="h",
                name=name,
                marker={"color": colour, "pattern": {"shape": pattern, "fgcolor": "#1f4e79"}},
                text=[r[5] for r in part],
                textposition="auto",
                cliponaxis=False,
                insidetextanchor="start",
                insidetextfont={"color": ink},
                outsidetextfont={"color": TEXT},
                hovertemplate="%{y}: %{text}<extra></extra>",
                error_x={
                    "type": "data",
                    "symmetric": False,
                    "color": TEXT,
                    "thickness": 1.5,
                    "array": [(h - v) if h is not None and h == h else None for _l, v, _lo, h, *_x in part],
                    "arrayminus": [
                        (v - lo) if lo is not None and lo == lo else None for _l, v, lo, *_x in part
                    ],
                },
            )
        )
    hidden = [r for r in rows if r[4] not in ("ok", "low_reliability")]
    if hidden:
        traces.append(
            go.Bar(
                y=[r[0] for r in hidden],
                x=[0] * len(hidden),
                orientation="h",
                showlegend=False,
                marker={"color": "rgba(0,0,0,0)"},
                text=[r[5] for r in hidden],
                textposition="outside",
                textfont={"color": "#495057", "size": 12},
                cliponaxis=False,
                hovertemplate="%{y}: %{text}<extra></extra>",
            )
        )
    lines = sum(label.count("<br>") + 1 for label in labels)
    fig = go.Figure(
        traces,
        _layout(
            lang,
            max(220, 22 * lines + 14 * len(labels) + 90),
            barmode="overlay",
            legend={"orientation": "h", "y": 1.0, "yanchor": "bottom", "x": 0},
        ),
    )
    fig.update_yaxes(
        autorange="reversed", automargin=True, type="category", categoryorder="array", categoryarray=labels
    )
    bottom = min([lo for *_x, lo, _h, _f, _t in rows if lo is not None and lo == lo] + [0])
    fig.update_xaxes(
        showgrid=True,
        gridcolor="#e9ecef",
        zeroline=True,
        zerolinecolor="#adb5bd",
        automargin=True,
        range=[bottom * 1.1, top * 1.3 or 1],
        tickformat=",~r",
    )
    return fig


def europe_map(
    geo_codes: Sequence[str],
    values: Sequence[float | None],
    names: Sequence[str],
    lang: str,
    *,
    unit_suffix: str = "",
    colorbar_title: str = "",
) -> go.Figure:
    """Choropleth of European countries (Eurostat codes) on plotly's local Europe topojson."""
    rows = [
        (EUROSTAT_TO_ISO3[g], v, n)
        for g, v, n in zip(geo_codes, values, names, strict=True)
        if g in EUROSTAT_TO_ISO3 and v is not None
    ]
    trace = go.Choropleth(
        locations=[r[0] for r in rows],
        z=[r[1] for r in rows],
        text=[r[2] for r in rows],
        locationmode="ISO-3",
        colorscale=MAP_SCALE,
        marker={"line": {"color": "white", "width": 0.6}},
        colorbar={"title": {"text": colorbar_title}, "thickness": 12, "tickformat": ",~r"},
        hovertemplate="%{text}: %{z}" + unit_suffix + "<extra></extra>",
    )
    fig = go.Figure(trace, _layout(lang, 460))
    fig.update_geos(
        scope="europe",
        resolution=50,
        projection_type="mercator",
        fitbounds="locations",
        showcountries=True,
        countrycolor="white",
        showland=True,
        landcolor="#f1f3f5",
        showframe=False,
    )
    return fig


def graph(figure: go.Figure, lang: str, graph_id: str | dict, label: str) -> html.Div:
    """A ``dcc.Graph`` with local topojson, plotly menus in ``lang`` and an accessible name.

    The text alternative (summary and table) is given next to it by ``components.chart_card``.
    """
    config: dcc.Graph.Config = {
        "displaylogo": False,
        "responsive": True,
        "topojsonURL": "/assets/vendor/topojson/",
        "modeBarButtonsToRemove": ["lasso2d", "select2d"],
        "toImageButtonOptions": {"format": "png", "scale": 2},
    }
    locale = plotly_locale(lang)
    if locale:
        config["locale"] = lang
        config["locales"] = {lang: locale}
    return html.Div(
        dcc.Graph(id=graph_id, figure=figure, config=config, className="chart"),
        role="figure",
        **HtmlAttributes({"aria-label": label}),
    )
