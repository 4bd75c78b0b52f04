"""The `sector-monitor` command line."""

from __future__ import annotations

import argparse
import gc
import json
import os
import subprocess
import sys
import warnings
from collections.abc import Callable
from pathlib import Path

from rich.console import Console
from rich.markup import escape
from rich.table import Table

from core.errors import Explained
from core.i18n import LANGUAGES
from core.settings import PREFIX, settings
from sector_monitor.arguments import Parser, help_texts, language_in, share
from sector_monitor.i18n import Texts, user_language
from warehouse.layout import warehouse_path
from warehouse.sql import connect_readonly

console = Console(stderr=True)


def texts(args: argparse.Namespace) -> Texts:
    """The command's messages in the user's language (``--lang``, else ``$LANG``, else English)."""
    return Texts(user_language(getattr(args, "lang", None)))


def say(text: str, style: str | None = None) -> None:
    """Print a message as it is (paths and values hold no markup), on stderr."""
    console.print(text, style=style, markup=False, highlight=False, soft_wrap=True)


def _wrote(t: Texts, path: Path, synthetic: bool = False) -> None:
    mark = f" [yellow]{escape(t('synthetic'))}[/]" if synthetic else ""
    console.print(escape(t("wrote", path=path)) + mark, highlight=False, soft_wrap=True)


def _error(t: Texts, message: str) -> None:
    console.print(f"[red]{escape(t('error'))}[/] {escape(message)}", highlight=False, soft_wrap=True)


def existing_warehouse(args: argparse.Namespace) -> Path | None:
    """The warehouse of ``--warehouse``, or None (with a message) when it is not built yet."""
    path = warehouse_path(args.warehouse)
    if path.exists():
        return path
    say(texts(args)("no_warehouse", path=path), "red")
    return None


def _progress(t: Texts) -> Callable[[str, str], None]:
    """The build's report of each step's end."""
    marks = {"ok": "[green]✓[/]", "reused": "[dim]=[/]", "failed": "[red]✗[/]"}

    def show(name: str, state: str) -> None:
        if state != "start":
            reused = f" [dim]{escape(t('step_reused'))}[/]" if state == "reused" else ""
            console.print(f"  {marks[state]} {escape(name)}{reused}", highlight=False)

    return show


def cmd_build(args: argparse.Namespace) -> int:
    from pipeline.build import build

    t, path = texts(args), warehouse_path(args.warehouse)
    say(t("building", path=path))
    with console.status(t("running_steps")):
        report = build(path, refresh=args.refresh, on_step=_progress(t), full=args.full)
    seconds = t.number(report.seconds, 1)
    say(t("built", path=path, seconds=seconds, build_id=report.build_id), "green")
    return 0


def cmd_status(args: argparse.Namespace) -> int:
    from sector_monitor.status import collect

    report = collect(warehouse_path(args.warehouse))
    bad = [s for s in report["snapshots"] if s["status"] != "ok"]
    if args.json:
        print(json.dumps(report, indent=2, default=str))
        return 1 if bad else 0
    t, out = texts(args), Console()
    state = t("present") if report["exists"] else t("missing")
    out.print(t("status_warehouse", path=report["warehouse"], state=state), markup=False, highlight=False)
    if report.get("build"):
        b = report["build"][0]
        last = t("last_build", build_id=b["build_id"], started=b["started_at"], finished=b["finished_at"])
        out.print(last, markup=False, highlight=False)
    table = Table(t("col_source"), t("col_file"), "sha256", t("col_checksum"))
    for s in report["snapshots"]:
        table.add_row(
            escape(s["source_id"]),
            escape(s["file"]),
            s["sha256"][:16] + "…",
            "ok" if s["status"] == "ok" else f"[red]{escape(s['status'])}[/]",
        )
    out.print(table)
    if report.get("public_rows"):
        rows = Table(t("col_public_view"), t("col_rows"))
        for view, n in report["public_rows"].items():
            rows.add_row(view, t.number(n))
        out.print(rows)
    if report.get("runs"):
        runs = Table(t("col_step"), t("col_status"), t("col_rows_in"), t("col_rows_out"))
        for r in report["runs"]:
            runs.add_row(r["step"], r["status"], t.number(r["rows_in"]), t.number(r["rows_out"]))
        out.print(runs)
    return 1 if bad else 0


