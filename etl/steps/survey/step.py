"""The association survey: replay every landed export (or, when none was ingested, the
synthetic demo waves), load the restricted microdata and the quarantine log (the machinery is
:mod:`etl.survey.load`), record every file's counts, then the questionnaire versions, the
category labels and the sampling frame.

A plain ``run(ctx)``, not the tabular phases: the rows never pass through pandas (each file is
read, checked and pseudonymised inside DuckDB, in a scratch database), so there is no frame to
extract, validate and transform. Nothing is written to the warehouse before the files are read
and checked. The step is ``isolated``: it runs first, on its own cursor, beside the public steps
(:func:`etl.runner.run_steps`); an unreadable export fails the build as soon as it is read.

Incremental builds (:mod:`etl.reuse`): a wave whose files, survey code and pseudonymisation key
are unchanged keeps the rows the previous build left (microdata, quarantine log, file counts)
instead of reading its files again; the other waves' rows are deleted and read again. The
privacy guard still checks the new warehouse against the restricted values of every file:
those of a file read are kept, 0600, in the restricted ``<landing>/.guard/`` (beside the landed
file that holds them anyway) and taken back when its wave is kept; they are deleted with the
file, and by a build that fails after writing them (a refused ingest keeps none of its values).
"""

from __future__ import annotations

import datetime as dt
import re
from pathlib import Path

from core.i18n import LANGUAGES
from etl import landing, reuse
from etl.runner import Context, StepError, StepResult, insert_source, meta_of, record_source
from etl.snapshots import sha256_once
from etl.survey.codebook import version_rows
from etl.survey.frame import DEMO_FRAME, frame_source_of, load_frame
from etl.survey.load import (
    CURRENT_STATUS,
    PUBLISHED,
    SQL_TYPES,
    FileResult,
    Input,
    category_rows,
    guard_source,
    process_all,
    public_texts,
    record_quarantine,
    scratch_database,
)
from etl.survey.pseudonym import load_key
from warehouse import guard
from warehouse.layout import Layout
from warehouse.private import private_dir, tighten_tree
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
        Input(ctx.landing / e.stored, e.name, e.wave, e.format, e.sha256, e.synthetic, e.version, lang=e.lang)
        for e in entries
    ]
    if pending is not None:
        name, digest = pending.path.name, sha256_once(pending.path)
        inputs.append(
            Input(
                pending.path,
                name,
                pending.wave,
                pending.format,
                digest,
                pending.synthetic,
                pending.version,
                lang=pending.lang,
            )
        )
    if inputs:
        return inputs
    demo = ctx.source(META.data["demo_snapshot"])
    return [
        Input(demo.path(f.path), f.path, _demo_wave(f.path), "kobo", f.sha256, True, demo=True)
        for f in demo.files
    ]


def wave_keys(ctx: Context, inputs: list[Input]) -> dict[int, str]:
    """The input key of each wave: its files (in load order: a later file corrects an earlier
    one), the survey code and the pseudonymisation key's fingerprint. A wave is the unit of
    reuse: which answer is current and which quarantined row was corrected are decided within a
    wave."""
    fingerprint = reuse.key_fingerprint(load_key(Layout(ctx.warehouse).pseudonym_key))
    files: dict[int, list[str]] = {}
    for i in inputs:
        files.setdefault(i.wave, []).append(
            f"{i.name}:{i.sha256}:{i.format}:{i.version}:{i.synthetic}:{i.lang}"
        )
    return {wave: reuse.key_of(ctx.code_key, fingerprint, *names) for wave, names in sorted(files.items())}


def inputs(ctx: Context) -> list[str]:
    """What the step reads besides its code: every wave's files and the sampling frame."""
    frame = landing.frame_file(ctx.landing) or DEMO_FRAME
    waves = wave_keys(ctx, survey_inputs(ctx))
    return [*(f"{w}={k}" for w, k in waves.items()), f"frame={sha256_once(frame)}"]


def _guard_file(ctx: Context, item: Input) -> Path:
    """Where the privacy guard's values of ``item`` are kept between builds."""
    name = reuse.key_of(ctx.code_key, guard_source(item), item.sha256, item.version)
    return Layout(ctx.warehouse).guard_cache / f"{name}.parquet"


