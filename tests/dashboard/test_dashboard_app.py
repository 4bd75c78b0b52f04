"""Dashboard behaviour through Flask's test client: languages, numbers, pages, downloads."""

from __future__ import annotations

import io
import json
import re
import shutil
from pathlib import Path

import duckdb
import pandas as pd
import pytest
from dash_pages import PAGES, render

from core.i18n import LANGUAGES, format_number, negotiate_language, separators
from dashboard.formatting import format_value
from dashboard.i18n import gettext_for
from exports.csv_safety import neutralise, safe_csv
from sector_monitor.web import create_app

SURVEY_VIEWS = (
    "indicators",
    "indicator_values",
    "index_values",
    "recommendations",
    "survey_responses_summary",
)


def without_survey(source: Path, target: Path) -> duckdb.DuckDBPyConnection:
    """A writable copy of ``source`` without any public survey view (as before a survey)."""
    shutil.copy(source, target)
    con = duckdb.connect(str(target))
    for name in SURVEY_VIEWS:
        kind = con.execute(
            "SELECT table_type FROM information_schema.tables WHERE "
            "table_schema = 'public' AND table_name = ?",
            [name],
        ).fetchone()
        if kind:
            con.execute(f"DROP {'VIEW' if kind[0] == 'VIEW' else 'TABLE'} public.{name} CASCADE")
    return con


@pytest.fixture(scope="module")
def client(warehouse_path: Path):
    return create_app(warehouse_path).server.test_client()


def suppressed_cell(wh) -> tuple[str, str, str, str]:
    """A suppressed survey cell of the warehouse: (indicator, breakdown, period, category)."""
    return wh.execute(
        "SELECT indicator_id, breakdown, period, breakdown_value FROM "
        "public.indicator_values WHERE flag = 'suppressed' ORDER BY ALL "
        "LIMIT 1"
    ).fetchone()


@pytest.mark.parametrize(("lang", "expected"), [("fr", "7\u202f036,5"), ("nl", "7.036,5"), ("en", "7,036.5")])
def test_numbers_follow_the_language(lang: str, expected: str) -> None:
    assert format_number(7036.5, lang) == expected
    assert separators(lang)[0] == ("." if lang == "en" else ",")


def test_values_carry_localised_units() -> None:
    assert format_value(20.4, "percent", "fr") == "20,4\u00a0%"
    assert format_value(62000, "persons", "nl") == "62.000\u00a0personen"
    assert format_value(None, "percent", "en") == "–"


def test_catalogs_translate_every_language() -> None:
    assert gettext_for("fr")("Key figures") == "Chiffres clés"
    assert gettext_for("nl")("Key figures") == "Kerncijfers"
    assert gettext_for("en")("Key figures") == "Key figures"


@pytest.mark.parametrize(
    ("header", "lang"),
    [("nl-BE,nl;q=0.9,en;q=0.8", "nl"), ("en-US,en;q=0.5", "en"), ("de-DE", "fr"), (None, "fr")],
)
def test_root_redirects_by_accept_language(client, header: str | None, lang: str) -> None:
    assert negotiate_language(header) == lang
    response = client.get("/", headers={"Accept-Language": header} if header else {})
    assert response.status_code == 302
    assert response.headers["Location"] == f"/{lang}"


def test_html_lang_and_security_headers(client) -> None:
    response = client.get("/nl/statistics")
    assert '<html lang="nl">' in response.get_data(as_text=True)
    assert "<title>Monitor van de Brusselse sociale sector</title>" in response.get_data(as_text=True)
    csp = response.headers["Content-Security-Policy"]
    assert "frame-ancestors 'none'" in csp and "http" not in csp and "unsafe-eval" not in csp
    assert response.headers["X-Content-Type-Options"] == "nosniff"
    assert response.headers["Referrer-Policy"]


def test_errors_show_no_trace(client) -> None:
    response = client.post("/_dash-update-component", json={"output": "nope.children"})
    assert response.status_code == 400  # malformed callback request (tests/test_callback_guard.py)
    assert b"Traceback" not in response.data and len(response.data) < 100