def _die_with_parent() -> None:  # pragma: no cover - runs in the child before exec
    """Linux: gunicorn gets SIGTERM if `sector-monitor serve` dies (even by SIGKILL)."""
    import contextlib
    import ctypes
    import signal

    with contextlib.suppress(OSError, AttributeError):
        ctypes.CDLL(None, use_errno=True).prctl(1, signal.SIGTERM)  # PR_SET_PDEATHSIG


def cmd_serve(args: argparse.Namespace) -> int:
    """Run gunicorn (threaded workers) and stay its parent: SIGTERM and SIGINT sent to this
    process are passed on to gunicorn, which stops its workers; this process waits for it, so
    nothing is left serving when it exits (if it dies otherwise, gunicorn gets SIGTERM)."""
    import signal

    path = existing_warehouse(args)
    if path is None:
        return 2
    env = os.environ | {PREFIX + "WAREHOUSE": str(path)}
    # --preload: the app is imported (and Dash set up, sector_monitor/wsgi.py) before gunicorn
    # listens, so a (re)starting server refuses connections until its workers can answer
    # instead of holding them for seconds (a proxy sends refused requests to another replica).
    # No warehouse connection is opened before the fork: the Reader opens one per worker.
    command = [
        sys.executable,
        "-m",
        "gunicorn",
        "--no-control-socket",
        "--preload",
        "--bind",
        f"{args.host}:{args.port}",
        "--workers",
        str(args.workers),
        "--worker-class",
        "gthread",
        "--threads",
        str(args.threads),
        "--access-logfile",
        "-",
        "sector_monitor.wsgi:server",
    ]
    say(texts(args)("serving", url=f"http://{args.host}:{args.port}/"))
    forwarded = (signal.SIGTERM, signal.SIGINT)
    previous = {sig: signal.getsignal(sig) for sig in forwarded}
    received: list[int] = []
    # Handlers first, so that a signal arriving while gunicorn starts is not lost.
    for sig in forwarded:
        signal.signal(sig, lambda number, _frame: received.append(number))
    try:
        child = subprocess.Popen(
            command, env=env, preexec_fn=_die_with_parent if sys.platform.startswith("linux") else None
        )
    except BaseException:
        for sig, handler in previous.items():
            signal.signal(sig, handler)
        raise

    def forward(number: int, _frame: object) -> None:
        if child.poll() is None:
            child.send_signal(number)

    try:
        for sig in forwarded:
            signal.signal(sig, forward)
        for number in received:  # arrived before gunicorn existed
            forward(number, None)
        code = child.wait()
    finally:
        if child.poll() is None:  # an unexpected error here: do not leave gunicorn behind
            child.terminate()
            try:
                child.wait(timeout=30)
            except subprocess.TimeoutExpired:
                child.kill()
                child.wait()
        for sig, handler in previous.items():
            signal.signal(sig, handler)
    return code


def cmd_up(args: argparse.Namespace) -> int:
    from pipeline.build import is_stale

    if is_stale(warehouse_path(args.warehouse)):
        args.refresh = args.full = False  # the snapshots as shipped; incremental
        code = cmd_build(args)
        if code:
            return code
    else:
        say(texts(args)("up_to_date"))
    return cmd_serve(args)


def cmd_survey(args: argparse.Namespace) -> int:
    from pipeline import survey

    t = texts(args)
    if args.survey_command == "form":
        if not (args.out or args.template):
            _error(t, t("form_needs_output"))
            return 2
        for path in survey.form(args.out, args.template, args.version):
            _wrote(t, path)
        return 0
    if args.survey_command == "demo":
        for path in survey.demo(args.out, args.waves, args.n, args.seed):
            _wrote(t, path, synthetic=True)
        return 0
    if args.survey_command == "files":
        return _survey_files(args)
    if args.survey_command == "frame":
        return _survey_frame(args)
    if args.survey_command == "remove":
        return _survey_remove(args)
    return _survey_ingest(args)