def reusable_waves(ctx: Context, inputs: list[Input], keys: dict[int, str]) -> set[int]:
    """The waves whose rows the previous build left can be kept: same key, the guard's values
    of each of its files kept, not the wave of a file being ingested."""
    if not ctx.incremental:
        return set()
    found = {
        wave
        for (wave,) in ctx.con.execute(
            "SELECT wave FROM meta.survey_loads GROUP BY wave HAVING count(DISTINCT input_key) = 1 AND "
            "any_value(input_key) = (SELECT k FROM (SELECT unnest(?) AS w, unnest(?) AS k) WHERE w = wave)",
            [list(keys), list(keys.values())],
        ).fetchall()
    }
    missing = {i.wave for i in inputs if not _guard_file(ctx, i).is_file()}
    if ctx.pending is not None:  # the file being ingested is read and checked, always
        missing.add(ctx.pending.wave)
    return found - missing


WAVE_TABLES = (
    "restricted.survey_responses",
    "meta.survey_loads",
    "meta.quarantine_errors",
    "meta.quarantined_rows",
)
REFERENCE_TABLES = (
    "core.survey_frame",
    "core.survey_frame_source",
    "core.category",
    "core.questionnaire_versions",
    "meta.quarantine_messages",
)


def clear_previous(ctx: Context, kept: set[int]) -> None:
    """On an incremental build, delete what the previous survey run wrote but the rows of the
    ``kept`` waves (marked reused: ``reused_from`` is the load that read them)."""
    waves = sorted(kept)
    for table in WAVE_TABLES:
        ctx.con.execute(f"DELETE FROM {table} WHERE NOT list_contains(?, wave)", [waves])
    for table in REFERENCE_TABLES:
        ctx.con.execute(f"DELETE FROM {table}")
    prior = reuse.previous_run(ctx.con, META.name)
    if prior is not None:
        for table in ("meta.sources", "meta.snapshots"):
            ctx.con.execute(f"DELETE FROM {table} WHERE load_id = ?", [prior[1]])
    ctx.con.execute("UPDATE meta.survey_loads SET reused_from = load_id")


def keep_guard_values(ctx: Context, inputs: list[Input]) -> None:
    """Keep the guard's values of every file read (restricted folder) and drop those of files
    no longer loaded."""
    folder = private_dir(Layout(ctx.warehouse).guard_cache, root=ctx.landing)
    wanted = {_guard_file(ctx, i) for i in inputs}
    for old in folder.glob("*.parquet"):
        if old not in wanted:
            old.unlink()
    for item in inputs:
        if not _guard_file(ctx, item).is_file():
            ctx.written.append(_guard_file(ctx, item))  # a failed build keeps no values of a file
            guard.save_collected(ctx.con, guard_source(item), _guard_file(ctx, item))


def _demo_wave(name: str) -> int:
    """The wave of a demo export, from its name (``..._2023_kobo.csv``)."""
    match = WAVE_IN_NAME.search(name)
    if match is None:
        raise StepError(f"demo survey file {name!r} does not name its wave (..._<year>_kobo.csv)")
    return int(match[1])


def register_source(ctx: Context, inputs: list[Input]) -> None:
    """Record the survey as a source (meta.yml's ``source``): its files' checksums, synthetic
    (the demo snapshot) or not. Landed files loaded as synthetic (tagged, or ingested with
    ``--synthetic``; see meta.survey_loads) mark the title and the citation in every language."""
    if inputs and inputs[0].demo:
        record_source(ctx, ctx.source(META.data["demo_snapshot"]), source_id=META.source_id)
        return
    [(synthetic,)] = ctx.con.execute("SELECT count(*) FILTER (synthetic) FROM meta.survey_loads").fetchall()
    waves = ", ".join(sorted({str(i.wave) for i in inputs}))
    source = META.data["source"]
    marks = {
        lang: text.format(synthetic=synthetic, files=len(inputs))
        for lang, text in source["synthetic"].items()
    }

    def marked(lang: str, key: str, text: str) -> str:
        text = text.format(waves=waves)
        if not synthetic or key not in ("title", "citation"):
            return text
        return f"{text} — {marks[lang]}" if key == "title" else f"{text} {marks[lang]}"

    insert_source(
        ctx,
        {
            "source_id": META.source_id,
            "title": marked("en", "title", source["title"]),
            "producer": source["producer"],
            "url": None,
            "licence": source["licence"],
            "retrieved_on": dt.date.today(),
            "sha256": ";".join(i.sha256 for i in inputs),
            "citation": marked("en", "citation", source["citation"]),
            "note": f"{len(inputs)} export file(s)" + (f", {synthetic} synthetic" if synthetic else ""),
        },
        {
            lang: {k: marked(lang, k, text) for k, text in texts.items()}
            for lang, texts in source["i18n"].items()
        },
    )


