"""The association survey: replay every landed export (or, when none was ingested, the
synthetic demo waves), load the restricted microdata and the quarantine log (the machinery is
:mod:`etl.survey.load`), record every file's counts, then the questionnaire versions, the
category labels and the sampling frame.

A plain ``run(ctx)``, not the tabular phases: the rows never pass through pandas (each file is
read, checked and pseudonymised inside DuckDB, in a scratch database), so there is no frame to
extract, validate and transform. Nothing is written to the warehouse before the files are read
and checked; the survey runs first in the build (``etl/dag.yml``), so an unreadable export fails
the build before anything else runs.
"""

from __future__ import annotations

import datetime as dt
import re

import pandas as pd

from core.i18n import LANGUAGES
from etl import landing
from etl.runner import Context, StepError, StepResult, insert_source, meta_of, record_source
from etl.snapshots import sha256_file
from etl.survey.codebook import version_rows
from etl.survey.frame import DEMO_FRAME, frame_source_of, load_frame
from etl.survey.load import (
    CURRENT_STATUS,
    PUBLISHED,
    SQL_TYPES,
    FileResult,
    Input,
    category_rows,
    process_all,
    public_texts,
    record_quarantine,
    scratch_database,
)
from etl.survey.pseudonym import load_key
from warehouse import guard
from warehouse.layout import Layout
from warehouse.private import tighten_tree
from warehouse.schema import apply_ddl
from warehouse.sql import insert_frame, quote_ident, quote_literal

META = meta_of(__name__)
WAVE_IN_NAME = re.compile(r"_(\d{4})_kobo\.csv$")


def survey_inputs(ctx: Context) -> list[Input]:
    """Landed files in registry order (but those being removed, ``ctx.exclude``; then the
    pending file, which replaces a landed file of the same wave and name), or, when there is
    none, the deterministic demo exports."""
    pending = ctx.pending
    entries = [e for e in landing.registry(ctx.landing) if (e.wave, e.name) not in ctx.exclude]
    if pending is not None:
        entries = [e for e in entries if (e.wave, e.name) != (pending.wave, pending.path.name)]
    inputs = [
        Input(ctx.landing / e.stored, e.name, e.wave, e.format, e.sha256, False, e.version) for e in entries
    ]
    if pending is not None:
        name, digest = pending.path.name, sha256_file(pending.path)
        inputs.append(Input(pending.path, name, pending.wave, pending.format, digest, False, pending.version))
    if inputs:
        return inputs
    demo = ctx.source(META.data["demo_snapshot"])
    return [Input(demo.path(f.path), f.path, _demo_wave(f.path), "kobo", f.sha256, True) for f in demo.files]


def _demo_wave(name: str) -> int:
    """The wave of a demo export, from its name (``..._2023_kobo.csv``)."""
    match = WAVE_IN_NAME.search(name)
    if match is None:
        raise StepError(f"demo survey file {name!r} does not name its wave (..._<year>_kobo.csv)")
    return int(match[1])


def register_source(ctx: Context, inputs: list[Input]) -> None:
    """Record the survey as a source (meta.yml's ``source``): its files' checksums, synthetic
    (the demo snapshot) or not."""
    if inputs and inputs[0].synthetic:
        record_source(ctx, ctx.source(META.data["demo_snapshot"]), source_id=META.source_id)
        return
    waves = ", ".join(sorted({str(i.wave) for i in inputs}))
    source = META.data["source"]
    insert_source(
        ctx,
        {
            "source_id": META.source_id,
            "title": source["title"],
            "producer": source["producer"],
            "url": None,
            "licence": source["licence"],
            "retrieved_on": dt.date.today(),
            "sha256": ";".join(i.sha256 for i in inputs),
            "citation": source["citation"].format(waves=waves),
            "note": f"{len(inputs)} export file(s)",
        },
        {
            lang: {k: text.format(waves=waves) for k, text in texts.items()}
            for lang, texts in source["i18n"].items()
        },
    )


