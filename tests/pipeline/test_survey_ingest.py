"""Survey ingestion end to end through the CLI: quarantine, waves, idempotence, privacy."""

from __future__ import annotations

import csv
import json
import shutil
from pathlib import Path

import duckdb
import pandas as pd
import pytest
from support import cli, table_digest

from etl.survey.demo import demo_answers, write_demo, write_planted_errors
from etl.survey.kobo_export import write_kobo_csv
from pipeline.survey import file_summary, listed_errors
from warehouse.layout import Layout


def ingest(wh: Path, file: Path, wave: int = 2024, *extra: str) -> tuple[dict, int]:
    result = cli("survey", "ingest", str(file), "--wave", str(wave), "--warehouse", str(wh), "--json", *extra)
    return json.loads(result.stdout), result.returncode


@pytest.fixture(scope="module")
def planted(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, dict, Path, dict]:
    folder = tmp_path_factory.mktemp("planted")
    file = folder / "planted.csv"
    expected = write_planted_errors(file)
    wh = folder / "var" / "warehouse.duckdb"
    report, code = ingest(wh, file)
    assert code == 0, report
    return file, expected, wh, report


@pytest.mark.slow
def test_planted_errors_are_quarantined_with_their_lines(planted) -> None:
    _, expected, wh, report = planted
    got = {(e["line"], e["field"], e["rule"]) for e in report["errors"]}
    assert got == set(expected["errors"])
    assert report["rows_quarantined"] == len({line for line, _, _ in expected["errors"]})
    assert report["rows_loaded"] == len(expected["valid_lines"])
    assert report["rows_superseded"] == 1
    assert report["rows_read"] == report["rows_loaded"] + report["rows_quarantined"]
    assert report["synthetic"] is False  # an export without the tag is real data
    con = duckdb.connect(str(wh), read_only=True)
    lines = sorted(
        r[0] for r in con.execute("SELECT source_line FROM restricted.survey_responses").fetchall()
    )
    quarantine = {
        (r[0], r[1], r[2]) for r in con.execute("SELECT line, field, rule FROM meta.quarantine").fetchall()
    }
    status = dict(con.execute("SELECT source_line, status FROM restricted.survey_responses").fetchall())
    con.close()
    assert lines == sorted(expected["valid_lines"])
    assert quarantine == set(expected["errors"])
    first, second = expected["duplicate_lines"]
    assert (status[first], status[second]) == ("superseded", "current")


def test_quarantine_keeps_original_values_in_the_landing_area_only(planted) -> None:
    file, _, wh, report = planted
    fix_me = Path(report["quarantine_file"])
    assert fix_me.is_relative_to(wh.parent / "landing")
    rows = pd.read_csv(fix_me, dtype=str, sep=";", encoding="utf-8-sig")  # Belgian Excel: ";"
    assert "0999.000.000" in set(rows["org_id"].dropna())  # the coordinator sees what to fix
    assert "social_work" in set(rows["subsector"].dropna())
    errors = rows["_errors"]  # in the sender's language only (LANG C.UTF-8: English)
    assert errors.str.startswith("Line ").all() and not errors.str.contains(" | ", regex=False).any()


@pytest.mark.slow
def test_same_file_twice_changes_nothing(planted, tmp_path: Path) -> None:
    file, _, wh, _ = planted
    copy = tmp_path / "var" / "warehouse.duckdb"
    shutil.copytree(wh.parent, copy.parent)
    before = table_digest(copy)
    report, code = ingest(copy, file)
    assert code == 0 and report["rows_loaded"] == 4
    assert table_digest(copy) == before


def test_unreadable_file_exits_nonzero_and_changes_nothing(planted, tmp_path: Path) -> None:
    _, _, wh, _ = planted
    copy = tmp_path / "var" / "warehouse.duckdb"
    shutil.copytree(wh.parent, copy.parent)
    before = table_digest(copy)
    junk = tmp_path / "junk.csv"
    junk.write_bytes(b"\x00\x01binary\xff\xfe junk")
    report, code = ingest(copy, junk, 2024, "--lang", "fr")
    assert code != 0
    assert "junk.csv" in report["error"] and report["rows_loaded"] == 0
    assert table_digest(copy) == before
    assert not (copy.parent / "landing" / "surveys" / "2024" / "junk.csv").exists()


