"""The generated part of BENCHMARKS.md: tables and target verdicts from one run of run_all.py.

``render(summary, results)`` turns run_all's summary (machine, date, `uptime`, command, each job's
exit code) and the JSON result of each job into markdown; ``update(path, section)`` puts it
between the markers ``<!-- run_all:begin -->`` and ``<!-- run_all:end -->``, keeping the
hand-written text around them. Only the results of this run are used: a job that failed or did
not run is said so, and its targets are "NOT MEASURED".
"""

from __future__ import annotations

import math
from collections.abc import Callable
from pathlib import Path

BEGIN = "<!-- run_all:begin -->"
END = "<!-- run_all:end -->"
FEW_SECONDS_S = 5.0  # our reading of "a few seconds" (issues 2 and 6)
NOTE_PDF_S = 3.0  # cold PDF note (issue 12)
LINEAR_EXPONENT = 1.2  # "roughly linear": time ~ n^b with b <= 1.2 between consecutive sizes
TARGET_SIZE, TARGET_S = 1_000_000, 30.0  # the indicator target: 1M responses over 10 waves
MET, NOT_MET = "**MET**", "**NOT MET**"
CONTENDERS = {
    "duckdb_read_csv": "DuckDB `read_csv` into a table, no validation (floor)",
    "dlt_duckdb": "dlt pipeline into DuckDB, fed an Arrow table",
    "pandas_pandera": "pandas `read_csv` + pandera (8 columns) + DuckDB insert",
    "ours_survey_step": "ours: survey step (read, validate every field, pseudonymise, insert)",
    "ours_cli_ingest": "ours: `survey ingest` (+ atomic rebuild with every indicator)",
}
OURS = ("ours_survey_step", "ours_cli_ingest")


def status(ok: bool) -> str:
    return MET if ok else NOT_MET


def not_measured(why: str) -> str:
    return f"NOT MEASURED ({why})"


def table(header: list[str], rows: list[list[str]]) -> str:
    lines = ["| " + " | ".join(header) + " |", "|" + "---|" * len(header)]
    return "\n".join(lines + ["| " + " | ".join(row) + " |" for row in rows])


def seconds(value: float) -> str:
    return f"{value:.2f} s"


def ms(value: float) -> str:
    return "-" if value is None or math.isnan(value) else f"{value:.1f}"


def mb(value: float | None) -> str:
    return "-" if value is None else f"{value:,.0f} MB"


# ---- one section per job ----


def timing_section(title: str, r: dict, note: str = "") -> str:
    """A median-of-runs timing (build_time, indicators_time, note_time)."""
    row = [
        title,
        str(r["runs"]),
        seconds(r["median_s"]),
        seconds(min(r["seconds"])),
        seconds(max(r["seconds"])),
        mb(r.get("peak_rss_mb")),
    ]
    text = table(["what", "runs", "median", "min", "max", "peak RSS"], [row])
    return text + (f"\n\n{note}" if note else "")


def build_section(r: dict) -> str:
    return timing_section("`sector-monitor build` on the shipped data (new process, new folder)", r)


def build_scaled_section(r: dict) -> str:
    return timing_section(
        f"`sector-monitor build` on {r['responses']:,} SYNTHETIC responses over {r['waves']} waves",
        r,
        f"Landed exports: {r['bytes'] / 1e6:,.0f} MB; sampling frame: the illustrative demo frame "
        f"x {r['frame_multiplier']}.",
    )


def indicators_time_section(r: dict) -> str:
    return timing_section(
        "`compute_all` on the demo survey (3 waves x ~300 responses)",
        r,
        f"{r['n_indicators']} indicators, {r['n_values']:,} values.",
    )


def note_section(r: dict) -> str:
    text = timing_section(f"`{r['command']}`, cold (new process: interpreter, charts, PDF)", r)
    floor = r.get("markdown_floor")
    if floor:
        text += (
            f"\n\nThe same note as Markdown (the floor: no charts, no layout), cold: median "
            f"{seconds(floor['median_s'])} over {len(floor['seconds'])} runs (min "
            f"{seconds(min(floor['seconds']))}, max {seconds(max(floor['seconds']))})."
        )
    return text