@pytest.mark.slow
@pytest.mark.parametrize("lang", LANGUAGES)
def test_every_page_renders_in_every_language(client, lang: str) -> None:
    for page in PAGES:
        assert '"props"' in render(client, f"/{lang}{page}")


def test_key_figures_come_from_the_warehouse(client) -> None:
    home = render(client, "/fr")
    assert "62\u202f000\u00a0personnes" in home  # KBS 2019, Brussels
    assert "20,4\u00a0% → 15,9\u00a0%" in home  # Eurostat, Belgium 2015 -> 2022
    assert "19\u00a0% → 49\u00a0%" in home  # KBS barometer 2018 -> 2020
    assert "source-kbs_volunteering_2019" in home


def test_missing_survey_views_say_not_available(warehouse_path: Path, tmp_path: Path) -> None:
    without_survey(warehouse_path, tmp_path / "wh.duckdb").close()
    client = create_app(tmp_path / "wh.duckdb").server.test_client()
    home = render(client, "/nl")
    assert "Deze gegevens zijn nog niet beschikbaar." in home and "Kerncijfers" in home
    assert client.get("/download/indicator_values.csv").status_code == 404


def test_missing_warehouse_degrades_gracefully(tmp_path: Path) -> None:
    empty = create_app(tmp_path / "absent.duckdb").server.test_client()
    for page in PAGES:
        assert "not available yet" in render(empty, f"/en{page}")


def test_home_shows_survey_headlines_with_ci_and_n(client, wh) -> None:
    home = render(client, "/en")
    assert "Synthetic data." in home
    est, low, high, n, period = wh.execute(
        "SELECT estimate, ci_low, ci_high, n, period FROM public.indicator_values WHERE "
        "indicator_id = 'tt_task_transfer' AND breakdown = 'all' ORDER BY period DESC"
    ).fetchone()
    assert format_number(est, "en", 1) + "%" in home
    assert f"95 % CI {format_number(low, 'en', 1)} – {format_number(high, 'en', 1)} · n = {n}" in home
    assert f"Survey wave {period}" in home
    survey_source = wh.execute(
        "SELECT source_id FROM public.sources WHERE source_id LIKE '%survey%'"
    ).fetchone()[0]
    assert f"source-{survey_source}" in home
    fte, fte_low = wh.execute(
        "SELECT estimate, value_low FROM public.indicator_values WHERE "
        "indicator_id = 'comb_volunteer_fte_public'"
    ).fetchone()
    assert format_number(round(fte), "en", 0) + "\u00a0full-time equivalents" in home
    assert f"Range {format_number(round(fte_low), 'en', 0)} – " in home
    assert "depending on the assumptions. The figure shown is the upper end of the range." in home
    assert "Disinvestment pressure index" in home


def test_explorer_table_never_shows_a_suppressed_number(client, wh) -> None:
    indicator, breakdown, period, category = suppressed_cell(wh)
    page = render(
        client,
        f"/en/explorer?indicator=indicator:{indicator}&breakdown={breakdown}&period={period}&tab=table",
    )
    assert "Synthetic data." in page
    assert "suppressed (" in page
    label = wh.execute(
        "SELECT label_en FROM public.categories WHERE variable = ? AND code = ?", [breakdown, category]
    ).fetchone()
    assert label is None or label[0] in page


def test_explorer_csv_has_metadata_and_no_suppressed_value(client, wh) -> None:
    indicator, breakdown, period, category = suppressed_cell(wh)
    response = client.get(
        f"/download/explorer.csv?indicator=indicator:{indicator}"
        f"&breakdown={breakdown}&period={period}&lang=en"
    )
    text = response.get_data(as_text=True)
    title = wh.execute(
        "SELECT title_en FROM public.indicators WHERE indicator_id = ?", [indicator]
    ).fetchone()[0]
    assert text.startswith(f"# title: {title}")
    assert "# synthetic: True" in text and "# citation: " in text
    frame = pd.read_csv(io.StringIO(text), comment="#", dtype={"category": str})
    cell = frame[frame["category"] == category].iloc[0]
    assert cell["flag"] == "suppressed" and pd.isna(cell["estimate"]) and pd.isna(cell["ci_low"])


