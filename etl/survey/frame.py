"""Sampling frame: number of associations per subsector x size class (x optional region).

Frame CSV columns: ``subsector`` (codebook code), ``size_class`` (see :data:`core.codes.SIZE_CLASSES`; empty
for a subsector margin, e.g. from the enterprise register, which holds no headcounts), optional
``region`` (codebook code), ``n_associations`` (positive integer), optional ``n_employers`` (how
many of them employ paid staff) and an optional ``status`` (``observed``, ``register`` or
``illustrative``); lines starting with ``#`` are comments. The shipped ``demo_frame.csv`` is
ILLUSTRATIVE: its cells are invented, only its total is anchored on a published figure (see the
file's comments).

The frame a build uses, and where it comes from (:class:`FrameSource`: source, date,
definition, status ``illustrative`` or ``register``), is published as ``public.sampling_frame``.
``sector-monitor survey frame`` stores a real frame (from counts or from a KBO/BCE extract, see
:mod:`etl.survey.kbo`) in the landing area as ``frame.csv`` with its provenance ``frame.json``.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
import math
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING

from core.codes import SIZE_CLASSES
from core.errors import Explained
from core.i18n import LANGUAGES
from etl.survey.codebook import CODEBOOK, Codebook

if TYPE_CHECKING:
    import pandas as pd

DEMO_FRAME = Path(__file__).with_name("demo_frame.csv")
STATUSES = ("observed", "register", "illustrative")
FRAME_STATUSES = ("illustrative", "register")  # of a frame as a whole (public.sampling_frame)


def size_class(staff_fte: float) -> str:
    """Size class of an association from its paid staff in FTE (0-<5, 5-<20, 20-<50, 50+)."""
    if staff_fte is None or not staff_fte >= 0:
        raise ValueError(f"staff_fte must be a number >= 0, got {staff_fte!r}")
    return next(name for name, c in SIZE_CLASSES.items() if c.low <= staff_fte < c.high)


def size_class_sql(staff_fte: str) -> str:
    """SQL form of :func:`size_class` over a DOUBLE expression (NULL stays NULL)."""
    cases = " ".join(
        f"WHEN {staff_fte} < {c.high} THEN '{name}'" for name, c in SIZE_CLASSES.items() if c.high != math.inf
    )
    largest = list(SIZE_CLASSES)[-1]
    return f"(CASE WHEN {staff_fte} IS NULL OR {staff_fte} < 0 THEN NULL {cases} ELSE '{largest}' END)"


class FrameFileError(Explained, ValueError):
    """A frame CSV that cannot be used: every problem, with its lines, in fr, nl and en."""


def _refused(path: Path, problems: list[dict[str, str]]) -> FrameFileError:
    """The error naming every problem of the frame CSV at ``path``."""
    return FrameFileError.about(path, *("; ".join(p[lang] for p in problems) for lang in LANGUAGES))


COLUMNS_HINT = {
    "fr": "un CSV de base de sondage a les colonnes subsector, size_class, n_associations et, au besoin, "
    "region, n_employers, status",
    "nl": "een CSV van het steekproefkader heeft de kolommen subsector, size_class, n_associations en "
    "eventueel region, n_employers, status",
    "en": "a frame CSV has the columns subsector, size_class, n_associations and, optionally, region, "
    "n_employers, status",
}


def _data_lines(path: Path) -> list[int]:
    """The line number in the file of each data row ``pandas.read_csv(comment="#")`` returns:
    comment and blank lines are skipped, the first other line is the header."""
    with Path(path).open(encoding="utf-8", errors="replace") as handle:
        numbers = [n for n, line in enumerate(handle, 1) if line.strip() and not line.startswith("#")]
    return numbers[1:]


def load_frame(path: Path = DEMO_FRAME, codebook: Codebook = CODEBOOK) -> pd.DataFrame:
    """Read and check a frame CSV; ``attrs['illustrative']`` is True if any cell is illustrative.
    Raises :class:`FrameFileError`."""
    import pandas as pd  # here, not at the top: reading an export needs no pandas

    try:
        frame = pd.read_csv(path, comment="#", dtype=str, keep_default_na=False)
    except (ValueError, OSError) as exc:  # not text, not CSV, a folder...
        raise FrameFileError.about(
            path,
            f"illisible comme CSV en UTF-8 séparé par des virgules ({COLUMNS_HINT['fr']}) : {exc}",
            f"onleesbaar als CSV in UTF-8 met komma's ({COLUMNS_HINT['nl']}): {exc}",
            f"cannot be read as a comma-separated UTF-8 CSV ({COLUMNS_HINT['en']}): {exc}",
        ) from exc
    missing = [c for c in ("subsector", "size_class", "n_associations") if c not in frame]
    if missing:
        names = ", ".join(missing)
        raise FrameFileError.about(
            path,
            f"colonne(s) absente(s) : {names} ({COLUMNS_HINT['fr']})",
            f"ontbrekende kolom(men): {names} ({COLUMNS_HINT['nl']})",
            f"missing column(s): {names} ({COLUMNS_HINT['en']})",
        )
    checks = {
        "subsector": ~frame["subsector"].isin(codebook.lists["subsector"].codes),
        "size_class": ~frame["size_class"].isin([*SIZE_CLASSES, ""]),
        "n_associations": ~frame["n_associations"].str.fullmatch(r"\d{1,9}"),  # a count, not an overflow
    }
    if "n_employers" in frame:
        checks["n_employers"] = ~frame["n_employers"].str.fullmatch(r"\d{0,9}")
    if "region" in frame:
        checks["region"] = ~frame["region"].isin(codebook.lists["region"].codes)
    if "status" in frame:
        checks["status"] = ~frame["status"].isin(STATUSES)
    problems = []
    lines = _data_lines(path)
    for column, bad in checks.items():
        if bad.any():
            found = [lines[i] for i in bad[bad].index]
            rows = ", ".join(map(str, found[:5]))
            more = len(found) - 5
            problems.append(
                {
                    "fr": f"valeur invalide de {column} (ligne(s) {rows}"
                    + (f" et {more} autre(s))" if more > 0 else ")"),
                    "nl": f"ongeldige waarde van {column} (regel(s) {rows}"
                    + (f" en {more} andere)" if more > 0 else ")"),
                    "en": f"bad {column} on line(s) {rows}" + (f" and {more} more" if more > 0 else ""),
                }
            )
    keys = ", ".join(["subsector", "size_class"] + (["region"] if "region" in frame else []))
    if frame.duplicated(keys.split(", ")).any():
        problems.append(
            {
                "fr": f"cellules en double ({keys})",
                "nl": f"dubbele cellen ({keys})",
                "en": f"duplicate cells: {keys}",
            }
        )
    if frame["size_class"].eq("").any() and not frame["size_class"].eq("").all():
        problems.append(
            {
                "fr": "size_class doit être donné sur toutes les lignes ou sur aucune "
                "(marges par sous-secteur)",
                "nl": "size_class moet op alle rijen of op geen enkele rij staan (marges per subsector)",
                "en": "size_class must be given on every row or on none (subsector margins)",
            }
        )
    if problems:
        raise _refused(path, problems)
    frame["size_class"] = frame["size_class"].replace("", None)
    frame["n_associations"] = frame["n_associations"].astype("int64")
    if "n_employers" in frame:
        frame["n_employers"] = pd.to_numeric(frame["n_employers"].replace("", None)).astype("Int64")
    frame.attrs["illustrative"] = bool("status" in frame and frame["status"].eq("illustrative").any())
    return frame


@dataclass(frozen=True)
class FrameSource:
    """Where a frame comes from, published with it (``public.sampling_frame``)."""

    status: str  # illustrative | register
    source: dict[str, str]  # fr/nl/en: who counted what, e.g. "KBO/BCE Open Data, FOD Economie"
    source_date: str | None  # ISO date of the data (the extract's snapshot date)
    definition: dict[str, str]  # fr/nl/en: who is counted
    kind: str = "counts"  # counts | kbo | demo
    sha256: str = ""  # of the input (file, or the extract's tables)
    loaded_at: str | None = None
    loaded_by: str | None = None
    details: dict = field(default_factory=dict)  # kbo: in scope, unmapped, excluded, versions

    def to_json(self) -> str:
        return json.dumps(asdict(self), ensure_ascii=False, indent=2)

    @classmethod
    def from_json(cls, text: str) -> FrameSource:
        data = json.loads(text)
        return cls(**{k: v for k, v in data.items() if k in cls.__dataclass_fields__})


DEMO_SOURCE = FrameSource(
    status="illustrative",
    source={
        "fr": "cadre de démonstration aux cellules inventées, dont seul le total (5 165 ISBL "
        "bruxelloises employeuses, compte satellite 2017 de la BNB) est réel ; les "
        "chiffres pondérés sont donc illustratifs",
        "nl": "demonstratiekader met verzonnen cellen, waarvan enkel het totaal (5.165 Brusselse "
        "vzw's met personeel, satellietrekening 2017 van de NBB) echt is; de gewogen "
        "cijfers zijn dus illustratief",
        "en": "a demonstration frame with invented cells, of which only the total (5,165 Brussels "
        "non-profits with paid staff, NBB satellite account 2017) is real; the weighted "
        "figures are therefore illustrative",
    },
    source_date=None,
    definition={
        "fr": "Institutions sans but lucratif de la Région de Bruxelles-Capitale employant du "
        "personnel, toutes branches (pas seulement le secteur social), réparties "
        "arbitrairement par sous-secteur et taille.",
        "nl": "Instellingen zonder winstoogmerk in het Brussels Hoofdstedelijk Gewest met "
        "personeel, alle branches (niet enkel de sociale sector), willekeurig verdeeld "
        "over deelsectoren en grootte.",
        "en": "Non-profit institutions of the Brussels-Capital Region with paid staff, all "
        "branches (not only the social sector), split arbitrarily by subsector and size.",
    },
    kind="demo",
)


def frame_source_of(frame_path: Path, frame: pd.DataFrame) -> FrameSource:
    """The provenance of ``frame_path``: its ``.json`` sidecar, the demo's, or (a frame dropped
    in the landing area without one) what its cells say."""
    if frame_path == DEMO_FRAME:
        return DEMO_SOURCE
    sidecar = frame_path.with_suffix(".json")
    if sidecar.exists():
        return FrameSource.from_json(sidecar.read_text(encoding="utf-8"))
    status = "illustrative" if frame.attrs.get("illustrative") else "register"
    unknown = {
        "fr": f"{frame_path.name} déposé dans la zone réservée, sans provenance",
        "nl": f"{frame_path.name} in de afgeschermde zone geplaatst, zonder herkomst",
        "en": f"{frame_path.name} placed in the landing area, no provenance recorded",
    }
    return FrameSource(status, unknown, None, unknown, sha256=sha256_text(frame_path.read_bytes()))


def sha256_text(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def frame_csv(cells: list[dict], status: str, comment: str) -> str:
    """A frame CSV (see the module docstring) of ``cells`` (subsector, size_class, region,
    n_associations, n_employers)."""
    lines = [f"# {line}" for line in comment.splitlines()]
    lines.append("subsector,size_class,region,n_associations,n_employers,status")
    for c in cells:
        employers = c.get("n_employers")
        lines.append(
            f"{c['subsector']},{c.get('size_class') or ''},{c.get('region') or ''},"
            f"{int(c['n_associations'])},{'' if employers is None else int(employers)},"
            f"{'illustrative' if status == 'illustrative' else 'register'}"
        )
    return "\n".join(lines) + "\n"


def now_iso() -> str:
    return dt.datetime.now(dt.UTC).isoformat(timespec="seconds")
