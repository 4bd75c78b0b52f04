"""Malformed requests to Dash's callback endpoint get 400 (never 500, never Dash's 204), and
well-formed ones still run their callback (dashboard/callback_guard.py)."""

from __future__ import annotations

import copy
import json
from pathlib import Path
from typing import Any

import pytest

from dashboard.callback_guard import value_kind
from sector_monitor.web import create_app

ENDPOINT = "/_dash-update-component"


@pytest.fixture(scope="module")
def app(warehouse_path: Path):
    app = create_app(warehouse_path)
    app.server.test_client().get("/fr")  # the first request completes Dash's callback map
    return app


@pytest.fixture(scope="module")
def client(app):
    return app.server.test_client()


def callback_key(app, start: str) -> str:
    return next(key for key in app.callback_map if key.startswith(start))


def outputs_of(key: str) -> list[dict] | dict:
    parts = key[2:-2].split("...") if key.startswith("..") else [key]
    pairs = [dict(zip(("id", "property"), part.rsplit(".", 1), strict=True)) for part in parts]
    return pairs if key.startswith("..") else pairs[0]


def body_for(app, start: str, inputs: list[Any], state: list[Any] | None = None) -> dict:
    """The body the renderer posts for the callback whose output starts with ``start``, with
    these input and state values (a list of values for an ALL pattern input)."""
    key = callback_key(app, start)
    callback = app.callback_map[key]

    def items(declared: list[dict], values: list[Any]) -> list:
        out = []
        for dep, value in zip(declared, values, strict=True):
            if dep["id"].startswith("{"):  # {"column": ["ALL"], "type": "explorer-sort"}
                out.append(
                    [
                        {
                            "id": {"type": json.loads(dep["id"])["type"], "column": column},
                            "property": dep["property"],
                            "value": clicks,
                        }
                        for column, clicks in value
                    ]
                )
            else:
                out.append({"id": dep["id"], "property": dep["property"], "value": value})
        return out

    body = {
        "output": key,
        "outputs": outputs_of(key),
        "inputs": items(callback["inputs"], inputs),
        "state": items(callback["state"], state or []),
    }
    first = body["inputs"][0]
    if isinstance(first, list):
        changed = (
            [f"{json.dumps(first[0]['id'], sort_keys=True, separators=(',', ':'))}.{first[0]['property']}"]
            if first
            else []
        )
    else:
        changed = [f"{first['id']}.{first['property']}"]
    body["changedPropIds"] = changed
    return body


def n_weights(app) -> int:
    return len(app.callback_map[callback_key(app, "index-whatif")]["inputs"]) - 1


def valid_bodies(app) -> dict[str, dict]:
    w = n_weights(app)
    return {
        "router": body_for(app, ".._pages_content", ["/fr/explorer", "?tab=table"]),
        "frame": body_for(app, "..nav-brand", ["/nl/index"]),
        "index-cells": body_for(app, "index-cells", ["2024", "size_class"], ["/fr/index"]),
        "whatif": body_for(app, "index-whatif", ["minmax", *[2.5] * w], ["/en/index"]),
        "explorer": body_for(
            app,
            "..explorer-breakdown",
            ["indicator:tt_task_transfer", "subsector", "2024", "table", None, "2022", "2024"],
            ["/fr/explorer"],
        ),
        "sort": body_for(app, "explorer-sort", [[("period", 1), ("estimate", None)]], [None]),
        "note": body_for(app, "..note-preview", [["R4"], [], None], ["/nl/note"]),
        "europe": body_for(app, "europe-cards", ["eurostat_formal_volunteering"], ["/fr/statistics"]),
    }


def test_well_formed_requests_still_run(app, client) -> None:
    for name, body in valid_bodies(app).items():
        response = client.post(ENDPOINT, json=body)
        assert response.status_code == 200, (name, response.data[:300])
        assert response.get_json()["response"], name


def replaced(body: dict, **changes: Any) -> dict:
    out = copy.deepcopy(body)
    out.update(changes)
    return out


def with_value(body: dict, key: str, index: int, value: Any) -> dict:
    out = copy.deepcopy(body)
    out[key][index]["value"] = value
    return out


