"""The advocacy note as plain data: what every renderer (PDF, DOCX, Markdown) lays out."""

from __future__ import annotations

from dataclasses import dataclass, field


@dataclass(frozen=True)
class Source:
    """A row of ``public.sources`` cited by the note, numbered in order of first use."""

    ref: int
    source_id: str
    producer: str
    title: str
    citation: str
    url: str

    @property
    def label(self) -> str:
        """Short mention next to a figure: ``[1] Eurostat``."""
        return f"[{self.ref}] {self.producer}"

    @property
    def reference(self) -> str:
        """Full entry of the list of sources: the citation in the note's language, and the
        address of the page when there is one to open."""
        url = self.url if self.url.startswith(("https://", "http://")) else ""
        return " ".join(p for p in (self.citation, url) if p)


@dataclass(frozen=True)
class KeyFigure:
    """One published cell of ``public.indicator_values`` with its formatted texts."""

    indicator_id: str
    title: str
    unit_label: str
    scope: str
    period: str
    other_year: bool
    category: str | None
    value: float
    ci_low: float | None
    ci_high: float | None
    n: int | None
    flag: str
    synthetic: bool
    value_text: str
    ci_text: str
    n_text: str
    sources: tuple[Source, ...]

    @property
    def label(self) -> str:
        """Indicator title, with the category of a breakdown cell."""
        return f"{self.title} – {self.category}" if self.category else self.title

    @property
    def source_text(self) -> str:
        """The source mentions of the figure: ``[1] Eurostat; [2] Statbel``."""
        return "; ".join(s.label for s in self.sources)


@dataclass(frozen=True)
class UnpublishedFigure:
    """A requested cell that the note does not print, and why."""

    indicator_id: str
    period: str | None
    category: str | None
    text: str


@dataclass(frozen=True)
class Point:
    """One published estimate to plot, with its 95 % CI when it has one."""

    label: str
    value: float
    ci_low: float | None = None
    ci_high: float | None = None


@dataclass(frozen=True)
class ChartSpec:
    """What a chart shows: points over periods (``over_time``) or across categories."""

    title: str
    points: tuple[Point, ...]
    value_axis: str
    lang: str
    over_time: bool
    banner: str | None = None


@dataclass(frozen=True)
class Chart:
    """A chart (drawn by ``charts.render`` for PDF and DOCX) with the caption under it."""

    title: str
    spec: ChartSpec
    caption: str


@dataclass(frozen=True)
class Recommendation:
    """A recommendation of ``public.recommendations`` in the note's language."""

    recommendation_id: str
    title: str
    text: str
    status: str
    evidence: str
    indicators: tuple[str, ...]

    @property
    def heading(self) -> str:
        return f"{self.recommendation_id} – {self.title}"


@dataclass(frozen=True)
class Note:
    """Everything an advocacy note says, already in its language."""

    lang: str
    title: str
    date: str
    edition: str
    context: tuple[str, ...]
    summary: tuple[str, ...]
    key_figures: tuple[KeyFigure, ...]
    unpublished: tuple[UnpublishedFigure, ...]
    charts: tuple[Chart, ...]
    recommendations: tuple[Recommendation, ...]
    methods: tuple[str, ...]
    caveats: tuple[str, ...]
    sources: tuple[Source, ...]
    synthetic: bool
    wave: str | None = None
    labels: dict[str, str] = field(default_factory=dict)

    def table_legend(self) -> str:
        """The legend under the key-figures table (with the other-year mark when used)."""
        lab = self.labels
        parts = [lab["table_legend"], f"* {lab['low_reliability']}."]
        if any(f.other_year for f in self.key_figures):
            parts.append(lab["other_year"].format(wave=self.wave))
        return " ".join(parts)

    def key_figure_table(self) -> tuple[list[str], list[list[str]]]:
        """Header and rows of the key-figures table, as every renderer prints it."""
        lab = self.labels
        header = [
            lab["col_indicator"],
            lab["col_period"],
            lab["col_value"],
            lab["col_ci"],
            lab["col_n"],
            lab["col_source"],
        ]
        rows = [
            [
                f.label + (f", {f.unit_label}" if f.unit_label else "") + f" — {f.scope}",
                f.period + (" †" if f.other_year else ""),
                f.value_text + (" *" if f.flag == "low_reliability" else ""),
                f.ci_text,
                f.n_text,
                f.source_text,
            ]
            for f in self.key_figures
        ]
        return header, rows
