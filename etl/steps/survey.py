"""The association survey: replay every landed export (or, when none was ingested, the
synthetic demo waves) through the format adapters and validation, pseudonymise the
enterprise numbers, keep one current response per association and wave, and load the
restricted microdata, the quarantine log and the sampling frame.

The warehouse receives no enterprise number, no association name and no free text:
validation messages never quote a value, and the original rows of quarantined records are
written to the restricted landing area only (0600 files in 0700 folders). The distinct values of
the restricted fields are handed to the build's privacy guard (:mod:`warehouse.guard`), which
refuses a warehouse that contains one of them anywhere.

The rows never pass through pandas: each file is read into a scratch DuckDB database in the
restricted ``<landing>/.scratch/`` (deleted afterwards; a killed build's is deleted by the next
command), canonicalised, validated and pseudonymised by SQL, and inserted in one statement that
also marks the current answer of each association.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import re
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

import duckdb
import pandas as pd

from etl import landing
from etl.csv_safety import neutralise
from etl.runner import Context, Step, insert_source, record_source
from etl.survey.codebook import CODEBOOK
from etl.survey.frame import DEMO_FRAME, load_frame, size_class_sql
from etl.survey.pseudonym import load_key, pseudonym_sql
from etl.survey.readers import read_export
from etl.survey.sql import ident, literal, temp_name
from etl.survey.validation import validate
from warehouse import guard
from warehouse.build import apply_ddl
from warehouse.paths import key_file
from warehouse.private import open_private, private_dir, restrict, scratch_dir, tighten_tree

DEMO_SNAPSHOT = "survey_demo"  # synthetic exports made by `sector-monitor survey demo`
WAVE_IN_NAME = re.compile(r"_(\d{4})_kobo\.csv$")
RESTRICTED = {q.code for q in CODEBOOK.questions if q.restricted}  # org_id, names, free text
PUBLISHED = [q for q in CODEBOOK.questions if not q.restricted]
SURVEY_SOURCE = {
    "source_id": "association_survey",
    "title": "Survey of Brussels social-sector associations",
    "producer": "Survey coordinators of the federations",
    "licence": "Published aggregates only; microdata restricted",
    "citation": "Survey of Brussels social-sector associations, waves {waves}.",
    "i18n": {
        "fr": {"title": "Enquête auprès des associations du secteur social bruxellois",
               "producer": "Coordinateurs d'enquête des fédérations",
               "citation": "Enquête auprès des associations du secteur social bruxellois, "
                           "vagues {waves}."},
        "nl": {"title": "Bevraging van verenigingen uit de Brusselse sociale sector",
               "producer": "Enquêtecoördinatoren van de federaties",
               "citation": "Bevraging van verenigingen uit de Brusselse sociale sector, "
                           "golven {waves}."},
        "en": {"title": "Survey of Brussels social-sector associations",
               "producer": "Survey coordinators of the federations",
               "citation": "Survey of Brussels social-sector associations, waves {waves}."},
    },
}
SIZE_CLASS_LABELS = {  # paid staff in full-time equivalents
    "lt5": ("Moins de 5 ETP", "Minder dan 5 vte", "Fewer than 5 FTE"),
    "5to19": ("5 à 19 ETP", "5 tot 19 vte", "5 to 19 FTE"),
    "20to49": ("20 à 49 ETP", "20 tot 49 vte", "20 to 49 FTE"),
    "50plus": ("50 ETP et plus", "50 vte en meer", "50 FTE or more"),
}
SQL_TYPES = {"integer": "BIGINT", "decimal": "DOUBLE", "date": "DATE"}


@dataclass
class Input:
    """One export to load."""

    path: Path
    name: str
    wave: int
    format: str
    sha256: str
    synthetic: bool


@dataclass
class FileResult:
    input: Input
    export_format: str
    con: duckdb.DuckDBPyConnection
    relation: str  # the rows to load, as restricted.survey_responses wants them (without status)
    loaded: int
    errors: list = field(default_factory=list)
    incomplete: list[int] = field(default_factory=list)
    quarantined: pd.DataFrame | None = None  # original canonical rows of the invalid records

    @property
    def rows(self) -> pd.DataFrame:
        """The rows to load as a DataFrame, in file order (for small files and tests)."""
        return self.con.execute(f"SELECT * FROM {self.relation} ORDER BY source_line").df()

    @property
    def quarantined_lines(self) -> list[int]:
        return [] if self.quarantined is None else self.quarantined["_line"].tolist()


def survey_inputs(ctx: Context) -> list[Input]:
    """Landed files in registry order, or the deterministic demo exports."""
    entries = landing.registry(ctx.landing)
    if entries:
        return [Input(ctx.landing / e.stored, e.name, e.wave, e.format, e.sha256, False)
                for e in entries]
    demo = ctx.source(DEMO_SNAPSHOT)
    return [Input(demo.path(f.path), f.path, int(WAVE_IN_NAME.search(f.path)[1]), "kobo", f.sha256, True)
            for f in demo.files]


def process(item: Input, key: bytes, con: duckdb.DuckDBPyConnection | None = None) -> FileResult:
    """Read, validate and pseudonymise one export (relations in ``con``, else in memory)."""
    export = read_export(item.path, item.format, con=con)
    guard.collect(export.con, export.relation, sorted(RESTRICTED), item.name)
    checked = validate(export)
    prefix = f"{item.wave}:{item.name}:{item.sha256}:"
    published = ", ".join(ident(q.code) for q in PUBLISHED)
    relation = temp_name(f"{export.relation}_rows")
    export.con.execute(
        f"CREATE VIEW {relation} AS SELECT left(sha256({literal(prefix)} || _line::VARCHAR), 16) "
        f"AS response_id, {item.wave}::INTEGER AS wave, {pseudonym_sql('org_id', key)} AS org_pseudo, "
        f"_submitted_at AS submitted_at, {literal(item.name)} AS source_file, _line::INTEGER AS source_line, "
        f"NOT _no_consent AS consent, {item.synthetic} AS synthetic, "
        f"{size_class_sql('staff_fte')} AS size_class, {published} FROM {checked.valid_relation}")
    loaded = export.con.execute(f"SELECT count(*) FROM {checked.valid_relation}").fetchone()[0]
    bad = None
    if checked.failed_lines:
        bad = export.con.execute(f"SELECT * FROM {export.relation} WHERE _line IN "
                                 f"(SELECT unnest(?)) ORDER BY _line", [checked.failed_lines]).df()
    return FileResult(item, export.format, export.con, relation, loaded, checked.errors,
                      export.incomplete, bad)


@contextlib.contextmanager
def scratch_database(con: duckdb.DuckDBPyConnection, warehouse: Path) -> Iterator[str]:
    """Attach a scratch database file for ``warehouse``'s build in the restricted
    ``<landing>/.scratch/`` (0700; deleted on exit); yields its name.

    Scratch files left by a killed build (they hold raw answers) are deleted by the build before
    it starts (:func:`warehouse.private.remove_build_leftovers`, under the warehouse lock) and by
    any command that resolves the warehouse while no build runs."""
    name = temp_name("survey_scratch")
    path = scratch_dir(warehouse) / f"{warehouse.name}.{name}.duckdb"
    con.execute(f"ATTACH {literal(str(path))} AS {name}")
    restrict(path)
    try:
        yield name
    finally:
        con.execute(f"DETACH {name}")
        for leftover in (path, path.with_name(path.name + ".wal")):
            leftover.unlink(missing_ok=True)


def public_texts() -> list[str]:
    """The codebook's texts (labels, hints, choices, groups): public vocabulary for the guard."""
    texts = [t for q in CODEBOOK.questions for t in (*q.labels.values(), *q.hints.values())]
    texts += [t for c in CODEBOOK.lists.values() for choice in c.choices
              for t in choice.labels.values()]
    texts += [t for labels in CODEBOOK.groups.values() for t in labels.values()]
    return texts