def _survey_remove(args: argparse.Namespace) -> int:
    from pipeline.results import Outcome
    from pipeline.survey import landed_files, remove

    t, path = texts(args), warehouse_path(args.warehouse)
    with console.status(escape(t("removing", name=args.name))):
        result = remove(path, args.name, args.wave)
    if result.outcome is Outcome.REFUSED:
        names = ", ".join(f"{f['name']} ({f['wave']})" for f in landed_files(path)) or t("none")
        _error(t, t("landed_files", message=result.message(t.lang), names=names))
        return 1
    if not result.ok:
        _error(t, result.message(t.lang))
        return 1
    done = result.value()
    say(t("removed", file=done["file"], wave=done["wave"], archived=done["archived"]))
    if not done["remaining"]:
        say(t("no_file_left"), "yellow")
    return 0


def _survey_ingest(args: argparse.Namespace) -> int:
    """Exit code 0: loaded; 2: refused or unreadable (the report says why)."""
    from pipeline.survey import LOAD_COUNTS, ingest

    t = texts(args)
    lang = t.lang
    with console.status(t("ingesting")):
        result = ingest(
            warehouse_path(args.warehouse),
            args.file,
            args.wave,
            args.format,
            lang,
            share=args.max_failing_share,
            version=args.version,
            full=args.full,
            synthetic=args.synthetic,
        )
    report = result.report or {}
    for warning in report.get("warnings", []):  # e.g. this very file landed in another wave
        _warn(t, warning[lang])
    if not result.ok:
        report = {**report, "messages": dict(result.messages), "error": result.message(lang)}
    if args.json:
        print(json.dumps(report, indent=2, ensure_ascii=False, default=str))
    elif not result.ok:
        say(report["error"], "red")
    else:
        counts = {key.removeprefix("rows_"): t.number(report[key]) for key in LOAD_COUNTS}
        say(t("ingested", file=report["file"], format=report["format"], wave=report["wave"], **counts))
        if report["synthetic"]:
            _warn(t, t("ingested_synthetic"))
        if report["errors"]:
            from etl.survey.filecheck import FileSummary

            for line in FileSummary.from_dict(report["summary"]).lines(lang)[1:]:
                say(line)
        for e in report["errors"][:TEXT_ERRORS]:
            if e["field"] is None:  # a rule on the whole record: its message names the line
                say("  " + e["message"])
            else:
                say("  " + t("error_line", line=e["line"], field=e["field"], message=e["message"]))
        if report.get("errors_total", 0) > TEXT_ERRORS:
            say("  " + t("more_errors", count=t.number(report["errors_total"] - TEXT_ERRORS)))
        if report.get("quarantine_file"):
            say(t("rows_to_fix", path=report["quarantine_file"]))
    return 0 if result.ok else 2


TEXT_ERRORS = 50  # errors printed one by one (the summary counts them all)


def _survey_frame(args: argparse.Namespace) -> int:
    from pipeline.frame import load_sampling_frame

    t = texts(args)
    if (args.path is None) == (not args.reset):
        _error(t, t("frame_needs_input"))
        return 2
    with console.status(t("loading_frame")):
        result = load_sampling_frame(
            warehouse_path(args.warehouse),
            args.path,
            args.source,
            args.date,
            args.definition,
            args.mapping,
            args.employers_only,
        )
    if not result.ok:
        _error(t, result.message(t.lang))
        return 2
    done = result.value()
    if args.json:
        print(json.dumps(done, indent=2, ensure_ascii=False, default=str))
        return 0
    status = {"register": t("frame_register"), "illustrative": t("frame_illustrative")}.get(done["status"])
    say(t("frame_loaded", associations=t.number(done["n_associations"]), status=status or done["status"]))
    if done.get("kind") == "kbo":
        counts = {k: t.number(done[k]) for k in ("in_scope", "unmapped", "excluded")}
        say("  " + t("frame_counts", mapped=t.number(done["n_associations"]), **counts))
        for cell in done["cells"]:
            associations, employers = t.number(cell["n_associations"]), t.number(cell["n_employers"])
            say(
                "  "
                + t("frame_cell", subsector=cell["subsector"], associations=associations, employers=employers)
            )
        for warning in done["warnings"]:
            _warn(t, warning[t.lang])
    return 0