def test_explorer_xlsx_has_data_and_metadata_sheets(client, wh) -> None:
    from openpyxl import load_workbook

    response = client.get(
        "/download/explorer.xlsx?indicator=indicator:tt_task_transfer&breakdown=region&period=2024&lang=fr"
    )
    assert response.status_code == 200
    book = load_workbook(io.BytesIO(response.data))
    assert book.sheetnames == ["data", "metadata"]
    rows = list(book["data"].values)
    assert rows[0][:4] == ("category", "label", "period", "estimate")
    expected = dict(
        wh.execute(
            "SELECT breakdown_value, estimate FROM public.indicator_values WHERE indicator_id = "
            "'tt_task_transfer' AND breakdown = 'region' AND period = '2024'"
        ).fetchall()
    )
    assert {r[0]: r[3] for r in rows[1:]} == pytest.approx(expected)
    assert {r[1] for r in rows[1:]} >= {"Bruxelles-Capitale"} or len(rows) > 1
    meta = dict(list(book["metadata"].values)[1:])
    assert meta["unit"] == "percent" and "citation" in meta


def test_explorer_table_sorts_by_a_column(warehouse_path: Path) -> None:
    from dashboard.explorer_data import build_view, display_table

    app = create_app(warehouse_path)
    with app.server.test_request_context():
        from dashboard.data import current_data

        view = build_view(current_data(), "en", "indicator:tt_task_transfer", "subsector", "2024")
        _keys, table = display_table(view, "en", ("n", False))
        counts = [int(v) for v in table["n"]]
        assert counts == sorted(counts, reverse=True)
        _keys, table = display_table(view, "en", ("value", True))
        shown = view.frame.dropna(subset=["estimate"]).sort_values("estimate")
        assert table["Value"].iloc[0].startswith(format_number(shown["estimate"].iloc[0], "en", 1))


def test_what_if_weights_recompute_the_index(warehouse_path: Path, wh) -> None:
    app = create_app(warehouse_path)
    with app.server.test_request_context():
        from dashboard.data import current_data
        from dashboard.index_data import config, whatif

        published = wh.execute(
            "SELECT index FROM public.index_values WHERE breakdown = 'all' ORDER BY period DESC"
        ).fetchone()[0]
        default = json.dumps(
            whatif(current_data(), "en", dict.fromkeys(config().indicators, 1.0), "goalposts")[
                0
            ].to_plotly_json(),
            default=str,
        )
        assert default.count(format_number(published, "en", 1)) == 2  # variant = published
        only_transfer = {i: float(i == "tt_task_transfer") for i in config().indicators}
        mine = json.dumps(
            whatif(current_data(), "en", only_transfer, "goalposts")[0].to_plotly_json(), default=str
        )
        transfer = wh.execute(
            "SELECT estimate FROM public.indicator_values WHERE indicator_id ="
            " 'tt_task_transfer' AND breakdown = 'all' ORDER BY period DESC"
        ).fetchone()[0]
        assert format_number(published, "en", 1) in mine and format_number(transfer, "en", 1) in mine


def test_support_page_shows_the_nine_stage_funnel(client) -> None:
    page = render(client, "/fr/themes/support")
    assert "support-funnel" in page
    assert all(f"Support stage {k}" not in page for k in range(1, 10))  # titles in French
    assert page.count("sup_stage_") >= 9


