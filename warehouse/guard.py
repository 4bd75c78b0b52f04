"""Privacy guard: the last check of a build before its warehouse is swapped in.

The warehouse must hold no enterprise number, association name or free-text answer. Whatever
the code that wrote it (a message quoting a value, a shifted column loaded as a category, a
future step), the guard reads every VARCHAR column of every table of the new warehouse
(``duckdb_columns()``) and refuses the build when

* a value holds an enterprise number in any written form: ``0123456789``, ``0123.456.789``,
  ``0123 456 789``, ``BE0123456789``, ``BE 0123.456.789`` (word boundaries, so NIS codes, dates,
  counts and sha256 digests do not match; build and load ids are made by :func:`run_id` so that
  they cannot), or
* a value contains, as whole words, one of the restricted values of the landed rows: what the
  survey step read in ``org_id``, ``org_name`` and the free-text fields (:func:`collect`), when at
  least :data:`MIN_LENGTH` characters long; letter case and the separators between words are
  ignored.

Values that also occur in the public vocabulary are not restricted (an association's name cited
by a public source, a free-text answer equal to a commune or a label): the tables filled only
from snapshots and definitions (:data:`VOCABULARY_TABLES`) and the codebook's texts
(:func:`add_public_text`).

The containment test is a join, not a scan of every pair: each distinct value of the warehouse
is split into words; each restricted value is looked up by its rarest word, and only those
candidates are checked with a regular expression.

A build that passes records ``meta.privacy_guard``; history copies written before the guard (no
such row) are scanned by the next build and deleted when they fail (see :mod:`warehouse.history`).
"""

from __future__ import annotations

import itertools
import time
import uuid
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path

import duckdb

from core.errors import Explained
from warehouse.private import restrict
from warehouse.sql import BUILD_STATE, build_state, quote_literal

GUARD_VERSION = 1
MIN_LENGTH = 6
LARGE_TABLE_ROWS = 50_000  # from here a table's values are made distinct column by column: an
# unpivot of every value first costs twice as much on the microdata, planning one distinct list
# per column costs more on the small tables
RESTRICTED = f"{BUILD_STATE}.main.privacy_restricted"  # (field, source_file, line, value) read
PUBLIC_TEXT = f"{BUILD_STATE}.main.privacy_public_text"  # (v): public vocabulary besides the tables
VOCABULARY_TABLES = (
    "raw.*",
    "core.geography",
    "core.series",
    "core.statistic",
    "core.category",
    "public.indicators",
    "public.recommendations",
    "meta.sources",
    "meta.snapshots",
)
_SEP = r"[ .\x{00a0}\x{202f}]"
ENTERPRISE_NUMBER = (
    r"\b0\d{9}\b"  # 0123456789
    rf"|\b[01]\d{{3}}{_SEP}\d{{3}}{_SEP}\d{{3}}\b"  # 0123.456.789, 0123 456 789
    rf"|(?i:\bBE){_SEP}?[01]?\d{{3}}{_SEP}?\d{{3}}{_SEP}?\d{{3}}\b"
)  # BE forms
EXAMPLE_NUMBER = rf"(?:(?i:\bBE){_SEP}?|\b)0123{_SEP}?456{_SEP}?789\b"  # the form's example
_NOT_WORD = r"[^\pL\pN]+"
_VALUES, _DISTINCT, _WORDS, _R = (
    "privacy_guard_values",
    "privacy_guard_distinct",
    "privacy_guard_words",
    "privacy_guard_restricted",
)


def run_id() -> str:
    """A new random id for a build or a step's run: ``r`` and 12 hex digits.

    The letter keeps it from ever looking like an enterprise number: 12 bare hex digits are
    ``BE`` and ten digits once in about 140,000 ids (``be1987654321``), which failed a build."""
    return f"r{uuid.uuid4().hex[:12]}"


class PrivacyGuardError(Explained, RuntimeError):
    """The new warehouse would hold restricted data; it was not swapped in."""


