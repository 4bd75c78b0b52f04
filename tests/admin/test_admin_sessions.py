"""The coordinator workspace's sessions and login limits under attack: revoked sessions
(logout, password reset), concurrent and many-name login attempts, no caching of admin
responses and no server path in messages."""

from __future__ import annotations

import json
import re
import shutil
import stat
import threading
from pathlib import Path

import pytest
from admin_client import PASSWORD, USER, csrf, login, upload
from support import cli_in_process

from admin import accounts
from admin.throttle import MAX_ADDRESS_FAILURES, MAX_FAILURES, LoginThrottle
from admin.views import without_paths
from sector_monitor.web import create_app
from warehouse.layout import Layout

COOKIE = "sm_admin"
SOME_UPLOAD = "/admin/en/uploads/0123456789abcdef"


@pytest.fixture()
def live(warehouse_path: Path, tmp_path: Path) -> Path:
    folder = tmp_path / "deploy"
    shutil.copytree(warehouse_path.parent, folder)
    path = folder / warehouse_path.name
    accounts.add_user(Layout(path).users, USER, PASSWORD)
    accounts.add_user(Layout(path).users, "colleague", PASSWORD)
    return path


@pytest.fixture()
def app(live: Path):
    server = create_app(live).server
    server.extensions["sector_monitor_admin"].background = False
    return server


def saved_session(client) -> str:
    return client.get_cookie(COOKIE, path="/admin").value


def replay(app, cookie: str):
    """A new browser holding only the copy ``cookie`` of an earlier session."""
    thief = app.test_client()
    thief.set_cookie(COOKIE, cookie, path="/admin")
    return thief


def assert_session_works(client, token: str) -> None:
    assert client.get("/admin/en/").status_code == 200
    # An authorised POST of an unknown upload: 404 (past the session and CSRF checks).
    assert client.post(f"{SOME_UPLOAD}/discard", data={"csrf_token": token}).status_code == 404


def assert_session_ended(client, token: str) -> None:
    home = client.get("/admin/en/")
    assert home.status_code == 302 and home.headers["Location"].endswith("/login")
    assert client.post(f"{SOME_UPLOAD}/discard", data={"csrf_token": token}).status_code == 403
    assert client.post("/admin/en/uploads", data={"csrf_token": token, "wave": "2024"}).status_code == 403


def test_logout_ends_every_earlier_session_of_the_user(app) -> None:
    first, second, other = app.test_client(), app.test_client(), app.test_client()
    login(first, lang="en")
    login(second, lang="en")
    other.post(
        "/admin/en/login",
        data={"username": "colleague", "password": PASSWORD, "csrf_token": csrf(other, "/admin/en/login")},
    )
    token, cookie = csrf(first, "/admin/en/"), saved_session(first)
    second_token = csrf(second, "/admin/en/")
    assert_session_works(replay(app, cookie), token)  # a copy works while the session lives

    assert first.post("/admin/en/logout", data={"csrf_token": token}).status_code == 302
    assert_session_ended(replay(app, cookie), token)
    assert_session_ended(second, second_token)  # the user's other browser too
    assert other.get("/admin/en/").status_code == 200  # another user is not affected
    login(first, lang="en")  # and the user can sign in again
    assert_session_works(first, csrf(first, "/admin/en/"))


def test_password_reset_ends_every_earlier_session(app, live: Path, monkeypatch) -> None:
    client = app.test_client()
    login(client, lang="en")
    token, cookie = csrf(client, "/admin/en/"), saved_session(client)
    assert_session_works(replay(app, cookie), token)
    answers = iter(["a brand new secret"] * 2)
    monkeypatch.setattr("getpass.getpass", lambda prompt="": next(answers))
    assert cli_in_process("admin", "add-user", USER, "--warehouse", str(live)) == 0
    assert_session_ended(client, token)
    assert_session_ended(replay(app, cookie), token)
    assert login(client, lang="en").status_code == 401  # the old password is gone
    assert login(client, "a brand new secret", lang="en").status_code == 302
    assert_session_works(client, csrf(client, "/admin/en/"))


def test_sessions_of_a_deleted_account_end(app, live: Path) -> None:
    client = app.test_client()
    login(client, lang="en")
    token = csrf(client, "/admin/en/")
    path = Layout(live).users
    users = json.loads(path.read_text())
    del users["users"][USER]
    path.write_text(json.dumps(users))
    assert_session_ended(client, token)


def test_users_file_stays_private_after_logout(app, live: Path) -> None:
    client = app.test_client()
    login(client)
    client.post("/admin/fr/logout", data={"csrf_token": csrf(client, "/admin/fr/")})
    path = Layout(live).users
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    assert stat.S_IMODE(path.with_name(path.name + ".lock").stat().st_mode) == 0o600
    assert stat.S_IMODE(Layout(live).throttle_db.stat().st_mode) == 0o600
    assert set(json.loads(path.read_text())["users"]) == {USER, "colleague"}


def test_concurrent_password_resets_and_logouts_lose_nothing(live: Path) -> None:
    path = Layout(live).users
    names = [f"user{i}" for i in range(8)]

    def work(name: str) -> None:
        accounts.add_user(path, name, PASSWORD)
        accounts.end_sessions(path, USER)

    threads = [threading.Thread(target=work, args=(name,)) for name in names]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    assert set(accounts.load_users(path)) == {USER, "colleague", *names}


