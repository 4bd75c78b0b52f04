"""The trilingual public dashboard, mounted on a Flask server by the web root
(:mod:`sector_monitor.web`)."""

from __future__ import annotations

from html import escape
from pathlib import Path
from typing import Any

import dash
import flask
from flask_caching import Cache
from werkzeug.wrappers import Response

from core.i18n import negotiate_language
from dashboard.callback_guard import install_callback_guard
from dashboard.chrome import frame_layout, language_of_path, register_frame_callbacks
from dashboard.data import PublicData, install
from dashboard.downloads import register_downloads
from dashboard.i18n import gettext_for
from dashboard.routing import install_routing
from dashboard.security import install_security
from warehouse.reader import Reader

PACKAGE_DIR = Path(__file__).resolve().parent
BOOTSTRAP_CSS = "/assets/vendor/bootstrap/bootstrap.min.css"


class LocalisedDash(dash.Dash):
    """Dash whose first HTML response already carries ``<html lang>`` and the site's title in
    the language of the URL (what link previews and readers without JavaScript see)."""

    def interpolate_index(self, *args: Any, **kwargs: Any) -> str:
        lang = language_of_path(flask.request.path)
        if "title" in kwargs:
            kwargs["title"] = escape(gettext_for(lang)("Brussels social sector monitor"))
        html: str = super().interpolate_index(*args, **kwargs)
        return html.replace("<html>", f'<html lang="{lang}">', 1)


def create_dashboard(server: flask.Flask, reader: Reader) -> dash.Dash:
    """The dashboard on ``server``, reading the public views of the warehouse through ``reader``.

    Besides its pages and downloads, it answers for the whole server: ``/`` redirects to the
    visitor's language, unknown addresses get a 404 (JSON under ``/api/``), and every response
    carries the security headers. The warehouse may not exist yet or be rebuilt while the app
    runs: pages then say the data is not available, and pick up the new build on the next
    request.
    """
    app = LocalisedDash(
        __name__,
        server=server,  # type: ignore[arg-type]  # Dash types it bool | Callable; a Flask server is documented
        use_pages=True,
        pages_folder=str(PACKAGE_DIR / "pages"),
        assets_folder=str(PACKAGE_DIR / "assets"),
        assets_ignore=r"vendor/.*",
        external_stylesheets=[BOOTSTRAP_CSS],
        title="Brussels social sector monitor",
        update_title=None,  # type: ignore[arg-type]  # Dash types it str; None is documented (no title change)
        suppress_callback_exceptions=True,
        serve_locally=True,
    )
    cache = Cache(
        server, config={"CACHE_TYPE": "SimpleCache", "CACHE_DEFAULT_TIMEOUT": 3600, "CACHE_THRESHOLD": 2000}
    )
    install(server, PublicData(reader, cache))

    @server.before_request
    def redirect_root() -> Response | None:
        if flask.request.path == "/" and flask.request.method in ("GET", "HEAD"):
            lang = negotiate_language(flask.request.headers.get("Accept-Language"))
            response = flask.redirect(f"/{lang}", code=302)
            response.headers["Vary"] = "Accept-Language"
            return response
        return None

    install_routing(app)
    install_callback_guard(app)
    app.layout = frame_layout()
    register_frame_callbacks(app)
    register_downloads(server)
    install_security(app)
    return app