@dataclass(frozen=True)
class Finding:
    table: str  # schema.table
    column: str
    what: str  # "enterprise number" or the restricted field (org_id, org_name, comments...)
    values: int  # distinct values of the column that hold it
    wave: str = ""  # where the restricted value comes from (a file of that wave, its line), never
    line: int = 0  # the file's name: it may be the value found
    others: int = 0  # other restricted values found in the column

    @property
    def in_file_name(self) -> bool:
        """Whether the column holds survey file names (``file``, ``source_file``)."""
        return self.column in FILE_NAME_COLUMNS

    def text(self, lang: str) -> str:
        where = f"{self.table}.{self.column}"
        if self.what == "enterprise number":
            return {
                "fr": f"{where} : {self.values} valeur(s) contiennent un numéro d'entreprise",
                "nl": f"{where}: {self.values} waarde(n) bevatten een ondernemingsnummer",
                "en": f"{where}: {self.values} value(s) hold an enterprise number",
            }[lang]
        more = {
            "fr": f" et {self.others} autre(s) valeur(s)",
            "nl": f" en {self.others} andere waarde(n)",
            "en": f" and {self.others} other value(s)",
        }[lang]
        wave = self.wave  # a file of that wave: never its name, which may be the value found
        return {
            "fr": f"{where} : {self.values} valeur(s) contiennent le champ {self.what} d'un fichier de la "
            f"vague {wave} (ligne {self.line})",
            "nl": f"{where}: {self.values} waarde(n) bevatten het veld {self.what} van een bestand van golf "
            f"{wave} (rij {self.line})",
            "en": f"{where}: {self.values} value(s) contain the {self.what} of a file of wave {wave} "
            f"(line {self.line})",
        }[lang] + (more if self.others else "")

    def __str__(self) -> str:
        return self.text("en")


FILE_NAME_COLUMNS = ("file", "source_file")  # survey file names, as sent, in meta and restricted


@dataclass(frozen=True)
class Report:
    findings: list[Finding]
    columns: int
    values: int
    restricted: int
    seconds: float


def _ident(name: str) -> str:
    return '"' + name.replace('"', '""') + '"'


def _ensure_tables(con: duckdb.DuckDBPyConnection) -> None:
    exists = con.execute(  # one lookup: ATTACH and CREATE cost several milliseconds each
        "SELECT count(*) FROM duckdb_tables() WHERE database_name = ? AND table_name = ?",
        [BUILD_STATE, PUBLIC_TEXT.rsplit(".", 1)[1]],
    ).fetchall()
    if exists == [(1,)]:
        return
    build_state(con)
    con.execute(
        f"CREATE TABLE IF NOT EXISTS {RESTRICTED} "
        "(field VARCHAR, source_file VARCHAR, line BIGINT, value VARCHAR)"
    )
    con.execute(f"CREATE TABLE IF NOT EXISTS {PUBLIC_TEXT} (v VARCHAR)")


def collect(con: duckdb.DuckDBPyConnection, relation: str, fields: Iterable[str], source_file: str) -> None:
    """Remember the distinct values of ``fields`` in ``relation`` (with ``_line``) for the guard.

    They are kept in the build's in-memory database (:func:`warehouse.sql.build_state`), seen
    by every cursor of the build's connection: never in the warehouse file."""
    _ensure_tables(con)
    fields = list(fields)
    if not fields:
        return
    values = ", ".join(f"{_ident(f)}::VARCHAR AS {_ident(f)}" for f in fields)
    con.execute(  # one scan; UNPIVOT drops the NULLs
        f"INSERT INTO {RESTRICTED} (field, source_file, line, value) "
        f"SELECT field, ?, min(_line), value FROM (SELECT {values}, _line FROM {relation}) "
        f"UNPIVOT (value FOR field IN ({', '.join(map(_ident, fields))})) "
        f"WHERE length(trim(value)) >= {MIN_LENGTH} GROUP BY field, value",
        [source_file],
    )


def save_collected(con: duckdb.DuckDBPyConnection, source_file: str, path: Path) -> None:
    """Write the values :func:`collect` kept for ``source_file`` to ``path`` (Parquet; the caller
    puts it in a restricted folder): a later build that reuses the file's rows without reading
    it again checks its warehouse against them (:func:`load_collected`)."""
    _ensure_tables(con)
    con.execute(
        f"COPY (SELECT * FROM {RESTRICTED} WHERE source_file = ?) TO {quote_literal(path)} (FORMAT parquet)",
        [source_file],
    )
    restrict(path)


