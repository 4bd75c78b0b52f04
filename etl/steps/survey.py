"""The association survey: replay every landed export (or, when none was ingested, the
synthetic demo waves) through the format adapters and validation, pseudonymise the
enterprise numbers, keep one current response per association and wave, and load the
restricted microdata, the quarantine log and the sampling frame.

The warehouse receives no enterprise number, no association name and no free text:
validation messages about those fields are stored without the value, and the original
rows of quarantined records are written to the restricted landing area only.
"""

from __future__ import annotations

import hashlib
import re
from dataclasses import dataclass, field
from pathlib import Path

import pandas as pd

from etl import landing
from etl.csv_safety import neutralise
from etl.runner import Context, Step, record_source
from etl.survey.codebook import CODEBOOK
from etl.survey.frame import DEMO_FRAME, load_frame, size_classes
from etl.survey.messages import render
from etl.survey.pseudonym import load_key, pseudonymise
from etl.survey.readers import read_export
from etl.survey.validation import validate
from warehouse.build import apply_ddl
from warehouse.paths import key_file

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
    rows: pd.DataFrame
    errors: list = field(default_factory=list)
    incomplete: list[int] = field(default_factory=list)
    quarantined: pd.DataFrame | None = None  # original canonical rows of the invalid records

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


def process(item: Input, key: bytes) -> FileResult:
    """Read, validate and pseudonymise one export."""
    export = read_export(item.path, item.format)
    checked = validate(export.frame)
    valid = checked.valid
    rows = pd.DataFrame({
        "response_id": [hashlib.sha256(f"{item.wave}:{item.name}:{item.sha256}:{line}".encode())
                        .hexdigest()[:16]
                        for line in valid["_line"]],
        "wave": item.wave,
        "org_pseudo": pseudonymise(valid["org_id"], key),
        "submitted_at": pd.to_datetime(valid["_submitted_at"]),
        "source_file": item.name,
        "source_line": valid["_line"].astype("Int64"),
        "consent": ~valid["_no_consent"],
        "synthetic": item.synthetic,
        "size_class": size_classes(valid["staff_fte"]),
    })
    for q in PUBLISHED:
        rows[q.code] = valid[q.code]
    lines = {e.line for e in checked.errors}
    bad = export.frame[export.frame["_line"].isin(lines)].reset_index(drop=True)
    return FileResult(item, export.format, rows, checked.errors, export.incomplete, bad)


def public_message(error) -> dict[str, str]:
    """Messages safe for the warehouse: no value of a restricted field."""
    if error.field in RESTRICTED or error.field == "org_id":
        return render(CODEBOOK, error.rule, error.line, error.field, "…")
    return {"fr": error.message_fr, "nl": error.message_nl, "en": error.message_en}


def mark_current(rows: pd.DataFrame) -> pd.Series:
    """'current' for the latest submission of each association in a wave, else 'superseded'."""
    order = rows.sort_values(["submitted_at", "source_file", "source_line"], na_position="first",
                             kind="stable")
    later = order.duplicated(["wave", "org_pseudo"], keep="last")
    return later.reindex(rows.index).map({True: "superseded", False: "current"})


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
    out.parent.mkdir(parents=True, exist_ok=True)
    neutralise(bad).to_csv(out, index=False, encoding="utf-8-sig")  # opened in spreadsheets


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


class Survey(Step):
    name = "survey"
    keep_raw = False  # raw survey rows hold enterprise numbers and free text

    def register_sources(self, ctx: Context) -> None:
        """Record the survey as a source: its files' checksums, synthetic or not."""
        inputs = ctx.options["inputs"] = survey_inputs(ctx)
        if inputs and inputs[0].synthetic:
            record_source(ctx, ctx.source(DEMO_SNAPSHOT), source_id=SURVEY_SOURCE["source_id"])
            return
        waves = ", ".join(sorted({str(i.wave) for i in inputs}))
        source = SURVEY_SOURCE
        ctx.con.execute(
            "INSERT INTO meta.sources VALUES (?, ?, ?, NULL, ?, current_date, ?, ?, ?)",
            [source["source_id"], source["title"], source["producer"], source["licence"],
             ";".join(i.sha256 for i in inputs), source["citation"].format(waves=waves),
             f"{len(inputs)} export file(s)"])

    def extract(self, ctx: Context) -> pd.DataFrame:
        key = load_key(key_file(ctx.warehouse))
        results = [process(item, key) for item in ctx.options["inputs"]]
        ctx.options["results"] = results
        return pd.DataFrame({"file": [r.input.name for r in results],
                             "records": [len(r.rows) + len(r.quarantined_lines) + len(r.incomplete)
                                         for r in results]}).assign(rows=lambda d: d.records)

    def transform(self, raw: pd.DataFrame, ctx: Context) -> pd.DataFrame:
        results: list[FileResult] = ctx.options["results"]
        rows = pd.concat([r.rows for r in results], ignore_index=True)
        rows.insert(1, "load_id", ctx.load_id)
        rows.insert(6, "status", mark_current(rows))
        for r in results:
            superseded = int((rows.loc[rows.source_file.eq(r.input.name) & rows.wave.eq(r.input.wave),
                                       "status"] == "superseded").sum())
            ctx.con.execute(
                "INSERT INTO meta.survey_loads VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
                [ctx.load_id, r.input.name, r.input.sha256, r.export_format, r.input.wave,
                 len(r.rows) + len(r.quarantined_lines) + len(r.incomplete), len(r.rows),
                 len(r.quarantined_lines), superseded, len(r.incomplete), r.input.synthetic])
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
        return rows

    def load(self, ctx: Context, frame: pd.DataFrame) -> int:
        for q in PUBLISHED:
            ctx.con.execute(f'ALTER TABLE restricted.survey_responses ADD COLUMN "{q.code}" '
                            f'{SQL_TYPES.get(q.base_type, "VARCHAR")}')
        ctx.con.register("_survey_rows", frame)
        ctx.con.execute("INSERT INTO restricted.survey_responses BY NAME SELECT * FROM _survey_rows")
        ctx.con.unregister("_survey_rows")
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
        return len(frame)
