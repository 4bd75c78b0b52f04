"""A sampling frame from the enterprise register: KBO/BCE open data (FOD Economie / SPF Economie).

:func:`kbo_frame` reads an extract (a folder or a zip; a full extract with ``enterprise.csv``,
``address.csv``, ``activity.csv``, ``meta.csv``, or a daily update with their ``*_insert.csv``)
and counts the associations of the frame's definition (see ``kbo_frame.yaml``: legal forms,
postal codes of the registered office, main NACE code -> subsector, employer status from
activity group 006) by subsector. Only the enterprise, address, activity and meta tables are
read, never the names (``denomination``) or contacts; nothing of an enterprise is kept but its
counts. The extract's files are parsed by DuckDB (a full extract is ~2 million enterprises).

Format (from the real files): comma-separated, values quoted except dates (``DD-MM-YYYY``) and
empty values, UTF-8 without BOM; enterprise numbers ``0123.456.789``.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import tempfile
import zipfile
from dataclasses import dataclass, field
from pathlib import Path

import duckdb

from core.errors import Explained
from core.yamlfile import read_yaml
from etl.snapshots import sha256_file
from etl.survey.codebook import CODEBOOK
from warehouse.sql import quote_literal

MAPPING = Path(__file__).with_name("kbo_frame.yaml")
TABLES = ("enterprise", "address", "activity", "meta")
SUBSECTORS = CODEBOOK.lists["subsector"].codes
EXCLUDE = "exclude"


class KboFormatError(Explained, ValueError):
    """Not a KBO/BCE open-data extract (or one missing a table the frame needs), or a mapping
    that names an unknown subsector: what is wrong and what to do, in fr, nl and en."""


@dataclass(frozen=True)
class Mapping:
    legal_forms: dict[str, str]
    postal_codes: tuple[int, int]
    region: str
    nace: dict[str, dict[str, str]]  # NACE version -> code prefix -> subsector or "exclude"
    definition: dict[str, str]
    path: Path

    @classmethod
    def load(cls, path: Path = MAPPING) -> Mapping:
        data = read_yaml(Path(path))
        nace = {
            str(v): {str(k).replace(".", ""): s for k, s in codes.items()}
            for v, codes in data["nace"].items()
        }
        bad = sorted({s for codes in nace.values() for s in codes.values()} - set(SUBSECTORS) - {EXCLUDE})
        if bad:
            unknown, codes = ", ".join(bad), ", ".join([*SUBSECTORS, EXCLUDE])
            raise KboFormatError.about(
                path,
                f"sous-secteur(s) inconnu(s) {unknown} ; utilisez les codes du questionnaire : {codes}.",
                f"onbekende subsector(en) {unknown}; gebruik de codes van de vragenlijst: {codes}.",
                f"unknown subsector(s) {unknown}; use the questionnaire's codes: {codes}.",
            )
        low, high = data["postal_codes"]
        return cls(
            {str(k): v for k, v in data["legal_forms"].items()},
            (int(low), int(high)),
            data.get("region", "brussels"),
            nace,
            data["definition"],
            Path(path),
        )


@dataclass
class KboFrame:
    """Counts per subsector (and how many of them employ staff), with the extract's provenance."""

    cells: list[dict]  # subsector, n_associations, n_employers
    extract_type: str  # full | update
    snapshot_date: dt.date | None
    extract_number: str | None
    in_scope: int  # active legal persons of those forms with their seat in the postal codes
    unmapped: int  # of which no MAIN activity, or a code the mapping does not list
    excluded: int  # of which a code the mapping excludes
    by_version: dict[str, int] = field(default_factory=dict)  # NACE version used -> associations
    warnings: list[dict[str, str]] = field(default_factory=list)  # each in fr, nl and en
    sha256: str = ""  # of the tables read (or of the zip)

    @property
    def total(self) -> int:
        return sum(c["n_associations"] for c in self.cells)


def is_extract(source: Path) -> bool:
    """Whether ``source`` is given as a KBO/BCE extract, a folder or a zip (a frame CSV is
    neither); :func:`kbo_frame` says what is missing from one that is not complete."""
    return source.is_dir() or zipfile.is_zipfile(source)