def load_collected(con: duckdb.DuckDBPyConnection, path: Path) -> None:
    """Take back the values :func:`save_collected` wrote."""
    _ensure_tables(con)
    con.execute(f"INSERT INTO {RESTRICTED} SELECT * FROM read_parquet({quote_literal(path)})")


def add_public_text(con: duckdb.DuckDBPyConnection, texts: Iterable[str]) -> None:
    """Public vocabulary (e.g. the codebook's labels): restricted values found in it are not."""
    _ensure_tables(con)
    values = [t for t in set(texts) if t]
    if values:  # one statement: executemany runs one INSERT per value
        con.execute(f"INSERT INTO {PUBLIC_TEXT} (v) SELECT unnest(?::VARCHAR[])", [values])


def varchar_columns(con: duckdb.DuckDBPyConnection, database: str) -> list[tuple[str, str, str, str]]:
    """(schema, table, column, type) of every text-holding column of every table of ``database``."""
    return con.execute(
        "SELECT c.schema_name, c.table_name, c.column_name, c.data_type FROM duckdb_columns() c "
        "JOIN duckdb_tables() t ON t.database_name = c.database_name AND "
        "t.schema_name = c.schema_name AND t.table_name = c.table_name "
        "WHERE c.database_name = ? AND c.data_type LIKE '%VARCHAR%' "
        "ORDER BY c.schema_name, c.table_name, c.column_index",
        [database],
    ).fetchall()


def _is_vocabulary(schema: str, table: str) -> bool:
    return f"{schema}.{table}" in VOCABULARY_TABLES or f"{schema}.*" in VOCABULARY_TABLES


def _has_table(con: duckdb.DuckDBPyConnection, qualified: str) -> bool:
    database, schema, table = qualified.split(".")
    [(n,)] = con.execute(
        "SELECT count(*) FROM duckdb_tables() WHERE database_name = ? AND schema_name = ? AND table_name = ?",
        [database, schema, table],
    ).fetchall()
    return bool(n)


def scan(con: duckdb.DuckDBPyConnection, database: str | None = None) -> Report:
    """Every finding in ``database`` (default: the current one) as a :class:`Report`."""
    started = time.perf_counter()
    if not database:
        [(database,)] = con.execute("SELECT current_database()").fetchall()
    _ensure_tables(con)
    columns = varchar_columns(con, database)
    try:
        findings, values, restricted = _scan(con, database, columns)
    finally:
        for name in (_VALUES, _DISTINCT, _WORDS, _R):
            con.execute(f"DROP TABLE IF EXISTS temp.main.{name}")
    return Report(findings, len(columns), values, restricted, time.perf_counter() - started)


def _scan(
    con: duckdb.DuckDBPyConnection, database: str, columns: list[tuple[str, str, str, str]]
) -> tuple[list[Finding], int, int]:
    rows = dict(
        ((s, t), n)
        for s, t, n in con.execute(
            "SELECT schema_name, table_name, estimated_size FROM duckdb_tables() WHERE database_name = ?",
            [database],
        ).fetchall()
    )
    selects = []  # one scan per table (one per column planned ~400 aggregates)
    for (s, t), numbered in itertools.groupby(enumerate(columns), key=lambda item: item[1][:2]):
        group = list(numbered)
        keys = ", ".join(f'"{i}"' for i, _ in group)
        table = f"{_ident(database)}.{_ident(s)}.{_ident(t)}"
        if rows.get((s, t), 0) >= LARGE_TABLE_ROWS:  # each column's distinct values, then unpivot
            inner = ", ".join(f'list(DISTINCT {_ident(c)}::VARCHAR) AS "{i}"' for i, (_, _, c, _) in group)
            selects.append(
                f"SELECT * FROM (SELECT col::INTEGER AS col, unnest(vs) AS v FROM (SELECT {inner} "
                f"FROM {table}) UNPIVOT (vs FOR col IN ({keys}))) WHERE v IS NOT NULL"
            )
            continue
        inner = ", ".join(f'{_ident(c)}::VARCHAR AS "{i}"' for i, (_, _, c, _) in group)
        selects.append(  # UNPIVOT drops the NULLs
            f"SELECT DISTINCT col::INTEGER AS col, v FROM (SELECT {inner} FROM {table}) "
            f"UNPIVOT (v FOR col IN ({keys}))"
        )
    selects.append(f"SELECT DISTINCT -1 AS col, v FROM {PUBLIC_TEXT} WHERE v IS NOT NULL")
    con.execute(f"CREATE TEMP TABLE {_VALUES} AS " + " UNION ALL ".join(selects))
    [(values,)] = con.execute(f"SELECT count(*) FROM {_VALUES} WHERE col >= 0").fetchall()
    findings = [
        Finding(".".join(columns[col][:2]), columns[col][2], "enterprise number", n)
        for col, n in con.execute(
            f"SELECT col, count(*) FROM {_VALUES} WHERE col >= 0 AND regexp_matches("
            f"regexp_replace(v, ?, '', 'g'), ?) GROUP BY col ORDER BY col",
            [EXAMPLE_NUMBER, ENTERPRISE_NUMBER],
        ).fetchall()
    ]
    [(restricted,)] = con.execute(f"SELECT count(*) FROM {RESTRICTED}").fetchall()
    if restricted:
        findings += _containment(con, columns)
    return findings, values, restricted


