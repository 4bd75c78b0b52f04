"""Questionnaire versions: v2 adds the seed concepts, each wave records its version,
v1 and v2 waves coexist, indicators declare the versions they apply to and trends never compare
waves whose question differs."""

from __future__ import annotations

import dataclasses
import json
import re
import shutil
from pathlib import Path

import duckdb
import pytest
import yaml
from pyxform.xls2xform import convert
from support import ROOT, cli
from survey_v2 import MOTIVES, v2_answers

from etl.survey import codebook as codebooks
from etl.survey.codebook import CODEBOOKS, LANGUAGES, Codebook, seed_citations
from etl.survey.demo import write_demo
from etl.survey.kobo_export import write_kobo_csv
from etl.survey.readers import detect_version, read_export
from indicators.catalogue import CATALOGUE_DIR, CatalogueError, load_catalogue
from indicators.compute import compute_all
from warehouse.sql import connect_readonly

V1, V2 = CODEBOOKS["v1"], CODEBOOKS["v2"]
NEW = [q.code for q in V2.questions if q.code not in V1.by_code]


def query(wh: Path, sql: str) -> list[tuple]:
    con = connect_readonly(wh)
    con.execute("USE wh")
    try:
        return con.execute(sql).fetchall()
    finally:
        con.close()


@pytest.fixture(scope="module")
def files(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Path]:
    folder = tmp_path_factory.mktemp("versions")
    v1 = write_demo(folder / "v1", (2024,), 80, 4)[0]
    v2 = write_kobo_csv(v2_answers(2025, 80, 5), folder / "wave_2025_v2.csv", V2)
    return v1, v2


@pytest.fixture(scope="module")
def both(files, tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, list[tuple]]:
    """A warehouse with a v1 wave (2024) and a v2 wave (2025); the 2024 values before 2025."""
    v1, v2 = files
    wh = tmp_path_factory.mktemp("both") / "var" / "warehouse.duckdb"
    assert cli("survey", "ingest", str(v1), "--wave", "2024", "--warehouse", str(wh)).returncode == 0
    before = query(
        wh,
        "SELECT indicator_id, breakdown, breakdown_value, estimate, se FROM "
        "public.indicator_values WHERE period = '2024' ORDER BY 1, 2, 3",
    )
    result = cli("survey", "ingest", str(v2), "--wave", "2025", "--warehouse", str(wh), "--json")
    assert result.returncode == 0, result.stderr
    assert json.loads(result.stdout)["version"] == "v2"
    return wh, before


@pytest.mark.slow
def test_v2_form_passes_pyxform_and_v1_stays_the_default(tmp_path: Path) -> None:
    result = cli(
        "survey",
        "form",
        "--version",
        "v2",
        "--out",
        str(tmp_path / "v2.xlsx"),
        "--template",
        str(tmp_path / "v2_template.xlsx"),
    )
    assert result.returncode == 0, result.stderr
    warnings: list[str] = []
    xform = convert(xlsform=str(tmp_path / "v2.xlsx"), warnings=warnings, validate=False).xform
    assert warnings == []
    assert all(f"/{code}" in xform for code in NEW) and "2026.1" in xform
    assert "${cpas_volunteers_hosted} = 'yes'" not in xform  # the reference was resolved
    assert cli("survey", "form", "--out", str(tmp_path / "v1.xlsx")).returncode == 0
    v1_form = convert(xlsform=str(tmp_path / "v1.xlsx"), warnings=[], validate=False).xform
    assert "volunteering_vision" not in v1_form


def test_new_questions_have_three_labels_and_a_seed_citation() -> None:
    assert len(NEW) == 8
    assert [V2.by_code[c].code for c in V1.codes] == list(V1.codes)  # v1 questions kept
    assert all(V1.signature(c) == V2.signature(c) for c in V1.codes)  # and asked the same way
    docs = (ROOT / "docs" / "questionnaire-versions.md").read_text(encoding="utf-8")
    seeds = seed_citations("v2")
    for code in NEW:
        question = V2.by_code[code]
        assert not question.required and not question.restricted
        assert all(question.labels[lang] and question.hints[lang] for lang in LANGUAGES)
        if question.list_name:
            assert all(c.labels[lang] for c in V2.lists[question.list_name].choices for lang in LANGUAGES)
        assert seeds[code] and ("seed 000" in seeds[code] or "seed 003" in seeds[code])
        assert f"### `{code}`" in docs and seeds[code] in " ".join(docs.split())
    assert V2.lists["motivation"].codes == tuple(MOTIVES)
    assert V2.by_code["warning_lights"] == V1.by_code["warning_lights"]
    french = " ".join(t for q in V2.questions for t in (q.labels["fr"], q.hints["fr"]))
    french += " ".join(c.labels["fr"] for lst in V2.lists.values() for c in lst.choices)
    assert "volontaire" in french and not re.search("b[ée]n[ée]vol", french, re.IGNORECASE)


def test_the_version_is_detected_from_the_header(files) -> None:
    v1, v2 = files
    headers = lambda path: path.read_text(encoding="utf-8").splitlines()[0].replace('"', "").split(";")  # noqa: E731
    assert detect_version(headers(v1)) == "v1" and detect_version(headers(v2)) == "v2"
    as_v1 = read_export(v2, codebook=V1)  # read as v1: the v2 columns are not questions
    assert "vision/volunteering_vision" in as_v1.dialect["unknown_columns"]


