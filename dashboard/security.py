"""HTTP hardening: security headers on every response, short error pages without traces
(404 in the visitor's language, 405 with ``Allow``, JSON under ``/api/``)."""

from __future__ import annotations

import logging

import dash
import flask
from dash.exceptions import DependencyException
from werkzeug.exceptions import HTTPException, MethodNotAllowed, NotFound

from dashboard.routing import API_PREFIX, api_error, method_not_allowed_response, not_found_response

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
        response.headers["Content-Security-Policy"] = content_security_policy(list(app.csp_hashes()))
        response.headers["X-Content-Type-Options"] = "nosniff"
        response.headers["Referrer-Policy"] = "strict-origin-when-cross-origin"
        response.headers["X-Frame-Options"] = "DENY"
        response.headers["Cross-Origin-Opener-Policy"] = "same-origin"
        response.headers["Permissions-Policy"] = "camera=(), microphone=(), geolocation=()"
        return response

    @server.errorhandler(Exception)
    def short_error(error: Exception) -> flask.Response:
        if isinstance(error, NotFound) or (  # Dash's answer to an unknown script path
            isinstance(error, DependencyException)
            and flask.request.path.startswith("/_dash-component-suites/")
        ):
            return not_found_response()
        if isinstance(error, MethodNotAllowed):
            return method_not_allowed_response(error.valid_methods or ())
        headers: dict[str, str] = {}
        if isinstance(error, HTTPException):
            code, text = error.code or 500, error.name
            # keep what the error says in headers (Retry-After, WWW-Authenticate...)
            headers = {k: v for k, v in error.get_headers() if k.lower() != "content-type"}
        else:
            log.exception("unhandled error on %s", flask.request.path)
            code, text = 500, "Internal error. Please try again later."
        if flask.request.path.startswith(API_PREFIX):
            response = api_error(code, text)
        else:
            response = flask.Response(f"{code} {text}", status=code, mimetype="text/plain")
        response.headers.update(headers)
        return response
