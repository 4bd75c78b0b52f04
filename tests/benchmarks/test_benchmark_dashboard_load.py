"""The dashboard load benchmark: what it replays, how it counts errors, that it cleans up."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import threading
import time
from collections.abc import Iterator

import flask
import pytest
from werkzeug.serving import make_server

from benchmarks._load import run
from benchmarks._recording import Recording, Request, Visit, kind_of
from benchmarks._report import summarize
from benchmarks._server import _stop

RECORDED_AT = "http://127.0.0.1:1"  # the recording server is gone; replays go to base_url


def callback(output: str, value: str) -> Request:
    body = json.dumps({"output": output, "inputs": [{"id": "x", "property": "value", "value": value}]})
    return Request(
        "POST",
        f"{RECORDED_AT}/_dash-update-component?endId=abc",
        "callback",
        {"content-type": "application/json", "x-test": "recorded"},
        body,
        200,
        "/fr/explorer",
    )


@pytest.fixture()
def server() -> Iterator[tuple[str, list[dict]]]:
    """A stand-in dashboard that logs what it receives; the 'broken' callback answers 500."""
    app, received = flask.Flask("stand-in"), []

    @app.route("/<path:path>", methods=["GET", "POST"])
    def any_path(path: str):
        received.append(
            {
                "path": flask.request.full_path,
                "header": flask.request.headers.get("x-test"),
                "body": flask.request.get_data(as_text=True),
            }
        )
        if "broken" in received[-1]["body"]:
            return "boom", 500
        return flask.jsonify({"response": {}})

    http = make_server("127.0.0.1", 0, app, threaded=True)
    thread = threading.Thread(target=http.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{http.server_port}", received
    http.shutdown()
    thread.join()


def recording(*callbacks: Request) -> Recording:
    page = [
        Request("GET", f"{RECORDED_AT}/fr/explorer?tab=map", "page", {}),
        Request("GET", f"{RECORDED_AT}/_dash-layout", "layout", {}),
        Request("GET", f"{RECORDED_AT}/_dash-dependencies", "dependencies", {}),
    ]
    return Recording([Visit(f"{RECORDED_AT}/fr/explorer?tab=map", [page, list(callbacks)])])


def test_requests_are_classified_so_that_static_assets_are_not_replayed() -> None:
    assert kind_of("POST", "/_dash-update-component", "fetch") == "callback"
    assert kind_of("GET", "/_dash-layout", "fetch") == "layout"
    assert kind_of("GET", "/_dash-dependencies", "fetch") == "dependencies"
    assert kind_of("GET", "/nl/explorer", "document") == "page"
    assert kind_of("GET", "/_dash-component-suites/plotly/plotly.min.js", "script") == "asset"


def test_replay_sends_the_recorded_requests_to_the_benchmarked_server(server) -> None:
    base_url, received = server
    result = run(
        base_url, recording(callback("..graph.figure..", "2015")), users=2, duration_s=0.5, think_s=0
    )
    assert {"/fr/explorer?tab=map", "/_dash-layout?", "/_dash-dependencies?"} <= {r["path"] for r in received}
    posts = [r for r in received if r["path"].startswith("/_dash-update-component?endId=abc")]
    assert posts and all(r["header"] == "recorded" and '"2015"' in r["body"] for r in posts)
    summary = summarize(result)
    assert summary["categories"]["callbacks"]["requests"] == len(posts)
    assert summary["categories"]["explorer callbacks"]["requests"] == len(posts)  # all on /fr/explorer
    assert summary["categories"]["page loads"]["errors"] == 0


def test_a_failing_callback_is_counted_and_the_target_is_not_met(server) -> None:
    base_url, _ = server
    result = run(
        base_url,
        recording(callback("..ok.children..", "a"), callback("..broken.figure..", "b")),
        users=1,
        duration_s=0.3,
        think_s=0,
    )
    summary = summarize(result)
    assert summary["categories"]["callbacks"]["errors"] > 0
    assert summary["distinct_errors"] == ["broken.figure @ /fr/explorer: HTTP 500"]
    assert summary["target"]["met"] is False
    assert {c["callback"] for c in summary["slowest_callbacks"]} == {
        "ok.children @ /fr/explorer",
        "broken.figure @ /fr/explorer",
    }


def test_stopping_the_server_stops_its_child_processes_too() -> None:
    process = subprocess.Popen(
        ["sh", "-c", "sleep 60 & echo $!; wait"], stdout=subprocess.PIPE, text=True, start_new_session=True
    )
    child = int(process.stdout.readline())
    _stop(process)
    process.stdout.close()
    assert process.returncode is not None
    for _ in range(50):  # the child is reaped by init shortly after it is killed
        try:
            os.kill(child, 0)
        except ProcessLookupError:
            return
        time.sleep(0.05)
    os.kill(child, signal.SIGKILL)
    pytest.fail("the server's child process outlived it")
