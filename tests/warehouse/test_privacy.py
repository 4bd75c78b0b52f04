"""Privacy of the warehouse and of the restricted files.

* No enterprise number, name or free text of the landed files in the warehouse: validation
  messages quote no value (shifted-column export), and the privacy guard refuses a build whose
  warehouse would hold one anyway (nothing swapped in); history copies written before the guard
  are scanned and deleted when they fail.
* Restricted files are 0700/0600 whatever the umask; the survey scratch database lives in the
  restricted area and a killed build's leftovers are removed by the next command.
"""

from __future__ import annotations

import csv
import json
import os
import re
import shutil
import signal
import stat
import subprocess
import sys
import time
import uuid
from pathlib import Path

import duckdb
import pytest
from support import ROOT, cli, table_digest

from etl import landing
from etl.survey.demo import write_demo
from pipeline import audit
from pipeline.build import build
from warehouse import guard
from warehouse.build import atomic_build
from warehouse.history import CHECKED, NoHistoryError, list_builds, rollback
from warehouse.layout import Layout
from warehouse.lock import build_lock
from warehouse.private import remove_leftovers, scratch_dir
from warehouse.sql import connect_readonly

ENTERPRISE = re.compile(r"\b[01]\d{3}[ .]?\d{3}[ .]?\d{3}\b")


def shifted_export(folder: Path, n: int = 50) -> tuple[Path, list[str], list[str]]:
    """The issue's repro: a demo wave with org_id + name in subsector, the name in staff_fte and
    org_id in commune. Returns the file, the enterprise numbers and the names."""
    demo = write_demo(folder, (2025,), n, 3)[0]
    with demo.open(encoding="utf-8-sig", newline="") as handle:
        rows = list(csv.reader(handle, delimiter=";"))
    header = rows[0]
    col = {name.rsplit("/", 1)[-1]: i for i, name in enumerate(header)}
    ids, names = [], []
    for row in rows[1:]:
        org_id, name = row[col["org_id"]], row[col["org_name"]]
        row[col["subsector"]] = f"{org_id} {name}"
        row[col["staff_fte"]] = name
        row[col["commune"]] = org_id
        ids.append(org_id)
        names.append(name)
    out = folder / "shifted_2025.csv"
    with out.open("w", encoding="utf-8", newline="") as handle:
        csv.writer(handle, delimiter=";").writerows(rows)
    return out, ids, names


def every_text(path: Path) -> list[str]:
    """Every value of every VARCHAR column of every table of the warehouse at ``path``."""
    con = connect_readonly(path)
    values = []
    for schema, table, column, _ in guard.varchar_columns(con, "wh"):
        values += [
            v
            for (v,) in con.execute(
                f'SELECT DISTINCT "{column}" FROM wh."{schema}"."{table}" WHERE "{column}" IS NOT NULL'
            ).fetchall()
        ]
    con.close()
    return values


def modes(root: Path) -> dict[str, str]:
    """Relative path -> octal mode of ``root`` and everything below it."""
    out = {".": oct(stat.S_IMODE(root.stat().st_mode))}
    for path in root.rglob("*"):
        out[str(path.relative_to(root))] = oct(stat.S_IMODE(path.lstat().st_mode))
    return out


def assert_private(root: Path) -> None:
    loose = {
        name: mode
        for name, mode in modes(root).items()
        if mode != (oct(0o700) if (root / name).is_dir() else oct(0o600))
    }
    assert loose == {}, f"not 0700/0600 under {root}: {loose}"


# --- stored messages ------------------------------------------------------------------------


@pytest.fixture(scope="module")
def shifted(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Path, list[str], list[str], dict]:
    folder = tmp_path_factory.mktemp("shifted")
    file, ids, names = shifted_export(folder)
    wh = folder / "var" / "warehouse.duckdb"
    result = cli(
        "survey",
        "ingest",
        str(file),
        "--wave",
        "2025",
        "--warehouse",
        str(wh),
        "--json",
        "--max-failing-share",
        "1",
    )  # every row fails: kept, not refused, to check messages
    assert result.returncode == 0, result.stderr
    return wh, file, ids, names, json.loads(result.stdout)


