"""Charts of the note, drawn by matplotlib (no browser): SVG for the PDF, PNG for the DOCX.

Each chart shows published estimates as dots with their 95 % CI as whiskers, in the
dashboard's colours, with numbers written the note language's way (decimal comma in FR/NL).
"""

from __future__ import annotations

import io
import textwrap
from typing import TYPE_CHECKING, TypedDict

import matplotlib

matplotlib.use("Agg")  # no display, no browser: plain raster/vector back-ends only

from matplotlib.figure import Figure  # noqa: E402
from matplotlib.ticker import FuncFormatter, MaxNLocator  # noqa: E402

from exports.notes.formatting import number  # noqa: E402
from exports.notes.model import ChartSpec  # noqa: E402

if TYPE_CHECKING:
    from matplotlib.backend_bases import FigureCanvasBase

PALETTE = ("#0072B2", "#E69F00", "#009E73", "#CC79A7", "#56B4E9", "#D55E00")  # the dashboard's
BANNER = "#8A2B00"
TEXT = "#212529"
GRID = "#E9ECEF"
WIDTH_IN = 6.7  # the A4 text width of the PDF note (174 mm)
CHAR_IN = 0.068  # mean width of a 9 pt DejaVu Sans character, in inches (for the margins)
matplotlib.rcParams.update(
    {
        "font.family": "DejaVu Sans",
        "font.size": 9,
        "svg.fonttype": "none",  # SVG text stays text
        "axes.edgecolor": "#ADB5BD",
        "axes.labelcolor": TEXT,
        "xtick.color": TEXT,
        "ytick.color": TEXT,
        "svg.hashsalt": "sector-monitor",  # the same note gives the same SVG
    }
)


class _DotStyle(TypedDict):
    """Keyword arguments of ``Axes.errorbar`` shared by both chart layouts."""

    fmt: str
    color: str
    ecolor: str
    elinewidth: float
    capsize: float
    markersize: float


def _figure(spec: ChartSpec) -> Figure:
    """The chart, with margins computed from its texts (matplotlib's constrained layout would
    take half of the drawing time to find them)."""
    points = spec.points
    values = [p.value for p in points]
    below = [p.value - p.ci_low if p.ci_low is not None else 0 for p in points]
    above = [p.ci_high - p.value if p.ci_high is not None else 0 for p in points]
    title = textwrap.wrap(spec.title, 90)
    banner = textwrap.wrap(spec.banner, 90 if spec.over_time else 48) if spec.banner else []
    labels = (
        [p.label for p in points]
        if spec.over_time
        else ["\n".join(textwrap.wrap(p.label, 48)) for p in points]
    )
    top = 0.16 + 0.2 * len(title) + 0.15 * len(banner)
    if spec.over_time:
        left, bottom, plot = 0.75, 0.35, 1.8
    else:
        longest = max(len(line) for label in labels for line in label.split("\n"))
        left, bottom = 0.25 + CHAR_IN * longest, 0.5
        plot = 0.2 + sum(0.3 + 0.15 * label.count("\n") for label in labels)
    height = top + plot + bottom
    fig = Figure(figsize=(WIDTH_IN, height))
    fig.subplots_adjust(
        left=left / WIDTH_IN, right=1 - 0.2 / WIDTH_IN, top=1 - top / height, bottom=bottom / height
    )
    ax = fig.add_subplot()
    style: _DotStyle = {
        "fmt": "o",
        "color": PALETTE[0],
        "ecolor": PALETTE[0],
        "elinewidth": 1.4,
        "capsize": 4,
        "markersize": 6,
    }
    value_format = FuncFormatter(
        lambda x, _pos: number(x, spec.lang, "count" if float(x).is_integer() else None)
    )
    if spec.over_time:
        ax.errorbar(labels, values, yerr=[below, above], linestyle="-", linewidth=1.8, **style)
        ax.set_ylabel(spec.value_axis)
        ax.set_ylim(bottom=min(0, *(v - b for v, b in zip(values, below, strict=True))))
        ax.yaxis.set_major_formatter(value_format)
        ax.yaxis.set_major_locator(MaxNLocator(6))
        ax.grid(axis="y", color=GRID)
    else:
        positions = list(range(len(points)))
        ax.errorbar(values, positions, xerr=[below, above], linestyle="none", **style)
        ax.set_yticks(positions, labels)
        ax.invert_yaxis()
        ax.set_xlabel(spec.value_axis)
        ax.set_xlim(left=min(0, *(v - b for v, b in zip(values, below, strict=True))))
        ax.xaxis.set_major_formatter(value_format)
        ax.grid(axis="x", color=GRID)
    ax.set_axisbelow(True)
    ax.spines[["top", "right"]].set_visible(False)
    fig.suptitle(
        "\n".join(title),
        x=0.01,
        y=1 - 0.08 / height,
        ha="left",
        va="top",
        fontsize=10.5,
        color=TEXT,
        fontweight="bold",
    )
    if banner:  # under the title, so that a chart pasted elsewhere keeps it
        ax.set_title("\n".join(banner), loc="left", fontsize=7.5, color=BANNER)
    return fig


def render(spec: ChartSpec, fmt: str, dpi: int = 200) -> bytes:
    """The chart as ``svg`` or ``png`` bytes."""
    fig = _figure(spec)
    canvas: FigureCanvasBase
    if fmt == "svg":  # each back-end imported only when used (a cold PDF note needs no raster)
        from matplotlib.backends.backend_svg import FigureCanvasSVG

        canvas = FigureCanvasSVG(fig)
    else:
        from matplotlib.backends.backend_agg import FigureCanvasAgg

        canvas = FigureCanvasAgg(fig)
    buffer = io.BytesIO()
    canvas.print_figure(buffer, format=fmt, dpi=dpi, metadata={"Date": None} if fmt == "svg" else None)
    return buffer.getvalue()
