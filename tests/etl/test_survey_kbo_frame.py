"""A real sampling frame: `survey frame` from a KBO/BCE open-data extract (folder or
zip, the real format) or a CSV of counts; public.sampling_frame says where the weights come from,
the weights change, and pages and notes name the frame (illustrative until one is loaded)."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest
import yaml
from dash_pages import render
from kbo_synthetic import write_extract
from support import ROOT, cli

from etl.survey.kbo import MAPPING, Mapping, kbo_frame
from sector_monitor.web import create_app
from warehouse.sql import connect_readonly

REAL_UPDATE = ROOT / "tests" / "data" / "kbo" / "KboOpenData_0147_2025_10_12_Update_legal_persons"


def query(wh: Path, sql: str) -> list[tuple]:
    con = connect_readonly(wh)
    con.execute("USE wh")
    try:
        return con.execute(sql).fetchall()
    finally:
        con.close()


@pytest.fixture(scope="module")
def extract(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, dict]:
    return write_extract(tmp_path_factory.mktemp("kbo"), n=3000)


@pytest.fixture(scope="module")
def framed(extract, warehouse_path: Path, tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A copy of the session warehouse (demo survey) whose frame is the synthetic extract's."""
    wh = tmp_path_factory.mktemp("framed") / "var" / "warehouse.duckdb"
    shutil.copytree(warehouse_path.parent, wh.parent)
    result = cli("survey", "frame", str(extract[0]), "--warehouse", str(wh), "--json")
    assert result.returncode == 0, result.stderr
    return wh


def test_the_loader_counts_what_the_definition_says(extract, tmp_path: Path) -> None:
    folder, expected = extract
    frame = kbo_frame(folder)
    got = {c["subsector"]: [c["n_associations"], c["n_employers"]] for c in frame.cells}
    assert got == expected["cells"]
    assert (frame.in_scope, frame.unmapped, frame.excluded) == (
        expected["in_scope"],
        expected["unmapped"],
        expected["excluded"],
    )
    assert frame.extract_type == "full" and str(frame.snapshot_date) == "2025-10-11"
    assert set(frame.by_version) == {"2008", "2025"} and not frame.warnings
    zipped, _ = write_extract(tmp_path, n=3000, zipped=True)
    assert {c["subsector"]: c["n_associations"] for c in kbo_frame(zipped).cells} == {
        s: n for s, (n, _) in expected["cells"].items()
    }


def test_the_mapping_is_editable(extract, tmp_path: Path) -> None:
    folder, expected = extract
    rules = yaml.safe_load(MAPPING.read_text(encoding="utf-8"))
    rules["nace"]["2008"]["94999"] = rules["nace"]["2025"]["94999"] = "exclude"
    custom = tmp_path / "mapping.yaml"
    custom.write_text(yaml.safe_dump(rules, allow_unicode=True), encoding="utf-8")
    frame = kbo_frame(folder, Mapping.load(custom))
    assert frame.excluded > expected["excluded"]
    assert frame.total < sum(n for n, _ in expected["cells"].values())
    rules["nace"]["2008"]["94999"] = "soup_kitchens"
    custom.write_text(yaml.safe_dump(rules, allow_unicode=True), encoding="utf-8")
    with pytest.raises(ValueError, match="unknown subsector"):
        Mapping.load(custom)


@pytest.mark.slow
def test_the_real_update_extract_is_read_and_refused_as_a_frame(warehouse_path: Path, tmp_path: Path) -> None:
    frame = kbo_frame(REAL_UPDATE)
    assert (frame.in_scope, frame.unmapped, frame.total) == (1, 1, 0)  # one Brussels ASBL, no NACE
    assert frame.extract_type == "update" and "update extract" in frame.warnings[0]["en"]
    wh = tmp_path / "var" / "warehouse.duckdb"
    shutil.copytree(warehouse_path.parent, wh.parent)
    before = wh.read_bytes()
    result = cli("survey", "frame", str(REAL_UPDATE), "--warehouse", str(wh), "--lang", "fr")
    assert result.returncode == 2 and "aucune association de la définition" in result.stderr
    assert wh.read_bytes() == before