def test_recommendations_show_live_evidence(client, wh) -> None:
    page = render(client, "/nl/recommendations")
    for rec_id, evidence in wh.execute(
        "SELECT recommendation_id, evidence_nl FROM public.recommendations"
    ).fetchall():
        assert f'"id": "{rec_id}"' in page and evidence in page
    est = wh.execute(
        "SELECT estimate FROM public.indicator_values WHERE indicator_id = "
        "'tt_task_transfer' AND breakdown = 'all' ORDER BY period DESC"
    ).fetchone()[0]
    assert format_number(est, "nl", 1) + "%" in page


def test_unknown_theme_is_not_found(client) -> None:
    assert "Page not found" in render(client, "/en/themes/nope")


def test_public_statistics_csv_download(client) -> None:
    response = client.get("/download/statistics.csv")
    assert response.status_code == 200
    assert "attachment" in response.headers["Content-Disposition"]
    frame = pd.read_csv(io.BytesIO(response.data), dtype=str)
    be = frame[(frame["series"] == "eurostat_formal_volunteering") & (frame["geo_code"] == "BE")]
    assert sorted(be["value"].astype(float)) == [15.9, 20.4]


def test_parquet_download_keeps_types(client) -> None:
    response = client.get("/download/sources.parquet")
    frame = pd.read_parquet(io.BytesIO(response.data))
    assert {"source_id", "licence", "citation"} <= set(frame.columns)


@pytest.mark.parametrize(
    "path",
    [
        "/download/restricted.csv",
        "/download/statistics.xlsx",
        "/download/meta.build.csv",
        "/download/survey.csv",
    ],
)
def test_downloads_only_serve_public_views(client, path: str) -> None:
    assert client.get(path).status_code == 404


def test_csv_cells_cannot_run_as_formulas() -> None:
    frame = pd.DataFrame(
        {"text": ["=1+2", "+1", "-2", "@SUM(A1)", "ok"], "value": [-1.5, 2.0, 3.0, 4.0, 5.0]}
    )
    safe = neutralise(frame)
    assert safe["text"].tolist() == ["'=1+2", "'+1", "'-2", "'@SUM(A1)", "ok"]
    assert safe["value"].tolist()[0] == -1.5
    assert safe_csv(frame).splitlines()[1] == "'=1+2,-1.5"


@pytest.mark.slow
def test_note_builder_preview_and_downloads(client, wh) -> None:
    from dashboard.downloads import note_query

    page = render(client, "/fr/note")
    assert "R4" in page and "note-preview" in page
    query = note_query("nl", ["R4"], [], "2024")
    value = wh.execute(
        "SELECT estimate, ci_low FROM public.indicator_values WHERE indicator_id = "
        "'tt_task_transfer' AND breakdown = 'all' AND period = '2024'"
    ).fetchone()
    md = client.get(f"/download/note.md?{query}")
    assert md.status_code == 200 and "attachment" in md.headers["Content-Disposition"]
    text = md.get_data(as_text=True)
    assert format_number(value[0], "nl", 1) in text and "R4" in text
    pdf = client.get(f"/download/note.pdf?{query}")
    assert pdf.status_code == 200 and pdf.data.startswith(b"%PDF")
    assert client.get("/download/note.exe?lang=fr&rec=R4").status_code == 404
    assert client.get("/download/note.md?lang=fr&rec=R99").status_code == 400
    german = client.get("/download/note.pdf?lang=de&rec=R4")  # not a French note instead
    assert german.status_code == 400 and "lang=&#x27;de&#x27;: fr | nl | en" in german.get_data(as_text=True)
    assert md.headers["Content-Type"] == "text/markdown; charset=utf-8"
    assert client.get("/download/statistics.csv").headers["Content-Type"] == "text/csv; charset=utf-8"
    unknown = client.get("/download/explorer.csv?indicator=bogus&lang=nl")
    assert unknown.status_code == 404 and unknown.headers["Content-Language"] == "nl"


