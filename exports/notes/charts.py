"""Charts of the note, drawn by matplotlib (no browser): SVG for the PDF, PNG for the DOCX.

Each chart shows published estimates as dots with their 95 % CI as whiskers, in the
dashboard's colours, with numbers written the note language's way (decimal comma in FR/NL).
"""

from __future__ import annotations

import io
import textwrap

import matplotlib

matplotlib.use("Agg")  # no display, no browser: plain raster/vector back-ends only

from matplotlib.backends.backend_agg import FigureCanvasAgg  # noqa: E402
from matplotlib.backends.backend_svg import FigureCanvasSVG  # noqa: E402
from matplotlib.figure import Figure  # noqa: E402
from matplotlib.ticker import FuncFormatter, MaxNLocator  # noqa: E402

from exports.notes.formatting import number  # noqa: E402
from exports.notes.model import ChartSpec  # noqa: E402

PALETTE = ("#0072B2", "#E69F00", "#009E73", "#CC79A7", "#56B4E9", "#D55E00")  # the dashboard's
BANNER = "#8A2B00"
TEXT = "#212529"
GRID = "#E9ECEF"
WIDTH_IN = 6.7  # the A4 text width of the PDF note (174 mm)
matplotlib.rcParams.update({
    "font.family": "DejaVu Sans", "font.size": 9, "svg.fonttype": "none",  # SVG text stays text
    "axes.edgecolor": "#ADB5BD", "axes.labelcolor": TEXT, "xtick.color": TEXT,
    "ytick.color": TEXT, "svg.hashsalt": "sector-monitor",  # the same note gives the same SVG
})


def _figure(spec: ChartSpec) -> Figure:
    points = spec.points
    values = [p.value for p in points]
    below = [p.value - p.ci_low if p.ci_low is not None else 0 for p in points]
    above = [p.ci_high - p.value if p.ci_high is not None else 0 for p in points]
    height = 2.5 if spec.over_time else 1.2 + 0.38 * len(points)
    fig = Figure(figsize=(WIDTH_IN, height), layout="constrained")
    ax = fig.add_subplot()
    style = {"fmt": "o", "color": PALETTE[0], "ecolor": PALETTE[0], "elinewidth": 1.4,
             "capsize": 4, "markersize": 6}
    value_format = FuncFormatter(lambda x, _pos: number(
        x, spec.lang, "count" if float(x).is_integer() else None))
    if spec.over_time:
        labels = [p.label for p in points]
        ax.errorbar(labels, values, yerr=[below, above], linestyle="-", linewidth=1.8, **style)
        ax.set_ylabel(spec.value_axis)
        ax.set_ylim(bottom=min(0, *(v - b for v, b in zip(values, below, strict=True))))
        ax.yaxis.set_major_formatter(value_format)
        ax.yaxis.set_major_locator(MaxNLocator(6))
        ax.grid(axis="y", color=GRID)
    else:
        labels = ["\n".join(textwrap.wrap(p.label, 48)) for p in points]
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
    fig.suptitle("\n".join(textwrap.wrap(spec.title, 90)), x=0.01, ha="left", fontsize=10.5,
                 color=TEXT, fontweight="bold")
    if spec.banner:  # under the title, so that a chart pasted elsewhere keeps it
        ax.set_title("\n".join(textwrap.wrap(spec.banner, 90 if spec.over_time else 48)),
                     loc="left", fontsize=7.5, color=BANNER)
    return fig


def render(spec: ChartSpec, fmt: str, dpi: int = 200) -> bytes:
    """The chart as ``svg`` or ``png`` bytes."""
    fig = _figure(spec)
    canvas = FigureCanvasSVG(fig) if fmt == "svg" else FigureCanvasAgg(fig)
    buffer = io.BytesIO()
    canvas.print_figure(buffer, format=fmt, dpi=dpi, metadata={"Date": None} if fmt == "svg"
                        else None)
    return buffer.getvalue()
