"""The ``/admin/<lang>/`` blueprint: login, uploads, report and preview, publish, discard.

Every route but the login page needs a session; every POST needs the session's CSRF token
(Flask-WTF's ``generate_csrf``/``validate_csrf``, checked here only, so the public Dash
callbacks are untouched). Errors are logged with a reference id shown to the user.

A session is valid only while its user's *session generation* in the users file is the one
it was opened with (:mod:`admin.accounts`): logout and a password reset draw a new one, so
every earlier session of that user ends, even a copy of its cookie. Every response under
``/admin`` carries ``Cache-Control: no-store``; messages name files, never server paths.
"""

from __future__ import annotations

import logging
import os
import re
import secrets
import tempfile
import threading
import time
from dataclasses import dataclass
from pathlib import Path

import flask
from flask_wtf.csrf import generate_csrf, validate_csrf
from werkzeug.exceptions import HTTPException, RequestEntityTooLarge
from werkzeug.utils import secure_filename
from werkzeug.wrappers import Response
from wtforms import ValidationError

from admin import accounts
from admin.i18n import text_for
from admin.preview import compare
from admin.sniff import sniff
from admin.staging import PublishBusyError, StaleUploadError, Upload, Workspace
from admin.throttle import LoginThrottle
from core.i18n import LANGUAGE_NAMES, format_number, negotiate_language, valid_language
from core.settings import settings
from etl.survey.filecheck import RULES, FileSummary, question_label
from etl.survey.readers import FORMATS
from pipeline import audit
from pipeline.survey import wave_range
from warehouse.layout import Layout
from warehouse.private import read_or_create_secret

log = logging.getLogger(__name__)
bp = flask.Blueprint("admin", __name__, url_prefix="/admin", template_folder="templates")
STYLESHEET = "/assets/vendor/bootstrap/bootstrap.min.css"  # the dashboard's vendored copy
MAX_UPLOAD_BYTES = 50 * 1024 * 1024
SESSION_SECONDS = 8 * 3600
_EXTENSION = "sector_monitor_admin"
PUBLIC_ENDPOINTS = {"admin.root", "admin.login"}


@dataclass
class AdminState:
    warehouse: Path
    workspace: Workspace
    throttle: LoginThrottle
    background: bool


def register_admin(server: flask.Flask, warehouse: str | os.PathLike[str], background: bool = True) -> None:
    """Mount the workspace on ``server`` for the warehouse at ``warehouse``.

    Sets the secret key (``<warehouse dir>/secrets/flask.key``, 0600, created on first use)
    and hardened session cookies (HttpOnly, SameSite=Strict, path ``/admin``; Secure when
    $SECTOR_MONITOR_ADMIN_SECURE_COOKIE=1, for https). ``background=False`` builds candidates
    within the upload request (tests)."""
    path = Path(warehouse).resolve()
    server.secret_key = read_or_create_secret(Layout(path).flask_key)
    server.config.update(
        SESSION_COOKIE_HTTPONLY=True,
        SESSION_COOKIE_SAMESITE="Strict",
        SESSION_COOKIE_PATH="/admin",
        SESSION_COOKIE_NAME="sm_admin",
        SESSION_COOKIE_SECURE=settings().admin_secure_cookie,
        WTF_CSRF_TIME_LIMIT=SESSION_SECONDS,
    )
    server.extensions[_EXTENSION] = AdminState(
        path, Workspace(path), LoginThrottle(Layout(path).throttle_db), background
    )
    server.register_blueprint(bp)
    server.after_request(_no_store)  # app-wide: also 404s under /admin that match no route


def _no_store(response: flask.Response) -> flask.Response:
    """Nothing of the workspace is kept by browsers or proxies (pages, reports, CSV)."""
    if flask.request.path == "/admin" or flask.request.path.startswith("/admin/"):
        response.headers["Cache-Control"] = "no-store"
        response.headers["Pragma"] = "no-cache"
        response.headers.pop("Expires", None)
        response.headers.pop("ETag", None)
        response.headers.pop("Last-Modified", None)
    return response


def state() -> AdminState:
    return flask.current_app.extensions[_EXTENSION]


def current_user() -> str | None:
    """The signed-in coordinator, if the session is recent, the account still exists and has
    not ended its sessions since (logout, password reset). Checked once per request."""
    if "admin_user" not in flask.g:
        flask.g.admin_user = _session_user()
    return flask.g.admin_user


