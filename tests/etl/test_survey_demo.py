"""Synthetic demo waves: Kobo-shaped, deterministic, valid, panel structure."""

from __future__ import annotations

import csv

import pytest

from etl.survey.demo import write_demo
from etl.survey.readers import read_export
from etl.survey.validation import validate


@pytest.fixture(scope="module")
def demo(tmp_path_factory):
    out = tmp_path_factory.mktemp("demo")
    paths = write_demo(out, waves=(2022, 2023), n=120, seed=5)
    return paths, {p: validate(read_export(p).frame) for p in paths}


@pytest.mark.slow
def test_files_look_like_kobo_exports(demo):
    paths, _ = demo
    assert [p.name for p in paths] == [
        "demo_synthetic_survey_2022_kobo.csv",
        "demo_synthetic_survey_2023_kobo.csv",
    ]
    raw = paths[0].read_bytes()
    assert raw.startswith(b'"start";"end";"profile/org_id"') and b"\r\n" in raw
    header = next(csv.reader(raw.decode().splitlines(), delimiter=";"))
    assert {"_uuid", "_submission_time", "_index", "_validation_status"} <= set(header)
    assert "support/support_stages" in header and "support/support_stages/initial_training" in header


def test_deterministic(tmp_path, demo):
    again = write_demo(tmp_path, waves=(2022, 2023), n=120, seed=5)
    assert [p.read_bytes() for p in again] == [p.read_bytes() for p in demo[0]]


def test_valid_panel_with_resubmissions_and_refusals(demo):
    paths, results = demo
    first, second = (results[p].valid for p in paths)
    for result in results.values():
        assert result.errors == []
    for valid in (first, second):
        current = valid[~valid["_superseded"]]
        assert len(current) == 120 and current["org_id"].is_unique
        assert valid["_superseded"].sum() >= 1
        assert valid["org_id"].str.match(r"099[89]").all()
        assert valid["region"].eq("brussels").mean() > 0.8
        brussels = valid[valid["region"] == "brussels"]
        assert brussels["commune"].between("21001", "21019").all()
        assert valid["org_name"].str.contains("fictive").all()
    recurring = set(first["org_id"]) & set(second["org_id"])
    assert len(recurring) >= 0.8 * 120
    transfer = first["task_transfer_3y"].eq("yes").mean()
    assert 0.2 < transfer < 0.45
    assert first["_no_consent"].sum() + second["_no_consent"].sum() >= 1
