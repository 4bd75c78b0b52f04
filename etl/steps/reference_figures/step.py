"""Published reference figures (KBS/FRB studies and barometer, National Bank satellite
account, Volunteer Scotland, the PFV-Crebis seed report): one typed row per figure,
grouped into series by ``meta.yml`` beside this file, which also names the publication
(source) of every topic. Each row keeps the page it was read from."""

from __future__ import annotations

import re
from typing import NotRequired, TypedDict

import pandas as pd

from etl.runner import META_FILE, Context, StepError, meta_of, record_sources
from etl.tabular import Step, insert_series

GEO_CODES = {
    "Belgium": "01000",
    "Flemish Region": "02000",
    "Walloon Region": "03000",
    "Brussels-Capital Region": "04000",
    "Scotland": "UKM",
}
RANGE = re.compile(r"^\s*(-?\d+(?:\.\d+)?)\s*-\s*(\d+(?:\.\d+)?)\s*$")
APPROX = re.compile(r"^\s*~\s*(\d+(?:\.\d+)?)\s*$")
PERIOD = re.compile(r"^(\d{4}(?:-\d{4})?)\s*(?:\((.+)\))?$")


class ParsedValue(TypedDict):
    """A typed published value: the columns of its row, and ``text`` for its note."""

    value: float | None
    value_low: float | None
    value_high: float | None
    flag: str | None
    text: NotRequired[str | None]  # always there; transform moves it into the note


def parse_value(text: str, unit: str) -> ParsedValue:
    """Type a published value: a number, a range ``a-b``, an approximation ``~n`` or text."""
    text = str(text).strip()
    if unit == "text":
        return {"value": None, "value_low": None, "value_high": None, "flag": None, "text": text}
    if m := RANGE.match(text):
        return {
            "value": None,
            "value_low": float(m[1]),
            "value_high": float(m[2]),
            "flag": None,
            "text": f"range {m[1]}-{m[2]}",
        }
    if m := APPROX.match(text):
        return {
            "value": float(m[1]),
            "value_low": None,
            "value_high": None,
            "flag": "~",
            "text": "approximate",
        }
    try:
        return {"value": float(text), "value_low": None, "value_high": None, "flag": None, "text": None}
    except ValueError as exc:
        raise StepError(
            f"reference figure value {text!r} is neither a number, a range "
            "'a-b', an approximation '~n' nor unit 'text'"
        ) from exc


def sources_of(spec: dict, topic: str, page: str) -> list[str]:
    """Ids of the sources a figure belongs to: its topic, and its page when a source lists
    ``pages`` (the barometer has one source per edition)."""
    return [
        sid
        for sid, pub in spec["sources"].items()
        if topic in pub["topics"] and page in pub.get("pages", [page])
    ]


class ReferenceFigures(Step):
    def register_sources(self, ctx: Context) -> None:
        record_sources(
            ctx,
            ctx.source(self.meta.source_id),
            {
                source_id: (
                    pub["i18n"],
                    {
                        "title": pub["title"],
                        "producer": pub["producer"],
                        "url": pub["url"],
                        "licence": pub["licence"],
                        "citation": pub["citation"],
                        "note": pub.get("note"),
                    },
                )
                for source_id, pub in self.meta.data["sources"].items()
            },
        )

    def extract(self, ctx: Context) -> pd.DataFrame:
        path = ctx.source(self.meta.source_id).path("reference_figures.csv")
        raw = pd.read_csv(path, dtype=str, keep_default_na=False)
        raw.insert(0, "line", range(2, len(raw) + 2))
        return raw

    def validate(self, raw: pd.DataFrame) -> None:
        spec = self.meta.data
        matches: dict[tuple[str, str], str] = {}
        for s in spec["series"]:
            for m in s["match"]:
                key = (m["topic"], m["indicator"])
                if key in matches:
                    raise StepError(f"{META_FILE}: {key} matched by {matches[key]} and {s['series']}")
                matches[key] = s["series"]
        for r in raw.itertuples():
            where = f"reference_figures.csv line {r.line}"
            if (r.topic, r.indicator) not in matches:
                raise StepError(
                    f"{where}: no series in {META_FILE} matches topic {r.topic!r}, "
                    f"indicator {r.indicator!r}; add it to a series' `match` list"
                )
            owners = sources_of(spec, r.topic, r.source_url)
            if len(owners) != 1:
                raise StepError(
                    f"{where}: topic {r.topic!r} (page {r.source_url}) belongs to "
                    f"{len(owners)} sources in {META_FILE} ({', '.join(owners)}); "
                    "give each source's `topics` (and `pages`) so that exactly one matches"
                )
            if r.geography not in GEO_CODES:
                raise StepError(f"{where}: unknown geography {r.geography!r}; known: {sorted(GEO_CODES)}")
            if not PERIOD.match(r.reference_year):
                raise StepError(
                    f"{where}: reference_year {r.reference_year!r} is not 'YYYY', "
                    "'YYYY-YYYY' or 'YYYY (season)'"
                )

    def transform(self, raw: pd.DataFrame, ctx: Context) -> pd.DataFrame:
        spec = self.meta.data
        series = {(m["topic"], m["indicator"]): s for s in spec["series"] for m in s["match"]}
        insert_series(ctx, [{**s, "dataset": "reference_figures"} for s in spec["series"]])
        rows = []
        for r in raw.itertuples():
            s = series[(r.topic, r.indicator)]
            match = PERIOD.match(r.reference_year)
            assert match is not None  # validate() refused any other reference_year
            period, season = match.groups()
            typed = parse_value(r.value, s["unit"])
            note = "; ".join(
                x
                for x in (r.indicator, typed.pop("text"), season, r.note, f"source page: {r.source_url}")
                if x
            )
            rows.append(
                {
                    "source_id": sources_of(spec, r.topic, r.source_url)[0],
                    "dataset": "reference_figures",
                    "series": s["series"],
                    "geo_code": GEO_CODES[r.geography],
                    "period": period,
                    "unit": s["unit"],
                    "note": note,
                    **typed,
                }
            )
        return pd.DataFrame(rows)


STEP = ReferenceFigures(meta_of(__name__))
run = STEP.run