def ingest_section(r: dict) -> str:
    f = r["file"]
    rows = [
        [
            CONTENDERS.get(name, name),
            str(len(x["seconds"])),
            seconds(x["median_s"]),
            f"{x['ratio_vs_floor']:.2f}",
            f"{x['rows_per_s']:,.0f}",
            f"{x['mb_per_s']:.1f}",
            mb(x["peak_rss_mb"]),
        ]
        for name, x in r["results"].items()
    ]
    text = (
        f"One SYNTHETIC Kobo export of {f['rows']:,} rows ({f['bytes'] / 1e6:,.1f} MB), each run a new "
        f"process (interpreter start-up included), runs interleaved.\n\n"
        + table(["contender", "runs", "median", "x floor", "rows/s", "MB/s", "peak RSS"], rows)
    )
    skipped = "".join(f"\n\nSkipped: {name}: {why}" for name, why in r.get("skipped", {}).items())
    return text + skipped


def scale_section(r: dict) -> str:
    rows = [
        [
            f"{p['responses']:,}",
            str(p["waves"]),
            str(len(p["seconds"])),
            seconds(p["median_s"]),
            f"{p['responses'] / p['median_s']:,.0f}",
            mb(p["peak_rss_mb"]),
            f"{p['n_values']:,}",
        ]
        for p in r["points"]
    ]
    growth = "; ".join(f"{g['from']:,} -> {g['to']:,}: time ~ n^{g['exponent']:.2f}" for g in r["growth"])
    text = (
        "`compute_all` on SYNTHETIC responses (demo waves tiled), new process per size.\n\n"
        + table(["responses", "waves", "runs", "median", "responses/s", "peak RSS", "values"], rows)
        + (f"\n\nGrowth: {growth}." if growth else "")
    )
    if r.get("wave_points"):
        waves = [
            [
                f"{p['responses']:,}",
                str(p["waves"]),
                str(len(p["seconds"])),
                seconds(p["median_s"]),
                mb(p["peak_rss_mb"]),
                f"{p['n_values']:,}",
            ]
            for p in r["wave_points"]
        ]
        text += (
            "\n\nThe same responses spread over more waves (each wave estimated, linked to the "
            "previous one and trended):\n\n"
            + table(["responses", "waves", "runs", "median", "peak RSS", "values"], waves)
        )
    return text


def dashboard_section(r: dict) -> str:
    c = r["config"]
    rows = [
        [
            name,
            f"{s['requests']:,}",
            str(s["errors"]),
            ms(s["p50_ms"]),
            ms(s["p95_ms"]),
            ms(s["p99_ms"]),
            ms(s["max_ms"]),
            f"{s['throughput_rps']:.1f}",
        ]
        for name, s in r["results"]["categories"].items()
    ]
    slowest = r["results"]["slowest_callbacks"][:1]
    text = (
        f"{c['users']} users for {c['duration']:g} s, think time {c['think']:g} s (mean), gunicorn "
        f"{c['workers']} workers; one run, percentiles over all its requests.\n\n"
        + table(["requests", "count", "errors", "p50 ms", "p95 ms", "p99 ms", "max ms", "req/s"], rows)
    )
    if slowest:
        s = slowest[0]
        text += f"\n\nSlowest callback (by p95): `{s['callback']}`, p95 {ms(s['p95_ms'])} ms."
    return text


def api_section(r: dict) -> str:
    q, c = r["query"], r["config"]
    ratio = {(v["peer"], v["case"], v["users"]): v["ratio"] for v in r["verdicts"]}
    rows = [
        [
            str(x["users"]),
            x["case"],
            x["server"],
            str(x["runs"]),
            f"{x['rps']:,.0f}",
            ms(x["p50_ms"]),
            ms(x["p95_ms"]),
            ms(x["p99_ms"]),
            str(x["errors"]),
            f"{ratio[(x['server'], x['case'], x['users'])]:.2f}"
            if (x["server"], x["case"], x["users"]) in ratio
            else "-",
        ]
        for x in r["results"]
    ]
    servers = "\n".join(f"- `{name}`: {setup}" for name, setup in r["servers"].items())
    return (
        f"Query: `{q['paths']['ours']}` (ours) and `{q['paths']['datasette']}` (Datasette), "
        f"{q['answer_rows']} rows, the same from every server; {c['runs']} run(s) of "
        f"{c['duration_s']:g} s per line, medians; {r['load_tool']}.\n\n{servers}\n\n"
        + table(
            [
                "users",
                "case",
                "server",
                "runs",
                "req/s",
                "p50 ms",
                "p95 ms",
                "p99 ms",
                "errors",
                "ours / server",
            ],
            rows,
        )
        + "\n\n`same_url`: the same URL repeated (ours answers from its response cache); "
        "`distinct_urls`: a new page size on every request, so no cache answers."
    )


