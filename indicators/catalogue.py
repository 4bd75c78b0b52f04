"""The indicator catalogue: one YAML file per indicator in ``catalogue/``, validated at load time.

Each file holds the indicator's metadata (fr/nl/en texts, theme, polarity, sources, linked
recommendations) and its computation: an SQL expression over ``restricted.survey_current``
columns, or public series ids, or a combined method. Loading fails with a :class:`CatalogueError`
naming the file and the field when the file breaks the JSON schema, uses a question code the
codebook does not know, or holds SQL that does not bind against the survey table schema (the
expression may only use the question codes the file declares, plus ``size_class``).
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from functools import cache
from pathlib import Path
from typing import Any

import duckdb
import jsonschema
import yaml

from core.yamlfile import read_yaml
from etl.survey.codebook import CODEBOOKS, LATEST, VERSIONS, Codebook

HERE = Path(__file__).parent
CATALOGUE_DIR = HERE / "catalogue"
SCHEMA_FILE = HERE / "catalogue.schema.json"
SURVEY_ESTIMATORS = ("proportion", "mean", "ratio", "total", "net_balance")
# Columns of restricted.survey_responses that are not questions (see docs/public-views.md).
META_COLUMNS = {
    "response_id": "VARCHAR",
    "load_id": "VARCHAR",
    "wave": "INTEGER",
    "org_pseudo": "VARCHAR",
    "submitted_at": "TIMESTAMP",
    "source_line": "INTEGER",
    "status": "VARCHAR",
    "consent": "BOOLEAN",
    "synthetic": "BOOLEAN",
    "size_class": "VARCHAR",
    "questionnaire_version": "VARCHAR",
}
DERIVED_COLUMNS = ("size_class",)  # meta columns an expression may use without declaring them
_DUCKDB_TYPES = {
    "integer": "BIGINT",
    "decimal": "DOUBLE",
    "select_one": "VARCHAR",
    "select_multiple": "VARCHAR",
    "date": "DATE",
}


class CatalogueError(ValueError):
    """An indicator file is invalid; the message names the file and the field."""


@dataclass(frozen=True)
class Indicator:
    """One catalogue entry (see catalogue.schema.json for the meaning of each field)."""

    id: str
    theme: str
    estimator: str
    unit: str
    polarity: str
    title: dict[str, str]
    description: dict[str, str]
    long_description: dict[str, str]
    unit_label: dict[str, str]
    questions: tuple[str, ...]
    sources: tuple[str, ...]
    recommendations: tuple[str, ...]
    caveats: dict[str, str] | None = None
    family: str | None = None
    money: bool = False
    expression: str | None = None
    denominator: str | None = None
    universe: str | None = None
    scale: float = 1.0
    series: tuple[str, ...] = ()
    inputs: tuple[str, ...] = ()
    filters: dict[str, str] = field(default_factory=dict)
    headline_geo: str | None = None
    method: str | None = None
    versions: tuple[str, ...] = ()  # questionnaire versions it applies to (survey indicators)
    path: Path | None = None

    @property
    def is_survey(self) -> bool:
        return self.estimator in SURVEY_ESTIMATORS

    def text(self, name: str, lang: str) -> str | None:
        """A translated text field (``title``, ``description``...) in ``lang``."""
        value = getattr(self, name)
        return None if value is None else value[lang]


def survey_column_types(codebook: Codebook = LATEST) -> dict[str, str]:
    """DuckDB type of every column of ``restricted.survey_responses`` (free text excluded)."""
    columns = dict(META_COLUMNS)
    for q in codebook.questions:
        if q.base_type in _DUCKDB_TYPES:
            columns[q.code] = _DUCKDB_TYPES[q.base_type]
    return columns


@cache
def _schema() -> dict:
    """The schema, each ``$ref`` to its ``$defs`` written in place (jsonschema resolves a
    reference on every use: a quarter of the validation time)."""
    schema = json.loads(SCHEMA_FILE.read_text(encoding="utf-8"))
    return _inline(schema, schema.get("$defs", {}))


def _inline(node: Any, defs: dict) -> Any:
    """``node`` with every ``{"$ref": "#/$defs/<name>"}`` replaced by that definition (which
    must not refer to itself)."""
    if isinstance(node, dict):
        ref = node.get("$ref")
        if len(node) == 1 and isinstance(ref, str) and ref.startswith("#/$defs/"):
            return _inline(defs[ref.removeprefix("#/$defs/")], defs)
        return {k: _inline(v, defs) for k, v in node.items()}
    if isinstance(node, list):
        return [_inline(v, defs) for v in node]
    return node


def _fail(path: Path, fld: str, message: str) -> CatalogueError:
    return CatalogueError(f"{path.name}: field '{fld}': {message}")


def _check_schema(path: Path, data: object) -> None:
    validator = jsonschema.Draft202012Validator(_schema())
    errors = sorted(validator.iter_errors(data), key=lambda e: list(e.absolute_path))
    if errors:
        first = errors[0]
        where = "/".join(map(str, first.absolute_path)) or "(top level)"
        raise _fail(path, where, first.message)


_SQL_FIELDS = ("expression", "denominator", "universe")


def _probe(ind: Indicator, fields: tuple[str, ...] = _SQL_FIELDS) -> str:
    """A query binding the SQL ``fields`` of ``ind`` against the columns it declares."""
    columns = ", ".join([*DERIVED_COLUMNS, *ind.questions])
    values = ", ".join(
        "NULL" if getattr(ind, f) is None else f"CAST(({getattr(ind, f)}) AS DOUBLE)" for f in fields
    )
    return f"SELECT {values} FROM (SELECT {columns} FROM temp.main.survey) LIMIT 0"


def _check_sql(con: duckdb.DuckDBPyConnection, indicators: list[Indicator]) -> None:
    """Bind the SQL of every survey indicator in one query (a query costs a millisecond); when
    it fails, field by field: the check that decides, and names the file and field."""
    if not indicators:
        return
    try:
        con.execute(" UNION ALL ".join(f"({_probe(ind)})" for ind in indicators))
    except duckdb.Error:
        for ind in indicators:
            for fld in _SQL_FIELDS:
                if getattr(ind, fld) is None:
                    continue
                try:
                    con.execute(_probe(ind, (fld,)))
                except duckdb.Error as err:
                    hint = str(err).splitlines()[0]
                    raise _fail(
                        ind.path or Path(ind.id),
                        fld,
                        f"SQL does not bind against the survey table "
                        f"(declared questions: {sorted(ind.questions)}): {hint}",
                    ) from err


def load_indicator(path: Path, known: set[str]) -> Indicator:
    """Read and validate one indicator file against the schema and codebook (its SQL is bound
    against the survey table by :func:`load_catalogue`, with every other indicator's)."""
    try:
        data = read_yaml(path)
    except yaml.YAMLError as err:
        raise _fail(path, "(file)", f"not valid YAML: {err}") from err
    _check_schema(path, data)
    if data["id"] != path.stem:
        raise _fail(path, "id", f"{data['id']!r} differs from the file name {path.stem!r}")
    if data["estimator"] in SURVEY_ESTIMATORS:
        unknown = sorted(set(data["questions"]) - known)
        if unknown:
            raise _fail(path, "questions", f"unknown question codes {unknown} (not in the codebook)")
        data["versions"] = _versions(path, data)
    elif "versions" in data:
        raise _fail(path, "versions", "only survey indicators declare questionnaire versions")
    tuples = {
        k: tuple(data[k])
        for k in ("questions", "sources", "recommendations", "series", "inputs", "versions")
        if k in data
    }
    return Indicator(**{**data, **tuples, "path": path})


def _versions(path: Path, data: dict) -> list[str]:
    """The questionnaire versions a survey indicator applies to: declared, or every version
    that asks all its questions; a declared version must ask them all."""
    asking = [v for v in VERSIONS if set(data["questions"]) <= set(CODEBOOKS[v].codes)]
    declared = data.get("versions")
    if declared is None:
        return asking
    wrong = [v for v in declared if v not in asking]
    if wrong:
        raise _fail(
            path,
            "versions",
            f"{wrong}: unknown version, or one that does not ask all of "
            f"{sorted(data['questions'])} (versions asking them: {asking})",
        )
    return list(declared)


def load_catalogue(
    directory: Path = CATALOGUE_DIR, codebook: Codebook = LATEST, con: duckdb.DuckDBPyConnection | None = None
) -> dict[str, Indicator]:
    """Every ``*.yaml`` of ``directory`` as validated indicators, keyed by id, sorted by file.

    The SQL is bound against a temporary table in a cursor of ``con`` (default: of a new
    in-memory database, which takes ~17 ms to open)."""
    columns = survey_column_types(codebook)
    known = set(columns) - set(META_COLUMNS)
    db = duckdb.connect(":memory:") if con is None else con.cursor()
    try:
        db.execute("CREATE TEMP TABLE survey (" + ", ".join(f'"{c}" {t}' for c, t in columns.items()) + ")")
        indicators = [load_indicator(p, known) for p in sorted(directory.glob("*.yaml"))]
        _check_sql(db, [ind for ind in indicators if ind.is_survey])
    finally:
        db.close()
    if not indicators:
        raise CatalogueError(f"{directory}: no indicator files")
    return {ind.id: ind for ind in indicators}
