"""The read-only data API: answers per its OpenAPI document (schemathesis against a local
server), filters and pagination, ETags that follow the warehouse, JSON 400s, past editions."""

from __future__ import annotations

import os
import threading
from collections.abc import Iterator
from pathlib import Path

import flask
import pytest
import schemathesis
from hypothesis import HealthCheck, settings
from hypothesis import strategies as st
from warehouse_edit import CELL, edited_copy, set_estimate
from werkzeug.serving import make_server

from api import register_api
from api.queries import LISTINGS, fetch_records
from api.spec import openapi_document
from exports.editions import publish_edition
from warehouse.reader import Reader

VALUES = f"/api/v1/indicators/{CELL[0]}/values"


@pytest.fixture(scope="module")
def served(warehouse_path: Path, tmp_path_factory: pytest.TempPathFactory) -> dict:
    """The API over a copy of the session warehouse, with edition 2024.1 frozen from it."""
    root = tmp_path_factory.mktemp("api")
    warehouse = edited_copy(warehouse_path, root / "var" / "warehouse.duckdb")
    publish_edition(warehouse, "2024.1", root / "var" / "editions")
    app = flask.Flask("api_test")
    register_api(app, Reader(warehouse))
    return {"app": app, "warehouse": warehouse, "source": warehouse_path}


@pytest.fixture(scope="module")
def client(served: dict) -> flask.testing.FlaskClient:
    return served["app"].test_client()


@pytest.fixture(scope="module")
def base_url(served: dict) -> Iterator[str]:
    """The API served by werkzeug on 127.0.0.1 in a background thread."""
    server = make_server("127.0.0.1", 0, served["app"], threaded=True)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_port}"
    server.shutdown()
    thread.join()


schema = schemathesis.openapi.from_dict(openapi_document())
#: Real ids (survey, public series, combined) so that generated requests also reach the data.
KNOWN_IDS = [CELL[0], "pub_formal_volunteering_rate", "comb_volunteer_value_public"]


@schema.hook
def flatmap_path_parameters(context, path_parameters: dict):
    if not path_parameters or "indicator_id" not in path_parameters:
        return st.just(path_parameters)
    return st.one_of(
        st.just(path_parameters),
        st.sampled_from(KNOWN_IDS).map(lambda known: {**path_parameters, "indicator_id": known}),
    )


@schema.parametrize()
@settings(max_examples=15, deadline=None, database=None, suppress_health_check=list(HealthCheck))
def test_every_operation_answers_per_the_openapi_document(case, base_url: str) -> None:
    case.call_and_validate(base_url=base_url)


def test_every_route_is_documented(served: dict) -> None:
    routes = {
        rule.rule.replace("<indicator_id>", "{indicator_id}")
        for rule in served["app"].url_map.iter_rules()
        if rule.rule.startswith("/api/")
    }
    assert routes - {"/api/v1/<path:unknown>"} == set(openapi_document()["paths"])


def test_values_filter_and_paginate(client: flask.testing.FlaskClient) -> None:
    url = f"{VALUES}?period=2024&breakdown=subsector&lang=fr&limit=4"
    seen, pages = [], 0
    while url:
        body = client.get(url).get_json()
        seen += body["data"]
        url, pages = body["pagination"]["next"], pages + 1
    assert len(seen) == body["pagination"]["total"] > 4 and pages > 1
    assert {(r["period"], r["breakdown"]) for r in seen} == {("2024", "subsector")}
    assert len({r["breakdown_value"] for r in seen}) == len(seen)
    elderly = next(r for r in seen if r["breakdown_value"] == "elderly")
    assert elderly["breakdown_label"] and elderly["breakdown_label"] != "elderly"
    suppressed = [r for r in seen if r["flag"] == "suppressed"]
    assert all(r["estimate"] is None for r in suppressed)


@pytest.mark.parametrize(
    "query",
    [
        "limit=0",
        "limit=10001",
        "limit=ten",
        "offset=-1",
        "lang=de",
        "breakdown=city",
        "period=2024;DROP",
        "edition=../secret",
        "colour=red",
        "limit=1&limit=2",
        "format=xlsx",
        "period=2024%0A",  # a pattern's "$" would let the final newline pass: an empty page
        "breakdown=all%00",
    ],
)
def test_invalid_parameters_get_a_json_400(client: flask.testing.FlaskClient, query: str) -> None:
    response = client.get(f"{VALUES}?{query}")
    assert response.status_code == 400
    assert response.get_json()["status"] == 400 and response.get_json()["error"]


def test_unknown_indicator_edition_or_path_get_a_json_404(client: flask.testing.FlaskClient) -> None:
    for url in [
        "/api/v1/indicators/no_such_indicator",
        "/api/v1/indicators/nope/values",
        f"{VALUES}?edition=1999.9",
        "/api/v1/restricted/survey_responses",
    ]:
        response = client.get(url)
        assert response.status_code == 404, url
        assert response.is_json


