"""Belgian enterprise numbers: normalisation, check digits and keyed pseudonyms (HMAC-SHA256).

The list of Belgian ASBL/VZW numbers is public, so a plain hash would be reversible: the
pseudonym is an HMAC keyed with a secret kept outside the warehouse. Normalisation and the HMAC
are SQL expressions (run by DuckDB over the whole column); :func:`pseudonymise` is the same HMAC
in Python, the reference the SQL is tested against.
"""

from __future__ import annotations

import hashlib
import hmac
import os
import secrets
import warnings
from dataclasses import dataclass
from pathlib import Path

import duckdb

from core.errors import ExplainedWarning
from core.settings import settings
from warehouse.private import private_dir
from warehouse.sql import quote_literal

_SEPARATORS = r"[\s\x{00a0}\x{202f}.\-/]"
_BLOCK = 64  # SHA-256 block size (RFC 2104)


@dataclass(frozen=True)
class EnterpriseNumberSQL:
    """SQL expressions over one text column holding enterprise numbers."""

    number: str  # the 10-digit form (meaningful where well_formed)
    well_formed: str  # 9 or 10 digits after removing "BE", spaces, dots, dashes and slashes
    check_ok: str  # well formed and the last two digits = 97 - (first eight mod 97)


def enterprise_number_sql(text: str) -> EnterpriseNumberSQL:
    """Normalisation and mod-97 check of ``text`` as SQL (see :class:`EnterpriseNumberSQL`)."""
    digits = f"regexp_replace(regexp_replace(upper(trim({text})), '^BE', ''), '{_SEPARATORS}', '', 'g')"
    number = f"lpad({digits}, 10, '0')"
    well_formed = f"coalesce(regexp_full_match({digits}, '[01]?[0-9]{{9}}'), false)"
    check = f"(97 - TRY_CAST(left({number}, 8) AS BIGINT) % 97 = TRY_CAST(right({number}, 2) AS BIGINT))"
    return EnterpriseNumberSQL(number, well_formed, f"({well_formed} AND coalesce({check}, false))")


def normalise_enterprise_number(s: str) -> str:
    """Return the 10-digit form of a Belgian enterprise number; ValueError when it is not one."""
    sql = enterprise_number_sql("$s")
    [(number, well_formed, ok)] = duckdb.execute(
        f"SELECT {sql.number}, {sql.well_formed}, {sql.check_ok}", {"s": s}
    ).fetchall()
    if not well_formed:
        raise ValueError(f"{s!r} is not a Belgian enterprise number (10 digits, e.g. 0123.456.789)")
    if not ok:
        raise ValueError(f"{s!r}: wrong check digits (the last two digits do not match)")
    return number


def pseudonymise(number: str, key: bytes) -> str:
    """HMAC-SHA256 hex pseudonym of a normalised number."""
    return hmac.new(key, number.encode("ascii"), hashlib.sha256).hexdigest()


def pseudonym_sql(text: str, key: bytes) -> str:
    """SQL computing :func:`pseudonymise` of ``text``: H(K ^ opad || H(K ^ ipad || m))."""
    block = (hashlib.sha256(key).digest() if len(key) > _BLOCK else key).ljust(_BLOCK, b"\0")
    inner = bytes(b ^ 0x36 for b in block).hex()
    outer = bytes(b ^ 0x5C for b in block).hex()
    inner_hash = f"sha256(unhex({quote_literal(inner)}) || encode({text}))"
    return f"sha256(unhex({quote_literal(outer)}) || unhex({inner_hash}))"


def load_key(key_file: Path) -> bytes:
    """The pseudonymisation key: env var first, else the key file, else a new key file (0600)."""
    from_env = settings().pseudonym_key
    if from_env:
        return from_env
    key_file = Path(key_file)
    if key_file.exists():
        return key_file.read_bytes()
    private_dir(key_file.parent)  # secrets/: 0700
    key = secrets.token_bytes(32)
    descriptor = os.open(key_file, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    with os.fdopen(descriptor, "wb") as handle:
        handle.write(key)
    warning = ExplainedWarning(
        f"Nouvelle clé de pseudonymisation créée dans {key_file}. Sauvegardez-la en lieu sûr : sans "
        "elle, les pseudonymes des vagues suivantes de l'enquête ne correspondront plus aux précédents.",
        f"Nieuwe pseudonimiseringssleutel aangemaakt in {key_file}. Bewaar er een reservekopie van op "
        "een veilige plek: zonder die sleutel komen de pseudoniemen van latere enquêtegolven niet meer "
        "overeen met de vorige.",
        f"Created a new pseudonymisation key in {key_file}. Back it up somewhere safe: "
        "without it, pseudonyms of later survey waves will not match earlier ones.",
    )
    warnings.warn(warning, stacklevel=2)
    return key
