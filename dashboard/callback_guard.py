"""Requests to Dash's callback endpoint checked before Dash runs them: malformed ones get 400.

Dash's dispatcher trusts the JSON body the renderer posts to ``/_dash-update-component``: a
body that is not an object, lacks ``output``/``inputs``, names an unknown callback, component
or property, or carries a value of the wrong type raises KeyError, AttributeError, TypeError
or a database error in a callback, which the server answered with 500. A ``before_request``
hook checks the envelope against the callback's declared dependencies (as the renderer builds
it: ``output``, ``outputs``, ``inputs``, ``state``, ``changedPropIds``) and every input and
state value against the kind declared below for that component property, and answers 400
with a short reason otherwise. Only then does Dash run the callback.

Values of the right type but unknown (an indicator id that does not exist...) are the
callbacks' business: they show "not found" or keep the page as it is (Dash's 204).
"""

from __future__ import annotations

import json
import logging
import math
from collections.abc import Callable
from fnmatch import fnmatchcase
from typing import Any
from urllib.parse import parse_qsl

import dash
import flask
from dash._utils import stringify_id

log = logging.getLogger(__name__)

Check = Callable[[Any], bool]
MAX_TEXT = 2000
MAX_ITEMS = 500
#: Keys the renderer sends (``parsedChangedPropsIds`` since Dash 3); others are refused.
BODY_KEYS = frozenset({"output", "outputs", "inputs", "state", "changedPropIds", "parsedChangedPropsIds"})


def text(value: Any) -> bool:
    """A string choice (or nothing chosen)."""
    return value is None or (isinstance(value, str) and len(value) <= MAX_TEXT)


def texts(value: Any) -> bool:
    """A list of string choices (a multi-select), or nothing."""
    return value is None or (
        isinstance(value, list)
        and len(value) <= MAX_ITEMS
        and all(isinstance(v, str) and len(v) <= MAX_TEXT for v in value)
    )


def pathname(value: Any) -> bool:
    """The path of the browser's address."""
    return isinstance(value, str) and value.startswith("/") and len(value) <= MAX_TEXT


def search(value: Any) -> bool:
    """The query string of the browser's address, each parameter at most once (Dash's router
    passes repeated parameters to page layouts as lists)."""
    if value is None or value == "":
        return True
    if not (isinstance(value, str) and value.startswith("?") and len(value) <= 4 * MAX_TEXT):
        return False
    names = [name for name, _ in parse_qsl(value[1:], keep_blank_values=True)]
    return len(names) == len(set(names))


def number(low: float, high: float) -> Check:
    """A finite number in [low, high] (not a boolean), or nothing."""

    def check(value: Any) -> bool:
        return value is None or (
            isinstance(value, int | float)
            and not isinstance(value, bool)
            and math.isfinite(value)
            and low <= value <= high
        )

    return check


def count(value: Any) -> bool:
    """A click count."""
    return value is None or (isinstance(value, int) and not isinstance(value, bool) and value >= 0)


def sort_order(value: Any) -> bool:
    """The explorer table's ``[column, ascending]``, or nothing."""
    return value is None or (
        isinstance(value, list)
        and len(value) == 2
        and isinstance(value[0], str)
        and len(value[0]) <= 100
        and isinstance(value[1], bool)
    )


#: Kind of the value of each (component id, property) a server callback reads; an id is a
#: glob, and a dictionary id is named by its ``type``. tests/dashboard/test_callback_guard.py checks
#: that every input and state of every server callback is declared here.
VALUE_KINDS: tuple[tuple[str, str, Check], ...] = (
    ("_pages_location", "pathname", pathname),
    ("_pages_location", "search", search),
    ("url", "pathname", pathname),
    ("url", "search", search),
    ("europe-series", "value", text),
    ("funding-unit", "value", text),
    ("index-wave", "value", text),
    ("index-breakdown", "value", text),
    ("index-method", "value", text),
    ("index-weight-*", "value", number(0, 100)),
    ("explorer-indicator", "value", text),
    ("explorer-breakdown", "value", text),
    ("explorer-period", "value", text),
    ("explorer-tab", "active_tab", text),
    ("explorer-sort", "data", sort_order),
    ("explorer-sort", "n_clicks", count),
    ("explorer-compare-from", "value", text),
    ("explorer-compare-to", "value", text),
    ("note-recs", "value", texts),
    ("note-indicators", "value", texts),
    ("note-period", "value", text),
)


def value_kind(component_id: str | dict, prop: str) -> Check | None:
    """The declared kind of ``component_id.prop``, or None when undeclared."""
    name = component_id.get("type") if isinstance(component_id, dict) else component_id
    if not isinstance(name, str):
        return None
    return next(
        (check for pattern, p, check in VALUE_KINDS if p == prop and fnmatchcase(name, pattern)), None
    )


class Malformed(ValueError):
    """A callback request that does not match what the callback declares."""


def _declared_id(raw: str) -> str | dict:
    """A dependency id of Dash's callback map: a string, or a JSON pattern ``{"type": ...}``."""
    if raw.startswith("{"):
        return json.loads(raw)
    return raw


