"""Landed survey files are manageable: `survey files` lists them with what the warehouse
loaded from each, `survey remove` takes one out (archived in the restricted area, audit entry,
atomic rebuild), and the admin area does the same behind its CSRF check."""

from __future__ import annotations

import json
import re
import shutil
import stat
import subprocess
from pathlib import Path

import pytest
from admin_client import PASSWORD, USER
from support import cli as run_cli

from admin import accounts
from etl.survey.demo import write_demo, write_planted_errors
from sector_monitor.web import create_app
from warehouse.layout import Layout
from warehouse.sql import connect_readonly

pytestmark = pytest.mark.slow  # end-to-end: left out of `make test-fast`


def cli(*args: str) -> subprocess.CompletedProcess:
    return run_cli(*args, user="tester")


def wave_rows(wh: Path) -> dict[str, int]:
    con = connect_readonly(wh)
    rows = dict(
        con.execute(
            "SELECT source_file, count(*) FROM wh.restricted.survey_current WHERE wave = 2024 GROUP BY 1"
        ).fetchall()
    )
    con.close()
    return rows


@pytest.fixture(scope="module")
def two_files(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Path, Path]:
    """A warehouse with two landed files of wave 2024: a demo export and the planted errors."""
    folder = tmp_path_factory.mktemp("files")
    demo = write_demo(folder / "exports", (2024,), 40, 5)[0]
    planted = folder / "planted[b].csv"  # a name that reads as rich markup: printed as it is
    write_planted_errors(planted)
    wh = folder / "var" / "warehouse.duckdb"
    for file in (demo, planted):
        result = cli("survey", "ingest", str(file), "--wave", "2024", "--warehouse", str(wh))
        assert result.returncode == 0, result.stderr
    return wh, demo, planted


def test_files_lists_every_landed_file_with_its_counts(two_files) -> None:
    wh, demo, planted = two_files
    result = cli("survey", "files", "--warehouse", str(wh), "--json")
    assert result.returncode == 0, result.stderr
    files = {f["name"]: f for f in json.loads(result.stdout)}
    assert set(files) == {demo.name, planted.name}
    assert files[planted.name]["rows_loaded"] == 4 and files[planted.name]["rows_quarantined"] == 9
    assert files[planted.name]["rows_superseded"] == 1 and files[planted.name]["version"] == "v1"
    assert files[demo.name]["landed_by"] == "tester" and len(files[demo.name]["sha256"]) == 64
    assert files[demo.name]["landed_at"].startswith("20")
    assert json.loads(cli("survey", "files", "--warehouse", str(wh), "--wave", "2023", "--json").stdout) == []
    table = cli("survey", "files", "--warehouse", str(wh))
    assert planted.name in table.stdout and "quarantined" in table.stdout


def test_remove_takes_a_file_out_archives_it_and_rebuilds(two_files, tmp_path: Path) -> None:
    wh, demo, planted = two_files
    copy = tmp_path / "var" / "warehouse.duckdb"
    shutil.copytree(wh.parent, copy.parent)
    before = wave_rows(copy)
    assert before[planted.name] == 3  # 4 loaded, 1 superseded
    missing = run_cli(
        "survey", "remove", "nope.csv", "--wave", "2024", "--warehouse", str(copy), lang="fr_BE.UTF-8"
    )
    assert missing.returncode == 1 and planted.name in missing.stderr
    assert "aucun fichier déposé 'nope.csv' dans la vague 2024. Fichiers déposés :" in missing.stderr
    result = cli("survey", "remove", planted.name, "--wave", "2024", "--warehouse", str(copy))
    assert result.returncode == 0, result.stderr
    after = wave_rows(copy)
    assert planted.name not in after and after[demo.name] == before[demo.name]
    area = Layout(copy).landing
    assert not (area / "surveys" / "2024" / planted.name).exists()
    assert not (area / "quarantine" / "2024" / f"{planted.name}.quarantine.csv").exists()
    archived = list((area / "archive" / "2024").iterdir())
    assert sorted(p.name.split("-", 1)[1] for p in archived) == sorted(
        [planted.name, f"{planted.name}.json", f"{planted.name}.quarantine.csv"]
    )
    assert all(stat.S_IMODE(p.stat().st_mode) == 0o600 for p in archived)
    assert stat.S_IMODE((area / "archive").stat().st_mode) == 0o700
    entry = json.loads(Layout(copy).audit_log.read_text().splitlines()[-1])
    assert (entry["action"], entry["file"], entry["wave"], entry["user"]) == (
        "remove",
        planted.name,
        2024,
        "tester",
    )
    listed = json.loads(cli("survey", "files", "--warehouse", str(copy), "--json").stdout)
    assert [f["name"] for f in listed] == [demo.name]
    rebuilt = cli("build", "--warehouse", str(copy))  # a later build does not bring it back
    assert rebuilt.returncode == 0 and planted.name not in wave_rows(copy)