@pytest.mark.slow
def test_corrected_file_replaces_its_previous_load_and_build_replays(tmp_path: Path) -> None:
    files = write_demo(tmp_path / "exports", waves=(2023, 2024), n=40, seed=3)
    wh = tmp_path / "var" / "warehouse.duckdb"
    for f, wave in zip(files, (2023, 2024), strict=True):
        assert ingest(wh, f, wave)[1] == 0
    corrected = tmp_path / "fix" / files[1].name
    corrected.parent.mkdir()
    with open(files[1], newline="", encoding="utf-8") as fh:
        records = list(csv.reader(fh, delimiter=";"))
    with open(corrected, "w", newline="", encoding="utf-8") as fh:  # the last 5 records withdrawn
        csv.writer(fh, delimiter=";", quoting=csv.QUOTE_ALL).writerows(records[:-5])
    report, code = ingest(wh, corrected, 2024)
    assert code == 0
    con = duckdb.connect(str(wh), read_only=True)
    per_wave = dict(
        con.execute("SELECT wave, count(*) FROM restricted.survey_responses GROUP BY 1").fetchall()
    )
    synthetic = con.execute("SELECT bool_or(synthetic) FROM restricted.survey_responses").fetchone()[0]
    con.close()
    assert per_wave[2024] == report["rows_loaded"]
    assert set(per_wave) == {2023, 2024}
    assert synthetic is True  # the demo's exports stay labelled synthetic once ingested
    before = table_digest(wh)
    assert cli("build", "--warehouse", str(wh)).returncode == 0
    assert table_digest(wh) == before  # a later build includes every ingested wave


def test_synthetic_files_are_labelled_in_every_figure_their_corrections_too(tmp_path: Path) -> None:
    """A real file and a tagged file of the same name in two waves, the tagged file's quarantine
    CSV sent again, an untagged file declared ``--synthetic`` then sent again without the flag:
    each marked in its report, the file list, the summary view (per wave, counts not doubled),
    every figure and the survey's source, in each language."""
    real = tmp_path / "real" / "export.csv"
    real.parent.mkdir()
    write_planted_errors(real)
    tagged = tmp_path / "tagged" / "export.csv"
    tagged.parent.mkdir()
    write_planted_errors(tagged, synthetic=True)
    plain = tmp_path / "plain" / "wave_2022.csv"
    plain.parent.mkdir()
    write_kobo_csv(demo_answers((2022,), n=40, seed=4)[2022], plain)
    wh = tmp_path / "var" / "warehouse.duckdb"
    assert ingest(wh, real, 2023)[0]["synthetic"] is False
    result = cli("survey", "ingest", str(tagged), "--wave", "2024", "--warehouse", str(wh), "--lang", "fr")
    assert result.returncode == 0 and "données de test synthétiques" in result.stderr
    fix = wh.parent / "landing" / "quarantine" / "2024" / "export.csv.quarantine.csv"
    correction = ingest(wh, shutil.copy(fix, tmp_path / "export.fix.csv"), 2024)[0]
    assert correction["rows_read"] > 0 and correction["synthetic"] is True  # the tag came back with it
    assert ingest(wh, plain, 2022, "--synthetic")[0]["synthetic"] is True
    assert ingest(wh, plain, 2022)[0]["synthetic"] is True  # sent again: still declared
    assert cli("build", "--full", "--warehouse", str(wh)).returncode == 0  # every wave in one load
    files = json.loads(cli("survey", "files", "--warehouse", str(wh), "--json").stdout)
    assert sorted((f["wave"], f["name"], f["synthetic"]) for f in files) == [
        (2022, plain.name, True),
        (2023, "export.csv", False),
        (2024, "export.csv", True),
        (2024, "export.fix.csv", True),
    ]
    con = duckdb.connect(str(wh), read_only=True)
    summary = con.execute(
        "SELECT wave, sum(n_quarantined), bool_and(synthetic), bool_or(synthetic) "
        "FROM public.survey_responses_summary GROUP BY wave ORDER BY wave"
    ).fetchall()
    quarantined = dict(
        con.execute("SELECT wave, count(*) FROM meta.quarantined_rows GROUP BY wave").fetchall()
    )
    survey = con.execute(
        "SELECT period, bool_and(synthetic), bool_or(synthetic) FROM public.indicator_values "
        "WHERE indicator_id IN (SELECT indicator_id FROM public.indicators "
        "WHERE estimator NOT IN ('public_series', 'combined')) GROUP BY period ORDER BY period"
    ).fetchall()
    titles = con.execute(
        "SELECT title_fr, title_nl, title_en FROM meta.sources WHERE source_id = 'association_survey'"
    ).fetchone()
    [(errors_2023,)] = con.execute("SELECT count(*) FROM meta.quarantine_errors WHERE wave = 2023").fetchall()
    con.close()
    caches = sorted(Layout(wh).guard_cache.glob("*.parquet"))  # the privacy guard's values, per file
    sources = [duckdb.sql(f"SELECT DISTINCT source_file FROM read_parquet('{c}')").fetchall() for c in caches]
    assert sorted(sources) == [
        [("2022/wave_2022.csv",)],
        [("2023/export.csv",)],
        [("2024/export.csv",)],
        [("2024/export.fix.csv",)],
    ]
    listed, total = listed_errors(wh, "export.csv", 2023, "en")
    assert len(listed) == total == errors_2023 > 0
    assert sum(c.count for c in file_summary(wh, "export.csv", 2023).causes) == total
    assert listed_errors(wh, "export.csv", 2024, "en")[1] == 0  # all sent again; not 2023's errors
    assert file_summary(wh, "export.csv", 2024).causes == []
    assert [(w, n) for w, n, _, _ in summary] == [(w, quarantined.get(w, 0)) for w, *_ in summary]
    assert [(w, every, some) for w, _, every, some in summary] == [
        (2022, True, True),
        (2023, False, False),
        (2024, True, True),
    ]
    assert survey == [("2022", True, True), ("2023", False, False), ("2024", True, True)]
    assert "SYNTHÉTIQUES : 3 fichier(s) sur 4" in titles[0]
    assert "SYNTHETISCHE GEGEVENS: 3 van de 4" in titles[1]
    assert "SYNTHETIC DATA: 3 of the 4" in titles[2]