SECTIONS: dict[str, tuple[str, Callable[[dict], str]]] = {
    "build_time": ("Build on the shipped data", build_section),
    "build_scaled": ("Build on 1M synthetic responses over 10 waves", build_scaled_section),
    "indicators_time": ("Indicators on the demo survey", indicators_time_section),
    "ingest_compare": ("Survey ingest against its peers", ingest_section),
    "indicators_scale": ("Indicator recomputation at scale", scale_section),
    "dashboard_load_20": ("Dashboard, 20 users", dashboard_section),
    "dashboard_load_50": ("Dashboard, 50 users", dashboard_section),
    "api_compare": ("Data API against Datasette", api_section),
    "note_time": ("Advocacy note (PDF)", note_section),
}


# ---- targets ----


def ingest_targets(r: dict | None, why: str) -> list[list[str]]:
    checks = [
        ("<= 3x DuckDB read_csv", "ingest <= 3x the DuckDB `read_csv` floor"),
        ("stretch: <= 1.5x DuckDB read_csv", "stretch: ingest <= 1.5x the floor"),
        ("faster than dlt_duckdb", "ingest faster than dlt"),
        ("faster than pandas_pandera", "ingest faster than pandas + pandera"),
        ("peak RSS < 2 GB", "ingest peak RSS < 2 GB"),
        (
            "accepts the file under the default size limit",
            "ingest accepts the file under the default size limit",
        ),
    ]
    rows = []
    for key, label in checks:
        for ours in OURS:
            name = f"{label} ({'survey step' if ours == 'ours_survey_step' else 'full `survey ingest`'})"
            found = [t for t in (r or {}).get("targets", []) if t["contender"] == ours and t["target"] == key]
            if not found:
                rows.append([name, "-", not_measured(why if r is None else "not in this run's results")])
                continue
            x = r["results"][ours]
            if "x DuckDB" in key:
                measured = f"{x['ratio_vs_floor']:.2f}x ({seconds(x['median_s'])})"
            elif key.startswith("faster"):
                peer = key.removeprefix("faster than ")
                measured = f"{seconds(x['median_s'])} vs {seconds(r['results'][peer]['median_s'])}"
            elif key.startswith("peak"):
                measured = mb(x["peak_rss_mb"])
            else:
                measured = "limit lifted" if x.get("size_limit_lifted") else "within the limit"
            rows.append(
                [name, f"{measured}, {r['file']['rows']:,} rows", status(found[0]["status"] == "MET")]
            )
    return rows


def scale_targets(r: dict | None, why: str) -> list[list[str]]:
    if r is None:
        return [
            ["indicators, 1M responses x 10 waves <= 30 s", "-", not_measured(why)],
            ["indicator time grows roughly linearly", "-", not_measured(why)],
        ]
    at_target = [p for p in r["points"] if p["responses"] >= TARGET_SIZE and p["waves"] == 10]
    if at_target:
        p = at_target[0]
        first = [
            f"{seconds(p['median_s'])} for {p['responses']:,} x {p['waves']}",
            status(p["median_s"] <= TARGET_S),
        ]
    else:
        largest = max(r["points"], key=lambda p: p["responses"])
        first = [
            f"largest run: {largest['responses']:,} x {largest['waves']} waves, "
            f"{seconds(largest['median_s'])}",
            not_measured("1M not in this run"),
        ]
    exponents = [g["exponent"] for g in r["growth"]]
    growth = (
        [", ".join(f"n^{e:.2f}" for e in exponents), status(max(exponents) <= LINEAR_EXPONENT)]
        if exponents
        else ["-", not_measured("one size only")]
    )
    return [
        ["indicators, 1M responses x 10 waves <= 30 s", *first],
        [f"indicator time grows roughly linearly (exponent <= {LINEAR_EXPONENT})", *growth],
    ]


def dashboard_target(r: dict | None, why: str) -> list[str]:
    name = "explorer callback p95 < 150 ms at 20 users, zero errors (any request of any page)"
    if r is None:
        return [name, "-", not_measured(why)]
    categories = r["results"]["categories"]
    c = categories["explorer callbacks"]
    errors = categories["callbacks"]["errors"] + categories["page loads"]["errors"]
    measured = (
        f"p95 {ms(c['p95_ms'])} ms over {c['requests']:,} explorer callbacks; {errors} errors "
        f"(all callbacks: p95 {ms(categories['callbacks']['p95_ms'])} ms)"
    )
    return [name, measured, status(r["results"]["target"]["met"])]