def _members(source: Path, folder: Path) -> dict[str, Path]:
    """Table name -> CSV file of the extract (``x.csv`` or ``x_insert.csv``), unzipped if needed."""
    if source.is_file() and zipfile.is_zipfile(source):
        with zipfile.ZipFile(source) as archive:
            wanted = [
                n
                for n in archive.namelist()
                if Path(n).stem.removesuffix("_insert") in TABLES and n.endswith(".csv")
            ]
            for name in wanted:
                archive.extract(name, folder)
        source = folder
    if not source.is_dir():
        raise KboFormatError.about(
            source,
            "donnez le dossier ou le zip d'un extrait BCE/KBO (Open Data).",
            "geef de map of de zip van een KBO/BCE-uittreksel (Open Data).",
            "give the folder or the zip of a KBO/BCE open-data extract.",
        )
    found: dict[str, Path] = {}
    for path in sorted(source.rglob("*.csv")):
        stem = path.stem.lower()
        for table in TABLES:
            if stem in (table, f"{table}_insert"):
                found.setdefault(table, path)
    missing = [t for t in ("enterprise", "address") if t not in found]
    if missing:
        files = ", ".join(m + ".csv" for m in missing)
        raise KboFormatError.about(
            source,
            f"pas un extrait BCE/KBO (il manque {files}).",
            f"geen KBO/BCE-uittreksel ({files} ontbreekt).",
            f"not a KBO/BCE open-data extract (no {files}).",
        )
    return found


def _read(con: duckdb.DuckDBPyConnection, name: str, path: Path) -> None:
    """A table of the extract, every column text (codes keep their leading zeros)."""
    con.execute(
        f"CREATE TABLE {name} AS SELECT * FROM read_csv({quote_literal(str(path))}, header=true, "
        "delim=',', quote='\"', escape='\"', all_varchar=true)"
    )


def _meta(con: duckdb.DuckDBPyConnection, found: dict[str, Path]) -> dict[str, str]:
    if "meta" not in found:
        return {}
    _read(con, "kbo_meta", found["meta"])
    return dict(con.execute('SELECT "Variable", "Value" FROM kbo_meta').fetchall())


def _date(text: str | None) -> dt.date | None:
    try:
        return dt.datetime.strptime(text or "", "%d-%m-%Y").date()
    except ValueError:
        return None


