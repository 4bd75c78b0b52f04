"""The shipped synthetic demo exports are exactly what the generator makes."""

from __future__ import annotations

from pathlib import Path

from support import ROOT

from etl.snapshots import load_source, sha256_file
from etl.survey.demo import write_demo


def test_shipped_demo_exports_match_the_generator(tmp_path: Path) -> None:
    source = load_source("survey_demo", ROOT / "etl" / "snapshots")
    fresh = {p.name: sha256_file(p) for p in write_demo(tmp_path, (2022, 2023, 2024), 300, 1)}
    shipped = {f.path: f.sha256 for f in source.files}
    assert fresh == shipped, (
        "etl/survey/demo.py changed: regenerate with `sector-monitor survey demo --out "
        "etl/snapshots/survey_demo` and update etl/snapshots/survey_demo/source.yaml"
    )
    assert "NOT REAL DATA" in source.title