def _session_user() -> str | None:
    user, since = flask.session.get("user"), flask.session.get("login_at", 0)
    generation = flask.session.get("generation")
    if not user or not isinstance(generation, str) or time.time() - since > SESSION_SECONDS:
        return None
    current = accounts.session_generation(Layout(state().warehouse).users, user)
    if current is None or not secrets.compare_digest(current, generation):
        return None
    return user


#: An absolute POSIX path of two or more parts (not a URL: no ':' or '/' just before it).
_ABSOLUTE_PATH = re.compile(r"(?<![\w:/.~-])/(?:[^\s/'\"«»()\[\]<>:;,]+/)+([^\s/'\"«»()\[\]<>:;,]+)")


def without_paths(message: str, known: dict[Path, str] | None = None) -> str:
    """``message`` with every absolute server path replaced by its file name (``known``: exact
    paths and their replacement, tried first, e.g. a staged file -> the uploaded name)."""
    for path, name in sorted((known or {}).items(), key=lambda kv: -len(str(kv[0]))):
        message = message.replace(str(path), name)
    return _ABSOLUTE_PATH.sub(lambda m: m.group(1), message)


def render(template: str, status: int = 200, **context) -> tuple[str, int]:
    lang = flask.g.lang
    endpoint, view_args = flask.request.endpoint, flask.request.view_args
    # only called for requests routed to this blueprint, which have both
    assert endpoint is not None and view_args is not None
    links = {code: flask.url_for(endpoint, **{**view_args, "lang": code}) for code in LANGUAGE_NAMES}
    return flask.render_template(
        f"admin/{template}",
        t=text_for(lang),
        lang=lang,
        user=current_user(),
        csrf_token=generate_csrf(),
        languages=LANGUAGE_NAMES,
        language_links=links,
        stylesheet=STYLESHEET,
        number=lambda v, d=1: format_number(v, lang, d),
        **context,
    ), status


def audit_event(action: str, **details) -> None:
    audit.record(
        Layout(state().warehouse).audit_log,
        current_user() or "-",
        action,
        address=flask.request.remote_addr,
        **details,
    )


@bp.url_value_preprocessor
def take_language(endpoint: str | None, values: dict | None) -> None:
    lang = (values or {}).pop("lang", None)
    flask.g.lang = (
        valid_language(lang)
        or valid_language(flask.request.args.get("lang"))
        or negotiate_language(flask.request.headers.get("Accept-Language"))
    )
    if lang is not None and valid_language(lang) is None:
        flask.abort(404)


@bp.url_defaults
def add_language(endpoint: str, values: dict) -> None:
    if endpoint != "admin.root":
        values.setdefault("lang", flask.g.lang)


@bp.before_request
def guard() -> Response | None:
    """Bound the body, check the CSRF token of every POST, then require a session."""
    flask.request.max_content_length = MAX_UPLOAD_BYTES
    if flask.request.method == "POST":
        try:
            validate_csrf(flask.request.form.get("csrf_token"))
        except ValidationError:
            flask.abort(403)
    if flask.request.endpoint in PUBLIC_ENDPOINTS or current_user():
        return None
    if flask.request.method == "GET":
        return flask.redirect(flask.url_for("admin.login"))
    flask.abort(403)


@bp.route("", strict_slashes=False)
def root() -> Response:
    return flask.redirect(flask.url_for("admin.home", lang=flask.g.lang))


@bp.route("/<lang>/login", methods=["GET", "POST"])
def login():
    t = text_for(flask.g.lang)
    if flask.request.method == "GET":
        return render("login.html")
    name = flask.request.form.get("username", "")[:64]
    password = flask.request.form.get("password", "")
    address = flask.request.remote_addr or "-"
    throttle, path = state().throttle, Layout(state().warehouse).users
    if not throttle.reserve(name, address):  # counted as a failure until it succeeds
        return render("login.html", 429, error=t("throttled"))
    if not accounts.verify(path, name, password):
        audit.record(Layout(state().warehouse).audit_log, name, "login_failed", address=address)
        return render("login.html", 401, error=t("bad_login"))
    throttle.succeeded(name, address)
    flask.session.clear()  # a new session (and CSRF token) after login
    flask.session.update(
        user=name, login_at=time.time(), generation=accounts.session_generation(path, name) or ""
    )
    flask.g.pop("admin_user", None)
    audit_event("login")
    return flask.redirect(flask.url_for("admin.home"))


