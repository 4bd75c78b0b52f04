"""Sampling frame: size classes, the illustrative demo frame and the loader's checks."""

from __future__ import annotations

import duckdb
import pytest

from etl.survey.frame import DEMO_FRAME, load_frame, size_class, size_class_sql


@pytest.mark.parametrize(
    ("fte", "expected"),
    [(0, "lt5"), (4.99, "lt5"), (5, "5to19"), (19.9, "5to19"), (20, "20to49"), (50, "50plus")],
)
def test_size_class(fte, expected):
    assert size_class(fte) == expected


def test_size_class_rejects_negative_and_sql_matches():
    with pytest.raises(ValueError):
        size_class(-1)
    values = [0, 4.99, 5, 49.9, 50, 300, None]
    got = duckdb.execute(f"SELECT {size_class_sql('x')} FROM unnest(?) AS t(x)", [values]).fetchall()
    assert [g for (g,) in got] == [size_class(v) for v in values[:-1]] + [None]


def test_demo_frame_is_illustrative_and_anchored_on_nbb_total():
    frame = load_frame()
    assert frame.attrs["illustrative"] is True
    assert frame["n_associations"].sum() == 5165
    assert "ILLUSTRATIVE" in DEMO_FRAME.read_text().splitlines()[0]
    assert set(frame["size_class"]) == {"lt5", "5to19", "20to49", "50plus"}


@pytest.mark.parametrize(
    ("row", "problem"),
    [
        ("food_aid,lt5,brussels,12,observed\nfood_aid,lt5,brussels,3,observed", "duplicate"),
        ("food_aid,tiny,brussels,12,observed", "bad size_class"),
        ("soup,lt5,brussels,12,observed", "bad subsector"),
        ("food_aid,lt5,brussels,-2,observed", "bad n_associations"),
    ],
)
def test_loader_rejects_bad_frames(tmp_path, row, problem):
    path = tmp_path / "frame.csv"
    path.write_text("subsector,size_class,region,n_associations,status\n" + row + "\n")
    with pytest.raises(ValueError, match=problem):
        load_frame(path)