def test_data_page_offers_the_package_and_past_editions(warehouse_path: Path, tmp_path: Path) -> None:
    import zipfile

    from exports.editions import publish_edition
    from warehouse.layout import Layout

    wh = tmp_path / "var" / "warehouse.duckdb"
    shutil.copytree(warehouse_path.parent, wh.parent)
    publish_edition(wh, "2024.1", Layout(wh).editions)
    client = create_app(wh).server.test_client()
    page = render(client, "/nl/data")
    assert "2024.1" in page and "datapackage.zip" in page
    response = client.get("/download/datapackage.zip")
    assert response.status_code == 200
    names = zipfile.ZipFile(io.BytesIO(response.data)).namelist()
    assert "datapackage.json" in names and any(n.endswith("indicator_values.csv") for n in names)
    edition = client.get("/api/v1/statistics?edition=2024.1&format=csv&limit=5")
    assert edition.status_code == 200 and edition.data.count(b"\n") >= 5


@pytest.mark.parametrize("lang", ["fr", "nl"])
def test_sources_are_named_in_the_readers_language(client, wh, lang: str) -> None:
    """Home, statistics and methods pages name each source by its title in the page's language
    (public.sources.title_fr/_nl), not the English one."""
    titles = dict(
        wh.execute(
            f"SELECT source_id, title_{lang} FROM public.sources WHERE title <> title_{lang}"
        ).fetchall()
    )
    english = dict(wh.execute("SELECT source_id, title FROM public.sources").fetchall())
    for page in ("", "/statistics", "/methods"):
        html = render(client, f"/{lang}{page}")
        shown = [s for s in titles if titles[s] in html]
        assert shown, page
        assert not [s for s in titles if english[s] in html], page


def test_statistics_sentences_rank_regions_apart_from_their_country_and_list_every_year(client) -> None:
    """Belgium is the regions' total, not a fourth region; a series with a break is described
    year by year, not as a change from its first year to its last."""
    page = render(client, "/en/statistics")
    ranking = re.search(r"highest in ([^(]+) \([^)]*\), lowest in ([^(]+) \(", page)
    assert ranking and "Belgium" not in ranking.group(0)
    assert re.search(r"Belgium as a whole: [\d,]+", page)
    assert re.search(r"deteriorated[^.;]*: 17%\s?\(2011\), [^;]*\(2013\), [^;]*\(2018\), [^;]*\(2020\)", page)


def test_home_key_figures_carry_their_caveats_in_the_readers_language(client, wh) -> None:
    """ "19 % → 49 %" is only honest with the note that the question's time span changed."""
    home = render(client, "/nl")
    (note,) = wh.execute(
        "SELECT comparability_note_nl FROM public.series WHERE series = 'barometer_financial_deterioration'"
    ).fetchone()
    assert note and note[:60] in home


def test_an_english_statistic_note_is_marked_as_english_on_other_pages(client) -> None:
    query = "?indicator=series%3Abarometer_financial_deterioration&period=all&tab=table"
    assert "(EN) associations reporting" in render(client, f"/nl/explorer{query}")
    english = render(client, f"/en/explorer{query}")
    assert "associations reporting" in english and "(EN)" not in english


def test_values_of_a_generic_unit_carry_the_indicators_own_unit(client, wh) -> None:
    """ "4,99 ratio" says nothing: the value reads in hours per month per FTE."""
    (label,) = wh.execute(
        "SELECT unit_label_nl FROM public.indicators WHERE indicator_id = 'fund_admin_hours_per_fte'"
    ).fetchone()
    for path in (
        "/nl/recommendations",
        "/nl/explorer?indicator=indicator:fund_admin_hours_per_fte&tab=table",
    ):
        page = render(client, path)
        assert "\u00a0ratio" not in page and f"\u00a0{label}" in page, path


def test_the_sampling_frame_table_follows_the_codebook_order(client) -> None:
    page = render(client, "/en/methods")
    sizes = re.findall(r"Fewer than 5|5 to 19|20 to 49|50 FTE or more", page)
    assert sizes[:4] == ["Fewer than 5", "5 to 19", "20 to 49", "50 FTE or more"], sizes[:4]
