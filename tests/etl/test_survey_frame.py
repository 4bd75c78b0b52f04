"""Sampling frame: size classes, the illustrative demo frame and the loader's checks."""

from __future__ import annotations

import duckdb
import pytest
from support import cli_in_process

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
        ("food_aid,lt5,brussels,99999999999999999999,observed", "bad n_associations"),
    ],
)
def test_loader_rejects_bad_frames(tmp_path, row, problem):
    path = tmp_path / "frame.csv"
    path.write_text("subsector,size_class,region,n_associations,status\n" + row + "\n")
    with pytest.raises(ValueError, match=problem):
        load_frame(path)


def test_frame_refusals_say_what_and_where_in_the_users_language(tmp_path, capsys):
    bad = tmp_path / "frame.csv"
    soups = "".join(f"soup,lt5,{n}\n" for n in range(7))  # lines 5-11: five named, two more
    bad.write_text(
        "# a frame, as the demo's\n\nsubsector,size_class,n_associations\nfood_aid,,3\n" + soups,
        encoding="utf-8",
    )
    wh = tmp_path / "var" / "warehouse.duckdb"
    expected = {
        "fr": [
            "valeur invalide de subsector (ligne(s) 5, 6, 7, 8, 9 et 2 autre(s))",
            "size_class doit être donné",
        ],
        "nl": [
            "ongeldige waarde van subsector (regel(s) 5, 6, 7, 8, 9 en 2 andere)",
            "size_class moet op alle rijen",
        ],
        "en": ["bad subsector on line(s) 5, 6, 7, 8, 9 and 2 more", "size_class must be given on every row"],
    }
    for lang, words in expected.items():
        code = cli_in_process(
            "survey", "frame", str(bad), "--source", "x", "--warehouse", str(wh), "--lang", lang
        )
        err = capsys.readouterr().err
        assert code == 2 and str(bad) in err and all(w in err for w in words), err
    bad.write_text("subsector,size_class,n_associations\nfood_aid,lt5,12\n", encoding="utf-8")
    assert cli_in_process("survey", "frame", str(bad), "--warehouse", str(wh), "--lang", "nl") == 2
    assert "heeft zijn bron nodig: --source" in capsys.readouterr().err
    missing = tmp_path / "nowhere.csv"
    assert cli_in_process("survey", "frame", str(missing), "--warehouse", str(wh), "--lang", "fr") == 2
    assert f"{missing} : fichier ou dossier introuvable ; rien n'a changé." in capsys.readouterr().err
    extract = tmp_path / "kbo"  # a KBO folder without its address table
    extract.mkdir()
    (extract / "enterprise.csv").write_text('"EnterpriseNumber"\n', encoding="utf-8")
    assert cli_in_process("survey", "frame", str(extract), "--warehouse", str(wh), "--lang", "nl") == 2
    assert "geen KBO/BCE-uittreksel (address.csv ontbreekt)" in capsys.readouterr().err
    assert not wh.exists()  # refused before any build
