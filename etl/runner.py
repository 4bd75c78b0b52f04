"""The step contract and the runner that discovers and runs the build's steps.

A step is a folder ``<root>/<name>/`` under one of the packages listed as ``roots`` in
``etl/dag.yml``, holding

- ``meta.yml``: what the step declares: its ``source_id`` (or ``source_ids``: the snapshots in
  ``etl/snapshots/<id>/`` it reads), the steps it ``depends`` on, its ``title`` and
  ``description`` in fr/nl/en, and anything else declarative the step reads (series, datasets);
- ``step.py``: a module exposing ``run(ctx: Context) -> StepResult`` (tabular sources may build
  it from the opt-in extract/validate/transform/load helper :class:`etl.tabular.Step`);
- ``sql/``: only when the step has SQL files of its own.

The folder's name is the step's name. Steps are found by scanning the roots (a new folder is a
new step; nothing registers it by hand) and run in dependency order; among the steps free to
run, ``order`` in ``etl/dag.yml`` says which goes first, unlisted steps follow by name. Every
run is recorded in ``meta.etl_runs`` (step, start, end, rows in/out, status, error).
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import importlib
import importlib.util
import sys
import threading
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import duckdb

from core.i18n import LANGUAGES
from core.yamlfile import read_yaml
from etl import reuse, snapshots
from etl.landing import Pending
from warehouse.guard import run_id
from warehouse.sql import quote_literal

DAG_FILE = Path(__file__).with_name("dag.yml")
META_FILE = "meta.yml"
STEP_MODULE = "step"


class StepError(RuntimeError):
    """A step failed; the message says which step, what and how to fix it."""


@dataclass(frozen=True)
class StepMeta:
    """A step as its folder declares it (``meta.yml``)."""

    name: str  # the folder's name
    module: str  # dotted path of its step.py
    folder: Path
    source_ids: tuple[str, ...]
    depends: tuple[str, ...]
    data: dict[str, Any]  # the whole meta.yml, for the step's own declarations

    @property
    def source_id(self) -> str:
        """The one snapshot of a single-source step."""
        if len(self.source_ids) != 1:
            raise StepError(f"step {self.name!r} declares {len(self.source_ids)} sources, not one")
        return self.source_ids[0]


@dataclass(frozen=True)
class StepResult:
    """What a step reports: rows read, rows written and its status (shown by build and status)."""

    rows_in: int | None
    rows_out: int | None
    status: str = "ok"


@dataclass
class Context:
    """What a step sees: the warehouse under construction, where inputs live, what to load."""

    con: duckdb.DuckDBPyConnection
    build_id: str
    warehouse: Path
    snapshots_root: Path
    landing: Path
    refresh: bool = False  # fetch live versions of the snapshots first
    pending: Pending | None = None  # a survey file being ingested (landed if the build succeeds)
    exclude: frozenset[tuple[int, str]] = field(default_factory=frozenset)  # landed files taken out
    incremental: bool = False  # the warehouse started as a copy of the previous build (etl/reuse.py)
    load_id: str = ""  # set by the runner for each step
    input_key: str = ""  # set by the runner for each step (etl/reuse.py)
    code_key: str = ""  # the part of input_key that is the step's code (set before inputs(ctx))
    written: list[Path] = field(default_factory=list)  # restricted files written beside the
    # warehouse for later builds (the guard's values of a file read): removed if this build fails

    def source(self, source_id: str) -> snapshots.Source:
        return snapshots.load_source(source_id, self.snapshots_root)


def read_meta(folder: Path, module: str) -> StepMeta:
    """The declarations of the step in ``folder`` (whose step.py is ``module``)."""
    data = read_yaml(folder / META_FILE) or {}
    if "source_id" in data and "source_ids" in data:
        raise StepError(f"{folder / META_FILE}: give source_id or source_ids, not both")
    sources = data.get("source_ids", [data["source_id"]] if "source_id" in data else [])
    return StepMeta(folder.name, module, folder, tuple(sources), tuple(data.get("depends", [])), data)


def meta_of(module: str) -> StepMeta:
    """The declarations of the step whose step.py is the (imported) module ``module``: a step
    module calls ``meta_of(__name__)``."""
    return read_meta(Path(str(sys.modules[module].__file__)).parent, module)


def dag() -> dict[str, Any]:
    """``etl/dag.yml``: the packages holding the steps and the preferred order."""
    return read_yaml(DAG_FILE)


def discover(roots: Iterable[str] | None = None) -> list[StepMeta]:
    """Every step under the packages ``roots`` (default: ``etl/dag.yml``), by name: each
    sub-folder holding a meta.yml. The packages are named as data, so ``etl`` imports none of
    the layers above it (the indicators step lives in ``indicators/steps/``)."""
    found: dict[str, StepMeta] = {}
    for root in dag()["roots"] if roots is None else roots:
        spec = importlib.util.find_spec(root)
        if spec is None or not spec.submodule_search_locations:
            raise StepError(f"step root {root!r} is not a package on the import path")
        for location in spec.submodule_search_locations:
            for folder in sorted(Path(location).iterdir()):
                if not (folder / META_FILE).is_file():
                    continue
                if not (folder / f"{STEP_MODULE}.py").is_file():
                    raise StepError(f"step folder {folder} has a {META_FILE} but no {STEP_MODULE}.py")
                if folder.name in found:
                    raise StepError(
                        f"two steps are named {folder.name!r}: {found[folder.name].folder}, {folder}"
                    )
                found[folder.name] = read_meta(folder, f"{root}.{folder.name}.{STEP_MODULE}")
    return [found[name] for name in sorted(found)]


def order_steps(steps: Iterable[StepMeta]) -> list[StepMeta]:
    """Dependency order of ``steps``; among the steps free to run, the first in the ``order``
    of ``etl/dag.yml``, then the others by name."""
    by_name = {s.name: s for s in steps}
    for s in by_name.values():
        missing = [d for d in s.depends if d not in by_name]
        if missing:
            raise StepError(f"step {s.name!r} depends on unknown step(s) {missing}")
    rank = {name: i for i, name in enumerate(dag().get("order", []))}
    remaining = sorted(by_name, key=lambda n: (rank.get(n, len(rank)), n))
    ranked: list[str] = []
    while remaining:
        ready = next((n for n in remaining if all(d in ranked for d in by_name[n].depends)), None)
        if ready is None:
            raise StepError(f"ETL steps form a dependency cycle among {remaining}")
        ranked.append(ready)
        remaining.remove(ready)
    return [by_name[n] for n in ranked]


def _now() -> dt.datetime:
    return dt.datetime.now(dt.UTC).replace(tzinfo=None)


def _upstream(meta: StepMeta, by_name: dict[str, StepMeta]) -> set[str]:
    """Every step ``meta`` depends on, directly or not."""
    found, todo = set(), list(meta.depends)
    while todo:
        name = todo.pop()
        if name not in found:
            found.add(name)
            todo.extend(by_name[name].depends)
    return found


def step_key(ctx: Context, meta: StepMeta, ordered: list[StepMeta], keys: dict[str, str], module: Any) -> str:
    """The input key of ``meta`` (see :mod:`etl.reuse`): its code, snapshots and declared
    inputs, the keys of its upstream steps (``keys``, of the steps before it in ``ordered``).
    Sets ``ctx.code_key`` (the step's code) for ``inputs(ctx)``."""
    upstream = _upstream(meta, {s.name: s for s in ordered})
    for s in ordered[: ordered.index(meta)]:
        if not s.data.get("isolated"):
            upstream.add(s.name)
    excluded = reuse.excluded_folders(s.folder for s in ordered)
    ctx.code_key = reuse.key_of(
        reuse.code_digest(meta.module.split(".")[0], excluded), reuse.folder_digest(meta.folder)
    )
    inputs: Callable[[Context], list[str]] | None = getattr(module, "inputs", None)
    return reuse.key_of(
        ctx.code_key,
        *(f"{s}={reuse.snapshot_digest(s, ctx.snapshots_root)}" for s in meta.source_ids),
        *(inputs(ctx) if inputs is not None else ()),
        *(f"{name}={keys[name]}" for name in sorted(upstream)),
    )


@dataclass(frozen=True)
class _Plan:
    """What the build does with each step: its module, code key and input key; the previous
    runs whose rows it keeps (step -> (key, rows' load id, rows in, rows out))."""

    modules: dict[str, Any]
    code_keys: dict[str, str]
    keys: dict[str, str]
    kept: dict[str, tuple[str, str, int | None, int | None]]


def _plan(ctx: Context, ordered: list[StepMeta], todo: list[StepMeta], plan: _Plan) -> None:
    """Key the steps ``todo`` (some of ``ordered``, in order) into ``plan``; on an incremental
    build keep the rows of those whose key is the previous run's (not ``reuse: parts`` steps:
    they keep parts themselves) and delete the rows of the others before they run (a step's
    rows depend on what ran before it). The plan of the last steps also deletes the rows of
    steps that no longer exist."""
    for meta in todo:
        try:
            module = plan.modules[meta.name] = importlib.import_module(meta.module)
            plan.keys[meta.name] = step_key(ctx, meta, ordered, plan.keys, module)
            plan.code_keys[meta.name] = ctx.code_key
        except Exception as exc:
            raise StepError(f"step {meta.name!r} failed: {exc}") from exc
    if not ctx.incremental:
        return
    stale: list[str] = []
    owned: list[str] = []
    for meta in todo:
        if meta.data.get("reuse") == "parts":
            continue
        prior = reuse.previous_run(ctx.con, meta.name)
        if prior is not None and prior[0] == plan.keys[meta.name]:
            plan.kept[meta.name] = prior
        else:
            stale += [prior[1]] if prior is not None else []
            owned += meta.data.get("owns", [])
    if todo and todo[-1] is ordered[-1]:
        stale += [
            r[0]
            for r in ctx.con.execute(
                f"SELECT rows_load_id FROM {reuse.PREVIOUS_RUNS} WHERE NOT list_contains(?, step)",
                [[m.name for m in ordered]],
            ).fetchall()
        ]
    if stale or owned:
        reuse.delete_rows(ctx.con, stale, owned)


@dataclass
class _Run:
    """One step run: its context (``load_id`` set), then its result or the error that ended it."""

    meta: StepMeta
    ctx: Context
    result: StepResult | None = None
    error: BaseException | None = None
    ended_at: dt.datetime | None = None
    thread: threading.Thread | None = None  # an isolated step's, until it is awaited
    recorded: bool = False  # its end is in meta.etl_runs


def _execute(run: _Run, plan: _Plan) -> None:
    """Run the step of ``run`` (or keep its rows) on ``run.ctx.con``; never raises."""
    meta, ctx = run.meta, run.ctx
    try:
        ctx.con.execute(f"SET VARIABLE load_id = {quote_literal(ctx.load_id)}")  # column defaults
        if meta.name in plan.kept:  # its rows, as an earlier build wrote them
            _, rows_load_id, rows_in, rows_out = plan.kept[meta.name]
            ctx.con.execute(
                "UPDATE meta.etl_runs SET reused_from = ? WHERE load_id = ?", [rows_load_id, ctx.load_id]
            )
            run.result = StepResult(rows_in, rows_out, "reused")
        else:
            step: Callable[[Context], StepResult] = plan.modules[meta.name].run
            run.result = step(ctx)
    except Exception as exc:
        run.error = exc
    finally:
        run.ended_at = _now()


def run_steps(
    ctx: Context,
    steps: Iterable[StepMeta] | None = None,
    on_step: Callable[[str, str], None] | None = None,
) -> list[StepResult]:
    """Run ``steps`` (default: every step :func:`discover` finds) in dependency order, each
    module's ``run(ctx)``, but keep the rows of the steps whose input key is unchanged on an
    incremental build; the first failure raises StepError.

    An ``isolated`` step (it writes tables no other ETL step reads or writes: the survey) runs
    in a thread on its own cursor of the build's connection while the next steps are imported,
    keyed and run (one that depends on no step starts first); a step that depends on it waits
    for it (DuckDB runs queries without Python's lock, so a survey's query planning and the
    imports and pandas of the other steps share the two cores). Its ``meta.etl_runs`` row is
    written by the build's thread, like every other."""
    ordered = order_steps(discover() if steps is None else steps)
    by_name = {s.name: s for s in ordered}
    early = [m for m in ordered if m.data.get("isolated") and not m.depends]  # free to start now
    plan = _Plan({}, {}, {}, {})
    runs: dict[str, _Run] = {}
    try:
        _plan(ctx, ordered, early, plan)
        for meta in early:  # they run while the other steps are imported and keyed
            runs[meta.name] = _start(ctx, meta, plan, on_step)
        _plan(ctx, ordered, [m for m in ordered if m.name not in runs], plan)
        for meta in ordered:
            if meta.name in runs:
                continue
            waited = _upstream(meta, by_name) | {n for n, r in runs.items() if r.ended_at is not None}
            for name in sorted(waited):  # and a concurrent step that failed stops the build now
                _finish(runs[name], ctx.con, on_step)
            run = runs[meta.name] = _start(ctx, meta, plan, on_step)
            if run.thread is None:
                _finish(run, ctx.con, on_step)
        for run in runs.values():
            _finish(run, ctx.con, on_step)
    finally:
        for run in runs.values():  # a failure elsewhere: interrupt the concurrent steps, wait for them
            if run.thread is not None and run.thread.is_alive():
                run.ctx.con.interrupt()
                run.thread.join()
        for run in runs.values():
            if run.ctx.con is not ctx.con:
                run.ctx.con.close()
    ctx.con.execute("RESET VARIABLE load_id")
    return [r for r in (runs[m.name].result for m in ordered) if r is not None]  # all: else _finish raised


def _start(ctx: Context, meta: StepMeta, plan: _Plan, on_step: Callable[[str, str], None] | None) -> _Run:
    """Record ``meta``'s run as running and start it: in a thread on a cursor when isolated."""
    load_id = run_id()
    ctx.load_id, ctx.input_key, ctx.code_key = load_id, plan.keys[meta.name], plan.code_keys[meta.name]
    ctx.con.execute(
        "INSERT INTO meta.etl_runs (load_id, build_id, step, started_at, status, input_key) "
        "VALUES (?, ?, ?, ?, 'running', ?)",
        [load_id, ctx.build_id, meta.name, _now(), ctx.input_key],
    )
    if on_step:
        on_step(meta.name, "start")
    concurrent = bool(meta.data.get("isolated")) and meta.name not in plan.kept  # kept: nothing to run
    run = _Run(meta, dataclasses.replace(ctx, con=ctx.con.cursor()) if concurrent else ctx)
    if concurrent:
        run.thread = threading.Thread(target=_execute, args=(run, plan), name=f"step-{meta.name}")
        run.thread.start()
    else:
        _execute(run, plan)
    return run


def _finish(run: _Run, con: duckdb.DuckDBPyConnection, on_step: Callable[[str, str], None] | None) -> None:
    """Wait for ``run``, record its end in ``meta.etl_runs`` (once) and raise its error."""
    if run.thread is not None:
        run.thread.join()
        run.thread = None
    if run.recorded:
        return
    run.recorded = True
    meta, load_id, ended_at = run.meta, run.ctx.load_id, run.ended_at
    if run.error is not None:
        message = f"step {meta.name!r} failed: {run.error}"
        con.execute(
            "UPDATE meta.etl_runs SET ended_at = ?, status = 'failed', error = ? WHERE load_id = ?",
            [ended_at, message, load_id],
        )
        if on_step:
            on_step(meta.name, "failed")
        raise StepError(message) from run.error
    assert run.result is not None
    con.execute(
        "UPDATE meta.etl_runs SET ended_at = ?, rows_in = ?, rows_out = ?, status = ? WHERE load_id = ?",
        [ended_at, run.result.rows_in, run.result.rows_out, run.result.status, load_id],
    )
    if on_step:
        on_step(meta.name, run.result.status)


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
    record_sources(ctx, source, {source_id or source.source_id: (i18n, overrides)})


def record_sources(
    ctx: Context,
    source: snapshots.Source,
    published: dict[str, tuple[dict[str, dict[str, str]] | None, dict[str, str]]],
) -> None:
    """:func:`record_source` of several sources read from one snapshot: ``published`` maps
    each source id to its ``i18n`` and overrides. One statement per table (an insert costs
    milliseconds, more with every column)."""
    files = [
        (
            source.source_id,
            f"{source.source_id}/{f.path}",
            f.sha256,
            path.stat().st_size,
            f.retrieved_on,
            f.origin,
        )
        for f in source.files
        for path in [source.path(f.path)]  # raises on a missing or corrupted file
    ]
    if files:
        columns = "source_id, path, sha256, bytes, retrieved_on, origin"
        ctx.con.execute(  # the files not recorded yet (by an earlier step), in their order
            f"INSERT INTO meta.snapshots ({columns}) SELECT * FROM "
            f"(VALUES {', '.join(['(?, ?, ?, ?, ?, ?)'] * len(files))}) v({columns}) WHERE NOT EXISTS "
            "(SELECT 1 FROM meta.snapshots s WHERE s.source_id = v.source_id AND s.path = v.path)",
            [value for row in files for value in row],
        )
    row = {
        "title": source.title,
        "producer": source.producer,
        "url": source.url,
        "licence": source.licence,
        "citation": source.citation,
        "note": source.note,
    }
    insert_sources(
        ctx,
        [
            (
                {
                    "source_id": source_id,
                    **(row | overrides),
                    "retrieved_on": source.retrieved_on,
                    "sha256": source.sha256,
                },
                source.i18n if i18n is None else i18n,
            )
            for source_id, (i18n, overrides) in published.items()
        ],
    )


def insert_source(ctx: Context, row: dict, i18n: dict[str, dict[str, str]]) -> None:
    """One row of meta.sources, by column name, with its fr/nl/en title, producer, citation."""
    insert_sources(ctx, [(row, i18n)])


def insert_sources(ctx: Context, rows: list[tuple[dict, dict[str, dict[str, str]]]]) -> None:
    """Rows of meta.sources (each with its ``i18n``, see :func:`insert_source`) in one statement."""
    for row, i18n in rows:
        for lang in LANGUAGES:
            for key in ("title", "producer", "citation"):
                row[f"{key}_{lang}"] = (i18n.get(lang) or {}).get(key) or row[key]
    names = list(dict.fromkeys(name for row, _ in rows for name in row))
    values = f"({', '.join('?' * len(names))})"
    ctx.con.execute(
        f"INSERT INTO meta.sources ({', '.join(names)}) VALUES {', '.join([values] * len(rows))}",
        [row.get(n) for row, _ in rows for n in names],
    )
