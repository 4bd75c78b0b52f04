"""Warehouse access: settings, the on-disk layout, quoting and the public-view docs."""

from __future__ import annotations

from pathlib import Path

import duckdb
import pandas as pd
import pytest

from core.settings import DEFAULT_KEEP_BUILDS, Settings, SettingsError, settings
from warehouse.docs import public_docs, render
from warehouse.layout import Layout, warehouse_path
from warehouse.sql import attach, connect_readonly, insert_frame, quote_ident, quote_literal

ROOT = Path(__file__).resolve().parents[2]


def test_settings_defaults_and_parsing() -> None:
    empty = Settings.from_env({})
    assert empty.warehouse is None and empty.keep_builds == DEFAULT_KEEP_BUILDS
    assert empty.max_failing_share == 0.5 and empty.max_survey_mb is None and not empty.debug
    given = Settings.from_env(
        {
            "SECTOR_MONITOR_WAREHOUSE": "~/wh.duckdb",
            "SECTOR_MONITOR_KEEP_BUILDS": " -2 ",
            "SECTOR_MONITOR_MAX_SURVEY_MB": "1.5",
            "SECTOR_MONITOR_PSEUDONYM_KEY": " key with spaces ",
            "SECTOR_MONITOR_ADMIN_SECURE_COOKIE": "1",
            "SECTOR_MONITOR_DEBUG": "yes",
            "SECTOR_MONITOR_EUROSTAT_API": "",
        }
    )
    assert given.warehouse == Path("~/wh.duckdb").expanduser()
    assert given.keep_builds == 0  # a negative count keeps none
    assert given.max_survey_mb == 1.5
    assert given.pseudonym_key == b" key with spaces "  # a key is used as given
    assert given.admin_secure_cookie and given.debug
    assert given.eurostat_api is None  # blank counts as unset


def test_settings_name_a_bad_number() -> None:
    with pytest.raises(SettingsError, match=r"\$SECTOR_MONITOR_KEEP_BUILDS must be a number, not 'three'"):
        Settings.from_env({"SECTOR_MONITOR_KEEP_BUILDS": "three"})


def test_settings_read_the_environment_each_time(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    monkeypatch.setenv("SECTOR_MONITOR_WAREHOUSE", str(tmp_path / "env.duckdb"))
    assert settings().warehouse == tmp_path / "env.duckdb"
    assert warehouse_path() == (tmp_path / "env.duckdb").resolve()
    assert warehouse_path(tmp_path / "arg.duckdb") == (tmp_path / "arg.duckdb").resolve()  # argument first
    monkeypatch.delenv("SECTOR_MONITOR_WAREHOUSE")
    assert settings().warehouse is None


def test_layout(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    monkeypatch.delenv("SECTOR_MONITOR_ADMIN_USERS", raising=False)
    layout = Layout(tmp_path / "var" / "warehouse.duckdb")
    root = tmp_path / "var"
    assert layout.lock == root / "warehouse.duckdb.lock" and layout.tmp == root / "warehouse.duckdb.tmp"
    assert (layout.landing, layout.scratch) == (root / "landing", root / "landing" / ".scratch")
    assert layout.history == root / "history" and layout.editions == root / "editions"
    assert layout.pseudonym_key == root / "secrets" / "pseudonym.key"
    assert layout.flask_key == root / "secrets" / "flask.key"
    assert layout.users == root / "admin" / "users.json"
    assert layout.audit_log.parent == layout.throttle_db.parent == layout.staging.parent == root / "admin"
    monkeypatch.setenv("SECTOR_MONITOR_ADMIN_USERS", str(tmp_path / "elsewhere" / "users.json"))
    assert layout.users == (tmp_path / "elsewhere" / "users.json").resolve()


def test_quoting_a_path_with_a_quote(tmp_path: Path) -> None:
    assert quote_literal("it's") == "'it''s'" and quote_ident('a"b') == '"a""b"'
    path = tmp_path / "l'entrepôt" / "warehouse.duckdb"
    path.parent.mkdir()
    with duckdb.connect(str(path)) as con:
        con.execute("CREATE TABLE t (a INTEGER, b VARCHAR DEFAULT 'x', c VARCHAR)")
        insert_frame(con, "t", pd.DataFrame({"c": ["z"], "a": [1]}))  # by name
    con = connect_readonly(path)
    try:
        assert con.execute("SELECT a, b, c FROM t").fetchall() == [(1, "x", "z")]
        attach(con, path, "o'ther alias")
        assert con.execute('SELECT count(*) FROM "o\'ther alias".t').fetchone() == (1,)
    finally:
        con.close()


def test_public_view_docs_are_generated_from_the_ddl(warehouse_path: Path) -> None:
    """docs/public-views.md is `python -m warehouse.docs <warehouse>`: regenerate it after editing
    a COMMENT ON in warehouse/sql/ or the prose in warehouse/public_views.md."""
    con = connect_readonly(warehouse_path)
    try:
        docs = public_docs(con)
        public = {
            r[0]
            for r in con.execute(
                "SELECT table_name FROM duckdb_tables() WHERE database_name = 'wh' "
                "AND schema_name = 'public' UNION SELECT view_name FROM "
                "duckdb_views() WHERE database_name = 'wh' AND schema_name = 'public'"
            ).fetchall()
        }
    finally:
        con.close()
    assert public == set(docs), "every public table and view has a COMMENT ON"
    assert render(docs) == (ROOT / "docs" / "public-views.md").read_text(encoding="utf-8")
