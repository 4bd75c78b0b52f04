"""Charts of the note: plotly graph_objects figures with 95 % CIs, rendered by kaleido."""

from __future__ import annotations

import functools
import textwrap
from collections.abc import Sequence
from dataclasses import dataclass

import kaleido
import plotly.graph_objects as go

PALETTE = ("#0072B2", "#D55E00", "#009E73", "#E69F00", "#CC79A7", "#56B4E9")  # Okabe-Ito
SEPARATORS = {"fr": ", ", "nl": ",.", "en": ".,"}
FONT = "DejaVu Sans, Liberation Sans, Arial, sans-serif"
WIDTH = 680


@dataclass(frozen=True)
class Point:
    """One published estimate to plot, with its 95 % CI when it has one."""

    label: str
    value: float
    ci_low: float | None = None
    ci_high: float | None = None


def estimates_figure(title: str, points: Sequence[Point], lang: str, value_axis: str,
                     banner: str | None, over_time: bool) -> go.Figure:
    """Points with CI error bars: a line over periods (``over_time``) or horizontal dots."""
    labels = ["<br>".join(textwrap.wrap(p.label, 38)) for p in points]
    values = [p.value for p in points]
    errors = {"type": "data", "color": PALETTE[0], "thickness": 1.6, "width": 5,
              "array": [p.ci_high - p.value if p.ci_high is not None else 0 for p in points],
              "arrayminus": [p.value - p.ci_low if p.ci_low is not None else 0 for p in points]}
    marker = {"color": PALETTE[0], "size": 9}
    if over_time:
        trace = go.Scatter(x=labels, y=values, mode="lines+markers", marker=marker,
                           line={"color": PALETTE[0], "width": 2}, error_y=errors)
        axes = {"xaxis": {"type": "category"},
                "yaxis": {"title": {"text": value_axis}, "rangemode": "tozero"}}
        height = 280
    else:
        trace = go.Scatter(x=values, y=labels, mode="markers", marker=marker, error_x=errors)
        axes = {"yaxis": {"autorange": "reversed", "automargin": True},
                "xaxis": {"title": {"text": value_axis}, "rangemode": "tozero"}}
        height = 150 + 42 * len(points)
    fig = go.Figure(trace)
    fig.update_layout(
        title={"text": "<br>".join(textwrap.wrap(title, 70)), "font": {"size": 15}},
        template="simple_white", separators=SEPARATORS[lang], showlegend=False,
        font={"family": FONT, "size": 12, "color": "#222222"}, width=WIDTH, height=height,
        margin={"l": 60, "r": 30, "t": 70, "b": 60}, **axes)
    if banner:
        fig.add_annotation(text=banner, xref="paper", yref="paper", x=1, y=1.02,
                           xanchor="right", yanchor="bottom", showarrow=False,
                           font={"size": 10, "color": PALETTE[1]})
    return fig


@functools.cache
def _start_kaleido() -> None:
    """Start kaleido's browser once per process (a cold render costs seconds, then ~0.3 s)."""
    kaleido.start_sync_server(mathjax=False, silence_warnings=True)


def render(figure: go.Figure, fmt: str, scale: float = 1) -> bytes:
    """The figure as ``svg`` or ``png`` bytes, with Debian's chromium through kaleido."""
    _start_kaleido()
    opts = {"format": fmt, "width": figure.layout.width, "height": figure.layout.height,
            "scale": scale}
    return kaleido.calc_fig_sync(figure, opts=opts)