def _containment(con: duckdb.DuckDBPyConnection, columns: list[tuple[str, str, str, str]]) -> list[Finding]:
    """Columns with values that contain a restricted value as whole words (see the module doc)."""
    con.execute(
        f"CREATE TEMP TABLE {_DISTINCT} AS SELECT row_number() OVER () AS id, v "
        f"FROM (SELECT DISTINCT v FROM {_VALUES})"
    )
    con.execute(
        f"CREATE TEMP TABLE {_WORDS} AS SELECT DISTINCT id, word FROM (SELECT id, "
        f"unnest(string_split_regex(lower(v), '{_NOT_WORD}')) AS word FROM {_DISTINCT}) "
        "WHERE word <> ''"
    )
    con.execute(
        f"CREATE TEMP TABLE {_R} AS SELECT row_number() OVER () AS rid, * FROM ("
        f"SELECT field, source_file, line, list_filter(string_split_regex(lower(value), "
        f"'{_NOT_WORD}'), lambda x: x <> '') AS words FROM {RESTRICTED}) WHERE len(words) > 0"
    )
    vocabulary = [i for i, (s, t, _, _) in enumerate(columns) if _is_vocabulary(s, t)] + [-1]
    rows = con.execute(
        f"""
        WITH rw AS (SELECT rid, unnest(words) AS word FROM {_R}),
        freq AS (SELECT word, count(*) AS n FROM {_WORDS} GROUP BY word),
        pick AS (SELECT rid, arg_min(word, n) AS word, min(n) AS n FROM
                 (SELECT rw.rid, rw.word, coalesce(freq.n, 0) AS n FROM rw LEFT JOIN freq USING (word))
                 GROUP BY rid),
        hits AS (SELECT p.rid, d.v FROM pick p JOIN {_WORDS} w ON w.word = p.word
                 JOIN {_R} r ON r.rid = p.rid JOIN {_DISTINCT} d ON d.id = w.id
                 WHERE p.n > 0 AND regexp_matches(lower(d.v), '(^|{_NOT_WORD})' ||
                       array_to_string(r.words, '{_NOT_WORD}') || '($|{_NOT_WORD})')),
        located AS (SELECT h.rid, g.col, g.v FROM hits h JOIN {_VALUES} g ON g.v = h.v),
        public AS (SELECT DISTINCT rid FROM located WHERE col IN (SELECT unnest(?::INTEGER[])))
        SELECT l.col, r.field, count(DISTINCT l.v),
               split_part(arg_min(r.source_file, r.source_file || lpad(r.line::VARCHAR, 12, '0')), '/', 1),
               arg_min(r.line, r.source_file || lpad(r.line::VARCHAR, 12, '0')), count(DISTINCT l.rid)
        FROM located l JOIN {_R} r ON r.rid = l.rid
        WHERE l.rid NOT IN (SELECT rid FROM public)
        GROUP BY l.col, r.field ORDER BY l.col, r.field""",
        [vocabulary],
    ).fetchall()
    return [
        Finding(".".join(columns[col][:2]), columns[col][2], field, n, wave, line, others - 1)
        for col, field, n, wave, line, others in rows
    ]