def load_responses(ctx: Context, inputs: list[Input], kept: set[int]) -> list[FileResult]:
    """Read, check and pseudonymise every file of the waves not ``kept`` in a scratch
    database, then insert their valid rows (marking each association's current answer) and the
    quarantine log in one go."""
    key = load_key(Layout(ctx.warehouse).pseudonym_key)
    columns = [  # one transaction: the build's catalogue is committed once (59 ALTERs: 0.25 -> 0.07 s)
        f"ALTER TABLE restricted.survey_responses ADD COLUMN IF NOT EXISTS {quote_ident(q.code)} "
        f"{SQL_TYPES.get(q.base_type, 'VARCHAR')}"
        for q in PUBLISHED
    ]
    ctx.con.execute(f"BEGIN TRANSACTION; {'; '.join(columns)}; COMMIT")
    guard.add_public_text(ctx.con, public_texts())
    [(database,)] = ctx.con.execute("SELECT current_database()").fetchall()
    home = quote_ident(database)  # e.g. "exp-2024"
    for item in inputs:
        if item.wave in kept:
            guard.load_collected(ctx.con, _guard_file(ctx, item))
    todo = [i for i in inputs if i.wave not in kept]
    with scratch_database(ctx.con, ctx.warehouse) as scratch:
        ctx.con.execute(f"USE {scratch}")  # the files' tables and views go to the scratch file
        try:
            results = process_all(ctx.con, todo, key, ctx.pending)
            if results:
                batches = dict.fromkeys(r.batch_relation for r in results)  # files checked together
                union = " UNION ALL BY NAME ".join(f"SELECT * FROM {b}" for b in batches)
                ctx.con.execute(
                    f"INSERT INTO {home}.restricted.survey_responses BY NAME "
                    f"SELECT *, {quote_literal(ctx.load_id)} AS load_id, {CURRENT_STATUS} AS status "
                    f"FROM ({union}) ORDER BY wave, source_file, source_line"
                )  # deterministic order
            record_quarantine(ctx, home, results)
        finally:
            ctx.con.execute(f"USE {home}")
    keep_guard_values(ctx, inputs)
    return results


def record_loads(ctx: Context, results: list[FileResult], keys: dict[int, str]) -> None:
    """One row of meta.survey_loads per file read: rows read, loaded, quarantined, superseded..."""
    import pandas as pd  # here: the step starts before the others, while they import pandas

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
            "input_key": keys[r.input.wave],
        }
        for r in results
    ]
    if rows:
        insert_frame(ctx.con, "meta.survey_loads", pd.DataFrame(rows))


def load_reference(ctx: Context) -> None:
    """The questionnaire versions, the survey views, the category labels and the sampling
    frame (the landed one, else the illustrative demo frame) with its provenance."""
    import pandas as pd  # see record_loads

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
    """Rows in: the export files; rows out: the responses loaded (read or kept)."""
    tighten_tree(ctx.landing)  # 0700/0600 also for an area created before that rule
    inputs = survey_inputs(ctx)
    keys = wave_keys(ctx, inputs)
    kept = reusable_waves(ctx, inputs, keys)
    if ctx.incremental:
        clear_previous(ctx, kept)
    results = load_responses(ctx, inputs, kept)
    record_loads(ctx, results, keys)
    register_source(ctx, inputs)
    load_reference(ctx)
    [(loaded,)] = ctx.con.execute("SELECT count(*) FROM restricted.survey_responses").fetchall()
    return StepResult(len(inputs), loaded)