def api_targets(r: dict | None, why: str) -> list[list[str]]:
    if r is None:
        return [["API throughput >= Datasette's", "-", not_measured(why)]]
    rows = []
    pairs = sorted({(v["peer"], v["case"]) for v in r["verdicts"]}, key=lambda k: (k[1] != "same_url", k))
    for peer, case in pairs:
        found = sorted(
            (v for v in r["verdicts"] if (v["peer"], v["case"]) == (peer, case)), key=lambda v: v["users"]
        )
        measured = "; ".join(f"{v['users']} users: {v['ratio']:.2f}x" for v in found)
        rows.append(
            [
                f"API throughput >= Datasette's (vs `{peer}`, {case}, ours with zero errors)",
                measured,
                status(all(v["status"] == "MET" for v in found)),
            ]
        )
    return rows


def seconds_target(
    name: str,
    r: dict | None,
    why: str,
    limit_s: float = FEW_SECONDS_S,
    reading: str = ' (our reading of "a few seconds")',
) -> list[str]:
    label = f"{name} <= {limit_s:g} s{reading}"
    if r is None:
        return [label, "-", not_measured(why)]
    return [label, f"{seconds(r['median_s'])} (median of {r['runs']})", status(r["median_s"] <= limit_s)]


def targets(results: dict[str, dict], reasons: dict[str, str]) -> list[list[str]]:
    """Every target of issue 8: [target, measured, MET / NOT MET / NOT MEASURED (why)]."""

    def get(name: str) -> tuple[dict | None, str]:
        return results.get(name), reasons.get(name, "not run")

    return [
        *ingest_targets(*get("ingest_compare")),
        *scale_targets(*get("indicators_scale")),
        dashboard_target(*get("dashboard_load_20")),
        *api_targets(*get("api_compare")),
        seconds_target("build on the shipped data", *get("build_time")),
        seconds_target("PDF note, cold CLI", *get("note_time"), limit_s=NOTE_PDF_S, reading=" (issue 12)"),
    ]


# ---- the section and the document ----


def machine_lines(summary: dict) -> list[str]:
    m = summary["machine"]
    return [
        f"- Machine: {m['cpu']}, {m['cores']} cores, {m['ram_gib']:.1f} GiB RAM; {m['os']}",
        f"- Python {m['python']}, DuckDB {m['duckdb']}, pandas {m['pandas']}, Dash {m['dash']}",
        f"- Date: {summary['date']}; command: `{summary['command']}` ({summary['total_s']:.0f} s)",
        f"- `uptime` before: `{summary['uptime_before']}`",
        f"- `uptime` after: `{summary['uptime_after']}`",
    ]


def reasons_of(summary: dict, results: dict[str, dict]) -> dict[str, str]:
    """Why a job has no result: not run in this run, or its exit code."""
    reasons = {}
    for name in SECTIONS:
        job = summary["jobs"].get(name)
        if job is None:
            reasons[name] = "not in --quick" if summary.get("quick") else "not run"
        elif name not in results:
            reasons[name] = f"failed, exit code {job['exit_code']}"
    return reasons


def render(summary: dict, results: dict[str, dict]) -> str:
    """The generated markdown: machine, date, load, command, one table per job, the targets."""
    reasons = reasons_of(summary, results)
    parts = ["## Results of the last `run_all.py` run (generated)", "\n".join(machine_lines(summary))]
    for name, (title, section) in SECTIONS.items():
        job = summary["jobs"].get(name)
        took = f" (job: {job['seconds']:.0f} s)" if job else ""
        body = section(results[name]) if name in results else f"Not measured: {reasons[name]}."
        parts.append(f"### {title}{took}\n\n{body}")
    parts.append(
        "### Targets (issue 8)\n\n" + table(["target", "measured", "status"], targets(results, reasons))
    )
    return "\n\n".join(parts)


def replace_section(document: str, section: str) -> str:
    """``document`` with the text between the markers replaced by ``section`` (markers added at the
    end when missing); everything outside the markers is kept as it is."""
    block = f"{BEGIN}\n{section}\n{END}"
    if BEGIN not in document or END not in document:
        return document.rstrip("\n") + "\n\n" + block + "\n"
    head, rest = document.split(BEGIN, 1)
    return head + block + rest.split(END, 1)[1]


def update(path: Path, section: str) -> None:
    """Write ``section`` between the markers of ``path``."""
    path.write_text(replace_section(path.read_text(encoding="utf-8"), section), encoding="utf-8")