def enforce(con: duckdb.DuckDBPyConnection) -> Report:
    """Scan the database being built; raise :class:`PrivacyGuardError` on any finding, else
    record ``meta.privacy_guard`` in it."""
    report = scan(con)
    if report.findings:
        shown, hidden = report.findings[:10], len(report.findings) - 10

        def listed(lang: str) -> str:
            more = {
                "fr": " ; et {n} autre(s) colonne(s)",
                "nl": "; en nog {n} kolom(men)",
                "en": "; and {n} more column(s)",
            }
            return ("; " if lang != "fr" else " ; ").join(f.text(lang) for f in shown) + (
                more[lang].format(n=hidden) if hidden > 0 else ""
            )

        rename = {
            "fr": "Le nom du fichier contient un numéro d'entreprise ou le nom d'une association : "
            "renommez le fichier (par exemple kobo_2024.csv) et chargez-le à nouveau.",
            "nl": "De bestandsnaam bevat een ondernemingsnummer of de naam van een vereniging: "
            "hernoem het bestand (bijvoorbeeld kobo_2024.csv) en laad het opnieuw.",
            "en": "The file's name holds an enterprise number or an association's name: rename the "
            "file (for example kobo_2024.csv) and ingest it again.",
        }
        shifted = {
            "fr": "Vérifiez si des colonnes des exports sont décalées (les lignes et les valeurs sont "
            "dans la zone de dépôt, jamais dans l'entrepôt), corrigez-les et chargez-les à nouveau.",
            "nl": "Controleer de exports op verschoven kolommen (de rijen en waarden staan in de "
            "aanleverzone, nooit in het datawarehouse), corrigeer ze en laad ze opnieuw.",
            "en": "Check the exports for shifted columns (the rows and values are in the landing "
            "area, never in the warehouse), correct them and ingest again.",
        }
        advice = ([rename] if any(f.in_file_name for f in shown) else []) + (
            [shifted] if not all(f.in_file_name for f in shown) else []
        )
        fix = {lang: " ".join(a[lang] for a in advice) for lang in ("fr", "nl", "en")}
        raise PrivacyGuardError(
            "contrôle de confidentialité : le nouvel entrepôt contiendrait des données restreintes "
            "(numéros d'entreprise, noms ou texte libre) ; il n'a pas été mis en place et le précédent "
            f"est inchangé : {listed('fr')}. {fix['fr']}",
            "privacycontrole: het nieuwe datawarehouse zou beschermde gegevens bevatten "
            "(ondernemingsnummers, namen of vrije tekst); het is niet in gebruik genomen en het vorige "
            f"is ongewijzigd: {listed('nl')}. {fix['nl']}",
            "privacy guard: the new warehouse would hold restricted data (enterprise numbers, "
            f"names or free text), so it was not swapped in and the previous one is unchanged: "
            f"{listed('en')}. {fix['en']}",
        )
    [(current,)] = con.execute("SELECT current_database()").fetchall()
    if _has_table(con, f"{current}.meta.privacy_guard"):
        con.execute(
            "INSERT INTO meta.privacy_guard (guard_version, checked_at, columns_scanned, values_scanned, "
            "restricted_values, seconds) VALUES (?, now()::TIMESTAMP, ?, ?, ?, ?)",
            [GUARD_VERSION, report.columns, report.values, report.restricted, round(report.seconds, 3)],
        )
    return report


def is_stamped(con: duckdb.DuckDBPyConnection, database: str) -> bool:
    """Whether ``database`` was written by a build that passed this guard (or a newer one)."""
    if not _has_table(con, f"{database}.meta.privacy_guard"):
        return False
    [(n,)] = con.execute(
        f"SELECT count(*) FROM {_ident(database)}.meta.privacy_guard WHERE guard_version >= ?",
        [GUARD_VERSION],
    ).fetchall()
    return bool(n)
