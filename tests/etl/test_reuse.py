"""Input keys of the incremental build (etl/reuse.py): what makes a step dirty, and what not."""

from __future__ import annotations

import types
from pathlib import Path

import duckdb
import pytest

from etl.runner import Context, StepMeta, step_key


def _step(root: Path, name: str, depends: tuple[str, ...] = (), **data: object) -> StepMeta:
    folder = root / "steps" / name
    folder.mkdir(parents=True, exist_ok=True)
    (folder / "meta.yml").write_text(f"title: {name}\n")
    return StepMeta(name, f"toy.{name}.step", folder, (f"{name}_snapshot",), depends, dict(data))


@pytest.fixture()
def toy(tmp_path: Path) -> tuple[Context, list[StepMeta]]:
    ctx = Context(duckdb.connect(), "b", tmp_path / "w.duckdb", tmp_path / "snapshots", tmp_path / "landing")
    steps = [
        _step(tmp_path, "survey", isolated=True),
        _step(tmp_path, "a"),
        _step(tmp_path, "b"),
        _step(tmp_path, "c", ("a",)),
    ]
    for s in steps:
        (ctx.snapshots_root / s.source_ids[0]).mkdir(parents=True)
        (ctx.snapshots_root / s.source_ids[0] / "data.csv").write_text("x\n1\n")
    return ctx, steps


def _keys(ctx: Context, steps: list[StepMeta]) -> dict[str, str]:
    keys: dict[str, str] = {}
    for s in steps:
        keys[s.name] = step_key(ctx, s, steps, keys, types.SimpleNamespace())
    return keys


def _changed(before: dict[str, str], after: dict[str, str]) -> set[str]:
    return {name for name in before if before[name] != after[name]}


def test_keys_are_stable_and_follow_snapshots_code_and_order(toy: tuple[Context, list[StepMeta]]) -> None:
    ctx, steps = toy
    first = _keys(ctx, steps)
    assert _keys(ctx, steps) == first
    (ctx.snapshots_root / "b_snapshot" / "data.csv").write_text("x\n2\n")
    assert _changed(first, second := _keys(ctx, steps)) == {"b", "c"}  # c runs after b
    (steps[1].folder / "meta.yml").write_text("title: changed\n")
    assert _changed(second, third := _keys(ctx, steps)) == {"a", "b", "c"}
    (ctx.snapshots_root / "survey_snapshot" / "data.csv").write_text("x\n3\n")
    assert _changed(third, _keys(ctx, steps)) == {"survey"}  # isolated: nothing after it changes


def test_declared_inputs_are_part_of_the_key(toy: tuple[Context, list[StepMeta]]) -> None:
    ctx, steps = toy
    meta = steps[0]
    one = step_key(ctx, meta, steps, {}, types.SimpleNamespace(inputs=lambda ctx: ["wave 2024=aaa"]))
    two = step_key(ctx, meta, steps, {}, types.SimpleNamespace(inputs=lambda ctx: ["wave 2024=bbb"]))
    assert one != two and ctx.code_key  # the step's code part, for its own per-part keys