def _is_wildcard(value: Any) -> bool:
    return isinstance(value, list) and len(value) == 1 and value[0] in ("ALL", "MATCH", "ALLSMALLER")


def _matches(declared: str | dict, given: Any) -> bool:
    if isinstance(declared, str):
        return given == declared
    if not isinstance(given, dict) or set(given) != set(declared):
        return False
    for key, value in declared.items():
        if _is_wildcard(value):
            if not isinstance(given[key], str | int | float | bool):
                return False
        elif given[key] != value:
            return False
    return True


def _check_item(item: Any, declared: str | dict, prop: str, where: str, with_value: bool) -> None:
    keys = {"id", "property", "value"} if with_value else {"id", "property"}
    if not isinstance(item, dict) or not set(item) <= keys or "id" not in item:
        raise Malformed(f"{where}: expected an object with id and property")
    if item.get("property") != prop or not _matches(declared, item["id"]):
        raise Malformed(f"{where}: not the declared component property")
    if with_value and "value" in item:
        check = value_kind(item["id"], prop)
        if check is not None and not check(item["value"]):
            raise Malformed(f"{where}: invalid value for {prop}")


def _check_dependency(item: Any, dep: dict, where: str, with_value: bool = True) -> list[dict]:
    """Check one input/state/output of the body against its declaration; its items."""
    declared, prop = _declared_id(dep["id"]), dep["property"]
    multi = isinstance(declared, dict) and any(
        value in (["ALL"], ["ALLSMALLER"]) for value in declared.values()
    )
    if multi:
        if not isinstance(item, list) or len(item) > MAX_ITEMS:
            raise Malformed(f"{where}: expected a list")
        for element in item:
            _check_item(element, declared, prop, where, with_value)
        return item
    _check_item(item, declared, prop, where, with_value)
    return [item]


def _declared_outputs(output: str) -> list[dict]:
    """The (id, property) pairs of a callback's ``output`` key (``..a.b...c.d..``)."""
    parts = output[2:-2].split("...") if output.startswith("..") else [output]
    pairs = []
    for part in parts:
        component, _, prop = part.rpartition(".")
        pairs.append({"id": component, "property": prop})
    return pairs


def check_body(body: Any, callback_map: dict[str, dict]) -> None:
    """Raise Malformed unless ``body`` is a request for a server callback of ``callback_map``
    with the declared outputs, inputs and state, and values of the declared kinds."""
    if not isinstance(body, dict):
        raise Malformed("the body is not a JSON object")  # nor JSON at all (None)
    if not set(body) <= BODY_KEYS:
        raise Malformed("unknown keys in the body")
    output = body.get("output")
    if not isinstance(output, str) or "callback" not in callback_map.get(output, {}):
        raise Malformed("unknown output")  # or the output of a clientside callback
    callback = callback_map[output]
    for key in ("inputs", "state"):
        given, declared = body.get(key, []), callback.get(key, [])
        if key == "inputs" and "inputs" not in body:
            raise Malformed("inputs missing")
        if not isinstance(given, list) or len(given) != len(declared):
            raise Malformed(f"{key}: expected {len(declared)} items")
    items = []
    for i, (item, dep) in enumerate(zip(body["inputs"], callback["inputs"], strict=True)):
        items += _check_dependency(item, dep, f"inputs[{i}]")
    for i, (item, dep) in enumerate(zip(body.get("state", []), callback.get("state", []), strict=True)):
        _check_dependency(item, dep, f"state[{i}]")
    if not callback.get("no_output"):
        declared_outputs = _declared_outputs(output)
        outputs = body.get("outputs")
        if output.startswith(".."):
            if not isinstance(outputs, list) or len(outputs) != len(declared_outputs):
                raise Malformed(f"outputs: expected {len(declared_outputs)} items")
        else:
            outputs = [outputs]
        for i, (item, dep) in enumerate(zip(outputs, declared_outputs, strict=True)):
            _check_dependency(item, dep, f"outputs[{i}]", with_value=False)
    changed = body.get("changedPropIds", [])
    known = {f"{stringify_id(item['id'])}.{item['property']}" for item in items}
    if not isinstance(changed, list) or not all(isinstance(c, str) and c in known for c in changed):
        raise Malformed("changedPropIds: not inputs of the callback")
    parsed = body.get("parsedChangedPropsIds", [])
    if (
        not isinstance(parsed, list)
        or len(parsed) > MAX_ITEMS
        or not all(isinstance(p, str | dict) for p in parsed)
    ):
        raise Malformed("parsedChangedPropsIds: expected a list")


def install_callback_guard(app: dash.Dash) -> None:
    """Answer 400 to a malformed request to Dash's callback endpoint, before Dash runs it."""
    endpoint = app.config.routes_pathname_prefix + "_dash-update-component"

    @app.server.before_request
    def refuse_malformed_callbacks() -> flask.Response | None:
        request = flask.request
        if request.path != endpoint or request.method != "POST":
            return None
        try:
            check_body(request.get_json(silent=True), app.callback_map)
            return None
        except Malformed as error:
            reason = str(error)
        log.info("refused callback request: %s", reason)
        return flask.Response(f"400 Bad Request: {reason}", status=400, mimetype="text/plain")
