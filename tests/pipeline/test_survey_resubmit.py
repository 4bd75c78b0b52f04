"""Fix-and-resubmit: the quarantine CSV a coordinator gets is corrected in a spreadsheet
(Belgian Excel: ';', cp1252, decimal comma, day-first dates, leading zeros dropped) and ingested
again; the corrected rows join the wave, the others stay quarantined, once. End to end through
the CLI and through the admin area."""

from __future__ import annotations

import csv
import datetime as dt
import json
import re
import shutil
import subprocess
from pathlib import Path

import duckdb
import pytest
from admin_client import PASSWORD, USER
from support import cli as run_cli

from admin import accounts
from etl.survey.demo import write_planted_errors
from sector_monitor.web import create_app
from warehouse.layout import Layout
from warehouse.sql import connect_readonly

pytestmark = pytest.mark.slow  # end-to-end: left out of `make test-fast`


def cli(*args: str) -> subprocess.CompletedProcess:
    return run_cli(*args, lang="fr_BE.UTF-8")


def ingest(wh: Path, file: Path) -> dict:
    result = cli("survey", "ingest", str(file), "--wave", "2024", "--warehouse", str(wh), "--json")
    assert result.returncode == 0, result.stdout + result.stderr
    return json.loads(result.stdout)


def belgian_excel(text: str, out: Path, fixes: dict[int, dict[str, str]]) -> Path:
    """The quarantine CSV opened in Excel (fr-BE), some cells corrected, saved as "CSV
    (séparateur : point-virgule)": cp1252, ';', CRLF, quotes only where needed, decimal
    commas, dates as dd/mm/yyyy hh:mm, numbers without their leading zeros."""
    rows = list(csv.DictReader(text.splitlines(keepends=True), delimiter=";"))
    for row in rows:
        row.update(fixes.get(int(row["_quarantine_line"]), {}))
        for key, value in row.items():
            if re.fullmatch(r"-?\d+\.\d+", value or ""):
                row[key] = value.replace(".", ",")
            elif re.fullmatch(r"0\d{9}", value or ""):
                row[key] = value.lstrip("0")  # read as a number by Excel
        stamp = dt.datetime.strptime(row["submitted_at"], "%Y-%m-%d %H:%M:%S")
        row["submitted_at"] = stamp.strftime("%d/%m/%Y %H:%M")
    with out.open("w", encoding="cp1252", errors="replace", newline="") as handle:
        writer = csv.DictWriter(handle, fieldnames=list(rows[0]), delimiter=";", lineterminator="\r\n")
        writer.writeheader()
        writer.writerows(rows)
    return out


def lines_of(expected: dict, *fields: str) -> dict[str, int]:
    return {field: next(line for line, f, _ in expected["errors"] if f == field) for field in fields}


def figures(wh: Path) -> tuple[dict[str, int], int]:
    """Current responses of wave 2024 per file, and the wave's quarantined records (public)."""
    con = connect_readonly(wh)
    current = dict(
        con.execute(
            "SELECT source_file, count(*) FROM wh.restricted.survey_responses "
            "WHERE wave = 2024 AND status = 'current' GROUP BY 1"
        ).fetchall()
    )
    quarantined = con.execute(
        "SELECT sum(n_quarantined) FROM wh.public.survey_responses_summary WHERE wave = 2024"
    ).fetchone()[0]
    con.close()
    return current, int(quarantined)


@pytest.fixture(scope="module")
def planted(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, dict]:
    folder = tmp_path_factory.mktemp("resubmit")
    expected = write_planted_errors(folder / "planted.csv")
    return folder / "planted.csv", expected


