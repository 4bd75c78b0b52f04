"""The step contract: every step folder has the same shape, the runner finds steps by their
folder (no registration), orders them by their declared dependencies and runs their ``run``."""

from __future__ import annotations

import textwrap
from pathlib import Path

import duckdb
import pytest

from etl.runner import META_FILE, Context, StepError, discover, order_steps, run_steps
from etl.snapshots import snapshots_dir
from warehouse.build import apply_ddl

BUILD_ORDER = [
    "survey",
    "geography",
    "eurostat_volunteering",
    "eurostat_nonparticipation",
    "eurostat_population",
    "statbel_population",
    "reference_figures",
    "public_finance_prices",
    "public_finance_cofog_2026",
    "public_finance_cofog_2025",
    "public_finance_cofog_2023",
    "public_finance_cofog_oecd",
    "public_finance_nbb_cofog",
    "public_finance_nbb_accounts",
    "indicators",
]
SHAPE = {"__init__.py", "step.py", META_FILE, "sql", "__pycache__"}


def test_the_build_finds_its_steps_in_their_order() -> None:
    assert [s.name for s in order_steps(discover())] == BUILD_ORDER


@pytest.mark.parametrize("meta", discover(), ids=lambda m: m.name)
def test_every_step_folder_has_the_same_shape(meta) -> None:
    assert {p.name for p in meta.folder.iterdir()} <= SHAPE
    for key in ("title", "description"):
        texts = meta.data[key]
        assert set(texts) == {"fr", "nl", "en"} and all(t.strip() for t in texts.values()), key
    assert isinstance(meta.data.get("depends", []), list)
    assert meta.source_ids or meta.name == "indicators"  # only the indicators read no source
    assert callable(__import__(meta.module, fromlist=["run"]).run)


def _write(folder: Path, files: dict[str, str]) -> None:
    folder.mkdir(parents=True)
    for name, text in files.items():
        (folder / name).write_text(textwrap.dedent(text), encoding="utf-8")


def _context(tmp_path: Path) -> Context:
    con = duckdb.connect(str(tmp_path / "warehouse.duckdb"))
    apply_ddl(con)
    return Context(con, "toy-build", tmp_path / "warehouse.duckdb", tmp_path, tmp_path / "landing")


META = """\
    source_id: {source}
    depends: {depends}
    title: {{fr: Jouet, nl: Speelgoed, en: Toy}}
    description: {{fr: Un exemple., nl: Een voorbeeld., en: An example.}}
    """
STEP = """\
    import pandas as pd

    from etl.runner import Context, StepResult, meta_of
    from etl.tabular import insert_statistics

    META = meta_of(__name__)


    def run(ctx: Context) -> StepResult:
        [(before,)] = ctx.con.execute("SELECT count(*) FROM core.statistic").fetchall()
        rows = pd.DataFrame(
            {{
                "source_id": META.source_id,
                "dataset": "toy",
                "series": META.name,
                "geo_code": "04000",
                "period": ["2023", "2024"],
                "value": [{values}],
                "unit": "persons",
            }}
        )
        return StepResult(before, insert_statistics(ctx, rows))
    """


def test_a_toy_step_in_a_temporary_folder_is_discovered_and_run(tmp_path, monkeypatch) -> None:
    """Adding a source = adding a folder: meta.yml + step.py, nothing registered anywhere."""
    root = tmp_path / "toy_sources"
    # a step that depends on another whose name sorts after it: the dependency decides the order
    _write(
        root / "a_share",
        {
            META_FILE: META.format(source="toy_census", depends="[z_population]"),
            "step.py": STEP.format(values="0.25, 0.5"),
        },
    )
    _write(
        root / "z_population",
        {
            META_FILE: META.format(source="toy_census", depends="[]"),
            "step.py": STEP.format(values="1000, 1100"),
        },
    )
    (root / "notes").mkdir()  # a folder without meta.yml is not a step
    monkeypatch.syspath_prepend(str(tmp_path))
    steps = discover(["toy_sources"])
    assert [s.name for s in steps] == ["a_share", "z_population"]
    assert steps[0].source_id == "toy_census" and steps[0].depends == ("z_population",)

    ctx = _context(tmp_path)
    seen: list[tuple[str, str]] = []
    results = run_steps(ctx, steps, lambda name, event: seen.append((name, event)))
    assert [(r.rows_in, r.rows_out, r.status) for r in results] == [(0, 2, "ok"), (2, 2, "ok")]
    assert seen == [
        ("z_population", "start"),
        ("z_population", "ok"),
        ("a_share", "start"),
        ("a_share", "ok"),
    ]
    runs = ctx.con.execute(
        "SELECT step, rows_in, rows_out, status FROM meta.etl_runs ORDER BY started_at"
    ).fetchall()
    assert runs == [("z_population", 0, 2, "ok"), ("a_share", 2, 2, "ok")]
    published = ctx.con.execute(
        "SELECT series, geo_label, period, value FROM public.statistics ORDER BY series, period"
    ).fetchall()
    assert published == [
        ("a_share", None, "2023", 0.25),
        ("a_share", None, "2024", 0.5),
        ("z_population", None, "2023", 1000.0),
        ("z_population", None, "2024", 1100.0),
    ]