def _concurrent_logins(app, attempts: list[tuple[str, str]], address: str = "127.0.0.1") -> list[int]:
    """POST every (user, password) of ``attempts`` at once, each from its own browser."""
    clients = [app.test_client() for _ in attempts]
    for client in clients:
        client.environ_base["REMOTE_ADDR"] = address
    tokens = [csrf(client, "/admin/en/login") for client in clients]
    start, codes = threading.Barrier(len(attempts)), [0] * len(attempts)

    def attempt(i: int) -> None:
        start.wait(timeout=30)
        name, password = attempts[i]
        codes[i] = (
            clients[i]
            .post("/admin/en/login", data={"username": name, "password": password, "csrf_token": tokens[i]})
            .status_code
        )

    threads = [threading.Thread(target=attempt, args=(i,)) for i in range(len(attempts))]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=120)
    return codes


def test_concurrent_wrong_logins_get_no_more_than_the_limit(app, live: Path) -> None:
    codes = _concurrent_logins(app, [(USER, "wrong password")] * 30)
    assert codes.count(401) == MAX_FAILURES and codes.count(429) == 30 - MAX_FAILURES
    failed = [json.loads(line)["action"] for line in Layout(live).audit_log.read_text().splitlines()]
    assert failed.count("login_failed") == MAX_FAILURES
    client = app.test_client()
    assert login(client).status_code == 429  # even the right password, from this address
    client.environ_base["REMOTE_ADDR"] = "192.0.2.7"
    assert login(client).status_code == 302  # the user from elsewhere is not locked out


@pytest.mark.slow
def test_many_user_names_from_one_address_are_throttled(app) -> None:
    attempts = [(f"guess{i}", "wrong password") for i in range(MAX_ADDRESS_FAILURES + 10)]
    codes = _concurrent_logins(app, attempts, "198.51.100.4")
    assert codes.count(401) == MAX_ADDRESS_FAILURES and codes.count(429) == 10
    client = app.test_client()
    client.environ_base["REMOTE_ADDR"] = "198.51.100.4"
    assert login(client).status_code == 429  # a never-tried name too, from that address
    client.environ_base["REMOTE_ADDR"] = "198.51.100.5"
    assert login(client).status_code == 302


def test_throttle_reservations_are_atomic_across_threads(tmp_path: Path) -> None:
    throttle = LoginThrottle(tmp_path / "t.sqlite3", max_failures=3, max_address_failures=7)
    results: list[tuple[str, bool]] = []
    lock = threading.Lock()

    def attempt(user: str) -> None:
        allowed = throttle.reserve(user, "203.0.113.1")
        with lock:
            results.append((user, allowed))

    threads = [threading.Thread(target=attempt, args=(f"u{i % 4}",)) for i in range(40)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    granted = [user for user, allowed in results if allowed]
    assert len(granted) == 7  # the address's limit
    assert max(granted.count(f"u{i}") for i in range(4)) <= 3  # no user got more than 3
    assert throttle.blocked("u9", "203.0.113.1") and not throttle.blocked("u0", "203.0.113.2")
    # which users the threads' scheduling served varies: forget the attempts of one that was
    throttle.succeeded(granted[0], "203.0.113.1")  # only its attempts from that address
    assert throttle.reserve("u9", "203.0.113.1")


def test_every_admin_response_is_not_stored(app, live: Path, tmp_path: Path) -> None:
    client = app.test_client()
    responses = [
        client.get("/admin"),
        client.get("/admin/?lang=nl"),
        client.get("/admin/fr/"),
        client.get("/admin/fr/login"),
        client.get("/admin/xx/login"),
        client.get("/admin/fr/nothing/here"),
        client.post("/admin/fr/logout"),
        login(client, "wrong password"),
        login(client),
    ]
    (tmp_path / "wave.csv").write_text("a;b\n1;2\n", encoding="utf-8")
    responses += [
        client.get("/admin/fr/"),
        upload(client, tmp_path / "wave.csv"),
        client.get(f"{SOME_UPLOAD}/quarantine.csv"),
    ]
    for response in responses:
        assert response.headers.get("Cache-Control") == "no-store", response.request.path
    assert {r.status_code for r in responses} >= {200, 302, 401, 403, 404}


def test_upload_errors_show_the_file_name_not_server_paths(app, live: Path, tmp_path: Path) -> None:
    client = app.test_client()
    login(client, lang="en")
    odd = tmp_path / "odd.csv"
    odd.write_text("a;b\n1;2\n", encoding="utf-8")
    page_url = upload(client, odd, name="my export.csv", lang="en").headers["Location"]
    page = client.get(page_url).text
    message = re.search(r'id="upload-error"[^>]*>([^<]+)<', page).group(1)
    assert "my_export.csv" in message and "format not recognised" in message
    assert str(live.parent) not in page and str(tmp_path) not in page
    assert "/staging/" not in page and "/input/" not in page
    for lang in ("fr", "nl"):
        assert str(live.parent) not in client.get(page_url.replace("/en/", f"/{lang}/")).text


def test_without_paths() -> None:
    assert without_paths("File /srv/x/admin/staging/ab/input/w.csv: bad") == "File w.csv: bad"
    assert without_paths("Fichier /a/b/c.xlsx : feuille « /x/y/Z »") == "Fichier c.xlsx : feuille « Z »"
    known = {Path("/srv/my deploy/in put/w 1.csv"): "w 1.csv"}
    assert without_paths("File /srv/my deploy/in put/w 1.csv: bad", known) == "File w 1.csv: bad"
    kept = "see https://example.org/a/b, 1/2/3 and ratio 3/4"
    assert without_paths(kept) == kept
