"""Small exports of one tool, version and header row are checked together, in one pass: each
file's rows to load, errors, quarantined lines and superseded answers are what it gives alone."""

from __future__ import annotations

import hashlib
from pathlib import Path

import duckdb
import pytest

from etl.survey import load
from etl.survey.demo import demo_answers, write_planted_errors
from etl.survey.kobo_export import write_kobo_csv
from etl.survey.load import FileResult, Input, process, process_all

KEY = b"test-key"


@pytest.fixture
def exports(tmp_path: Path) -> list[Input]:
    """Two waves, three files: two with planted errors and a resubmission, and the first one's
    associations again, without errors (the same lines valid in one file and not in another,
    the same association in two files)."""
    paths = [tmp_path / "planted_7.csv", tmp_path / "clean_7.csv", tmp_path / "planted_8.csv"]
    write_planted_errors(paths[0], seed=7)
    write_kobo_csv(demo_answers((2024,), n=14, seed=7)[2024], paths[1])
    write_planted_errors(paths[2], seed=8)
    return [
        Input(path, path.name, wave, "kobo", hashlib.sha256(path.read_bytes()).hexdigest(), False)
        for path, wave in zip(paths, (2023, 2024, 2024), strict=True)
    ]


def _outcome(result: FileResult) -> tuple:
    checked = result.checked
    errors = sorted((e.line, e.field, e.rule, e.value) for e in checked.errors)
    superseded = checked.valid[["_line", "_superseded"]].values.tolist()
    return result.rows.to_dict("records"), errors, checked.failed_lines, checked.rows, superseded


def test_small_files_are_checked_together_as_each_alone(exports: list[Input]) -> None:
    together = process_all(duckdb.connect(), exports, KEY, None)
    assert len({r.batch_relation for r in together}) == 1  # one pass for the three files
    for item, result in zip(exports, together, strict=True):
        alone = process(item, KEY)
        assert _outcome(result) == _outcome(alone)
        assert result.loaded == alone.loaded > 0
    assert [r.checked.failed_count for r in together] == [9, 0, 9]


def test_large_files_are_checked_one_by_one(exports: list[Input], monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(load, "BATCH_ROWS", 10)
    results = process_all(duckdb.connect(), exports, KEY, None)
    assert len({r.batch_relation for r in results}) == 3
    assert [_outcome(r) for r in results] == [_outcome(process(i, KEY)) for i in exports]