@pytest.mark.slow
def test_no_enterprise_number_name_or_free_text_in_the_warehouse(tmp_path: Path) -> None:
    files = write_demo(tmp_path / "exports", waves=(2024,), n=60, seed=5)
    wh = tmp_path / "var" / "warehouse.duckdb"
    assert ingest(wh, files[0], 2024)[1] == 0
    answers = pd.read_csv(files[0], sep=";", dtype=str)
    restricted = [
        c
        for c in answers.columns
        if c.split("/")[-1] in ("org_id", "org_name", "comments") or c.endswith("_other")
    ]
    secrets = set()
    for col in restricted:
        for value in answers[col].dropna():
            secrets.add(value.strip())
            digits = "".join(ch for ch in value if ch.isdigit())
            if len(digits) >= 9:
                secrets.add(digits.zfill(10))
    secrets = {s for s in secrets if len(s) >= 4}
    assert len(secrets) > 60
    con = duckdb.connect(str(wh), read_only=True)
    columns = con.execute(
        "SELECT schema_name, table_name, column_name FROM duckdb_columns() "
        "WHERE data_type = 'VARCHAR' AND NOT internal"
    ).fetchall()
    found = []
    for schema, table, column in columns:
        values = {
            r[0]
            for r in con.execute(
                f'SELECT DISTINCT "{column}" FROM "{schema}"."{table}" WHERE "{column}" IS NOT NULL'
            ).fetchall()
        }
        blob = "\n".join(values)
        found += [(schema, table, column, s) for s in secrets if s in blob]
    con.close()
    assert found == []


@pytest.mark.slow
def test_same_content_under_two_names_loads_once_as_current(tmp_path: Path) -> None:
    from pipeline.survey import ingest as ingest_in_process

    files = write_demo(tmp_path / "exports", waves=(2024,), n=20, seed=9)
    copy = tmp_path / "copy" / "again.csv"
    copy.parent.mkdir()
    shutil.copy(files[0], copy)
    wh = tmp_path / "var" / "warehouse.duckdb"
    assert ingest_in_process(wh, files[0], 2024).ok
    result = ingest_in_process(wh, copy, 2024)
    assert result.ok and result.value()["rows_loaded"] > 0
    con = duckdb.connect(str(wh), read_only=True)
    per_org = con.execute(
        "SELECT max(n) FROM (SELECT count(*) FILTER (WHERE status = 'current') n "
        "FROM restricted.survey_responses GROUP BY org_pseudo)"
    ).fetchone()[0]
    con.close()
    assert per_org == 1


@pytest.mark.slow
def test_scratch_files_of_a_killed_build_are_removed_and_none_is_left(tmp_path: Path) -> None:
    """Raw answers pass through a scratch database beside the warehouse; it never stays."""
    wh = tmp_path / "var" / "warehouse.duckdb"
    wh.parent.mkdir(parents=True)
    leftover_file = wh.parent / f".{wh.name}.survey_scratch_dead.duckdb"
    leftover_dir = wh.parent / f".{wh.name}.survey_scratch_dead.duckdb.tmp"
    leftover_file.write_bytes(b"raw answers")
    leftover_dir.mkdir()
    (leftover_dir / "spill").write_bytes(b"raw answers")
    result = cli("build", "--warehouse", str(wh))
    assert result.returncode == 0, result.stderr
    assert not list(wh.parent.glob(f".{wh.name}.survey_scratch_*"))