def _survey_files(args: argparse.Namespace) -> int:
    from pipeline.survey import FILE_COUNTS, landed_files

    files = landed_files(warehouse_path(args.warehouse), args.wave)
    if args.json:
        print(json.dumps(files, indent=2, ensure_ascii=False, default=str))
        return 0
    t = texts(args)
    if not files:
        say(t("no_landed_file_in_wave", wave=args.wave) if args.wave else t("no_landed_file"))
        return 0
    columns = (
        "wave",
        "file",
        None,
        "version",
        "synthetic",
        "read",
        "loaded",
        "quarantined",
        "superseded",
        "incomplete",
        "corrected",
    )
    table = Table(
        *(t(f"col_{c}") if c else "sha256" for c in columns), t("col_landed_by"), t("col_landed_at"), box=None
    )
    for f in files:
        table.add_row(
            str(f["wave"]),
            escape(f["name"]),  # names and users as given: no markup
            f["sha256"][:12] + "…",
            escape(f["version"] or "-"),
            t("yes") if f["synthetic"] else "",
            *(t.number(f[k]) if f[k] is not None else "-" for k in FILE_COUNTS),
            escape(f["landed_by"]),
            str(f["landed_at"]),
        )
    Console(width=None if sys.stdout.isatty() else 240).print(table)
    return 0


def cmd_indicators(args: argparse.Namespace) -> int:
    from indicators.cli import list_indicators, show_indicator

    path = existing_warehouse(args)
    if path is None:
        return 2
    con = connect_readonly(path)
    lang = texts(args).lang
    if args.indicators_command == "list":
        print(list_indicators(con, args.theme, lang))
    else:
        print(show_indicator(con, args.id, args.period, lang))
    con.close()
    return 0


def cmd_note(args: argparse.Namespace) -> int:
    from exports.notes.writer import NoteRenderError, RendererProcess

    path = existing_warehouse(args)
    if path is None:
        return 2
    t = texts(args)
    try:
        renderer = RendererProcess(Path(args.out).suffix)  # loads its libraries meanwhile
    except ValueError as exc:
        _error(t, in_language(t, exc))
        return 2
    with renderer:
        from exports.notes.content import build_note, selection_errors

        errors = selection_errors(
            path,
            args.lang,
            args.recommendation or (),
            args.indicator or (),
            [args.period] if args.period else [],
            {"rec": "--recommendation", "ind": "--indicator", "period": "--period"},
        )
        if errors:
            _error(t, errors[0])
            return 2
        try:
            with console.status(t("writing_note")):
                note = build_note(
                    path,
                    args.lang,
                    recommendations=args.recommendation or (),
                    indicators=args.indicator or (),
                    period=args.period,
                )
                out = renderer.write(note, Path(args.out))
        except (NoteRenderError, ValueError) as exc:
            _error(t, in_language(t, exc))
            return 2
    _wrote(t, out, synthetic=note.synthetic)
    return 0


def cmd_export(args: argparse.Namespace) -> int:
    from exports.datapackage import export_package

    path = existing_warehouse(args)
    if path is None:
        return 2
    t = texts(args)
    with console.status(t("exporting")):
        descriptor = export_package(path, args.out)
    say(t("wrote_package", path=descriptor))
    return 0


def cmd_publish(args: argparse.Namespace) -> int:
    from exports.editions import publish

    path = existing_warehouse(args)
    if path is None:
        return 2
    t, result = texts(args), publish(path, args.edition)
    if not result.ok:
        _error(t, result.message(t.lang))
        return 1
    published = result.value()
    say(t("published", edition=args.edition, folder=published.folder))
    say(t("cite_as", citation=published.manifest.get("citation", "")))
    return 0


