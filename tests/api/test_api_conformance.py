"""The API conforms to its own OpenAPI document, as served by the whole application.

The document served at ``/api/v1/openapi.json`` must be a valid OpenAPI 3.0 document
(``openapi-spec-validator``), and a Schemathesis run over it (every phase: examples, coverage,
fuzzing, stateful; positive and negative data; bounded examples) against the dashboard served
in-process must find no failure of the checks below: no 5xx, documented status codes, content
types, headers and bodies, and 405 answers that carry ``Allow`` (RFC 9110).
"""

from __future__ import annotations

import logging
import time
from collections import Counter
from collections.abc import Iterator
from pathlib import Path

import pytest
import requests
import schemathesis
from openapi_spec_validator import OpenAPIV30SpecValidator
from schemathesis import engine
from schemathesis.config import SchemathesisConfig
from schemathesis.engine import events
from support import serve_app

CHECKS = (
    "not_a_server_error",
    "status_code_conformance",
    "content_type_conformance",
    "response_headers_conformance",
    "response_schema_conformance",
    "unsupported_method",
    "allow_header_conformance",
    "negative_data_rejection",
    "positive_data_acceptance",
)
PHASES = ("examples", "coverage", "fuzzing", "stateful")
MAX_EXAMPLES = 25


@pytest.fixture(scope="module")
def app_url(warehouse_path: Path) -> Iterator[str]:
    """The whole dashboard (API, pages, admin, downloads) on a loopback port."""
    with serve_app(warehouse_path) as url:
        yield url


def test_served_document_is_valid_openapi_3_0(app_url: str) -> None:
    response = requests.get(f"{app_url}/api/v1/openapi.json", timeout=10)
    assert response.status_code == 200
    assert response.headers["Content-Type"].startswith("application/json")
    document = response.json()
    assert document["openapi"].startswith("3.0.")
    errors = [
        f"{'/'.join(map(str, e.absolute_path))}: {e.message}"
        for e in OpenAPIV30SpecValidator(document).iter_errors()
    ]
    assert not errors, "\n".join(errors[:20])


def run_schemathesis(url: str) -> dict:
    """Every phase of Schemathesis over the served document; cases, failures and statuses."""
    config = SchemathesisConfig.from_dict(
        {
            "checks": {"enabled": False, **{name: {"enabled": True} for name in CHECKS}},
            "phases": {phase: {"enabled": True} for phase in PHASES},
            "generation": {"mode": "all", "max-examples": MAX_EXAMPLES, "database": "none"},
            "seed": 13,
        }
    )
    schema = schemathesis.openapi.from_url(f"{url}/api/v1/openapi.json", config=config)
    cases: Counter[str] = Counter()
    statuses: Counter[int] = Counter()
    failures: list[str] = []
    errors: list[str] = []
    allow_on_405: set[str] = set()
    for event in engine.from_schema(schema).execute():
        if isinstance(event, events.NonFatalError | events.FatalError):
            errors.append(str(getattr(event, "info", event)))
        if not isinstance(event, events.ScenarioFinished):
            continue
        recorder = event.recorder
        cases[event.phase.value] += len(recorder.cases)
        for interaction in recorder.interactions.values():
            if interaction.response is not None:
                statuses[interaction.response.status_code] += 1
                if interaction.response.status_code == 405:
                    allow_on_405.add(",".join(interaction.response.headers.get("allow", [])))
        for case_id, checks in recorder.checks.items():
            for check in checks:
                if check.status != engine.Status.SUCCESS:
                    case = recorder.cases[case_id].value
                    title = check.failure_info.failure.title if check.failure_info else ""
                    failures.append(
                        f"[{event.phase.value}] {check.name}: {title} - {case.method} "
                        f"{case.path} path={case.path_parameters} query={case.query}"
                    )
    return {
        "cases": cases,
        "statuses": statuses,
        "failures": failures,
        "errors": errors,
        "allow_on_405": allow_on_405,
    }


@pytest.mark.slow
def test_schemathesis_finds_no_failure_in_any_phase(app_url: str) -> None:
    logging.getLogger("api.blueprint").setLevel(logging.CRITICAL)
    start = time.monotonic()
    result = run_schemathesis(app_url)
    elapsed = time.monotonic() - start
    print(
        f"schemathesis: {sum(result['cases'].values())} cases {dict(result['cases'])}, "
        f"statuses {dict(result['statuses'])}, {elapsed:.1f} s"
    )
    assert not result["errors"], result["errors"]
    assert not result["failures"], "\n".join(sorted(set(result["failures"]))[:30])
    assert set(result["cases"]) == set(PHASES) and all(result["cases"].values()), result["cases"]
    # the run reached real data, rejected bad input and tried unsupported methods
    assert {200, 400, 405} <= set(result["statuses"]), result["statuses"]
    assert "" not in result["allow_on_405"]
    assert not any(status >= 500 for status in result["statuses"])


@pytest.mark.parametrize(
    ("method", "path", "allow"),
    [
        ("post", "/api/v1/indicators", "GET, HEAD, OPTIONS"),
        ("delete", "/api/v1/indicators/tt_task_transfer", "GET, HEAD, OPTIONS"),
        ("put", "/api/v1/openapi.json", "GET, HEAD, OPTIONS"),
    ],
)
def test_api_405_is_json_with_allow(app_url: str, method: str, path: str, allow: str) -> None:
    response = requests.request(method, app_url + path, timeout=10)
    assert response.status_code == 405
    assert response.headers["Allow"] == allow
    assert response.json() == {"status": 405, "error": "Method Not Allowed", "parameter": None}
