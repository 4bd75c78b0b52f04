"""The survey coordinators' workspace (/admin): access control, CSRF, throttling, the upload ->
report -> preview -> publish/discard flow, the audit log and the hardening of its routes."""

from __future__ import annotations

import csv
import json
import re
import shutil
import stat
from pathlib import Path

import pytest
from admin_client import PASSWORD, USER, csrf, login, upload
from support import cli_in_process
from survey_v2 import v2_answers

from admin import accounts
from admin.staging import Upload, Workspace
from etl import landing
from etl.survey.codebook import CODEBOOKS
from etl.survey.demo import write_demo, write_planted_errors
from etl.survey.kobo_export import write_kobo_csv
from sector_monitor.web import create_app
from warehouse.layout import Layout
from warehouse.sql import connect_readonly

UPLOAD_ID = "0123456789abcdef"
GET_ROUTES = ["/admin/fr/", f"/admin/nl/uploads/{UPLOAD_ID}", f"/admin/en/uploads/{UPLOAD_ID}/quarantine.csv"]
POST_ROUTES = [
    "/admin/fr/logout",
    "/admin/fr/uploads",
    f"/admin/fr/uploads/{UPLOAD_ID}/publish",
    f"/admin/fr/uploads/{UPLOAD_ID}/discard",
]


@pytest.fixture()
def live(warehouse_path: Path, tmp_path: Path) -> Path:
    """A private copy of the session warehouse with its folder (pseudonym key) and one user."""
    folder = tmp_path / "deploy"
    shutil.copytree(warehouse_path.parent, folder)
    path = folder / warehouse_path.name
    accounts.add_user(Layout(path).users, USER, PASSWORD)
    return path


@pytest.fixture()
def app(live: Path):
    server = create_app(live).server
    server.extensions["sector_monitor_admin"].background = False
    return server


@pytest.fixture()
def client(app):
    return app.test_client()


def live_loads(path: Path) -> list[tuple]:
    con = connect_readonly(path)
    rows = con.execute("SELECT file, wave, rows_quarantined FROM wh.meta.survey_loads").fetchall()
    con.close()
    return rows


@pytest.mark.slow
@pytest.mark.parametrize("path", GET_ROUTES)
def test_pages_redirect_to_login_without_session(client, path: str) -> None:
    response = client.get(path)
    assert response.status_code == 302
    assert response.headers["Location"].endswith("/login")


@pytest.mark.parametrize("path", POST_ROUTES)
def test_posts_are_refused_without_session(client, path: str) -> None:
    csrf(client)  # a session with a CSRF token, but nobody signed in
    assert client.post(path, data={"csrf_token": csrf(client)}).status_code == 403
    assert client.post(path).status_code == 403


@pytest.mark.parametrize("path", POST_ROUTES)
def test_posts_without_csrf_token_are_refused_when_signed_in(client, path: str) -> None:
    assert login(client).status_code == 302
    refused = client.post(path)
    assert refused.status_code == 403 and "Le formulaire a expiré" in refused.text  # says what to do
    assert 'href="/admin/fr/"' in refused.text
    assert client.post(path, data={"csrf_token": "forged"}).status_code == 403
    assert client.get("/admin/fr/").status_code == 200  # still signed in


def test_login_needs_the_csrf_token_and_the_right_password(client) -> None:
    assert client.post("/admin/fr/login", data={"username": USER, "password": PASSWORD}).status_code == 403
    assert login(client, "wrong password").status_code == 401
    response = login(client)
    assert response.status_code == 302 and response.headers["Location"] == "/admin/fr/"


def test_login_is_throttled_after_five_failures(client, live: Path) -> None:
    for _ in range(5):
        assert login(client, "wrong password").status_code == 401
    response = login(client)  # even the right password waits 15 minutes
    assert response.status_code == 429
    assert "15 minutes" in response.text
    entries = [json.loads(line) for line in Layout(live).audit_log.read_text().splitlines()]
    assert [e["action"] for e in entries].count("login_failed") == 5