def public_message(error) -> dict[str, str]:
    """The messages stored in the warehouse: they quote no value (see etl.survey.messages)."""
    return {"fr": error.message_fr, "nl": error.message_nl, "en": error.message_en}


def quarantined_subsectors(result: FileResult) -> dict[int, str]:
    """Line -> subsector code of each quarantined record ('unknown' when not a valid code)."""
    if result.quarantined is None:
        return {}
    bad_subsector = {e.line for e in result.errors if e.field == "subsector"}
    codes = set(CODEBOOK.lists["subsector"].codes)
    return {line: sub if sub in codes and line not in bad_subsector else "unknown"
            for line, sub in zip(result.quarantined["_line"], result.quarantined["subsector"],
                                 strict=True)}


def write_quarantine(ctx: Context, result: FileResult) -> None:
    """Original rows of quarantined records, with their errors, for the coordinator (restricted)."""
    if result.input.synthetic or result.quarantined is None or result.quarantined.empty:
        return
    bad = result.quarantined.copy()
    by_line: dict[int, list[str]] = {}
    for e in result.errors:
        by_line.setdefault(e.line, []).append(f"{e.message_fr} | {e.message_nl} | {e.message_en}")
    bad.insert(0, "errors", bad["_line"].map(lambda n: "\n".join(by_line.get(n, []))))
    out = ctx.landing / "quarantine" / str(result.input.wave) / f"{result.input.name}.quarantine.csv"
    private_dir(out.parent, root=ctx.landing)
    with open_private(out, "w", encoding="utf-8-sig", newline="") as handle:  # for spreadsheets
        neutralise(bad).to_csv(handle, index=False)