@pytest.mark.slow
def test_shifted_column_export_stores_no_enterprise_number_or_name(shifted) -> None:
    wh, _, ids, names, report = shifted
    assert report["rows_quarantined"] == len(ids) and report["rows_loaded"] == 0
    con = duckdb.connect(str(wh), read_only=True)
    messages = con.execute(
        "SELECT field, rule, message_fr, message_nl, message_en FROM meta.quarantine"
    ).fetchall()
    con.close()
    assert {(f, r) for f, r, *_ in messages} >= {
        ("subsector", "choice"),
        ("commune", "choice"),
        ("staff_fte", "type_decimal"),
    }
    for *_, fr, nl, en in messages:
        for text in (fr, nl, en):
            assert not ENTERPRISE.search(text), text
            assert "fictive" not in text.lower(), text
    texts = "\n".join(every_text(wh))
    assert not any(i in texts for i in ids)
    assert not any(n in texts for n in names)
    printed = json.dumps(report["errors"], ensure_ascii=False)  # the CLI report, from the warehouse
    assert not any(i in printed for i in ids) and not any(n in printed for n in names)


def test_messages_say_which_field_which_rule_and_how_to_fix(shifted) -> None:
    _, _, _, _, report = shifted
    by_field = {e["field"]: e["message"] for e in report["errors"] if e["line"] == 2}
    assert "question 'Paid staff in full-time equivalents (FTE)' (staff_fte)" in by_field["staff_fte"]
    assert "not a number. Enter a number" in by_field["staff_fte"]
    assert "not one of the possible answers: general_social_aid" in by_field["subsector"]
    assert "21001 (Anderlecht)" in by_field["commune"]


def test_the_values_stay_in_the_landing_quarantine_file(shifted) -> None:
    wh, file, ids, names, report = shifted
    quarantine = Path(report["quarantine_file"])
    assert quarantine.parent.parent == Layout(wh).landing / "quarantine"
    text = quarantine.read_text(encoding="utf-8-sig")
    assert ids[0] in text and names[0] in text  # the coordinator fixes the rows there
    assert stat.S_IMODE(quarantine.stat().st_mode) == 0o600


# --- the guard ------------------------------------------------------------------------------


def _guard_db(
    rows: dict[str, list[str]], restricted: dict[str, str] | None = None, vocabulary: list[str] | None = None
) -> duckdb.DuckDBPyConnection:
    con = duckdb.connect(":memory:")
    for schema in {name.split(".")[0] for name in rows}:
        con.execute(f"CREATE SCHEMA IF NOT EXISTS {schema}")
    for name, values in rows.items():
        con.execute(f"CREATE TABLE {name} (v VARCHAR, n INTEGER)")
        con.executemany(f"INSERT INTO {name} VALUES (?, 1)", [[v] for v in values])
    if restricted:
        con.execute(
            "CREATE TEMP TABLE landed AS SELECT * FROM (VALUES "
            + ", ".join(f"('{v}', '{f}', {i + 2})" for i, (f, v) in enumerate(restricted.items()))
            + ") t(value, field, _line)"
        )
        for field in restricted:
            con.execute(
                f'CREATE OR REPLACE TEMP VIEW landed_{field} AS SELECT value AS "{field}", '
                f"_line FROM landed WHERE field = '{field}'"
            )
            guard.collect(con, f"landed_{field}", [field], "export.csv")
    if vocabulary:
        guard.add_public_text(con, vocabulary)
    return con


@pytest.fixture(params=["small tables", "large tables"])
def table_size(request: pytest.FixtureRequest, monkeypatch: pytest.MonkeyPatch) -> str:
    """The guard reads a large table's values column by column: both ways find the same."""
    if request.param == "large tables":
        monkeypatch.setattr(guard, "LARGE_TABLE_ROWS", 0)
    return request.param


@pytest.mark.parametrize(
    "text",
    [
        "Line 2: '0999057735' is wrong",
        "0999.057.735",
        "0999 057 735",
        "BE0999057735",
        "be 0999.057.735",
        "BE 999057735",
        "file 0999057735.csv",
        "1234.567.890",
    ],
)
def test_guard_finds_enterprise_numbers_in_any_written_form(text: str, table_size: str) -> None:
    findings = guard.scan(_guard_db({"meta.quarantine": [text]})).findings
    assert [(f.table, f.column, f.what) for f in findings] == [("meta.quarantine", "v", "enterprise number")]
    assert "0999" not in str(findings[0])  # the report names the column, not the value


