"""Belgian enterprise numbers: normalisation, check digits and keyed pseudonyms (HMAC-SHA256).

The list of Belgian ASBL/VZW numbers is public, so a plain hash would be reversible: the
pseudonym is an HMAC keyed with a secret kept outside the warehouse.
"""

from __future__ import annotations

import hashlib
import hmac
import os
import secrets
import warnings
from pathlib import Path

import pandas as pd

KEY_ENV = "SECTOR_MONITOR_PSEUDONYM_KEY"
_SEPARATORS = r"[\s.\-/]"


def check_digits_ok(digits: pd.Series) -> pd.Series:
    """Vectorised mod-97 check of 10-digit strings: last two = 97 - (first eight mod 97)."""
    head = pd.to_numeric(digits.str.slice(0, 8), errors="coerce")
    tail = pd.to_numeric(digits.str.slice(8, 10), errors="coerce")
    return (97 - head % 97 == tail).fillna(False).astype(bool)


def normalise_enterprise_numbers(values: pd.Series) -> tuple[pd.Series, pd.Series, pd.Series]:
    """Vectorised normalisation of a Series.

    Returns ``(numbers, well_formed, check_ok)``: the 10-digit strings (missing where the input
    is not 9/10 digits after removing ``BE``, spaces, dots and dashes), and two boolean masks.
    """
    text = values.astype("str").str.strip().str.upper()
    text = text.str.replace(r"^BE", "", regex=True).str.replace(_SEPARATORS, "", regex=True)
    well_formed = text.str.fullmatch(r"[01]?\d{9}").fillna(False).astype(bool) & values.notna()
    padded = text.where(well_formed).str.zfill(10)
    ok = check_digits_ok(padded.fillna("")) & well_formed
    return padded.where(ok), well_formed, ok


def normalise_enterprise_number(s: str) -> str:
    """Return the 10-digit form of a Belgian enterprise number; ValueError when it is not one."""
    numbers, well_formed, ok = normalise_enterprise_numbers(pd.Series([s], dtype="str"))
    if not well_formed.iloc[0]:
        raise ValueError(f"{s!r} is not a Belgian enterprise number (10 digits, e.g. 0123.456.789)")
    if not ok.iloc[0]:
        raise ValueError(f"{s!r}: wrong check digits (the last two digits do not match)")
    return str(numbers.iloc[0])


def pseudonymise(number: str | pd.Series, key: bytes) -> str | pd.Series:
    """HMAC-SHA256 hex pseudonym of a normalised number (or of each value of a Series)."""
    if isinstance(number, pd.Series):
        uniques = number.dropna().unique()
        table = {value: pseudonymise(str(value), key) for value in uniques}
        return number.map(table)
    return hmac.new(key, number.encode("ascii"), hashlib.sha256).hexdigest()


def load_key(key_file: Path) -> bytes:
    """The pseudonymisation key: env var first, else the key file, else a new key file (0600)."""
    from_env = os.environ.get(KEY_ENV)
    if from_env:
        return from_env.encode("utf-8")
    key_file = Path(key_file)
    if key_file.exists():
        return key_file.read_bytes()
    key_file.parent.mkdir(parents=True, exist_ok=True)
    key = secrets.token_bytes(32)
    descriptor = os.open(key_file, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    with os.fdopen(descriptor, "wb") as handle:
        handle.write(key)
    message = (
        f"Created a new pseudonymisation key in {key_file}. Back it up somewhere safe: "
        "without it, pseudonyms of later survey waves will not match earlier ones."
    )
    warnings.warn(message, UserWarning, stacklevel=2)
    return key