def test_csv_has_the_same_rows_as_json(client: flask.testing.FlaskClient) -> None:
    as_json = client.get("/api/v1/statistics?geo_code=BE&limit=5").get_json()
    response = client.get("/api/v1/statistics?geo_code=BE&limit=5&format=csv")
    assert response.mimetype == "text/csv"
    lines = response.get_data(as_text=True).splitlines()
    assert lines[0].split(",")[:3] == ["source_id", "dataset", "series"]
    assert len(lines) == 1 + len(as_json["data"])
    assert response.headers["X-Total-Count"] == str(as_json["pagination"]["total"])


def test_etag_revalidates_until_the_warehouse_is_rebuilt(
    served: dict, client: flask.testing.FlaskClient
) -> None:
    first = client.get(VALUES + "?period=2024&breakdown=all")
    etag = first.headers["ETag"]
    assert "max-age" in first.headers["Cache-Control"]
    assert (
        client.get(VALUES + "?period=2024&breakdown=all", headers={"If-None-Match": etag}).status_code == 304
    )
    rebuilt = edited_copy(served["source"], served["warehouse"].with_suffix(".new"), set_estimate(77.0))
    os.replace(rebuilt, served["warehouse"])
    after = client.get(VALUES + "?period=2024&breakdown=all", headers={"If-None-Match": etag})
    assert after.status_code == 200 and after.headers["ETag"] != etag
    assert after.get_json()["data"][0]["estimate"] == 77.0
    # the edition frozen before the rebuild still serves the old value
    frozen = client.get(VALUES + "?period=2024&breakdown=all&edition=2024.1").get_json()
    assert frozen["data"][0]["estimate"] == first.get_json()["data"][0]["estimate"] != 77.0
    editions = client.get("/api/v1/editions").get_json()["data"]
    assert [e["edition"] for e in editions] == ["2024.1"] and "2024.1" in editions[0]["citation"]


def test_a_repeated_request_gets_the_same_answer(client: flask.testing.FlaskClient) -> None:
    for url in (f"{VALUES}?period=2024&breakdown=subsector&lang=nl", "/api/v1/sources?format=csv"):
        first, again = client.get(url), client.get(url)
        assert again.status_code == first.status_code == 200
        assert again.get_data() == first.get_data()
        assert sorted(again.headers.items()) == sorted(first.headers.items())


def test_a_page_past_the_end_is_empty_but_keeps_the_total(client: flask.testing.FlaskClient) -> None:
    total = client.get(VALUES).get_json()["pagination"]["total"]
    past = client.get(f"{VALUES}?offset=100000").get_json()
    assert past["data"] == [] and past["pagination"]["total"] == total > 0
    none = client.get(f"{VALUES}?period=1800").get_json()
    assert none["data"] == [] and none["pagination"]["total"] == 0


def test_a_nan_estimate_is_null_in_json(served: dict, tmp_path: Path) -> None:
    warehouse = edited_copy(served["source"], tmp_path / "warehouse.duckdb", set_estimate(float("nan")))
    app = flask.Flask("api_nan")
    register_api(app, Reader(warehouse))
    body = app.test_client().get(f"{VALUES}?period=2024&breakdown=all").get_json()
    assert body["data"][0]["estimate"] is None


@pytest.mark.parametrize(
    ("listing", "path", "filters"),
    [
        (
            "values",
            VALUES,
            {"indicator_id": CELL[0], "period": "2024", "breakdown": "subsector", "lang": "nl"},
        ),
        ("values", VALUES, {"indicator_id": CELL[0], "breakdown_value": "elderly", "lang": "fr"}),
        ("statistics", "/api/v1/statistics", {"geo_code": "BE"}),
        ("indicators", "/api/v1/indicators", {"theme": "funding", "lang": "nl"}),
    ],
)
def test_json_pages_from_memory_equal_the_sql_query(
    served: dict, client: flask.testing.FlaskClient, listing: str, path: str, filters: dict
) -> None:
    cur = Reader(served["warehouse"]).cursor()
    spec_filters = {name: filters.get(name) for name in LISTINGS[listing].filters}
    expected, total = fetch_records(cur, listing, filters.get("lang", "en"), spec_filters, 7, 2)
    query = "&".join(f"{k}={v}" for k, v in filters.items() if k != "indicator_id" or listing != "values")
    body = client.get(f"{path}?{query}&limit=7&offset=2").get_json()
    assert body["data"] == expected and body["pagination"]["total"] == total > 0


def test_an_indicator_says_its_geography(client: flask.testing.FlaskClient) -> None:
    """A value row has no geography of its own: the indicator names it (BE for the EU-SILC
    rate), and null for the survey of associations active in Brussels."""
    public = client.get("/api/v1/indicators/pub_formal_volunteering_rate").get_json()
    survey = client.get("/api/v1/indicators/tt_task_transfer").get_json()
    assert public["scope_geo"] == "BE" and survey["scope_geo"] is None and survey["versions"]
