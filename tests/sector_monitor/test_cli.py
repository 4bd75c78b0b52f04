"""The command line, end to end, as a user runs it."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from support import cli, cli_in_process


@pytest.mark.slow
def test_build_then_status_json(tmp_path: Path) -> None:
    wh = tmp_path / "w.duckdb"
    built = cli("build", "--warehouse", str(wh))
    assert built.returncode == 0, built.stderr
    assert "Built" in built.stderr and wh.exists()
    status = cli("status", "--json", "--warehouse", str(wh))
    assert status.returncode == 0, status.stderr
    report = json.loads(status.stdout)
    assert report["exists"] is True
    assert all(s["status"] == "ok" for s in report["snapshots"])
    assert report["public_rows"]["statistics"] > 1000
    assert {s["source_id"] for s in report["sources"]} >= {"eurostat_ilc_scp19", "statbel_population"}
    assert report["runs"] and all(r["status"] == "ok" for r in report["runs"])


@pytest.mark.slow
def test_up_builds_a_missing_warehouse_then_serves(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    from sector_monitor import cli as command

    served: list[Path] = []
    monkeypatch.setattr(command, "cmd_serve", lambda args: served.append(args.warehouse) or 0)
    wh = tmp_path / "w.duckdb"
    assert cli_in_process("up", "--warehouse", str(wh)) == 0
    assert wh.exists() and served == [wh]


def test_messages_say_what_to_do_in_the_users_language(tmp_path: Path, warehouse_path: Path) -> None:
    missing = str(tmp_path / "missing.duckdb")
    french = cli("serve", "--warehouse", missing, lang="fr_BE.UTF-8")
    assert french.returncode == 2 and "Aucun entrepôt à" in french.stderr
    assert "lancez d'abord `sector-monitor build`" in french.stderr
    dutch = cli("serve", "--lang", "nl", "--warehouse", missing, lang="fr_BE.UTF-8")  # --lang first
    assert "Geen datawarehouse op" in dutch.stderr and "Aucun" not in dutch.stderr
    files = cli("survey", "files", "--warehouse", str(warehouse_path), lang="nl_BE.UTF-8")
    assert files.returncode == 0 and "Geen aangeleverd enquêtebestand" in files.stderr
    english = cli("survey", "files", "--wave", "2020", "--warehouse", str(warehouse_path), lang="de_DE.UTF-8")
    assert "No landed survey file in wave 2020." in english.stderr
    unknown = cli("indicators", "show", "nope", "--lang", "nl", "--warehouse", str(warehouse_path))
    assert unknown.returncode == 1 and "fout: onbekende indicator: 'nope'" in unknown.stderr


@pytest.mark.parametrize(
    ("argv", "lang", "expected"),
    [
        (
            ["survey", "ingest", "x.csv", "--lang", "fr"],
            None,
            "erreur : argument(s) obligatoire(s) manquant(s) : --wave",
        ),
        (
            ["survey", "ingest", "x.csv", "--wave", "abc", "--lang=nl"],
            None,
            "fout: argument --wave: ongeldige waarde 'abc' (verwacht type: int)",
        ),
        (
            ["survey", "ingest", "x.csv", "--wave", "2024", "--format", "odk"],
            "fr_BE.UTF-8",
            "erreur : argument --format : choix invalide : 'odk'",
        ),
        (
            ["build", "--bogus"],
            "nl_BE.UTF-8",
            "fout: onbekend(e) argument(en): --bogus (zie sector-monitor --help)",
        ),
        (
            [
                "survey",
                "demo",
                "--lang",
                "fr",
                "--lang",
                "nl",
                "--waves",
                "x",
            ],  # the last --lang, as argparse
            None,
            "fout: argument --waves: ongeldige waarde 'x'",
        ),
        (
            ["status", "--json=1", "--la", "fr"],
            None,
            "erreur : l'argument --json ne prend pas de valeur : '1'",
        ),
        (["survey"], "nl_BE.UTF-8", "fout: geef een opdracht op (zie sector-monitor survey --help)"),
        (
            ["survey", "ingest", "x.csv", "--wave", "2024", "--max-failing-share", "2", "--lang", "fr"],
            None,
            "erreur : argument --max-failing-share : valeur invalide '2' (type attendu : une part de 0 à 1)",
        ),
        (
            ["indicators", "show", "--lang", "en"],
            "fr_BE.UTF-8",
            "error: the following arguments are required: id",
        ),
    ],
)
def test_bad_arguments_are_refused_in_the_users_language(
    argv: list[str], lang: str | None, expected: str, monkeypatch: pytest.MonkeyPatch, capsys
) -> None:
    monkeypatch.setenv("LANG", lang or "C.UTF-8")
    with pytest.raises(SystemExit) as stopped:
        cli_in_process(*argv)
    err = capsys.readouterr().err
    usage = {"erreur": "usage : ", "fout": "gebruik: ", "error": "usage: "}[expected.split()[0].split(":")[0]]
    assert stopped.value.code == 2 and err.startswith(usage) and expected in err, err


def test_help_is_in_the_users_language(capsys) -> None:
    with pytest.raises(SystemExit) as stopped:
        cli_in_process("survey", "frame", "--help", "--lang", "nl")
    out = capsys.readouterr().out
    assert stopped.value.code == 0 and out.startswith("gebruik: sector-monitor survey frame")
    assert "toont deze hulp en stopt" in out and "voor een CSV met aantallen: wie telde wat" in out


def test_indicators_list_and_show_in_the_users_language(warehouse_path: Path) -> None:
    listed = cli(
        "indicators", "list", "--theme", "task_transfer", "--lang", "nl", "--warehouse", str(warehouse_path)
    )
    assert listed.returncode == 0, listed.stderr
    assert "tt_task_transfer" in listed.stdout and "vrijwilligers" in listed.stdout
    assert "fund_project_share" not in listed.stdout  # another theme
    shown = cli(
        "indicators",
        "show",
        "tt_task_transfer",
        "--period",
        "2024",
        "--lang",
        "fr",
        "--warehouse",
        str(warehouse_path),
    )
    assert shown.returncode == 0, shown.stderr
    assert "Transfert de tâches" in shown.stdout
    assert "suppressed" in shown.stdout or "supprim" in shown.stdout
    banner = "DONNÉES SYNTHÉTIQUES : chiffres calculés sur des réponses simulées"
    assert shown.stdout.startswith(banner)  # the demo survey
    public = cli(
        "indicators",
        "show",
        "pub_formal_volunteering_rate",
        "--lang",
        "fr",
        "--warehouse",
        str(warehouse_path),
    )
    assert (
        public.returncode == 0
        and "Taux de volontariat formel" in public.stdout
        and banner not in public.stdout
    )


@pytest.mark.slow
def test_note_export_and_publish_commands(warehouse_path: Path, tmp_path: Path) -> None:
    import shutil

    wh = tmp_path / "var" / "warehouse.duckdb"
    shutil.copytree(warehouse_path.parent, wh.parent)
    note = cli(
        "note",
        "--lang",
        "nl",
        "--recommendation",
        "R4",
        "--out",
        str(tmp_path / "x.md"),
        "--warehouse",
        str(wh),
    )
    assert note.returncode == 0, note.stderr
    text = (tmp_path / "x.md").read_text(encoding="utf-8")
    assert "R4" in text and "SYNTHETISCHE" in text.upper()
    unknown = cli(
        "note",
        "--recommendation",
        "R9",
        "--lang",
        "fr",
        "--out",
        str(tmp_path / "y.md"),
        "--warehouse",
        str(wh),
    )
    assert unknown.returncode == 2 and "Choix non valable pour « --recommendation » : 'R9'" in unknown.stderr
    exported = cli("export", "--out", str(tmp_path / "pkg"), "--warehouse", str(wh))
    assert exported.returncode == 0, exported.stderr
    assert (tmp_path / "pkg" / "datapackage.json").exists()
    assert cli("publish", "--edition", "2024.1", "--warehouse", str(wh)).returncode == 0
    again = cli("publish", "--edition", "2024.1", "--warehouse", str(wh))
    assert again.returncode != 0 and "already exists" in again.stderr
    dutch = cli("publish", "--edition", "2024.1", "--lang", "nl", "--warehouse", str(wh))
    assert dutch.returncode != 0 and "editie 2024.1 bestaat al" in dutch.stderr


@pytest.mark.slow
def test_rollback_command_restores_the_previous_build(warehouse_path: Path, tmp_path: Path) -> None:
    import shutil

    from support import table_digest

    wh = tmp_path / "var" / "warehouse.duckdb"
    shutil.copytree(warehouse_path.parent, wh.parent)
    assert cli("rollback", "--warehouse", str(wh)).returncode == 1  # nothing kept yet
    before = cli("status", "--json", "--warehouse", str(wh))
    assert cli("build", "--warehouse", str(wh)).returncode == 0
    rolled = cli("rollback", "--warehouse", str(wh))
    assert rolled.returncode == 0, rolled.stderr
    restored = json.loads(cli("status", "--json", "--warehouse", str(wh)).stdout)["build"]
    assert restored == json.loads(before.stdout)["build"]
    assert f"restored build {restored[0]['build_id']} as" in rolled.stderr
    assert table_digest(wh) == table_digest(warehouse_path)


def test_a_warehouse_path_naming_another_file_or_a_folder_is_refused(tmp_path: Path) -> None:
    """A mistyped --warehouse must not turn the user's note into a warehouse, nor lock a folder."""
    note = tmp_path / "note.md"
    note.write_text("# my note\n", encoding="utf-8")
    folder = tmp_path / "d"
    folder.mkdir()
    folder.chmod(0o755)  # whatever the umask another test left in this process
    built = cli("build", "--warehouse", str(note), "--lang", "fr")
    assert built.returncode == 1
    assert "ce fichier n'est pas un entrepôt (une base DuckDB) : il n'est ni lu ni remplacé" in built.stderr
    assert note.read_text(encoding="utf-8") == "# my note\n"
    status = cli("status", "--warehouse", str(folder), "--lang", "nl")
    assert status.returncode == 1 and f"{folder}: dit is een map." in status.stderr
    assert (folder.stat().st_mode & 0o777) == 0o755
    assert sorted(p.name for p in tmp_path.iterdir()) == ["d", "note.md"]


def test_an_unknown_theme_or_period_is_named_with_the_choices(warehouse_path: Path) -> None:
    """Not an empty table with exit 0: the user learns what exists."""
    theme = cli("indicators", "list", "--theme", "nope", "--lang", "nl", "--warehouse", str(warehouse_path))
    assert theme.returncode == 1 and "fout: onbekend thema: 'nope' (thema's: accessibility," in theme.stderr
    period = cli(
        "indicators",
        "show",
        "tt_task_transfer",
        "--period",
        "1999",
        "--lang",
        "fr",
        "--warehouse",
        str(warehouse_path),
    )
    assert period.returncode == 1
    assert (
        "tt_task_transfer : aucune valeur pour la période 1999 (périodes : 2022, 2023, 2024)" in period.stderr
    )
    listed = cli("indicators", "list", "--lang", "nl", "--warehouse", str(warehouse_path))
    assert "Eenheid" in listed.stdout