def category_rows() -> list[list]:
    """(variable, code, position, fr, nl, en) for every select question and the size classes."""
    rows = [[q.code, c.code, i, c.labels["fr"], c.labels["nl"], c.labels["en"]]
            for q in PUBLISHED if q.list_name
            for i, c in enumerate(CODEBOOK.lists[q.list_name].choices)]
    rows += [["size_class", code, i, *labels]
             for i, (code, labels) in enumerate(SIZE_CLASS_LABELS.items())]
    return rows


def insert_rows(ctx: Context, table: str, rows: list[list]) -> None:
    if rows:
        ctx.con.executemany(f"INSERT INTO {table} VALUES ({', '.join('?' * len(rows[0]))})", rows)


CURRENT_STATUS = ("CASE WHEN row_number() OVER (PARTITION BY wave, org_pseudo ORDER BY submitted_at DESC "
                  "NULLS LAST, source_file DESC, source_line DESC) > 1 THEN 'superseded' ELSE 'current' END")


class Survey(Step):
    name = "survey"
    keep_raw = False  # raw survey rows hold enterprise numbers and free text

    def register_sources(self, ctx: Context) -> None:
        """Record the survey as a source: its files' checksums, synthetic or not."""
        tighten_tree(ctx.landing)  # 0700/0600 also for an area created before that rule
        inputs = ctx.options["inputs"] = survey_inputs(ctx)
        if inputs and inputs[0].synthetic:
            record_source(ctx, ctx.source(DEMO_SNAPSHOT), source_id=SURVEY_SOURCE["source_id"])
            return
        waves = ", ".join(sorted({str(i.wave) for i in inputs}))
        source = SURVEY_SOURCE
        insert_source(ctx, {
            "source_id": source["source_id"], "title": source["title"],
            "producer": source["producer"], "url": None, "licence": source["licence"],
            "retrieved_on": dt.date.today(), "sha256": ";".join(i.sha256 for i in inputs),
            "citation": source["citation"].format(waves=waves),
            "note": f"{len(inputs)} export file(s)"},
            {lang: {k: text.format(waves=waves) for k, text in texts.items()}
             for lang, texts in source["i18n"].items()})

    def extract(self, ctx: Context) -> pd.DataFrame:
        """Load every file (see the module docstring); returns one summary row per file."""
        key = load_key(key_file(ctx.warehouse))
        for q in PUBLISHED:
            ctx.con.execute(f'ALTER TABLE restricted.survey_responses ADD COLUMN "{q.code}" '
                            f'{SQL_TYPES.get(q.base_type, "VARCHAR")}')
        guard.add_public_text(ctx.con, public_texts())
        home = ctx.con.execute("SELECT current_database()").fetchone()[0]
        with scratch_database(ctx.con, ctx.warehouse) as scratch:
            ctx.con.execute(f"USE {scratch}")  # the files' tables and views go to the scratch file
            try:
                results = [process(item, key, ctx.con) for item in ctx.options["inputs"]]
                if results:
                    union = " UNION ALL BY NAME ".join(f"SELECT * FROM {r.relation}" for r in results)
                    ctx.con.execute(
                        f"INSERT INTO {home}.restricted.survey_responses BY NAME "
                        f"SELECT *, {literal(ctx.load_id)} AS load_id, {CURRENT_STATUS} AS status "
                        f"FROM ({union}) ORDER BY wave, source_file, source_line")  # deterministic order
            finally:
                ctx.con.execute(f"USE {home}")
        ctx.options["results"] = results
        return pd.DataFrame({"file": [r.input.name for r in results],
                             "records": [r.loaded + len(r.quarantined_lines) + len(r.incomplete)
                                         for r in results]}).assign(rows=lambda d: d.records)

    def transform(self, raw: pd.DataFrame, ctx: Context) -> pd.DataFrame:
        results: list[FileResult] = ctx.options["results"]
        superseded = dict(((f, w), n) for f, w, n in ctx.con.execute(
            "SELECT source_file, wave, count(*) FROM restricted.survey_responses "
            "WHERE status = 'superseded' GROUP BY ALL").fetchall())
        for r in results:
            ctx.con.execute(
                "INSERT INTO meta.survey_loads VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
                [ctx.load_id, r.input.name, r.input.sha256, r.export_format, r.input.wave,
                 r.loaded + len(r.quarantined_lines) + len(r.incomplete), r.loaded,
                 len(r.quarantined_lines), superseded.get((r.input.name, r.input.wave), 0),
                 len(r.incomplete), r.input.synthetic])
            insert_rows(ctx, "meta.quarantine",
                        [[ctx.load_id, r.input.name, e.line, e.field, e.rule, *public_message(e).values()]
                         for e in r.errors])
            for line in r.incomplete:
                ctx.con.execute(
                    "INSERT INTO meta.quarantine VALUES (?, ?, ?, NULL, 'incomplete', ?, ?, ?)",
                    [ctx.load_id, r.input.name, line,
                     f"Ligne {line} : réponse incomplète (non envoyée), non chargée.",
                     f"Rij {line}: onvolledig antwoord (niet verzonden), niet geladen.",
                     f"Line {line}: incomplete response (not submitted), not loaded."])
            insert_rows(ctx, "meta.quarantined_rows",
                        [[ctx.load_id, r.input.name, r.input.wave, line, sub]
                         for line, sub in quarantined_subsectors(r).items()])
            write_quarantine(ctx, r)
        return raw

    def load(self, ctx: Context, frame: pd.DataFrame) -> int:
        apply_ddl(ctx.con, "sql/survey_views")
        insert_rows(ctx, "core.category", category_rows())
        frame_path = landing.frame_file(ctx.landing) or DEMO_FRAME
        sampling = load_frame(frame_path)
        sampling["illustrative"] = bool(sampling.attrs.get("illustrative", frame_path == DEMO_FRAME))
        cols = ["subsector", "size_class", "region", "n_associations", "illustrative"]
        sampling = sampling.reindex(columns=cols)
        ctx.con.register("_frame", sampling)
        ctx.con.execute("INSERT INTO core.survey_frame SELECT * FROM _frame")
        ctx.con.unregister("_frame")
        return sum(r.loaded for r in ctx.options["results"])