def test_logout_ends_the_session(client) -> None:
    login(client)
    response = client.post("/admin/fr/logout", data={"csrf_token": csrf(client, "/admin/fr/")})
    assert response.status_code == 302
    assert client.get("/admin/fr/").status_code == 302


def test_session_cookie_is_hardened(client, live: Path, monkeypatch) -> None:
    cookie = login(client).headers["Set-Cookie"]
    assert "HttpOnly" in cookie and "SameSite=Strict" in cookie and "Path=/admin" in cookie
    assert "Secure" not in cookie
    monkeypatch.setenv("SECTOR_MONITOR_ADMIN_SECURE_COOKIE", "1")
    secure = create_app(live).server.test_client()
    assert "Secure" in secure.get("/admin/fr/login").headers["Set-Cookie"]


def test_secrets_stay_outside_the_repository(app, live: Path) -> None:
    key = Layout(live).flask_key
    assert stat.S_IMODE(key.stat().st_mode) == 0o600 and len(key.read_bytes()) == 32
    stored = Layout(live).users.read_text()
    assert PASSWORD not in stored and "$argon2id$" in stored
    assert accounts.verify(Layout(live).users, USER, PASSWORD)
    assert not accounts.verify(Layout(live).users, "nobody", PASSWORD)


def test_add_user_command_asks_twice_in_the_users_language(live: Path, monkeypatch, capsys) -> None:
    prompts: list[str] = []
    answers = iter(["first password 1", "other password 2"])
    monkeypatch.setattr("getpass.getpass", lambda prompt="": prompts.append(prompt) or next(answers))
    add = ["admin", "add-user", "second", "--warehouse", str(live)]
    assert cli_in_process(*add, "--lang", "fr") == 1
    assert prompts == ["Mot de passe de second : ", "Répétez le mot de passe : "]
    assert "rien n'a changé" in capsys.readouterr().err
    assert "second" not in accounts.load_users(Layout(live).users)
    answers = iter(["short", "short"])
    assert cli_in_process(*add, "--lang", "nl") == 1
    assert "minstens 12 tekens" in capsys.readouterr().err
    answers = iter(["same password ok", "same password ok"])
    assert cli_in_process(*add) == 0
    assert accounts.verify(Layout(live).users, "second", "same password ok")


def test_language_prefixes_and_security_headers(client) -> None:
    assert client.get("/admin/?lang=nl").headers["Location"] == "/admin/nl/"
    assert client.get("/admin/xx/login").status_code == 404
    response = client.get("/admin/nl/login")
    assert '<html lang="nl">' in response.text and "Wachtwoord" in response.text
    assert response.headers["X-Frame-Options"] == "DENY"
    assert "frame-ancestors 'none'" in response.headers["Content-Security-Policy"]


def test_refuses_files_that_are_not_csv_or_xlsx(client, live: Path, tmp_path: Path) -> None:
    login(client)
    fake = tmp_path / "export.xlsx"
    fake.write_bytes(b"\x89PNG\r\n\x1a\n" + bytes(200))
    binary = tmp_path / "export.csv"
    binary.write_bytes(b"MZ\x90\x00" + bytes(200))
    for file in (fake, binary):
        response = upload(client, file)
        assert response.status_code == 302 and response.headers["Location"] == "/admin/fr/"
    assert "Type de fichier refusé" in client.get("/admin/fr/").text
    assert not list(Layout(live).staging.glob("*/upload.json"))