def cmd_rollback(args: argparse.Namespace) -> int:
    from pipeline.rollback import rollback

    t, path = texts(args), warehouse_path(args.warehouse)
    result = rollback(path)
    if not result.ok:
        _error(t, result.message(t.lang))
        return 1
    restored = result.value()
    say(t("restored", build_id=restored.build_id, path=path))

    def listed(files: tuple[tuple[int, str], ...]) -> str:
        return ", ".join(t("file_in_wave", name=n, wave=w) for w, n in files)

    if restored.comes_back:
        _warn(t, t("rollback_comes_back", files=listed(restored.comes_back)))
    if restored.goes_away:
        _warn(t, t("rollback_goes_away", files=listed(restored.goes_away)))
    return 0


def cmd_admin(args: argparse.Namespace) -> int:
    """``admin add-user NAME``: ask the password twice, store its hash (exit 1: refused)."""
    import getpass

    from admin.accounts import MIN_PASSWORD, AccountRefused, add_user, load_users
    from warehouse.layout import Layout

    t, path, name = texts(args), Layout(warehouse_path(args.warehouse)).users, args.name
    password = getpass.getpass(t("password_for", name=name))
    if password != getpass.getpass(t("password_again")):
        _error(t, t("passwords_differ"))
        return 1
    existed = name in load_users(path)
    try:
        add_user(path, name, password)
    except AccountRefused as refused:
        bad_name = refused.reason == "bad_name"
        _error(t, t("refused_bad_name") if bad_name else t("refused_short_password", minimum=MIN_PASSWORD))
        return 1
    say(t("user_saved", name=name, path=path))
    if existed:
        say(t("password_reset", name=name))
    return 0


def _serve_options(p: argparse.ArgumentParser, h: Callable[[str], str]) -> None:
    p.add_argument(
        "--host", default="127.0.0.1", help=h("address to listen on (default 127.0.0.1: this machine only)")
    )
    p.add_argument("--port", type=int, default=8050, help=h("port to listen on (default 8050)"))
    p.add_argument("--workers", type=int, default=2, help=h("worker processes (default 2)"))
    p.add_argument(
        "--threads",
        type=int,
        default=4,
        help=h("threads per worker (a slow request does not block the others)"),
    )