def test_round_trip_through_the_cli(planted, tmp_path: Path) -> None:
    source, expected = planted
    wh = tmp_path / "var" / "warehouse.duckdb"
    first = ingest(wh, source)
    assert first["rows_quarantined"] == 9
    quarantine = Path(first["quarantine_file"])
    text = quarantine.read_bytes().decode("utf-8-sig")
    assert text.splitlines()[0].startswith('"_errors";"_quarantine_file";"_quarantine_line"')
    line = lines_of(expected, "subsector", "staff_fte", "volunteers_active", "consent_aggregates")
    fixed = belgian_excel(
        text,
        tmp_path / "planted_corrige.csv",
        {
            line["subsector"]: {"subsector": "Aide alimentaire"},  # a French label, accented
            line["staff_fte"]: {"staff_fte": "12.5"},  # saved by Excel as 12,5
            line["volunteers_active"]: {"volunteers_active": "12"},
        },
    )
    with pytest.raises(UnicodeDecodeError):  # cp1252, as Excel saves it
        fixed.read_bytes().decode("utf-8")
    second = ingest(wh, fixed)
    assert second["format"] == "spreadsheet"
    assert (second["rows_loaded"], second["rows_quarantined"]) == (3, 6)
    current, quarantined = figures(wh)
    assert current[fixed.name] == 3 and quarantined == 6  # each open record counted once
    listed = {
        f["name"]: f for f in json.loads(cli("survey", "files", "--warehouse", str(wh), "--json").stdout)
    }
    assert (listed[source.name]["rows_quarantined"], listed[source.name]["rows_corrected"]) == (0, 9)
    assert not quarantine.exists()  # nothing left to correct in the first file
    con = duckdb.connect(str(wh), read_only=True)
    staff = con.execute(
        "SELECT staff_fte, subsector FROM restricted.survey_responses "
        "WHERE source_file = ? ORDER BY staff_fte",
        [fixed.name],
    ).fetchall()
    con.close()
    assert any(s == 12.5 for s, _ in staff) and any(sub == "food_aid" for _, sub in staff)

    again = Path(second["quarantine_file"])  # the rest, still pointing at the first file's lines
    rows = list(csv.DictReader(again.read_bytes().decode("utf-8-sig").splitlines(), delimiter=";"))
    assert {r["_quarantine_file"] for r in rows} == {source.name}
    assert line["consent_aggregates"] in {int(r["_quarantine_line"]) for r in rows}
    third = belgian_excel(
        again.read_bytes().decode("utf-8-sig"),
        tmp_path / "planted_corrige_2.csv",
        {line["consent_aggregates"]: {"consent_aggregates": "oui"}},
    )
    report = ingest(wh, third)
    assert (report["rows_loaded"], report["rows_quarantined"]) == (1, 5)
    current, quarantined = figures(wh)
    assert current[third.name] == 1 and current[fixed.name] == 3 and quarantined == 5
    before = figures(wh)
    assert cli("build", "--warehouse", str(wh)).returncode == 0
    assert figures(wh) == before  # a rebuild replays the corrections the same way


def test_round_trip_through_the_admin_area(planted, warehouse_path: Path, tmp_path: Path) -> None:
    source, expected = planted
    live = tmp_path / "deploy" / "warehouse.duckdb"
    shutil.copytree(warehouse_path.parent, live.parent)
    accounts.add_user(Layout(live).users, USER, PASSWORD)
    server = create_app(live).server
    server.extensions["sector_monitor_admin"].background = False
    client = server.test_client()

    def token(path: str) -> str:
        return re.search(r'name="csrf_token" value="([^"]+)"', client.get(path).text)[1]

    def upload_and_publish(file: Path) -> str:
        with file.open("rb") as handle:
            page = client.post(
                "/admin/fr/uploads",
                data={
                    "csrf_token": token("/admin/fr/"),
                    "wave": "2024",
                    "format": "auto",
                    "file": (handle, file.name),
                },
            ).headers["Location"]
        text = client.get(page).text
        assert 'data-status="ready"' in text, text
        assert client.post(f"{page}/publish", data={"csrf_token": token(page)}).status_code == 302
        return text

    client.post(
        "/admin/fr/login",
        data={"username": USER, "password": PASSWORD, "csrf_token": token("/admin/fr/login")},
    )
    upload_and_publish(source)
    home = client.get("/admin/fr/").text
    link = re.search(r'class="quarantine-link" href="([^"]+)"', home)[1].replace("&amp;", "&")
    download = client.get(link)
    assert download.status_code == 200 and download.mimetype == "text/csv"
    assert client.get(link.replace("planted.csv", "other.csv")).status_code == 404
    line = lines_of(expected, "staff_fte", "volunteers_active")
    fixed = belgian_excel(
        download.data.decode("utf-8-sig"),
        tmp_path / "planted_corrige.csv",
        {line["staff_fte"]: {"staff_fte": "7.25"}, line["volunteers_active"]: {"volunteers_active": "3"}},
    )
    report = upload_and_publish(fixed)
    assert re.search(r'data-key="rows_loaded">2<', report)
    current, quarantined = figures(live)
    assert current[fixed.name] == 2 and quarantined == 7
    home = client.get("/admin/fr/").text
    assert re.search(
        rf'data-file="{source.name}" data-wave="2024"><td>2024</td><td>{source.name}'
        r"</td><td>[^<]*</td>\s*<td>4</td><td>0",
        home,
    )