def malformed_bodies(app) -> dict[str, Any]:
    """Name -> body (bytes are sent as they are, anything else as JSON)."""
    ok = valid_bodies(app)
    router, cells, whatif = ok["router"], ok["index-cells"], ok["whatif"]
    explorer, note, sort = ok["explorer"], ok["note"], ok["sort"]
    return {
        # not JSON, or JSON that is not an object
        "not JSON": b"{output:",
        "empty body": b"",
        "array": b"[1, 2]",
        "string": b'"x"',
        "null": b"null",
        "number": b"3",
        "NaN weight": json.dumps(with_value(whatif, "inputs", 1, 0.5)).replace("0.5", "NaN").encode(),
        # envelope
        "no output": {k: v for k, v in router.items() if k != "output"},
        "no inputs": {k: v for k, v in router.items() if k != "inputs"},
        "no outputs": {k: v for k, v in router.items() if k != "outputs"},
        "unknown key": replaced(router, extra=1),
        "output not a string": replaced(router, output=["x"]),
        "unknown output": replaced(router, output="nope.children"),
        "clientside output": {
            "output": "nav-collapse.is_open",
            "outputs": {"id": "nav-collapse", "property": "is_open"},
            "inputs": [
                {"id": "nav-toggler", "property": "n_clicks", "value": 1},
                {"id": "url", "property": "pathname", "value": "/fr"},
            ],
            "changedPropIds": ["nav-toggler.n_clicks"],
        },
        "inputs an object": replaced(router, inputs={"a": 1}),
        "inputs a string": replaced(router, inputs="x"),
        "inputs numbers": replaced(router, inputs=[1, 2]),
        "too few inputs": replaced(router, inputs=router["inputs"][:1]),
        "too many inputs": replaced(router, inputs=router["inputs"] * 2),
        "unknown component": replaced(
            router, inputs=[{"id": "zzz", "property": "pathname", "value": "/fr"}, router["inputs"][1]]
        ),
        "unknown property": replaced(
            router, inputs=[{"id": "_pages_location", "property": "zzz", "value": "/fr"}, router["inputs"][1]]
        ),
        "input without id": replaced(
            router, inputs=[{"property": "pathname", "value": "/fr"}, router["inputs"][1]]
        ),
        "state a string": replaced(cells, state="x"),
        "state missing": replaced(cells, state=[]),
        "outputs a number": replaced(router, outputs=5),
        "outputs of another callback": replaced(router, outputs=[{"id": "a", "property": "b"}]),
        "changedPropIds a number": replaced(router, changedPropIds=5),
        "changedPropIds numbers": replaced(router, changedPropIds=[5]),
        "changedPropIds not an input": replaced(router, changedPropIds=["url.pathname"]),
        "pattern input not a list": replaced(sort, inputs=[sort["inputs"][0][0]]),
        "pattern id a string": replaced(
            sort, inputs=[[{"id": "explorer-sort", "property": "n_clicks", "value": 1}]]
        ),
        # values of the wrong type
        "pathname a number": with_value(router, "inputs", 0, 5),
        "pathname a list": with_value(router, "inputs", 0, ["/fr"]),
        "pathname empty": with_value(router, "inputs", 0, ""),
        "pathname null": with_value(router, "inputs", 0, None),
        "search an object": with_value(router, "inputs", 1, {"a": 1}),
        "search repeats a parameter": with_value(router, "inputs", 1, "?indicator=a&indicator=b"),
        "wave a list": with_value(cells, "inputs", 0, ["2024"]),
        "breakdown an object": with_value(cells, "inputs", 1, {"x": 1}),
        "state pathname a number": with_value(cells, "state", 0, 7),
        "indicator a list": with_value(explorer, "inputs", 0, ["a"]),
        "indicator a number": with_value(explorer, "inputs", 0, 3),
        "tab a number": with_value(explorer, "inputs", 3, 4),
        "sort a string": with_value(explorer, "inputs", 4, "period"),
        "sort of three items": with_value(explorer, "inputs", 4, [1, 2, 3]),
        "weight a string": with_value(whatif, "inputs", 1, "abc"),
        "weight a list": with_value(whatif, "inputs", 1, [1]),
        "weight negative": with_value(whatif, "inputs", 1, -1),
        "weight a boolean": with_value(whatif, "inputs", 1, True),
        "weight too large": with_value(whatif, "inputs", 1, 1e309),
        "method a number": with_value(whatif, "inputs", 0, 5),
        "recommendations a string": with_value(note, "inputs", 0, "R4"),
        "recommendations numbers": with_value(note, "inputs", 0, [1, 2]),
        "indicators an object": with_value(note, "inputs", 1, {"a": 1}),
        "period a list": with_value(note, "inputs", 2, [1]),
        "clicks a string": replaced(sort, inputs=[[{**sort["inputs"][0][0], "value": "x"}]]),
        "sort state a string": with_value(sort, "state", 0, "x"),
        "frame pathname a number": with_value(ok["frame"], "inputs", 0, 5),
    }


def test_malformed_requests_get_400(app, client) -> None:
    bodies = malformed_bodies(app)
    assert len(bodies) >= 50
    answers = {}
    for name, body in bodies.items():
        data = body if isinstance(body, bytes) else json.dumps(body).encode()
        response = client.post(ENDPOINT, data=data, content_type="application/json")
        answers[name] = response.status_code
        assert b"Traceback" not in response.data and len(response.data) < 200
    assert {name: code for name, code in answers.items() if code != 400} == {}


def test_a_body_that_is_not_declared_json_gets_4xx(client) -> None:
    response = client.post(ENDPOINT, data=b'{"output": "x"}', content_type="text/plain")
    assert 400 <= response.status_code < 500


def test_every_server_callback_value_has_a_declared_kind(app) -> None:
    undeclared = set()
    for callback in app.callback_map.values():
        if "callback" not in callback:
            continue  # clientside: the server never runs it
        for dep in [*callback["inputs"], *callback["state"]]:
            component = json.loads(dep["id"]) if dep["id"].startswith("{") else dep["id"]
            if value_kind(component, dep["property"]) is None:
                undeclared.add(f"{dep['id']}.{dep['property']}")
    assert not undeclared, "declare these in dashboard/callback_guard.py VALUE_KINDS"