@pytest.mark.slow
def test_a_register_frame_is_published_and_changes_the_weights(
    framed: Path, extract, warehouse_path: Path
) -> None:
    _, expected = extract
    rows = query(
        framed,
        "SELECT subsector, size_class, n_associations, n_employers, status, kind, "
        "source_en, source_date FROM public.sampling_frame",
    )
    assert {r[0]: [r[2], r[3]] for r in rows} == expected["cells"]
    assert {(r[1], r[4], r[5], str(r[7])) for r in rows} == {(None, "register", "kbo", "2025-10-11")}
    assert "extract 148 (full)" in rows[0][6]
    demo = query(warehouse_path, "SELECT DISTINCT status FROM public.sampling_frame")
    assert demo == [("illustrative",)]
    sql = (
        "SELECT indicator_id, period, estimate FROM public.indicator_values WHERE breakdown = 'all' "
        "AND indicator_id = 'tt_task_transfer' ORDER BY period"
    )
    before, after = query(warehouse_path, sql), query(framed, sql)
    assert [r[:2] for r in before] == [r[:2] for r in after]
    assert all(abs(a[2] - b[2]) > 1e-9 for a, b in zip(before, after, strict=True))


@pytest.mark.slow
def test_pages_and_the_methods_page_name_the_frame(framed: Path, warehouse_path: Path) -> None:
    client = create_app(framed).server.test_client()
    page = render(client, "/fr/themes/task-transfer")
    assert "Pondérations : base de sondage BCE Open Data, SPF Economie, extrait 148" in page
    assert "Weging: steekproefkader KBO Open Data" in render(client, "/nl/index")
    assert "Weights: sampling frame KBO/BCE Open Data" in render(client, "/en")
    methods = render(client, "/en/methods")
    assert '"id": "sampling-frame"' in methods and "frame-register" in methods
    assert "dormant associations" in methods and "Crossroads Bank" in methods
    assert "associations dormantes" in render(client, "/fr/methods")
    demo = create_app(warehouse_path).server.test_client()
    assert "les chiffres pondérés sont donc illustratifs" in render(demo, "/fr/themes/support")
    assert "de gewogen cijfers zijn illustratief" in render(demo, "/nl")
    assert "so the weighted figures are illustrative" in render(demo, "/en/recommendations")
    demo_methods = render(demo, "/en/methods")
    assert "frame-illustrative" in demo_methods and "20 to 49 FTE" in demo_methods  # size classes named


@pytest.mark.slow
def test_notes_name_the_frame(framed: Path, warehouse_path: Path) -> None:
    from exports.notes.content import build_note

    note = build_note(framed, "nl", indicators=("tt_task_transfer",))
    assert any("De weging steunt op het volgende steekproefkader: KBO Open Data" in m for m in note.methods)
    demo = build_note(warehouse_path, "fr", indicators=("tt_task_transfer",))
    assert any(
        "cadre de démonstration aux cellules inventées" in m and "illustratifs" in m for m in demo.methods
    )


@pytest.mark.slow
def test_a_counts_csv_needs_its_source_and_reset_goes_back(framed: Path, tmp_path: Path) -> None:
    wh = tmp_path / "var" / "warehouse.duckdb"
    shutil.copytree(framed.parent, wh.parent)
    counts = tmp_path / "counts.csv"
    counts.write_text(
        "subsector,size_class,n_associations\n"
        + "".join(
            f"{s},{c},{n}\n"
            for s, n in (("food_aid", 40), ("homelessness", 60), ("other", 300))
            for c in ("lt5", "5to19", "20to49", "50plus")
        ),
        encoding="utf-8",
    )
    refused = cli("survey", "frame", str(counts), "--warehouse", str(wh))
    assert refused.returncode == 2 and "--source" in refused.stderr
    loaded = cli(
        "survey",
        "frame",
        str(counts),
        "--source",
        "Federation census 2025",
        "--date",
        "2025-06-30",
        "--warehouse",
        str(wh),
        "--json",
    )
    assert loaded.returncode == 0, loaded.stderr
    assert json.loads(loaded.stdout)["status"] == "register"
    assert query(
        wh,
        "SELECT DISTINCT kind, source_fr, source_date::VARCHAR, sum(n_associations) "
        "OVER () FROM public.sampling_frame",
    ) == [("counts", "Federation census 2025", "2025-06-30", 1600)]
    reset = cli("survey", "frame", "--reset", "--warehouse", str(wh))
    assert reset.returncode == 0, reset.stderr
    assert query(wh, "SELECT DISTINCT status, kind FROM public.sampling_frame") == [("illustrative", "demo")]
