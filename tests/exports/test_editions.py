"""Editions: frozen public tables with checksums, a changelog against the previous edition,
a citation; published editions are never overwritten."""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import pytest
from warehouse_edit import CELL, edited_copy, set_estimate

from exports.editions import (
    edition_changelog,
    list_editions,
    load_edition_table,
    publish_edition,
)
from exports.public_tables import PUBLIC_TABLES

KEYS = list(PUBLIC_TABLES["indicator_values"])


@pytest.fixture(scope="module")
def editions(warehouse_path: Path, tmp_path_factory: pytest.TempPathFactory) -> Path:
    """Two editions: 2024.1 from the demo build, 2024.2 from a build where one estimate changed
    and one cell disappeared."""
    root = tmp_path_factory.mktemp("editions")
    publish_edition(warehouse_path, "2024.1", root / "editions")
    second = edited_copy(
        warehouse_path,
        root / "second" / "warehouse.duckdb",
        set_estimate(12.5),
        (
            "DELETE FROM public.indicator_values WHERE indicator_id = ? AND period = ? "
            "AND breakdown = 'subsector' AND breakdown_value = 'elderly'",
            [CELL[0], CELL[1]],
        ),
    )
    publish_edition(second, "2024.2", root / "editions")
    return root / "editions"


def test_the_changelog_lists_the_value_changed_and_the_row_removed(
    editions: Path, warehouse_path: Path
) -> None:
    log = edition_changelog("2024.2", "indicator_values", editions)
    original = load_edition_table("2024.1", "indicator_values", editions).set_index(KEYS)
    changed = log[log["change"] == "changed"]
    assert len(changed) == 1
    row = changed.iloc[0]
    assert tuple(row[KEYS]) == CELL
    assert row["estimate"] == 12.5
    assert row["estimate_previous"] == pytest.approx(original.loc[CELL, "estimate"])
    removed = log[log["change"] == "removed"]
    assert list(removed["breakdown_value"]) == ["elderly"]
    assert (log["change"] != "added").all()
    assert edition_changelog("2024.2", "statistics", editions).empty


def test_editions_are_listed_in_order_with_manifest_and_citation(editions: Path) -> None:
    listed = list_editions(editions)
    assert [m["edition"] for m in listed] == ["2024.1", "2024.2"]
    second = listed[1]
    assert second["previous_edition"] == "2024.1"
    assert second["changes"]["indicator_values"] == {"added": 0, "removed": 1, "changed": 1}
    assert set(second["tables"]) == set(PUBLIC_TABLES)
    assert all(len(t["sha256"]) == 64 for t in second["tables"].values())
    assert "edition 2024.2" in second["citation"] and "SYNTHETIC" in second["citation"]
    # the first edition has no predecessor: every row is new
    first_log = edition_changelog("2024.1", "indicator_values", editions)
    assert (first_log["change"] == "added").all()
    assert len(first_log) == listed[0]["tables"]["indicator_values"]["rows"]


def test_an_edition_keeps_its_values_after_later_ones(editions: Path, warehouse_path: Path) -> None:
    first = load_edition_table("2024.1", "indicator_values", editions).set_index(KEYS)
    second = load_edition_table("2024.2", "indicator_values", editions).set_index(KEYS)
    assert first.loc[CELL, "estimate"] != 12.5
    assert second.loc[CELL, "estimate"] == 12.5
    assert len(first) == len(second) + 1
    sources = load_edition_table("2024.1", "sources", editions)
    assert isinstance(sources, pd.DataFrame) and not sources.empty


def test_published_editions_cannot_be_overwritten_or_altered(editions: Path, warehouse_path: Path) -> None:
    with pytest.raises(FileExistsError):
        publish_edition(warehouse_path, "2024.1", editions)
    with pytest.raises(ValueError):
        publish_edition(warehouse_path, "../escape", editions)
    with pytest.raises(LookupError):
        load_edition_table("2024.1", "survey_responses", editions)
    tampered = editions / "2024.2" / "sources.parquet"
    tampered.write_bytes(tampered.read_bytes() + b"x")
    with pytest.raises(ValueError, match="checksum"):
        load_edition_table("2024.2", "sources", editions)