@bp.route("/<lang>/logout", methods=["POST"])
def logout() -> Response:
    """End every session of this user (this one and copies of any earlier cookie)."""
    audit_event("logout")
    user = current_user()
    if user is not None:  # always set here: guard() requires a session
        accounts.end_sessions(Layout(state().warehouse).users, user)
    flask.session.clear()
    flask.g.admin_user = None
    flask.flash(text_for(flask.g.lang)("logged_out"))
    return flask.redirect(flask.url_for("admin.login"))


#: The actions of the audit log (pipeline.audit), each shown by its ``audit_<action>`` text.
AUDIT_ACTIONS = ("login", "login_failed", "logout", "upload", "publish", "discard", "remove")
TOOL_NAMES = {"kobo": "KoboToolbox", "limesurvey": "LimeSurvey", "google_forms": "Google Forms"}


@bp.route("/<lang>/")
def home():
    t = text_for(flask.g.lang)
    return render(
        "home.html",
        uploads=state().workspace.pending(),
        formats={f: TOOL_NAMES.get(f) or t("format_spreadsheet") for f in FORMATS},
        landed=state().workspace.landed(),
        history=audit.entries(Layout(state().warehouse).audit_log, 10),
        actions={a: t(f"audit_{a}") for a in AUDIT_ACTIONS},
        waves=wave_range(),
    )


@bp.route("/<lang>/files/<int:wave>/quarantine.csv")
def landed_quarantine(wave: int) -> Response:
    """The rows of a landed file still in quarantine (CSV to correct and upload again)."""
    name = flask.request.args.get("name", "")
    path = state().workspace.landed_quarantine(name, wave)
    if path is None:
        flask.abort(404)
    return flask.send_file(
        path, mimetype="text/csv", as_attachment=True, download_name=f"{Path(name).stem}.quarantine.csv"
    )


@bp.route("/<lang>/files/remove", methods=["POST"])
def remove_file() -> Response:
    """Take a landed file out of the published data (archived; warehouse rebuilt)."""
    t = text_for(flask.g.lang)
    name, wave = flask.request.form.get("name", ""), _wave(flask.request.form.get("wave"))
    if wave is None or not name:
        flask.abort(400)
    try:
        result = state().workspace.remove(name, wave, current_user() or "-", flask.request.remote_addr)
    except PublishBusyError:
        flask.flash(t("publish_busy"))
        return flask.redirect(flask.url_for("admin.home"))
    if not result.ok:  # no such landed file
        flask.abort(404)
    flask.flash(t("removed").format(file=name, wave=wave))
    return flask.redirect(flask.url_for("admin.home"))


def _wave(text: str | None) -> int | None:
    try:
        wave = int(text or "")
    except ValueError:
        return None
    first, last = wave_range()
    return wave if first <= wave <= last else None


@bp.route("/<lang>/uploads", methods=["POST"])
def upload() -> Response:
    t = text_for(flask.g.lang)
    received = flask.request.files.get("file")
    name = secure_filename(received.filename or "") if received else ""
    wave = _wave(flask.request.form.get("wave"))
    fmt = flask.request.form.get("format", "auto")
    if wave is None:
        flask.flash(t("bad_wave"))
        return flask.redirect(flask.url_for("admin.home"))
    workspace = state().workspace
    workspace.root.mkdir(parents=True, exist_ok=True)
    descriptor, tmp_name = tempfile.mkstemp(dir=workspace.root, prefix=".upload-")
    os.close(descriptor)
    tmp = Path(tmp_name)
    try:
        if received:
            received.save(tmp)
        if not name or fmt not in ("auto", *FORMATS) or sniff(tmp, name) is None:
            flask.flash(t("bad_file"))
            return flask.redirect(flask.url_for("admin.home"))
        declared = {"yes": True, "no": False}.get(flask.request.form.get("synthetic", ""))  # None: as before
        staged = workspace.stage(tmp, name, wave, fmt, current_user() or "-", declared, flask.g.lang)
    finally:
        tmp.unlink(missing_ok=True)
    audit_event("upload", **staged.audit_details())
    if state().background:
        threading.Thread(
            target=workspace.build_candidate, args=(staged,), daemon=True, name=f"candidate-{staged.id}"
        ).start()
    else:
        workspace.build_candidate(staged)
    return flask.redirect(flask.url_for("admin.show_upload", upload_id=staged.id))