@pytest.mark.slow
def test_upload_report_publish_flow(client, live: Path, tmp_path: Path) -> None:
    planted = write_planted_errors(tmp_path / "wave.csv")
    login(client, lang="nl")
    response = upload(client, tmp_path / "wave.csv", name="../../etc/passwd wave.csv", lang="nl")
    assert response.status_code == 302
    page_url = response.headers["Location"]
    upload_id = page_url.rsplit("/", 1)[-1]
    staged = Workspace(live).get(upload_id)
    assert staged.file_name == "etc_passwd_wave.csv" and staged.status == "ready"
    assert Workspace(live).folder(upload_id).parent == Layout(live).staging

    page = client.get(page_url).text
    assert 'id="synthetic-upload"' not in page  # an export without the tag is real data
    rows = re.findall(r"<tr><td>(\d+)</td><td>([^<]+)</td><td>([^<]+)</td></tr>", page)
    assert {(int(line), field) for line, field, _ in rows} >= {
        (line, field) for line, field, _ in planted["errors"] if "*" not in field
    }
    assert all(message.startswith(f"Rij {line}") for line, _, message in rows)
    assert 'data-indicator="pressure_index"' in page
    quarantine = client.get(f"{page_url}/quarantine.csv")
    assert quarantine.status_code == 200 and quarantine.mimetype == "text/csv"
    assert quarantine.data.decode("utf-8-sig").count("\n") >= len(planted["errors"])
    assert "Rij " in quarantine.data.decode("utf-8-sig") and "Ligne " not in quarantine.data.decode(
        "utf-8-sig"
    )
    assert all(name.startswith("demo_synthetic") for name, _, _ in live_loads(live))

    token = csrf(client, page_url)
    response = client.post(f"{page_url}/publish", data={"csrf_token": token})
    assert response.status_code == 302
    assert live_loads(live) == [("etc_passwd_wave.csv", 2024, len(planted["errors"]))]
    assert (live.parent / "landing" / "surveys" / "2024" / "etc_passwd_wave.csv").exists()
    assert not Workspace(live).folder(upload_id).exists()
    actions = [json.loads(line) for line in Layout(live).audit_log.read_text().splitlines()]
    published = [e for e in actions if e["action"] in ("upload", "publish")]
    assert [e["action"] for e in published] == ["upload", "publish"]
    assert {(e["user"], e["file"], e["wave"], e["sha256"]) for e in published} == {
        (USER, "etc_passwd_wave.csv", 2024, staged.sha256)
    }
    assert client.get("/api/v1/indicators").status_code == 200  # the public API is unaffected


def _stage_ready(workspace: Workspace, source: Path, name: str) -> Upload:
    """A staged upload marked ready with an empty candidate (no build: for the cheap tests)."""
    copy = source.with_name(f"copy-{name}")
    shutil.copyfile(source, copy)
    staged = workspace.stage(copy, name, 2024, "auto", USER)
    staged.status = "ready"
    workspace.candidate(staged).write_bytes(b"")
    workspace._save(staged)
    return staged