def parser(lang: str = "en") -> argparse.ArgumentParser:
    """The command line, its help texts in ``lang``."""
    from etl.survey.codebook import VERSIONS

    h = help_texts(lang)

    common = Parser(add_help=False, lang=lang)
    common.add_argument(
        "--warehouse",
        type=Path,
        default=None,
        help=h("warehouse file (default $SECTOR_MONITOR_WAREHOUSE or var/warehouse.duckdb)"),
    )
    language = Parser(add_help=False, lang=lang)
    language.add_argument(
        "--lang", choices=LANGUAGES, help=h("language of messages: fr, nl or en (default: $LANG, else en)")
    )
    located = [common, language]
    p = Parser(prog="sector-monitor", lang=lang, description=h("The `sector-monitor` command line."))
    sub = p.add_subparsers(dest="command", required=True)
    b = sub.add_parser(
        "build", parents=located, help=h("rebuild the warehouse from snapshots and landed surveys")
    )
    b.add_argument(
        "--refresh", action="store_true", help=h("fetch live versions of the sources first (needs network)")
    )
    b.add_argument(
        "--full",
        action="store_true",
        help=h(
            "compute every step again (by default unchanged steps and survey waves reuse the "
            "current warehouse's rows)"
        ),
    )
    b.set_defaults(func=cmd_build)
    s = sub.add_parser("status", parents=located, help=h("sources, checksums, row counts, last run"))
    s.add_argument("--json", action="store_true", help=h("print the result as JSON"))
    s.set_defaults(func=cmd_status)
    sv = sub.add_parser("serve", parents=located, help=h("serve the dashboard with gunicorn"))
    _serve_options(sv, h)
    sv.set_defaults(func=cmd_serve)
    up = sub.add_parser("up", parents=located, help=h("build if missing or stale, then serve"))
    _serve_options(up, h)
    up.set_defaults(func=cmd_up)
    sv_ = sub.add_parser("survey", help=h("the association survey: form, ingest, files, remove, demo"))
    ssub = sv_.add_subparsers(dest="survey_command", required=True)
    f = ssub.add_parser(
        "form", parents=[language], help=h("write the XLSForm (--out) and/or the blank template (--template)")
    )
    f.add_argument("--out", type=Path, help=h("the XLSForm to write (.xlsx)"))
    f.add_argument("--template", type=Path, help=h("the blank spreadsheet template to write (.xlsx)"))
    f.add_argument(
        "--version",
        choices=VERSIONS,
        default=VERSIONS[0],
        help=h("questionnaire version (default v1; v2 adds the seed concepts)"),
    )
    i = ssub.add_parser("ingest", parents=located, help=h("validate and load a survey export"))
    i.add_argument("file", type=Path, help=h("the export (CSV, TSV or XLSX)"))
    i.add_argument("--wave", type=int, required=True, help=h("survey wave (year)"))
    i.add_argument(
        "--format",
        default="auto",
        choices=["auto", "kobo", "limesurvey", "google_forms", "spreadsheet"],
        help=h("the tool that wrote the file (default: detected from the header)"),
    )
    i.add_argument("--json", action="store_true", help=h("print the report as JSON"))
    i.add_argument(
        "--version",
        choices=VERSIONS,
        default=None,
        help=h("questionnaire version of the export (default: detected from the header)"),
    )
    i.add_argument(
        "--max-failing-share",
        type=share,
        default=None,
        metavar="SHARE",
        help=h(
            "refuse the file when more than this share of its rows fail the same rule "
            "(default 0.5, or $SECTOR_MONITOR_MAX_FAILING_SHARE; 1 never refuses)"
        ),
    )
    i.add_argument("--full", action="store_true", help=h("rebuild every step and wave (see build --full)"))
    i.add_argument(
        "--synthetic",
        action=argparse.BooleanOptionalAction,
        default=None,
        help=h(
            "the file is test data: every figure computed from it is labelled synthetic "
            "(automatic for a file tagged 'synthetic' in Kobo's _tags, as `survey demo` writes them); "
            "default: as declared when a file of that name and wave was ingested before"
        ),
    )
    fl = ssub.add_parser("files", parents=located, help=h("list the landed survey files"))
    fl.add_argument("--wave", type=int, help=h("only this wave"))
    fl.add_argument("--json", action="store_true", help=h("print the result as JSON"))
    rm = ssub.add_parser(
        "remove", parents=located, help=h("take a landed file out (archived) and rebuild the warehouse")
    )
    rm.add_argument("name", help=h("the file name, as `survey files` lists it"))
    rm.add_argument("--wave", type=int, required=True, help=h("survey wave (year)"))
    fr = ssub.add_parser(
        "frame",
        parents=located,
        help=h("load the sampling frame: a KBO/BCE open-data extract or a CSV of counts"),
    )
    fr.add_argument(
        "path",
        type=Path,
        nargs="?",
        help=h(
            "KBO/BCE extract (folder or zip) or CSV (subsector,size_class[,region],"
            "n_associations[,n_employers])"
        ),
    )
    fr.add_argument("--source", help=h("for a CSV of counts: who counted what (published)"))
    fr.add_argument("--date", help=h("for a CSV of counts: date of the data (YYYY-MM-DD)"))
    fr.add_argument("--definition", help=h("for a CSV of counts: who is counted (default: --source)"))
    fr.add_argument(
        "--mapping",
        type=Path,
        help=h(
            "for a KBO extract: legal forms, postal codes, NACE -> subsector "
            "(default etl/survey/kbo_frame.yaml)"
        ),
    )
    fr.add_argument(
        "--employers-only",
        action="store_true",
        help=h("for a KBO extract: count only employers (activity group 006, ONSS/RSZ)"),
    )
    fr.add_argument("--reset", action="store_true", help=h("back to the illustrative demo frame"))
    fr.add_argument("--json", action="store_true", help=h("print the result as JSON"))
    d = ssub.add_parser(
        "demo", parents=[language], help=h("write synthetic survey exports (KoboToolbox CSV)")
    )
    d.add_argument("--waves", type=int, nargs="+", default=[2022, 2023, 2024], help=h("survey waves (years)"))
    d.add_argument("--n", type=int, default=300, help=h("associations per wave"))
    d.add_argument("--seed", type=int, default=1, help=h("random seed (the same seed writes the same files)"))
    d.add_argument("--out", type=Path, required=True, help=h("the folder to write to"))
    sv_.set_defaults(func=cmd_survey)
    ind = sub.add_parser("indicators", help=h("the indicator catalogue and values"))
    isub = ind.add_subparsers(dest="indicators_command", required=True)
    il = isub.add_parser("list", parents=located, help=h("list indicators"))
    il.add_argument("--theme", help=h("only this theme"))
    ish = isub.add_parser("show", parents=located, help=h("an indicator's definition and values"))
    ish.add_argument("id", help=h("the indicator's id (see indicators list)"))
    ish.add_argument("--period", help=h("only this period (e.g. 2024)"))
    ind.set_defaults(func=cmd_indicators)
    n = sub.add_parser("note", parents=[common], help=h("an advocacy note (PDF, DOCX or Markdown)"))
    n.add_argument("--lang", choices=LANGUAGES, required=True, help=h("language of the note and of messages"))
    n.add_argument("--recommendation", nargs="+", metavar="R", help=h("e.g. R1 R4"))
    n.add_argument("--indicator", nargs="+", metavar="ID", help=h("indicator ids"))
    n.add_argument("--period", help=h("the period of the figures"))
    n.add_argument("--out", type=Path, required=True, help=h("note.pdf, note.docx or note.md"))
    n.set_defaults(func=cmd_note)
    ex = sub.add_parser(
        "export", parents=located, help=h("Frictionless data package (CSV + Parquet) of every public table")
    )
    ex.add_argument("--out", type=Path, required=True, help=h("the folder of the data package"))
    ex.set_defaults(func=cmd_export)
    pb = sub.add_parser(
        "publish", parents=located, help=h("freeze the public tables as a named, citable edition")
    )
    pb.add_argument("--edition", required=True, help=h("e.g. 2024.1"))
    pb.set_defaults(func=cmd_publish)
    rb = sub.add_parser(
        "rollback", parents=located, help=h("restore the previous build (the last builds are kept)")
    )
    rb.set_defaults(func=cmd_rollback)
    ad = sub.add_parser("admin", help=h("survey coordinators' accounts for /admin/"))
    asub = ad.add_subparsers(dest="admin_command", required=True)
    au = asub.add_parser("add-user", parents=located, help=h("add or reset a user (asks the password)"))
    au.add_argument("name", help=h("the user's name"))
    ad.set_defaults(func=cmd_admin)
    return p