def test_the_admin_lists_landed_files_and_removes_one_with_csrf(two_files, tmp_path: Path) -> None:
    wh, demo, planted = two_files
    live = tmp_path / "deploy" / "warehouse.duckdb"
    shutil.copytree(wh.parent, live.parent)
    accounts.add_user(Layout(live).users, USER, PASSWORD)
    server = create_app(live).server
    server.extensions["sector_monitor_admin"].background = False
    client = server.test_client()
    token = re.search(r'name="csrf_token" value="([^"]+)"', client.get("/admin/en/login").text)[1]
    client.post("/admin/en/login", data={"username": USER, "password": PASSWORD, "csrf_token": token})
    home = client.get("/admin/en/").text
    assert f'data-file="{planted.name}" data-wave="2024"' in home
    assert f'data-file="{demo.name}"' in home
    form = {"name": planted.name, "wave": "2024"}
    assert client.post("/admin/en/files/remove", data=form).status_code == 403  # no CSRF token
    token = re.search(r'name="csrf_token" value="([^"]+)"', home)[1]
    assert (
        client.post(
            "/admin/en/files/remove", data={**form, "name": "nope.csv", "csrf_token": token}
        ).status_code
        == 404
    )
    before = wave_rows(live)
    response = client.post("/admin/en/files/remove", data={**form, "csrf_token": token})
    assert response.status_code == 302
    assert planted.name not in wave_rows(live) and wave_rows(live)[demo.name] == before[demo.name]
    home = client.get("/admin/en/").text
    assert "removed" in home and f'data-file="{planted.name}"' not in home
    entry = json.loads(Layout(live).audit_log.read_text().splitlines()[-1])
    assert (entry["action"], entry["user"], entry["file"]) == ("remove", USER, planted.name)
    assert entry["address"] == "127.0.0.1"


def test_rollback_names_the_landed_files_its_build_does_not_match(two_files, tmp_path: Path) -> None:
    """Rollback restores the warehouse, not the landing area: it says which files the next build
    will bring back or drop, and how to make that last."""
    wh, demo, planted = two_files
    copy = tmp_path / "var" / "warehouse.duckdb"
    shutil.copytree(wh.parent, copy.parent)
    assert cli("survey", "remove", planted.name, "--wave", "2024", "--warehouse", str(copy)).returncode == 0
    undone = run_cli("rollback", "--warehouse", str(copy), lang="nl_BE.UTF-8")
    assert undone.returncode == 0, undone.stderr
    flat = " ".join(undone.stderr.split())
    assert f"de teruggezette build bevat {planted.name} (golf 2024), dat niet meer aangeleverd is" in flat
    assert "dat nog aangeleverd is" not in flat  # nothing landed is missing from the restored build
    back = run_cli("rollback", "--warehouse", str(copy), lang="C.UTF-8")  # the removal again: in step
    assert back.returncode == 0 and "warning" not in back.stderr
    extra = tmp_path / "extra.csv"
    shutil.copy(demo, extra)
    assert cli("survey", "ingest", str(extra), "--wave", "2025", "--warehouse", str(copy)).returncode == 0
    undone = run_cli("rollback", "--warehouse", str(copy), lang="C.UTF-8")
    flat = " ".join(undone.stderr.split())
    assert "the restored build lacks extra.csv (wave 2025), still landed" in flat
    assert "sector-monitor survey remove NAME --wave WAVE" in flat


def test_a_wave_that_is_no_survey_year_is_refused_and_a_file_sent_to_a_second_wave_warned(
    two_files, tmp_path: Path
) -> None:
    wh, demo, _planted = two_files
    copy = tmp_path / "var" / "warehouse.duckdb"
    shutil.copytree(wh.parent, copy.parent)
    before = json.loads(cli("survey", "files", "--json", "--warehouse", str(copy)).stdout)
    refused = run_cli(
        "survey", "ingest", str(demo), "--wave", "1850", "--warehouse", str(copy), "--lang", "fr"
    )
    assert (
        refused.returncode == 2 and "Vague 1850 : ce n'est pas une année d'enquête (1990 à" in refused.stderr
    )
    assert json.loads(cli("survey", "files", "--json", "--warehouse", str(copy)).stdout) == before
    again = run_cli("survey", "ingest", str(demo), "--wave", "2025", "--warehouse", str(copy), "--lang", "en")
    assert again.returncode == 0, again.stderr
    flat = " ".join(again.stderr.split())
    assert (
        f"this very file is already landed in wave 2024 (as {demo.name}): one export holds one wave" in flat
    )