def test_a_broken_step_folder_is_refused(tmp_path, monkeypatch) -> None:
    root = tmp_path / "broken_sources"
    _write(root / "orphan", {META_FILE: META.format(source="toy", depends="[missing]"), "step.py": ""})
    _write(root / "no_module", {META_FILE: META.format(source="toy", depends="[]")})
    monkeypatch.syspath_prepend(str(tmp_path))
    with pytest.raises(StepError, match="no step.py"):
        discover(["broken_sources"])
    (root / "no_module" / META_FILE).unlink()
    with pytest.raises(StepError, match="unknown step"):
        order_steps(discover(["broken_sources"]))
    (root / "orphan" / META_FILE).write_text(textwrap.dedent(META.format(source="toy", depends="[]")))
    with pytest.raises(StepError, match="'orphan' failed"):  # a step.py without run(ctx)
        run_steps(_context(tmp_path), discover(["broken_sources"]))


def test_the_survey_step_runs_in_a_warehouse_whose_name_needs_quoting(tmp_path) -> None:
    """The survey writes from its scratch database back into the warehouse by name: a file
    such as ``exp-2024.duckdb`` (database ``"exp-2024"``) must work too."""
    path = tmp_path / "exp-2024.duckdb"
    con = duckdb.connect(str(path))
    apply_ddl(con)
    ctx = Context(con, "b", path, snapshots_dir(), tmp_path / "landing")
    [result] = run_steps(ctx, [s for s in discover() if s.name == "survey"])
    assert result.rows_in == 3 and result.rows_out > 0


ISOLATED_META = """\
    source_id: toy
    depends: {depends}
    isolated: true
    title: {{fr: Jouet, nl: Speelgoed, en: Toy}}
    description: {{fr: Un exemple., nl: Een voorbeeld., en: An example.}}
    """
WAITS = """\
    import time
    from pathlib import Path

    from etl.runner import Context, StepResult


    def run(ctx: Context) -> StepResult:
        signal = Path(ctx.landing) / "later-step-ran"
        for _ in range(200):  # bounded: 10 s
            if signal.exists():
                {then}
            time.sleep(0.05)
        raise RuntimeError("the later step never ran beside this one")
    """
SIGNALS = """\
    from pathlib import Path

    from etl.runner import Context, StepResult


    def run(ctx: Context) -> StepResult:
        Path(ctx.landing).mkdir(parents=True, exist_ok=True)
        (Path(ctx.landing) / "later-step-ran").touch()
        {then}
    """


def _toy_build(tmp_path: Path, monkeypatch, root: str, waits_then: str, signals_then: str) -> list[Path]:
    """An isolated step a_waits that waits for b_signals (after it in the order), and c_uses,
    which depends on a_waits."""
    _write(
        tmp_path / root / "a_waits",
        {META_FILE: ISOLATED_META.format(depends="[]"), "step.py": WAITS.format(then=waits_then)},
    )
    _write(
        tmp_path / root / "b_signals",
        {META_FILE: META.format(source="toy", depends="[]"), "step.py": SIGNALS.format(then=signals_then)},
    )
    _write(
        tmp_path / root / "c_uses",
        {
            META_FILE: META.format(source="toy", depends="[a_waits]"),
            "step.py": "from etl.runner import StepResult\n\n\ndef run(ctx):\n    return StepResult(1, 1)\n",
        },
    )
    monkeypatch.syspath_prepend(str(tmp_path))
    return discover([root])


def test_an_isolated_step_runs_beside_the_next_steps_and_its_dependants_wait(tmp_path, monkeypatch) -> None:
    """The survey (isolated: no other step reads or writes its tables) runs on its own cursor
    while the public steps run: a build's two halves share the cores."""
    steps = _toy_build(
        tmp_path, monkeypatch, "toy_concurrent", "return StepResult(0, 7)", "return StepResult(0, 1)"
    )
    ctx = _context(tmp_path)
    seen: list[tuple[str, str]] = []
    results = run_steps(ctx, steps, lambda name, event: seen.append((name, event)))
    assert [r.rows_out for r in results] == [7, 1, 1]  # in the build's order
    assert seen.index(("a_waits", "ok")) < seen.index(("c_uses", "start"))  # c_uses waited for it
    runs = dict(ctx.con.execute("SELECT step, status FROM meta.etl_runs").fetchall())
    assert runs == {"a_waits": "ok", "b_signals": "ok", "c_uses": "ok"}


def test_a_failing_isolated_step_fails_the_build_and_a_failure_beside_it_stops_it(
    tmp_path, monkeypatch
) -> None:
    steps = _toy_build(
        tmp_path,
        monkeypatch,
        "toy_failing",
        "raise ValueError('unreadable export')",
        "return StepResult(0, 1)",
    )
    ctx = _context(tmp_path)
    with pytest.raises(StepError, match="'a_waits' failed: unreadable export"):
        run_steps(ctx, steps)
    runs = dict(ctx.con.execute("SELECT step, status FROM meta.etl_runs").fetchall())
    assert runs["a_waits"] == "failed" and "c_uses" not in runs

    steps = _toy_build(  # the step beside it fails: the build fails, once the isolated one ended
        tmp_path / "second",
        monkeypatch,
        "toy_failing_beside",
        "return StepResult(0, 7)",
        "raise ValueError('bad')",
    )
    ctx = _context(tmp_path / "second")
    with pytest.raises(StepError, match="'b_signals' failed: bad"):
        run_steps(ctx, steps)
