"""Real 404 and 405 answers around Dash's catch-all route.

Dash serves its index page for every GET that no other route takes (``/<path:path>``), and a
page's path template such as ``/<lang>`` matches any path. Without a check, ``/xyz`` or
``/fr/nothing`` would answer 200 with the home page (a soft 404). A ``before_request`` hook
lets the catch-all serve only the paths of registered pages (with a known language, theme...);
any other address gets a 404: a short page in the visitor's language (language of the path
prefix, else of ``Accept-Language``) with a link home, or JSON under ``/api/`` (the API's
error schema). A path that exists for other methods gets a 405 with ``Allow`` (RFC 9110).
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable, Iterable
from html import escape

import dash
import flask
from werkzeug.exceptions import MethodNotAllowed, NotFound
from werkzeug.routing import Map, RequestRedirect

from core.i18n import LANGUAGE_NAMES, LANGUAGES, negotiate_language
from dashboard.components import THEME_SLUGS
from dashboard.i18n import gettext_for

#: Dash's catch-all rule serving the index page.
CATCH_ALL = "/<path:path>"
#: Rules that answer every path under a prefix themselves (not "real" addresses).
FALLBACK_ENDPOINTS = frozenset({"api_v1.not_found"})
API_PREFIX = "/api/"
BOOTSTRAP_CSS = "/assets/vendor/bootstrap/bootstrap.min.css"

#: Allowed values of the variables of page path templates; other variables take any segment.
PATH_VARIABLES: dict[str, Callable[[str], bool]] = {
    "lang": lambda value: value in LANGUAGES,
    "theme": lambda value: value in THEME_SLUGS.values(),
}


def _template_pattern(template: str) -> re.Pattern[str]:
    """A strict pattern of a Dash path template: one variable is one non-empty path segment."""
    parts = re.split(r"(<[^<>]+>)", template.strip("/"))
    regex = "".join(f"(?P<{p[1:-1]}>[^/]+)" if p.startswith("<") else re.escape(p) for p in parts)
    return re.compile(f"^{regex}$")


def is_page(path: str) -> bool:
    """Whether ``path`` is the address of a registered Dash page with acceptable variables."""
    relative = path.strip("/")
    for page in dash.page_registry.values():
        template = page.get("path_template")
        if not template:
            if relative == page["path"].strip("/"):
                return True
            continue
        match = _template_pattern(template).match(relative)
        if match and all(PATH_VARIABLES.get(name, bool)(value) for name, value in match.groupdict().items()):
            return True
    return False


def visitor_language(path: str) -> str:
    """The language of the path prefix (``/fr``, ``/nl``, ``/en``), else of a ``lang`` query
    parameter (a download), else of Accept-Language."""
    first = path.strip("/").split("/")[0]
    if first in LANGUAGES:
        return first
    if (asked := flask.request.args.get("lang")) in LANGUAGES:
        return str(asked)
    return negotiate_language(flask.request.headers.get("Accept-Language"))


def _text(text: str) -> str:
    """``text`` escaped for an HTML text node (apostrophes stay as they are)."""
    return escape(text, quote=False)


def not_found_page(lang: str) -> str:
    """A short HTML page saying the address is unknown, in ``lang``, with a link home."""
    _ = gettext_for(lang)
    title = _text(_("Page not found"))
    site = _text(_("Brussels social sector monitor"))
    explanation = _text(
        _("There is no page at this address. The link may be mistaken or the page may have moved.")
    )
    home = _text(_("Go to the home page"))
    language = escape(_("Language"))  # an attribute value
    others = "".join(
        f'<li class="list-inline-item"><a href="/{code}" lang="{code}" hreflang="{code}">'
        f"{_text(LANGUAGE_NAMES[code])}</a></li>"
        for code in LANGUAGES
        if code != lang
    )
    return (
        f'<!DOCTYPE html>\n<html lang="{lang}">\n<head>\n<meta charset="utf-8">\n'
        '<meta name="viewport" content="width=device-width, initial-scale=1">\n'
        '<meta name="robots" content="noindex">\n'
        f"<title>{title} · {site}</title>\n"
        f'<link rel="stylesheet" href="{BOOTSTRAP_CSS}">\n</head>\n<body>\n'
        '<main id="main" class="container py-5">\n'
        f'<h1 class="h3">{title}</h1>\n<p>{explanation}</p>\n'
        f'<p><a class="btn btn-primary" href="/{lang}">{home}</a></p>\n'
        f'<nav aria-label="{language}"><ul class="list-inline">{others}</ul></nav>\n'
        "</main>\n</body>\n</html>\n"
    )


def api_error(status: int, message: str) -> flask.Response:
    """A JSON error of the API's error schema."""
    return flask.Response(
        json.dumps({"status": status, "error": message, "parameter": None}),
        status=status,
        mimetype="application/json",
    )


def not_found_response() -> flask.Response:
    """404 for the current request: JSON under ``/api/``, else the page in the visitor's language."""
    path = flask.request.path
    if path.startswith(API_PREFIX) or path == API_PREFIX.rstrip("/"):
        return api_error(404, f"no such endpoint: {path}")
    lang = visitor_language(path)
    response = flask.Response(not_found_page(lang), status=404, mimetype="text/html")
    response.headers["Content-Language"] = lang
    if path.strip("/").split("/")[0] not in LANGUAGES:
        response.vary.add("Accept-Language")
    return response


def method_not_allowed_response(allowed: Iterable[str]) -> flask.Response:
    """405 for the current request with the ``Allow`` header of the methods the path takes."""
    allow = ", ".join(sorted(set(allowed)))
    if flask.request.path.startswith(API_PREFIX):
        response = api_error(405, "Method Not Allowed")
    else:
        response = flask.Response("405 Method Not Allowed", status=405, mimetype="text/plain")
    response.headers["Allow"] = allow
    return response


def install_routing(app: dash.Dash) -> None:
    """Let Dash's catch-all serve only page addresses; 404/405 for every other request."""
    server = app.server
    routes: list[Map] = []

    def real_routes() -> Map:
        """The server's routes without the catch-alls (built on the first request, when every
        blueprint is registered)."""
        if not routes:
            rules = [
                rule.empty()
                for rule in server.url_map.iter_rules()
                if rule.rule != CATCH_ALL and rule.endpoint not in FALLBACK_ENDPOINTS
            ]
            routes.append(
                Map(
                    rules,
                    strict_slashes=server.url_map.strict_slashes,
                    merge_slashes=server.url_map.merge_slashes,
                )
            )
        return routes[0]

    @server.before_request
    def answer_unknown_addresses() -> flask.Response | None:
        request = flask.request
        rule = request.url_rule
        if rule is not None and rule.rule != CATCH_ALL:
            return None  # a real route (or the API's own JSON 404)
        if isinstance(request.routing_exception, RequestRedirect):
            return None
        if is_page(request.path):
            return None  # Dash serves the page (or Flask answers 405 for other methods)
        adapter = real_routes().bind(request.host, script_name=request.script_root or None)
        try:
            adapter.match(request.path, method=request.method)
        except MethodNotAllowed as error:
            return method_not_allowed_response(error.valid_methods or ())
        except NotFound:
            return not_found_response()
        except RequestRedirect:
            return None
        return None
