"""HTTP hardening: security headers on every response, short error pages without traces."""

from __future__ import annotations

import logging

import dash
import flask
from werkzeug.exceptions import HTTPException

log = logging.getLogger(__name__)


def content_security_policy(script_hashes: list[str]) -> str:
    """A CSP allowing only this host; inline scripts only by hash (Dash's renderer bootstrap).

    ``style-src 'unsafe-inline'`` is needed by plotly.js, which writes ``<style>`` rules at
    run time; scripts stay strict (no inline script without hash, no ``eval``).
    """
    directives = {
        "default-src": ["'self'"],
        "script-src": ["'self'", *script_hashes],
        "style-src": ["'self'", "'unsafe-inline'"],
        "img-src": ["'self'", "data:", "blob:"],
        "font-src": ["'self'", "data:"],
        "connect-src": ["'self'"],
        "object-src": ["'none'"],
        "base-uri": ["'self'"],
        "form-action": ["'self'"],
        "frame-ancestors": ["'none'"],
    }
    return "; ".join(f"{name} {' '.join(values)}" for name, values in directives.items())


def install_security(app: dash.Dash) -> None:
    """Add security headers to every response and replace error pages by a short message."""
    server = app.server

    @server.after_request
    def add_headers(response: flask.Response) -> flask.Response:
        response.headers["Content-Security-Policy"] = content_security_policy(
            list(app.csp_hashes()))
        response.headers["X-Content-Type-Options"] = "nosniff"
        response.headers["Referrer-Policy"] = "strict-origin-when-cross-origin"
        response.headers["X-Frame-Options"] = "DENY"
        response.headers["Cross-Origin-Opener-Policy"] = "same-origin"
        response.headers["Permissions-Policy"] = "camera=(), microphone=(), geolocation=()"
        return response

    @server.errorhandler(Exception)
    def short_error(error: Exception) -> tuple[str, int, dict[str, str]]:
        if isinstance(error, HTTPException):
            code, text = error.code or 500, error.name
        else:
            log.exception("unhandled error on %s", flask.request.path)
            code, text = 500, "Internal error. Please try again later."
        return f"{code} {text}", code, {"Content-Type": "text/plain; charset=utf-8"}