def test_guard_leaves_codes_dates_digests_and_counts_alone(table_size: str) -> None:
    harmless = [
        "21004",
        "04000",
        "2024-01-01",
        "2020-01-01 00:00:00",
        "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855",
        "0999057735ab",
        "ab0999057735",
        "7aaaac237d2e",
        "1218255",
        "10 digits, e.g. 0123.456.789",
        "BE0123456789",
        "12345678901",
        "0.123456789",
        "1 234 567 890",
        "3.14159265358979",
    ]
    assert guard.scan(_guard_db({"core.statistic": harmless})).findings == []


def test_build_and_load_ids_never_look_like_enterprise_numbers(
    monkeypatch: pytest.MonkeyPatch, table_size: str
) -> None:
    unlucky = uuid.UUID("be1987654321" + "0" * 20)  # its first 12 hex digits read as BE 1987654321
    assert guard.scan(_guard_db({"core.statistic": [unlucky.hex[:12]]})).findings
    monkeypatch.setattr(guard.uuid, "uuid4", lambda: unlucky)
    assert guard.scan(_guard_db({"core.statistic": [guard.run_id()]})).findings == []


def test_guard_finds_names_and_free_text_as_words_whatever_the_case(table_size: str) -> None:
    con = _guard_db(
        {
            "meta.quarantine": [
                "Line 3: 'ASSOCIATION fictive-0577 asbl' is wrong",
                "Association fictive 05770 ASBL",
                "merci pour tout !",
            ],
            "public.indicator_values": ["Les bénévoles de Schaerbeek"],
        },
        restricted={
            "org_name": "Association fictive 0577 ASBL",
            "comments": "Merci pour tout",
            "subsector_other": "bénévoles de Schaerbeek",
            "org_id": "0999 057 735",
        },
        vocabulary=["Recrutement des bénévoles de Schaerbeek"],
    )
    found = {(f.table, f.what, f.values) for f in guard.scan(con).findings}
    # the name as words (not 05770), the comment; the other answer is public vocabulary
    assert found == {("meta.quarantine", "org_name", 1), ("meta.quarantine", "comments", 1)}


def test_guard_ignores_names_found_in_public_sources_and_short_values(table_size: str) -> None:
    con = _guard_db(
        {
            "raw.reference_figures": ["Study by Banque Alimentaire Bruxelles ASBL"],
            "meta.quarantine": ["Banque Alimentaire Bruxelles ASBL", "Line 4: oui"],
        },
        restricted={"org_name": "Banque Alimentaire Bruxelles ASBL", "comments": "oui"},
    )
    assert guard.scan(con).findings == []