@pytest.mark.slow
def test_v1_and_v2_waves_coexist_in_one_warehouse(both, files) -> None:
    wh, before = both
    assert query(
        wh,
        "SELECT wave, questionnaire_version, count(*), count(volunteering_vision), "
        "count(cpas_volunteers_hosted) FROM restricted.survey_current GROUP BY ALL "
        "ORDER BY 1",
    ) == [(2024, "v1", 79, 0, 0), (2025, "v2", 79, 79, 79)]
    assert query(
        wh,
        "SELECT version, previous_version, n_questions, waves FROM public.questionnaire_versions ORDER BY 1",
    ) == [("v1", None, 55, "2024"), ("v2", "v1", 63, "2025")]
    added = query(wh, "SELECT added, changed FROM public.questionnaire_versions WHERE version = 'v2'")
    assert added == [(" ".join(NEW), None)]
    listed = {
        f["name"]: f["version"]
        for f in json.loads(cli("survey", "files", "--warehouse", str(wh), "--json").stdout)
    }
    assert listed == {files[0].name: "v1", files[1].name: "v2"}
    after = query(
        wh,
        "SELECT indicator_id, breakdown, breakdown_value, estimate, se FROM "
        "public.indicator_values WHERE period = '2024' ORDER BY 1, 2, 3",
    )
    assert after == before  # the v1 wave loads unchanged
    assert query(
        wh,
        "SELECT DISTINCT versions FROM public.indicators WHERE estimator IN "
        "('proportion', 'mean', 'ratio', 'total', 'net_balance')",
    ) == [("v1 v2",)]
    assert (
        query(
            wh,
            "SELECT count(*) FROM public.indicator_trends WHERE previous_period = '2024' "
            "AND period = '2025' AND indicator_id = 'tt_task_transfer'",
        )[0][0]
        > 0
    )


@pytest.mark.slow
def test_a_v2_only_indicator_has_no_v1_values(both, tmp_path: Path) -> None:
    wh, _ = both
    catalogue = tmp_path / "catalogue"
    shutil.copytree(CATALOGUE_DIR, catalogue)
    spec = yaml.safe_load((CATALOGUE_DIR / "tt_task_transfer.yaml").read_text(encoding="utf-8"))
    spec.update(
        id="vis_citizenship",
        questions=["volunteering_vision"],
        versions=["v2"],
        expression="volunteering_vision = 'citizenship'",
        universe="volunteering_vision IS NOT NULL",
        recommendations=["R6"],
    )
    spec.pop("denominator", None)
    (catalogue / "vis_citizenship.yaml").write_text(
        yaml.safe_dump(spec, allow_unicode=True), encoding="utf-8"
    )
    loaded = load_catalogue(catalogue)
    assert loaded["vis_citizenship"].versions == ("v2",)
    copy = tmp_path / "warehouse.duckdb"
    shutil.copy(wh, copy)
    con = duckdb.connect(str(copy))
    try:
        compute_all(con, loaded)
        periods = {
            r[0]
            for r in con.execute(
                "SELECT DISTINCT period FROM public.indicator_values WHERE indicator_id = 'vis_citizenship'"
            ).fetchall()
        }
        trends = con.execute(
            "SELECT count(*) FROM public.indicator_trends WHERE indicator_id = 'vis_citizenship'"
        ).fetchone()[0]
    finally:
        con.close()
    assert periods == {"2025"} and trends == 0
    spec["versions"] = ["v1", "v2"]  # v1 does not ask the question
    (catalogue / "vis_citizenship.yaml").write_text(
        yaml.safe_dump(spec, allow_unicode=True), encoding="utf-8"
    )
    with pytest.raises(CatalogueError, match="versions"):
        load_catalogue(catalogue)


@pytest.mark.slow
def test_trends_skip_waves_whose_question_differs(
    both, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Were v2 to ask task_transfer_3y differently, no trend would compare 2024 with 2025."""
    wh, _ = both
    changed = dataclasses.replace(
        V2.by_code["task_transfer_3y"], xlsform_type="select_one yes_no_dk", list_name="yes_no_dk"
    )
    variant = Codebook(
        tuple(changed if q.code == changed.code else q for q in V2.questions), V2.lists, V2.groups, "v2"
    )
    monkeypatch.setitem(codebooks.CODEBOOKS, "v2", variant)
    copy = tmp_path / "warehouse.duckdb"
    shutil.copy(wh, copy)
    con = duckdb.connect(str(copy))
    try:
        compute_all(con)
        rows = dict(
            con.execute(
                "SELECT indicator_id, count(*) FROM public.indicator_trends WHERE indicator_id IN "
                "('tt_task_transfer', 'fund_project_share') GROUP BY 1"
            ).fetchall()
        )
        values = con.execute(
            "SELECT count(DISTINCT period) FROM public.indicator_values WHERE "
            "indicator_id = 'tt_task_transfer'"
        ).fetchone()[0]
    finally:
        con.close()
    assert "tt_task_transfer" not in rows and rows["fund_project_share"] > 0
    assert values == 2  # both waves are still published, only their comparison is not
