"""The opt-in helper for tabular sources: a step as extract -> validate -> transform -> load.

A tabular step subclasses :class:`Step`, overrides the phases it needs and exposes its
``run``::

    class Population(Step):
        def extract(self, ctx): ...

    STEP = Population(meta_of(__name__))
    run = STEP.run

``run`` refreshes the snapshots (``build --refresh``), verifies and records the declared
sources, extracts, validates, keeps what it extracted in ``raw.<step>`` (with its load id),
transforms and loads (by default into ``core.statistic``). A step whose inputs must not be
kept raw (the survey) is a plain ``run(ctx)`` instead.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

import pandas as pd

from etl.runner import Context, StepMeta, StepResult, record_source
from warehouse.sql import insert_frame, quote_ident


class Step:
    """Base class: override the four phases; ``load`` defaults to ``core.statistic``."""

    def __init__(self, meta: StepMeta) -> None:
        self.meta = meta

    @property
    def name(self) -> str:
        return self.meta.name

    @property
    def sources(self) -> tuple[str, ...]:
        return self.meta.source_ids

    def run(self, ctx: Context) -> StepResult:
        """Every phase in turn; rows in: what ``extract`` returned, rows out: what ``load`` wrote."""
        if ctx.refresh:
            self.refresh(ctx)
        self.register_sources(ctx)
        raw = self.extract(ctx)
        self.validate(raw)
        keep_raw(ctx, self.name, raw)
        return StepResult(len(raw), self.load(ctx, self.transform(raw, ctx)))

    def refresh(self, ctx: Context) -> None:
        """Fetch live versions of this step's snapshots (default: nothing to refresh)."""

    def register_sources(self, ctx: Context) -> None:
        """Verify this step's snapshots and record them in meta.sources / meta.snapshots."""
        for source_id in self.sources:
            record_source(ctx, ctx.source(source_id))

    def extract(self, ctx: Context) -> pd.DataFrame:
        raise NotImplementedError

    def validate(self, raw: pd.DataFrame) -> None:
        """Raise StepError when the extracted data is not what the step expects."""

    def transform(self, raw: pd.DataFrame, ctx: Context) -> pd.DataFrame:
        return raw

    def load(self, ctx: Context, frame: pd.DataFrame) -> int:
        return insert_statistics(ctx, frame)


STATISTIC_COLUMNS = [
    "source_id",
    "dataset",
    "series",
    "geo_code",
    "period",
    "sex",
    "age",
    "value",
    "value_low",
    "value_high",
    "unit",
    "flag",
    "note",
]


def insert_statistics(ctx: Context, frame: pd.DataFrame) -> int:
    """Append rows to core.statistic (missing optional columns become NULL / defaults)."""
    df = frame.copy()
    for col, default in {"sex": "T", "age": "TOTAL"}.items():
        df[col] = df[col].fillna(default) if col in df else default
    for col in STATISTIC_COLUMNS:
        if col not in df:
            df[col] = None
    df = df[STATISTIC_COLUMNS]
    df.insert(0, "load_id", ctx.load_id)
    insert_frame(ctx.con, "core.statistic", df)
    return len(df)


SERIES_COLUMNS = [
    "series",
    "source_id",
    "dataset",
    "unit",
    "title_fr",
    "title_nl",
    "title_en",
    "comparability_note_fr",
    "comparability_note_nl",
    "comparability_note_en",
    "release",
    "release_fr",
    "release_nl",
    "release_en",
    "base_year",
    "breaks",
    "unit_label_fr",
    "unit_label_nl",
    "unit_label_en",
    "derived_from",
]


def insert_series(ctx: Context, rows: Iterable[dict[str, Any]]) -> None:
    """Insert series definitions (dicts with the columns of core.series; absent keys: NULL),
    in one statement (DuckDB's executemany runs one insert per row: seconds for 200 series)."""
    frame = pd.DataFrame(
        [[r.get(c) for c in SERIES_COLUMNS] for r in rows], columns=SERIES_COLUMNS, dtype=object
    )
    if frame.empty:
        return
    select = ", ".join(
        f"CAST({quote_ident(c)} AS {'INTEGER' if c == 'base_year' else 'VARCHAR'}) AS {quote_ident(c)}"
        for c in SERIES_COLUMNS
    )
    ctx.con.execute(f"INSERT INTO core.series BY NAME SELECT {select} FROM frame")  # the local frame


def keep_raw(ctx: Context, name: str, raw: pd.DataFrame) -> None:
    """Store what a step extracted, as text columns, in raw.<name> with its load id (only the
    columns that are not text yet are converted: each conversion is a copy of the column)."""
    raw_text = raw.copy(deep=False)
    for col in raw.columns[[not isinstance(t, pd.StringDtype) for t in raw.dtypes]]:
        raw_text[col] = raw[col].astype(object).where(raw[col].notna(), None).astype("string")
    ctx.con.execute(  # ``raw_text``: the local frame, read by DuckDB's replacement scan
        f"CREATE TABLE raw.{quote_ident(name)} AS SELECT CAST(? AS VARCHAR) AS load_id, * FROM raw_text",
        [ctx.load_id],
    )