def in_language(t: Texts, message: object) -> str:
    """An error's or warning's message in the user's language when it has one (core.errors)."""
    return message.messages[t.lang] if isinstance(message, Explained) else str(message)


def _warn(t: Texts, message: object) -> None:
    console.print(
        f"[yellow]{escape(t('warning'))}[/] {escape(in_language(t, message))}",
        highlight=False,
        soft_wrap=True,
    )


def main(argv: list[str] | None = None) -> int:
    os.umask(0o077)  # files made here (landing, warehouse, history, logs) are private
    args = parser(language_in(sys.argv[1:] if argv is None else argv)).parse_args(argv)
    t = texts(args)
    warnings.showwarning = lambda message, *_args, **_kwargs: _warn(t, message)
    try:
        return args.func(args)
    except KeyboardInterrupt:
        return 130
    except Exception as exc:  # a clear one-line message, not a traceback
        if settings().debug:
            raise
        _error(t, in_language(t, exc))
        return 1


def run() -> None:
    """The ``sector-monitor`` command: :func:`main`, then exit without the interpreter's last
    garbage collection over every object of the libraries imported (``gc.freeze``: 0.1 s of a
    3 s build; the command's files and connections are closed by then)."""
    code = main()
    gc.freeze()
    sys.exit(code)


if __name__ == "__main__":
    run()