def load_responses(ctx: Context, inputs: list[Input]) -> list[FileResult]:
    """Read, check and pseudonymise every file in a scratch database, then insert the valid
    rows (marking each association's current answer) and the quarantine log in one go."""
    key = load_key(Layout(ctx.warehouse).pseudonym_key)
    for q in PUBLISHED:
        ctx.con.execute(
            f"ALTER TABLE restricted.survey_responses ADD COLUMN {quote_ident(q.code)} "
            f"{SQL_TYPES.get(q.base_type, 'VARCHAR')}"
        )
    guard.add_public_text(ctx.con, public_texts())
    [(database,)] = ctx.con.execute("SELECT current_database()").fetchall()
    home = quote_ident(database)  # e.g. "exp-2024"
    with scratch_database(ctx.con, ctx.warehouse) as scratch:
        ctx.con.execute(f"USE {scratch}")  # the files' tables and views go to the scratch file
        try:
            results = process_all(ctx.con, inputs, key, ctx.pending)
            if results:
                union = " UNION ALL BY NAME ".join(f"SELECT * FROM {r.relation}" for r in results)
                ctx.con.execute(
                    f"INSERT INTO {home}.restricted.survey_responses BY NAME "
                    f"SELECT *, {quote_literal(ctx.load_id)} AS load_id, {CURRENT_STATUS} AS status "
                    f"FROM ({union}) ORDER BY wave, source_file, source_line"
                )  # deterministic order
            record_quarantine(ctx, home, results)
        finally:
            ctx.con.execute(f"USE {home}")
    return results


def record_loads(ctx: Context, results: list[FileResult]) -> None:
    """One row of meta.survey_loads per file: rows read, loaded, quarantined, superseded..."""
    superseded = {
        (f, w): n
        for f, w, n in ctx.con.execute(
            "SELECT source_file, wave, count(*) FROM restricted.survey_responses "
            "WHERE status = 'superseded' GROUP BY ALL"
        ).fetchall()
    }
    rows = [
        {
            "load_id": ctx.load_id,
            "file": r.input.name,
            "sha256": r.input.sha256,
            "format": r.export_format,
            "wave": r.input.wave,
            "rows_read": r.checked.rows + len(r.incomplete),
            "rows_loaded": r.loaded,
            "rows_quarantined": r.still_quarantined,
            "rows_superseded": superseded.get((r.input.name, r.input.wave), 0),
            "rows_incomplete": len(r.incomplete),
            "synthetic": r.input.synthetic,
            "rows_corrected": r.corrected,
            "version": r.input.version,
        }
        for r in results
    ]
    insert_frame(ctx.con, "meta.survey_loads", pd.DataFrame(rows))


def load_reference(ctx: Context) -> None:
    """The questionnaire versions, the survey views, the category labels and the sampling
    frame (the landed one, else the illustrative demo frame) with its provenance."""
    insert_frame(ctx.con, "core.questionnaire_versions", pd.DataFrame(version_rows()))
    apply_ddl(ctx.con, "sql/survey_views")
    insert_frame(ctx.con, "core.category", category_rows())
    frame_path = landing.frame_file(ctx.landing) or DEMO_FRAME
    sampling = load_frame(frame_path)
    source = frame_source_of(frame_path, sampling)
    sampling["illustrative"] = source.status == "illustrative"
    cols = ["subsector", "size_class", "region", "n_associations", "illustrative", "n_employers"]
    sampling = sampling.reindex(columns=cols)
    sampling["n_employers"] = sampling["n_employers"].astype("Int64")
    insert_frame(ctx.con, "core.survey_frame", sampling)
    loaded_at = source.loaded_at and dt.datetime.fromisoformat(source.loaded_at).replace(tzinfo=None)
    row = {
        "status": source.status,
        "kind": source.kind,
        **{f"source_{lang}": source.source[lang] for lang in LANGUAGES},
        "source_date": source.source_date,
        **{f"definition_{lang}": source.definition[lang] for lang in LANGUAGES},
        "sha256": source.sha256,
        "loaded_at": loaded_at,
    }
    ctx.con.execute(
        f"INSERT INTO core.survey_frame_source ({', '.join(row)}) VALUES ({', '.join('?' * len(row))})",
        list(row.values()),
    )


def run(ctx: Context) -> StepResult:
    """Rows in: the export files read; rows out: the responses loaded."""
    tighten_tree(ctx.landing)  # 0700/0600 also for an area created before that rule
    inputs = survey_inputs(ctx)
    register_source(ctx, inputs)
    results = load_responses(ctx, inputs)
    record_loads(ctx, results)
    load_reference(ctx)
    return StepResult(len(results), sum(r.loaded for r in results))
