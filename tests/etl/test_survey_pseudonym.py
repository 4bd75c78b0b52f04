"""Enterprise-number normalisation, check digits, keyed pseudonyms and key handling."""

from __future__ import annotations

import stat

import duckdb
import pytest

from etl.survey.pseudonym import (
    load_key,
    normalise_enterprise_number,
    pseudonym_sql,
    pseudonymise,
)


@pytest.mark.parametrize(
    "text",
    [
        "0123456749",
        "0123.456.749",
        "BE0123456749",
        "BE 0123 456 749",
        "123456749",
        " be0123.456.749 ",
    ],
)
def test_accepted_spellings_normalise_to_ten_digits(text):
    assert normalise_enterprise_number(text) == "0123456749"


@pytest.mark.parametrize(
    ("text", "reason"),
    [
        ("0123456748", "check digits"),
        ("12345", "not a Belgian"),
        ("2123456749", "not a Belgian"),
        ("BE01234567490", "not a Belgian"),
    ],
)
def test_bad_numbers_raise(text, reason):
    with pytest.raises(ValueError, match=reason):
        normalise_enterprise_number(text)


def test_pseudonym_is_keyed_stable_and_sql_matches_python_hmac():
    one = pseudonymise("0123456749", b"k1")
    assert len(one) == 64 and one == pseudonymise("0123456749", b"k1")
    assert one != pseudonymise("0123456749", b"k2")
    numbers = ["0123456749", None, "0999937960"]
    for key in (b"k1", b"\x00\xff" * 16, b"a-key-longer-than-one-sha256-block-" * 3):
        got = duckdb.execute(
            f"SELECT {pseudonym_sql('x', key)} FROM unnest(?) WITH ORDINALITY AS t(x, i) ORDER BY i",
            [numbers],
        ).fetchall()
        assert [g for (g,) in got] == [pseudonymise(numbers[0], key), None, pseudonymise(numbers[2], key)]


def test_key_env_wins_over_file(tmp_path, monkeypatch):
    key_file = tmp_path / "key"
    key_file.write_bytes(b"from-file")
    monkeypatch.setenv("SECTOR_MONITOR_PSEUDONYM_KEY", "from-env")
    assert load_key(key_file) == b"from-env"
    monkeypatch.delenv("SECTOR_MONITOR_PSEUDONYM_KEY")
    assert load_key(key_file) == b"from-file"


def test_missing_key_file_is_created_private_with_a_warning(tmp_path, monkeypatch):
    monkeypatch.delenv("SECTOR_MONITOR_PSEUDONYM_KEY", raising=False)
    key_file = tmp_path / "secrets" / "pseudonym.key"
    with pytest.warns(UserWarning, match="Back it up"):
        key = load_key(key_file)
    assert len(key) == 32 and key_file.read_bytes() == key
    assert stat.S_IMODE(key_file.stat().st_mode) == 0o600
    assert load_key(key_file) == key