@pytest.mark.slow
def test_guard_fails_the_build_and_keeps_the_previous_warehouse(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A step that stores raw values (here: messages quoting them) makes the
    build fail with the table and column named; nothing is swapped in."""
    wh = tmp_path / "var" / "warehouse.duckdb"
    build(wh)
    before = table_digest(wh)
    guard_values = set(Layout(wh).guard_cache.glob("*"))
    file, ids, names = shifted_export(tmp_path, n=20)
    landing.land(Layout(wh).landing, file, 2025, "auto")

    def leaking(result, corrected) -> str:  # the answers as given stored as the errors' detail
        return f"SELECT line, field, rule, value, value AS detail FROM {result.checked.errors_relation}"

    monkeypatch.setattr("etl.survey.load.open_errors", leaking)
    with pytest.raises(guard.PrivacyGuardError) as caught:
        build(wh)
    message = str(caught.value)
    assert "not swapped in" in message
    assert "meta.quarantine_errors.detail" in message and "enterprise number" in message
    assert "org_name of a file of wave 2025 (line" in message and "shifted_2025.csv" not in message
    assert not any(i in message for i in ids) and not any(n in message for n in names)
    assert table_digest(wh) == before
    assert not wh.with_name(wh.name + ".tmp").exists()
    assert not list(scratch_dir(wh).iterdir())
    assert set(Layout(wh).guard_cache.glob("*")) <= guard_values  # it kept no values of the file


def test_a_build_that_passes_records_the_guard(warehouse_path: Path) -> None:
    con = connect_readonly(warehouse_path)
    assert guard.is_stamped(con, "wh")
    version, columns, values, restricted, seconds = con.execute(
        "SELECT guard_version, columns_scanned, values_scanned, restricted_values, seconds "
        "FROM wh.meta.privacy_guard"
    ).fetchone()
    assert version == guard.GUARD_VERSION and columns > 200 and values > 10_000
    assert restricted > 0 and seconds < 5  # the demo exports' names and numbers were checked
    assert guard.scan(con, "wh").findings == []
    con.close()


# --- history written before the guard -------------------------------------------------------


def _pre_guard_copy(source: Path, target: Path, leak: bool) -> None:
    """A warehouse as written before the guard: no meta.privacy_guard, maybe a leaked message."""
    shutil.copy(source, target)
    con = duckdb.connect(str(target))
    con.execute("DROP TABLE meta.privacy_guard")
    if leak:
        con.execute(
            "INSERT INTO meta.quarantine_messages VALUES ('subsector', 'choice', ?, ?, ?)",
            ["'0999057735 Association fictive 0577 ASBL' n'est pas prévu"] * 3,
        )
    con.close()


def tiny_build(path: Path) -> None:
    with atomic_build(path) as con:
        con.execute("INSERT INTO core.category VALUES ('marker', 'x', 0, 'x', 'x', 'x')")


@pytest.mark.slow
def test_history_written_before_the_guard_is_scanned_and_purged(warehouse_path: Path, tmp_path: Path) -> None:
    wh = tmp_path / "var" / "warehouse.duckdb"
    folder = Layout(wh).history
    folder.mkdir(parents=True)
    _pre_guard_copy(warehouse_path, wh, leak=True)  # the current warehouse leaks
    clean = folder / f"20240101T000000000000Z-oldclean{wh.suffix}"
    leaky = folder / f"20240102T000000000000Z-oldleak{wh.suffix}"
    _pre_guard_copy(warehouse_path, clean, leak=False)
    _pre_guard_copy(warehouse_path, leaky, leak=True)
    before_clean = table_digest(clean)
    tiny_build(wh)
    kept = list_builds(wh)
    assert [k.path for k in kept] == [clean]  # the leaking ones are gone, the current one too
    assert json.loads((folder / CHECKED).read_text())  # the clean one is listed as checked
    assert_private(folder)
    rollback(wh)  # checked: it may be restored
    assert table_digest(wh) == before_clean


def test_rollback_deletes_copies_never_checked_by_the_guard(warehouse_path: Path, tmp_path: Path) -> None:
    wh = tmp_path / "var" / "warehouse.duckdb"
    wh.parent.mkdir()
    shutil.copy(warehouse_path, wh)
    folder = Layout(wh).history
    folder.mkdir()
    _pre_guard_copy(warehouse_path, folder / f"20240101T000000000000Z-old{wh.suffix}", leak=False)
    before = table_digest(wh)
    with pytest.raises(NoHistoryError, match="written before the privacy guard were deleted"):
        rollback(wh)
    assert table_digest(wh) == before and list_builds(wh) == []


# --- modes ----------------------------------------------------------------------------------


@pytest.mark.slow
def test_restricted_files_are_private_after_ingests_through_the_cli(shifted, tmp_path: Path) -> None:
    wh, *_ = shifted
    again = write_demo(tmp_path, (2024,), 30, 5)[0]  # a second ingest: a history copy
    result = cli("survey", "ingest", str(again), "--wave", "2024", "--warehouse", str(wh))
    assert result.returncode == 0, result.stderr
    var = wh.parent
    assert list_builds(wh)
    for name in ("landing", "history", "secrets"):
        assert_private(var / name)
    for file in (wh, wh.with_name(wh.name + ".lock")):
        assert stat.S_IMODE(file.stat().st_mode) == 0o600
    assert not list(scratch_dir(wh).iterdir())


@pytest.mark.slow
def test_modes_do_not_depend_on_the_umask(tmp_path: Path) -> None:
    """Library calls (admin workers, tests) made with a loose umask still create private files."""
    from pipeline.survey import ingest

    wh = tmp_path / "var" / "warehouse.duckdb"
    file = write_demo(tmp_path / "in", (2024,), 30, 4)[0]
    previous = os.umask(0o022)
    try:
        for wave in (2024, 2023):  # the second one keeps the first build in history
            result = ingest(wh, file, wave)
            assert result.ok, result.messages
        log = tmp_path / "var" / "admin" / "audit.log"
        audit.record(log, "alice", "publish", file=file.name)
    finally:
        os.umask(previous)
    for name in ("landing", "history", "secrets", "admin"):
        assert_private(wh.parent / name)
    assert stat.S_IMODE(wh.stat().st_mode) == 0o600


@pytest.mark.slow
def test_an_area_created_before_the_rule_is_tightened(tmp_path: Path) -> None:
    wh = tmp_path / "var" / "warehouse.duckdb"
    file = write_demo(tmp_path / "in", (2024,), 20, 6)[0]
    area = Layout(wh).landing
    old = area / "surveys" / "2024" / "old.csv"
    old.parent.mkdir(parents=True)
    shutil.copy(file, old)
    for path in (area, area / "surveys", old.parent):
        os.chmod(path, 0o755)
    os.chmod(old, 0o644)
    result = cli("survey", "ingest", str(file), "--wave", "2024", "--warehouse", str(wh))
    assert result.returncode == 0, result.stderr
    assert_private(area)


# --- the scratch database and killed builds -------------------------------------------------


@pytest.mark.slow
def test_scratch_of_a_build_killed_in_the_survey_step_is_removed_by_the_next_command(tmp_path: Path) -> None:
    wh = tmp_path / "var" / "warehouse.duckdb"
    big = write_demo(tmp_path / "in", (2024,), 4000, 7)[0]  # a survey step long enough to kill
    scratch = scratch_dir(wh)
    proc = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "sector_monitor.cli",
            "survey",
            "ingest",
            str(big),
            "--wave",
            "2024",
            "--warehouse",
            str(wh),
        ],
        cwd=ROOT,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    deadline = time.monotonic() + 120
    pattern = f"{wh.name}.survey_scratch_*.duckdb"
    while not list(scratch.glob(pattern)) and proc.poll() is None and time.monotonic() < deadline:
        time.sleep(0.005)
    assert proc.poll() is None, "the build ended before the survey step could be killed"
    os.kill(proc.pid, signal.SIGKILL)
    proc.wait(timeout=10)
    left = list(scratch.iterdir())
    assert any(p.match(pattern) for p in left)  # raw answers left behind ...
    assert stat.S_IMODE(scratch.stat().st_mode) == 0o700  # ... in the restricted area
    assert all(stat.S_IMODE(p.stat().st_mode) in (0o600, 0o700) for p in left)
    assert not list(wh.parent.glob(f".{wh.name}.survey_scratch_*"))  # none beside the warehouse
    result = cli("status", "--warehouse", str(wh))  # not a build: any command opening it
    assert result.returncode in (0, 1), result.stderr
    assert list(scratch.iterdir()) == []
    assert not wh.with_name(wh.name + ".tmp").exists()


def test_leftovers_are_kept_while_a_build_runs(tmp_path: Path) -> None:
    wh = tmp_path / "var" / "warehouse.duckdb"
    wh.parent.mkdir()
    leftover = scratch_dir(wh) / f"{wh.name}.survey_scratch_x.duckdb"
    leftover.write_bytes(b"raw answers")
    with build_lock(wh):  # a build in progress owns its scratch files
        assert remove_leftovers(wh) is False
        assert leftover.exists()
    assert remove_leftovers(wh) is True
    assert not leftover.exists()


@pytest.mark.slow
def test_a_file_named_after_an_association_is_refused_with_the_advice_to_rename_it(tmp_path: Path) -> None:
    """The file's name goes into meta.survey_loads: an enterprise number or an association's
    name in it is refused by the guard, which says to rename the file (not to look for shifted
    columns), in the user's language, naming no value."""
    file = write_demo(tmp_path / "in", (2024,), 20, 6)[0]
    with file.open(encoding="utf-8") as handle:
        first = next(csv.DictReader(handle, delimiter=";"))
    number, name = first["profile/org_id"], first["profile/org_name"]
    wh = tmp_path / "var" / "warehouse.duckdb"
    for renamed, lang, advice in (
        (f"Réponse ASBL {number}.csv", "fr", "renommez le fichier (par exemple kobo_2024.csv)"),
        (f"{name}.csv", "nl", "hernoem het bestand (bijvoorbeeld kobo_2024.csv)"),
    ):
        copy = tmp_path / renamed
        shutil.copy(file, copy)
        result = cli("survey", "ingest", str(copy), "--wave", "2024", "--warehouse", str(wh), "--lang", lang)
        assert result.returncode == 1
        message = " ".join(result.stderr.split("\n")[-2:])  # the error, not the command's echo of the path
        assert advice in message and "value(s)" not in message and "verschoven kolommen" not in message
        assert number not in message and name not in message
        assert not wh.exists()