def test_a_failed_candidate_build_says_why_in_the_users_language(
    client, live: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from warehouse.guard import PrivacyGuardError

    def refused(*_args, **_kwargs):
        raise PrivacyGuardError("le garde refuse", "de bewaker weigert", "the guard refuses")

    monkeypatch.setattr("admin.staging.ingest", refused)
    write_planted_errors(tmp_path / "wave.csv")
    workspace = Workspace(live)
    staged = workspace.build_candidate(workspace.stage(tmp_path / "wave.csv", "wave.csv", 2024, "auto", USER))
    assert staged.status == "failed" and staged.error["ref"]
    login(client)
    page = client.get(f"/admin/nl/uploads/{staged.id}").text
    assert "de bewaker weigert" in page and staged.error["ref"] in page and "guard refuses" not in page


def test_the_home_page_names_tools_and_logged_actions_in_the_users_language(client) -> None:
    login(client)
    page = client.get("/admin/nl/").text
    assert "Logboek van de acties" in page and ">aangemeld<" in page  # the login just logged
    assert ">KoboToolbox<" in page and "Spreadsheet (sjabloon van de vragenlijst)" in page


def test_a_synthetic_upload_is_marked_before_it_is_published(client, live: Path, tmp_path: Path) -> None:
    tagged = write_demo(tmp_path, (2024,), 30, 2)[0]
    login(client, lang="nl")
    page = client.get(upload(client, tagged, lang="nl").headers["Location"]).text
    assert 'id="synthetic-upload"' in page and "synthetische testgegevens" in page
    write_planted_errors(tmp_path / "declared.csv")  # untagged, declared on the form
    for choice, declared, marked in (("yes", True, True), ("", True, True), ("no", False, False)):
        page_url = upload(client, tmp_path / "declared.csv", wave="2023", synthetic=choice).headers[
            "Location"
        ]
        assert ('id="synthetic-upload"' in client.get(page_url).text) is marked, choice
        assert (
            client.post(f"{page_url}/publish", data={"csrf_token": csrf(client, page_url)}).status_code == 302
        )
        assert [(e.name, e.synthetic) for e in landing.registry(Layout(live).landing)] == [
            ("declared.csv", declared)
        ]
    uploads = [json.loads(line) for line in Layout(live).audit_log.read_text().splitlines()]
    assert [e.get("synthetic") for e in uploads if e["action"] == "upload" and e["wave"] == 2023] == [
        True,
        None,
        False,
    ]


def test_a_candidate_lists_the_errors_of_its_own_wave(client, live: Path, tmp_path: Path) -> None:
    write_planted_errors(tmp_path / "wave.csv")
    login(client)
    first = upload(client, tmp_path / "wave.csv", wave="2023").headers["Location"]
    assert client.post(f"{first}/publish", data={"csrf_token": csrf(client, first)}).status_code == 302
    page = client.get(upload(client, tmp_path / "wave.csv", wave="2024").headers["Location"]).text
    rows = re.findall(r"<tr><td>(\d+)</td><td>([^<]+)</td><td>[^<]+</td></tr>", page)
    assert rows and len(rows) == len(set(rows))  # the same file in 2023: its errors are not listed twice
    assert "ce fichier est déjà déposé dans la vague 2023 (sous le nom wave.csv)" in page


def test_a_published_file_is_replayed_as_its_candidate_read_it(client, live: Path, tmp_path: Path) -> None:
    v2 = write_kobo_csv(v2_answers(2025, 30, 5), tmp_path / "wave_2025.csv", CODEBOOKS["v2"], synthetic=True)
    login(client)
    page_url = upload(client, v2, wave="2025").headers["Location"]
    assert client.post(f"{page_url}/publish", data={"csrf_token": csrf(client, page_url)}).status_code == 302
    assert [(e.name, e.version) for e in landing.registry(Layout(live).landing)] == [(v2.name, "v2")]
    published = live_loads(live)
    assert cli_in_process("build", "--full", "--warehouse", str(live)) == 0  # the live registry replayed
    assert live_loads(live) == published
    con = connect_readonly(live)
    assert con.execute("SELECT version, synthetic FROM wh.meta.survey_loads").fetchall() == [("v2", True)]
    con.close()


def test_the_landed_files_mark_synthetic_test_data(client, live: Path, tmp_path: Path) -> None:
    write_planted_errors(tmp_path / "real.csv")
    area = Layout(live).landing
    landing.land(area, tmp_path / "real.csv", 2024, "auto")
    landing.land(area, write_demo(tmp_path, (2023,), 30, 2)[0], 2023, "auto", synthetic=True)
    login(client, lang="fr")
    rows = re.findall(r'<tr data-file="([^"]+)"(.*?)</tr>', client.get("/admin/fr/").text, re.S)
    marked = {name: "données de test synthétiques" in row for name, row in rows}
    assert marked == {"real.csv": False, "demo_synthetic_survey_2023_kobo.csv": True}


def test_discard_deletes_the_candidate(client, live: Path, tmp_path: Path) -> None:
    write_planted_errors(tmp_path / "wave.csv")
    staged = _stage_ready(Workspace(live), tmp_path / "wave.csv", "wave.csv")
    login(client)
    page_url = f"/admin/fr/uploads/{staged.id}"
    assert client.post(f"{page_url}/discard", data={"csrf_token": csrf(client, page_url)}).status_code == 302
    assert not Workspace(live).folder(staged.id).exists()
    assert client.get(page_url).status_code == 404
    assert json.loads(Layout(live).audit_log.read_text().splitlines()[-1])["action"] == "discard"


def test_a_candidate_built_before_another_publication_is_not_published(
    client, live: Path, tmp_path: Path
) -> None:
    write_planted_errors(tmp_path / "wave.csv")
    workspace = Workspace(live)
    staged = _stage_ready(workspace, tmp_path / "wave.csv", "late.csv")
    (live.parent / "landing" / "surveys").mkdir(parents=True)
    (live.parent / "landing" / "surveys" / "registry.json").write_text("[]")  # someone ingested
    before = live.stat().st_ino
    login(client)
    page_url = f"/admin/fr/uploads/{staged.id}"
    client.post(f"{page_url}/publish", data={"csrf_token": csrf(client, page_url)})
    assert live.stat().st_ino == before
    assert "ont changé depuis ce dépôt" in client.get(page_url).text


def test_unknown_or_malformed_upload_ids_are_not_found(client) -> None:
    login(client)
    for upload_id in (UPLOAD_ID, "..", "0123", UPLOAD_ID.upper()):
        assert client.get(f"/admin/fr/uploads/{upload_id}").status_code == 404
    missing = client.get(f"/admin/nl/uploads/{UPLOAD_ID}")
    assert (
        "Deze pagina of dit bestand bestaat niet (meer)." in missing.text and "Not Found" not in missing.text
    )


@pytest.mark.slow
def test_a_refused_file_shows_its_summary_and_cannot_be_published(client, live: Path, tmp_path: Path) -> None:
    """File-level checks: more than half the rows failing one rule."""
    write_planted_errors(tmp_path / "wave.csv")
    with (tmp_path / "wave.csv").open(encoding="utf-8", newline="") as handle:
        rows = list(csv.reader(handle, delimiter=";"))
    column = rows[0].index("profile/staff_fte")
    for row in rows[1:]:
        row[column] = "beaucoup"
    with (tmp_path / "shifted.csv").open("w", encoding="utf-8", newline="") as handle:
        csv.writer(handle, delimiter=";").writerows(rows)
    before = live.read_bytes()
    login(client, lang="en")
    page_url = upload(client, tmp_path / "shifted.csv", lang="en").headers["Location"]
    staged = Workspace(live).get(page_url.rsplit("/", 1)[-1])
    assert staged.status == "refused"
    page = client.get(page_url).text
    assert "File refused" in page and 'id="publish"' not in page
    assert "staff_fte" in page and "more than 50%" in page and "beaucoup" not in page
    assert re.search(r'<tr data-field="staff_fte" data-count="\d+" class="table-danger">', page)
    assert live.read_bytes() == before and not (live.parent / "landing" / "surveys").exists()
    assert "Bestand shifted.csv geweigerd" in client.get(page_url.replace("/en/", "/nl/")).text


@pytest.mark.slow
def test_the_report_shows_the_errors_grouped_above_the_rows(client, live: Path, tmp_path: Path) -> None:
    planted = write_planted_errors(tmp_path / "wave.csv")
    login(client, lang="en")
    page = client.get(upload(client, tmp_path / "wave.csv", lang="en").headers["Location"]).text
    counts = re.findall(r'<tr data-field="([^"]*)" data-count="(\d+)"', page)
    assert sum(int(n) for _, n in counts) == len(planted["errors"])
    assert page.index('id="summary"') < page.index('id="validation"')
