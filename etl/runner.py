"""A small DAG runner for ETL steps: extract -> validate -> transform -> load.

Every step run is recorded in ``meta.etl_runs`` (step, start, end, rows in/out, status,
error). What a step extracts is kept in ``raw.<step>`` with its load id unless the step
says otherwise (survey microdata never enters the warehouse raw).
"""

from __future__ import annotations

import datetime as dt
import uuid
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import duckdb
import pandas as pd

from core.i18n import LANGUAGES
from etl import snapshots


class StepError(RuntimeError):
    """A step failed; the message says which step, what and how to fix it."""


@dataclass
class Context:
    """What a step sees: the warehouse under construction and where inputs live."""

    con: duckdb.DuckDBPyConnection
    build_id: str
    warehouse: Path
    snapshots_root: Path
    landing: Path
    refresh: bool = False
    options: dict[str, Any] = field(default_factory=dict)
    load_id: str = ""

    def source(self, source_id: str) -> snapshots.Source:
        return snapshots.load_source(source_id, self.snapshots_root)


class Step:
    """Base class: override the four phases; ``load`` defaults to ``core.statistic``."""

    name: str = ""
    depends: tuple[str, ...] = ()
    sources: tuple[str, ...] = ()
    keep_raw: bool = True

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


def record_source(
    ctx: Context,
    source: snapshots.Source,
    source_id: str | None = None,
    i18n: dict[str, dict[str, str]] | None = None,
    **overrides: str,
) -> None:
    """Verify every file of ``source`` and insert it into meta.sources and meta.snapshots.

    ``i18n`` (else the manifest's ``i18n``) gives the title, producer and citation in fr/nl/en;
    a language or field it lacks falls back to the untranslated value."""
    for f in source.files:
        path = source.path(f.path)  # raises on a missing or corrupted file
        ctx.con.execute(
            "INSERT OR IGNORE INTO meta.snapshots VALUES (?, ?, ?, ?, ?, ?)",
            [
                source.source_id,
                f"{source.source_id}/{f.path}",
                f.sha256,
                path.stat().st_size,
                f.retrieved_on,
                f.origin,
            ],
        )
    row = {
        "title": source.title,
        "producer": source.producer,
        "url": source.url,
        "licence": source.licence,
        "citation": source.citation,
        "note": source.note,
    } | overrides
    insert_source(
        ctx,
        {
            "source_id": source_id or source.source_id,
            **row,
            "retrieved_on": source.retrieved_on,
            "sha256": source.sha256,
        },
        source.i18n if i18n is None else i18n,
    )


def insert_source(ctx: Context, row: dict, i18n: dict[str, dict[str, str]]) -> None:
    """One row of meta.sources, by column name, with its fr/nl/en title, producer, citation."""
    for lang in LANGUAGES:
        for key in ("title", "producer", "citation"):
            row[f"{key}_{lang}"] = (i18n.get(lang) or {}).get(key) or row[key]
    names = list(row)
    ctx.con.execute(
        f"INSERT INTO meta.sources ({', '.join(names)}) VALUES ({', '.join('?' * len(names))})",
        [row[n] for n in names],
    )


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
    ctx.con.register("_stat_rows", df)
    try:
        ctx.con.execute("INSERT INTO core.statistic SELECT * FROM _stat_rows")
    finally:
        ctx.con.unregister("_stat_rows")
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
        f'CAST("{c}" AS {"INTEGER" if c == "base_year" else "VARCHAR"})' for c in SERIES_COLUMNS
    )
    ctx.con.register("_series_rows", frame)
    try:
        ctx.con.execute(
            f"INSERT INTO core.series ({', '.join(SERIES_COLUMNS)}) SELECT {select} FROM _series_rows"
        )
    finally:
        ctx.con.unregister("_series_rows")


def order_steps(steps: Iterable[Step]) -> list[Step]:
    """Dependency order of the steps; independent steps keep their declaration order."""
    by_name = {s.name: s for s in steps}
    for s in by_name.values():
        missing = [d for d in s.depends if d not in by_name]
        if missing:
            raise StepError(f"step {s.name!r} depends on unknown step(s) {missing}")
    ranked: list[str] = []
    remaining = list(by_name)
    while remaining:
        ready = next((n for n in remaining if all(d in ranked for d in by_name[n].depends)), None)
        if ready is None:
            raise StepError(f"ETL steps form a dependency cycle among {remaining}")
        ranked.append(ready)
        remaining.remove(ready)
    return [by_name[n] for n in ranked]


def _now() -> dt.datetime:
    return dt.datetime.now(dt.UTC).replace(tzinfo=None)


def run_steps(ctx: Context, steps: Iterable[Step], on_step: Callable[[str, str], None] | None = None) -> None:
    """Run every step in dependency order; the first failure raises StepError."""
    for step in order_steps(steps):
        ctx.load_id = uuid.uuid4().hex[:12]
        started = _now()
        ctx.con.execute(
            "INSERT INTO meta.etl_runs VALUES (?, ?, ?, ?, NULL, NULL, NULL, 'running', NULL)",
            [ctx.load_id, ctx.build_id, step.name, started],
        )
        if on_step:
            on_step(step.name, "start")
        rows_in = rows_out = None
        try:
            if ctx.refresh:
                step.refresh(ctx)
            step.register_sources(ctx)
            raw = step.extract(ctx)
            rows_in = len(raw)
            step.validate(raw)
            if step.keep_raw:
                keep_raw(ctx, step.name, raw)
            rows_out = step.load(ctx, step.transform(raw, ctx))
        except Exception as exc:
            message = f"step {step.name!r} failed: {exc}"
            ctx.con.execute(
                "UPDATE meta.etl_runs SET ended_at = ?, rows_in = ?, status = 'failed', error = ? "
                "WHERE load_id = ?",
                [_now(), rows_in, message, ctx.load_id],
            )
            if on_step:
                on_step(step.name, "failed")
            raise StepError(message) from exc
        ctx.con.execute(
            "UPDATE meta.etl_runs SET ended_at = ?, rows_in = ?, rows_out = ?, status = 'ok' "
            "WHERE load_id = ?",
            [_now(), rows_in, rows_out, ctx.load_id],
        )
        if on_step:
            on_step(step.name, "ok")


def keep_raw(ctx: Context, name: str, raw: pd.DataFrame) -> None:
    """Store what a step extracted, as text columns, in raw.<name> with its load id."""
    df = raw.astype(object).where(raw.notna(), None).astype("string")
    df.insert(0, "load_id", ctx.load_id)
    ctx.con.register("_raw_rows", df)
    try:
        ctx.con.execute(f'CREATE TABLE raw."{name}" AS SELECT * FROM _raw_rows')
    finally:
        ctx.con.unregister("_raw_rows")