def _staged(upload_id: str) -> Upload:
    staged = state().workspace.get(upload_id)
    if staged is None:
        flask.abort(404)
    return staged


@bp.route("/<lang>/uploads/<upload_id>")
def show_upload(upload_id: str):
    staged = _staged(upload_id)
    workspace, lang = state().workspace, flask.g.lang
    ready = staged.status == "ready"
    known = {
        workspace.input_file(staged): staged.file_name,
        workspace.folder(staged.id): "",
        state().warehouse.parent: "",
    }
    error = staged.error.get(lang) or staged.error.get("en") or ""
    summary = workspace.summary(staged)
    return render(
        "upload.html",
        upload=staged,
        error_message=without_paths(error, known),
        summary=summary,
        causes=summary_rows(summary, lang) if summary else [],
        errors=[
            (line, field, without_paths(message, known))
            for line, field, message in workspace.validation_rows(staged, lang)
        ],
        has_quarantine=ready and workspace.quarantine_file(staged) is not None,
        preview=compare(
            state().warehouse, workspace.candidate(staged), lang, text_for(lang)("pressure_index")
        )
        if ready
        else [],
    )


def summary_rows(summary: FileSummary, lang: str) -> list[dict[str, object]]:
    """The errors of a file grouped by question and rule, for the report page."""
    return [
        {
            "field": c.field or "",
            "question": question_label(c.field, lang),
            "rule": RULES[c.rule][lang],
            "count": c.count,
            "share": c.count / summary.rows if summary.rows else 0,
            "lines": ", ".join(map(str, c.first_lines)),
            "dominant": c in summary.dominant,
        }
        for c in summary.causes
    ]


@bp.route("/<lang>/uploads/<upload_id>/quarantine.csv")
def quarantine(upload_id: str) -> Response:
    staged = _staged(upload_id)
    path = state().workspace.quarantine_file(staged)
    if path is None:
        flask.abort(404)
    return flask.send_file(
        path,
        mimetype="text/csv",
        as_attachment=True,
        download_name=f"{Path(staged.file_name).stem}.quarantine.csv",
    )


@bp.route("/<lang>/uploads/<upload_id>/publish", methods=["POST"])
def publish(upload_id: str) -> Response:
    staged, t = _staged(upload_id), text_for(flask.g.lang)
    try:
        state().workspace.publish(staged)
    except PublishBusyError:
        flask.flash(t("publish_busy"))
        return flask.redirect(flask.url_for("admin.show_upload", upload_id=upload_id))
    except StaleUploadError:
        flask.flash(t("stale"))
        return flask.redirect(flask.url_for("admin.show_upload", upload_id=upload_id))
    audit_event("publish", **staged.audit_details())
    flask.flash(t("published"))
    return flask.redirect(flask.url_for("admin.home"))


@bp.route("/<lang>/uploads/<upload_id>/discard", methods=["POST"])
def discard(upload_id: str) -> Response:
    staged = _staged(upload_id)
    state().workspace.discard(staged)
    audit_event("discard", **staged.audit_details())
    flask.flash(text_for(flask.g.lang)("discarded"))
    return flask.redirect(flask.url_for("admin.home"))


@bp.errorhandler(RequestEntityTooLarge)
def too_large(_: RequestEntityTooLarge):
    return render("message.html", 413, message=text_for(flask.g.lang)("too_large"))


#: What a coordinator reads for the HTTP errors the workspace raises (others: their short name).
HTTP_MESSAGES = {400: "http_bad_request", 403: "http_forbidden", 404: "http_not_found"}


@bp.errorhandler(Exception)
def short_error(error: Exception):
    """HTTP errors as a page in the user's language with a way back; anything else logged with a
    reference id."""
    if isinstance(error, HTTPException):
        code = error.code or 500
        if code not in HTTP_MESSAGES or flask.request.view_args is None or not hasattr(flask.g, "lang"):
            return f"{code} {error.name}", code, {"Content-Type": "text/plain"}
        return render("message.html", code, message=text_for(flask.g.lang)(HTTP_MESSAGES[code]))
    ref = secrets.token_hex(4)
    log.exception("admin error on %s (ref %s)", flask.request.path, ref)
    if not hasattr(flask.g, "lang"):
        flask.g.lang = "en"
    return render("message.html", 500, message=f"{text_for(flask.g.lang)('error_ref')} {ref}")