def kbo_frame(source: Path, mapping: Mapping | None = None, employers_only: bool = False) -> KboFrame:
    """Count the frame's associations in the extract at ``source`` (see the module docstring)."""
    mapping = mapping or Mapping.load()
    con = duckdb.connect()
    with tempfile.TemporaryDirectory(prefix="kbo-") as tmp:
        found = _members(Path(source), Path(tmp))
        digest = (
            sha256_file(Path(source))
            if Path(source).is_file()
            else hashlib.sha256(
                "".join(f"{t}:{sha256_file(p)};" for t, p in sorted(found.items())).encode()
            ).hexdigest()
        )
        meta = _meta(con, found)
        for table in ("enterprise", "address", "activity"):
            if table in found:
                _read(con, f"kbo_{table}", found[table])
        if "activity" not in found:
            con.execute(
                'CREATE TABLE kbo_activity ("EntityNumber" VARCHAR, "ActivityGroup" VARCHAR, '
                '"NaceVersion" VARCHAR, "NaceCode" VARCHAR, "Classification" VARCHAR)'
            )
    forms = ", ".join(quote_literal(f) for f in mapping.legal_forms)
    low, high = mapping.postal_codes
    prefixes = [
        (version, prefix, subsector)
        for version, codes in mapping.nace.items()
        for prefix, subsector in codes.items()
    ]
    con.execute("CREATE TABLE kbo_map (version VARCHAR, prefix VARCHAR, subsector VARCHAR)")
    con.executemany("INSERT INTO kbo_map (version, prefix, subsector) VALUES (?, ?, ?)", prefixes)
    rows = con.execute(f"""
        WITH ent AS (
            SELECT DISTINCT "EnterpriseNumber" AS id FROM kbo_enterprise
            WHERE "Status" = 'AC' AND "TypeOfEnterprise" = '2' AND "JuridicalForm" IN ({forms})),
        seat AS (
            SELECT DISTINCT "EntityNumber" AS id FROM kbo_address
            WHERE "TypeOfAddress" = 'REGO' AND coalesce("DateStrikingOff", '') = ''
              AND TRY_CAST("Zipcode" AS INTEGER) BETWEEN {low} AND {high}),
        act AS (
            SELECT "EntityNumber" AS id, "ActivityGroup" AS grp, "NaceVersion" AS version,
                   replace("NaceCode", '.', '') AS code, "Classification" AS class
            FROM kbo_activity),
        main AS (
            SELECT id, arg_min(code, (CASE version WHEN '2025' THEN 0 WHEN '2008' THEN 1 ELSE 2 END,
                                      CASE grp WHEN '006' THEN 0 ELSE 1 END, code)) AS code,
                       arg_min(version, (CASE version WHEN '2025' THEN 0 WHEN '2008' THEN 1 ELSE 2 END,
                                         CASE grp WHEN '006' THEN 0 ELSE 1 END, code)) AS version
            FROM act WHERE class = 'MAIN' AND version IN ('2025', '2008') GROUP BY id),
        employer AS (SELECT DISTINCT id FROM act WHERE grp = '006'),
        scope AS (
            SELECT e.id, m.code, m.version, emp.id IS NOT NULL AS employer
            FROM ent e JOIN seat USING (id) LEFT JOIN main m USING (id) LEFT JOIN employer emp USING (id)),
        mapped AS (
            SELECT s.*, (SELECT subsector FROM kbo_map k WHERE k.version = s.version
                         AND starts_with(s.code, k.prefix) ORDER BY length(k.prefix) DESC LIMIT 1)
                   AS subsector
            FROM scope s)
        SELECT coalesce(subsector, 'unmapped') AS subsector, version, employer, count(*) AS n
        FROM mapped {"WHERE employer" if employers_only else ""} GROUP BY ALL""").fetchall()
    con.close()
    counts: dict[str, dict[str, int]] = {}
    by_version: dict[str, int] = {}
    for subsector, version, employer, n in rows:
        cell = counts.setdefault(subsector, {"n_associations": 0, "n_employers": 0})
        cell["n_associations"] += n
        cell["n_employers"] += n if employer else 0
        if subsector not in ("unmapped", EXCLUDE):
            by_version[version] = by_version.get(version, 0) + n
    extract_type = meta.get(
        "ExtractType", "full" if any(p.stem.lower() == "enterprise" for p in found.values()) else "update"
    )
    frame = KboFrame(
        [{"subsector": s, **counts[s]} for s in SUBSECTORS if s in counts],
        extract_type,
        _date(meta.get("SnapshotDate")),
        meta.get("ExtractNumber"),
        sum(c["n_associations"] for c in counts.values()),
        counts.get("unmapped", {}).get("n_associations", 0),
        counts.get(EXCLUDE, {}).get("n_associations", 0),
        by_version,
        sha256=digest,
    )
    if extract_type == "update":
        frame.warnings.append(
            {
                "fr": "c'est un extrait de mise à jour quotidienne : il ne compte que les entreprises que "
                "la mise à jour ajoute, pas la population ; chargez un extrait complet pour une base de "
                "sondage",
                "nl": "dit is een dagelijks bijwerkingsuittreksel: het telt alleen de ondernemingen die de "
                "bijwerking toevoegt, niet de populatie; laad een volledig uittreksel voor een "
                "steekproefkader",
                "en": "this is a daily update extract: it counts only the enterprises the update inserts, "
                "not the population; load a full extract for a frame",
            }
        )
    if "activity" not in found:
        frame.warnings.append(
            {
                "fr": "l'extrait n'a pas de table des activités : aucune association ne peut être classée",
                "nl": "het uittreksel heeft geen activiteitentabel: geen enkele vereniging kan worden "
                "ingedeeld",
                "en": "the extract has no activity table: no association can be mapped",
            }
        )
    return frame
