"""Issue 14: the barometer as evidence, verdicts computed both ways, theme answers computed from
the warehouse, and the four warning lights of the group-life model."""

from __future__ import annotations

import json
import re
from pathlib import Path
from urllib.parse import urlsplit

import duckdb
import pytest
import yaml
from indicator_data import build_warehouse, make_frame, make_responses
from warehouse_edit import edited_copy

from core.i18n import LANGUAGES
from exports.notes.content import build_note
from indicators.catalogue import CatalogueError, load_catalogue
from indicators.compute import compute_all
from indicators.recommendations import RECOMMENDATIONS_FILE, STATUSES, load_recommendations
from sector_monitor.web import create_app

BAROMETER = (
    "pub_barometer_financial_deterioration",
    "pub_barometer_more_reliance_on_volunteers",
    "pub_barometer_staff_redundancies",
    "pub_barometer_structural_subsidies_decreased",
    "pub_barometer_reduced_subsidies",
    "pub_barometer_time_seeking_funding",
    "pub_barometer_subsidies_share_of_receipts",
)
LIGHTS = (
    "gl_light_repeat_over_change",
    "gl_light_what_over_why",
    "gl_light_closed_over_open",
    "gl_light_few_responsible",
)
# a bare threshold in a sentence: "above 25." / "au-dessus de 50," (no meaning, no unit)
BARE = re.compile(r"\b(above|below|au-dessus|en dessous|boven|onder) (de |van )?-?[\d.,]+[.,;)]")


def render(client, path: str) -> str:
    """The JSON of the page layout Dash's router returns for ``path`` (as the browser asks)."""
    url = urlsplit(path)
    response = client.post(
        "/_dash-update-component",
        json={
            "output": ".._pages_content.children..._pages_store.data..",
            "outputs": [
                {"id": "_pages_content", "property": "children"},
                {"id": "_pages_store", "property": "data"},
            ],
            "inputs": [
                {"id": "_pages_location", "property": "pathname", "value": url.path},
                {
                    "id": "_pages_location",
                    "property": "search",
                    "value": f"?{url.query}" if url.query else "",
                },
            ],
            "changedPropIds": ["_pages_location.pathname"],
            "state": [],
        },
    )
    assert response.status_code == 200, response.data[:300]
    return json.dumps(response.get_json(), ensure_ascii=False)


def _rows(con: duckdb.DuckDBPyConnection, sql: str, params: list | None = None) -> list[dict]:
    frame = con.execute(sql, params or []).df()
    return frame.astype(object).where(frame.notna(), None).to_dict("records")


# --- item 3: the barometer as evidence -------------------------------------------------------


def test_barometer_figures_are_belgian_public_indicators_equal_to_the_statistics(wh) -> None:
    indicators = {
        r["indicator_id"]: r
        for r in _rows(wh, "SELECT * FROM public.indicators WHERE indicator_id LIKE 'pub_barometer_%'")
    }
    assert set(BAROMETER) <= set(indicators) and len(indicators) >= 6
    for ind, row in indicators.items():
        assert row["estimator"] == "public_series" and row["scope_geo"] == "01000", ind
        assert all("2013" in row[f"caveats_{lang}"] for lang in LANGUAGES), ind  # horizon change
        values = wh.execute(
            "SELECT v.period, v.estimate, s.value FROM public.indicator_values v JOIN "
            "public.statistics s ON s.series = ? AND s.geo_code = '01000' AND s.period = v.period "
            "WHERE v.indicator_id = ? AND v.breakdown = 'all'",
            [row["questions"], ind],
        ).fetchall()
        assert values and all(estimate == value for _p, estimate, value in values), ind
    years = dict(
        wh.execute(
            "SELECT indicator_id, string_agg(period, ' ' ORDER BY period) FROM public.indicator_values "
            "WHERE indicator_id LIKE 'pub_barometer_%' AND breakdown = 'all' GROUP BY 1"
        ).fetchall()
    )
    assert years["pub_barometer_more_reliance_on_volunteers"] == "2013"
    assert years["pub_barometer_structural_subsidies_decreased"] == "2015"
    assert years["pub_barometer_reduced_subsidies"] == "2011 2014"


def test_barometer_indicators_reach_the_api_the_explorer_and_notes(warehouse_path: Path) -> None:
    client = create_app(warehouse_path).server.test_client()
    body = client.get("/api/v1/indicators/pub_barometer_more_reliance_on_volunteers").get_json()
    assert "2013" in str(body)
    page = render(client, "/en/explorer?indicator=indicator:pub_barometer_staff_redundancies")
    assert "Associations that made staff redundant" in page
    note = build_note(warehouse_path, "fr", recommendations=["R4"])
    figure = next(
        f for f in note.key_figures if f.indicator_id == "pub_barometer_more_reliance_on_volunteers"
    )
    assert figure.value == 33.0 and figure.period == "2013" and figure.scope == "Belgique"
    assert [s.source_id for s in figure.sources] == ["kbs_barometer_associations_2013"]
    assert "plus d'un quart (33,0 % des associations en 2013, Belgique)" in " ".join(
        note.recommendations[0].evidence.split()
    )


@pytest.mark.parametrize(
    "path, card",
    [("/fr/themes/funding", "barometer-funding"), ("/nl/themes/task-transfer", "barometer-task-transfer")],
)
def test_barometer_figures_beside_the_survey_on_the_theme_pages(
    warehouse_path: Path, path: str, card: str
) -> None:
    page = render(create_app(warehouse_path).server.test_client(), path)
    assert f'"id": "{card}"' in page
    assert {"fr": "Belgique", "nl": "België"}[path[1:3]] in page
    assert "2013" in page and ("2015" in page or "task-transfer" in path)


# --- item 4: verdicts computed both ways ----------------------------------------------------


def test_every_recommendation_says_what_would_support_and_contradict_it() -> None:
    recs = load_recommendations(load_catalogue())
    for rec in recs.values():
        assert {r["direction"] for r in rec.evidence} == {"supports", "contradicts"}, rec.id
    raw = yaml.safe_load(RECOMMENDATIONS_FILE.read_text(encoding="utf-8"))
    assert all("supports_if" in e or "contradicts_if" in e for body in raw.values() for e in body["evidence"])


def test_a_rule_without_wording_or_without_a_contradicting_side_is_refused(tmp_path: Path) -> None:
    catalogue = load_catalogue()
    raw = yaml.safe_load(RECOMMENDATIONS_FILE.read_text(encoding="utf-8"))
    path = tmp_path / "recommendations.yaml"
    one_sided = {
        **raw,
        "R1": {**raw["R1"], "evidence": [{"indicator": "tt_task_transfer", "supports_if": "above 25"}]},
    }
    path.write_text(yaml.safe_dump(one_sided, allow_unicode=True), encoding="utf-8")
    with pytest.raises(CatalogueError, match="R1: no rule says what would contradict it"):
        load_recommendations(catalogue, path)
    unworded = {
        **raw,
        "R1": {
            **raw["R1"],
            "evidence": [
                {"indicator": "tt_task_transfer", "supports_if": "above 37", "contradicts_if": "below 5"}
            ],
        },
    }
    path.write_text(yaml.safe_dump(unworded, allow_unicode=True), encoding="utf-8")
    with pytest.raises(CatalogueError, match="no wording"):
        load_recommendations(catalogue, path)


def test_statuses_and_rule_results_on_the_shipped_data(wh) -> None:
    recs = {r["recommendation_id"]: r for r in _rows(wh, "SELECT * FROM public.recommendations")}
    assert len(recs) == 8 and {r["evidence_status"] for r in recs.values()} <= set(STATUSES)
    assert any(r["evidence_status"] != "supported" for r in recs.values())
    # R3 rests on the (synthetic) survey only: an illustration, never "supported"
    assert recs["R3"]["evidence_status"] == "insufficient_evidence"
    assert recs["R3"]["illustration_status"] in STATUSES and recs["R3"]["synthetic"]
    # R1 is supported by the real barometer figures, which are counted
    assert recs["R1"]["evidence_status"] == "supported" and recs["R1"]["rules_supporting"] >= 1
    rules = _rows(wh, "SELECT * FROM public.recommendation_evidence ORDER BY 1, 2")
    expected = sum(len(r.evidence) for r in load_recommendations(load_catalogue()).values())
    assert len(rules) == expected
    for rule in rules:
        survey = not rule["indicator_id"].startswith(("pub_", "comb_"))
        assert rule["illustration"] == survey, rule["indicator_id"]
        assert rule["result"] in ("supports", "contradicts", "inconclusive", "no_data")
        if rule["result"] != "no_data":
            assert rule["period"] and rule["value"] is not None and rule["sources"]
        for lang in LANGUAGES:
            assert rule[f"finding_{lang}"] and not BARE.search(rule[f"finding_{lang}"])
            if rule["rule"] in ("above", "below"):
                assert rule[f"meaning_{lang}"], rule
    barometer = next(
        r
        for r in rules
        if r["indicator_id"] == "pub_barometer_reduced_subsidies" and r["direction"] == "supports"
    )
    assert barometer["sources"] == "kbs_barometer_associations_2014"
    assert barometer["result"] == "supports" and barometer["period"] == "2014"


LOW_BAROMETER = [  # the barometer pointing the other way: few associations report these
    (
        "UPDATE core.statistic SET value = 4 WHERE geo_code = '01000' AND list_contains(?, series)",
        [
            [
                "barometer_financial_deterioration",
                "barometer_structural_subsidies_decreased",
                "barometer_reduced_subsidies",
            ]
        ],
    ),
]


@pytest.fixture(scope="module")
def reversed_warehouse(warehouse_path: Path, tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The session warehouse with the barometer's R1 figures turned low, indicators recomputed."""
    target = edited_copy(
        warehouse_path, tmp_path_factory.mktemp("reversed") / "warehouse.duckdb", *LOW_BAROMETER
    )
    con = duckdb.connect(str(target))
    try:
        compute_all(con)
    finally:
        con.close()
    return target


@pytest.mark.slow
def test_data_pointing_the_other_way_turn_a_status_to_not_supported(wh, reversed_warehouse: Path) -> None:
    before = wh.execute(
        "SELECT evidence_status, evidence_en FROM public.recommendations WHERE recommendation_id = 'R1'"
    ).fetchone()
    con = duckdb.connect(str(reversed_warehouse), read_only=True)
    try:
        after = con.execute(
            "SELECT evidence_status, evidence_en, rules_contradicting FROM "
            "public.recommendations WHERE recommendation_id = 'R1'"
        ).fetchone()
        results = dict(
            con.execute(
                "SELECT indicator_id, result FROM public.recommendation_evidence WHERE "
                "recommendation_id = 'R1' AND direction = 'contradicts' AND NOT illustration"
            ).fetchall()
        )
    finally:
        con.close()
    assert before[0] == "supported" and after[0] == "not_supported" and after[2] == 3
    assert set(results.values()) == {"contradicts"}
    assert (
        "Against: Associations whose finances deteriorated: less than a tenth (4.0% of "
        "associations in 2020, Belgium)." in after[1]
    )
    assert after[1] != before[1]


@pytest.mark.parametrize(
    "lang, before, after",
    [
        ("fr", "étayée par les données", "contredite par les données actuelles"),
        ("nl", "onderbouwd door de gegevens", "tegengesproken door de huidige gegevens"),
    ],
)
def test_the_note_follows_the_reversed_data(
    warehouse_path: Path, reversed_warehouse: Path, lang: str, before: str, after: str
) -> None:
    (shipped,) = build_note(warehouse_path, lang, recommendations=["R1"]).recommendations
    (turned,) = build_note(reversed_warehouse, lang, recommendations=["R1"]).recommendations
    assert shipped.status == before and turned.status == after
    less = {
        "fr": "moins d'un dixième (4,0 % des associations en 2020, Belgique)",
        "nl": "minder dan een tiende (4,0% van de verenigingen in 2020, België)",
    }[lang]
    assert less in turned.evidence and less not in shipped.evidence


@pytest.mark.slow
def test_counted_survey_rules_decide_when_the_survey_is_real() -> None:
    """Non-synthetic survey data are counted: few requests turned away and falling demand make
    R8 (survey rules only) not supported; many make it supported."""
    verdicts = {}
    for label, refused, demand in (("low", "never", "decreased"), ("high", "often", "increased")):
        responses = make_responses(200, [2023, 2024], seed=5).assign(
            synthetic=False, requests_turned_away=refused, beneficiaries_trend_3y=demand
        )
        con = duckdb.connect()
        build_warehouse(con, responses, make_frame(responses))
        compute_all(con)
        verdicts[label] = con.execute(
            "SELECT evidence_status, rules_illustration FROM public.recommendations "
            "WHERE recommendation_id = 'R8'"
        ).fetchone()
        con.close()
    assert verdicts["low"] == ("not_supported", 0)
    assert verdicts["high"] == ("supported", 0)


# --- theme answers computed from the warehouse ------------------------------------------------


def _trend_edit(indicator: str, change: float) -> tuple[str, list]:
    """Every change of ``indicator`` into its latest wave set to ``change``, significant."""
    return (
        "UPDATE public.indicator_trends SET change = ?, ci_low = ? - 1, ci_high = ? + 1, "
        "significant = TRUE WHERE indicator_id = ? AND breakdown = 'all' AND period = "
        "(SELECT max(period) FROM public.indicator_trends WHERE indicator_id = ?)",
        [change, change, change, indicator, indicator],
    )


def _value_edit(indicator: str, value: float) -> tuple[str, list]:
    return (
        "UPDATE public.indicator_values SET estimate = ?, ci_low = ? - 3, ci_high = ? + 3 "
        "WHERE indicator_id = ? AND breakdown = 'all' AND period = (SELECT max(period) "
        "FROM public.indicator_values WHERE indicator_id = ?)",
        [value, value, value, indicator, indicator],
    )


def _answers(warehouse: Path, path: str) -> str:
    return render(create_app(warehouse).server.test_client(), path)


def test_the_funding_answers_follow_the_warehouse(warehouse_path: Path, tmp_path: Path) -> None:
    project = "fund_project_over_structural"
    up = edited_copy(
        warehouse_path,
        tmp_path / "up" / "warehouse.duckdb",
        _trend_edit(project, 9.9),
        _value_edit("fund_operating_costs_not_covered", 70),
    )
    down = edited_copy(
        warehouse_path,
        tmp_path / "down" / "warehouse.duckdb",
        _trend_edit(project, -9.9),
        _value_edit("fund_operating_costs_not_covered", 12),
    )
    rising, falling = _answers(up, "/en/themes/funding"), _answers(down, "/en/themes/funding")
    title = "Associations funded more by projects than structurally"
    assert f"{title}: significant rise between" in rising
    assert f"{title}: significant fall between" in falling and "significant rise" not in falling
    assert "Operating costs poorly covered: more than half (70.0%" in rising
    assert "Operating costs poorly covered: less than a quarter (12.0%" in falling
    french = _answers(down, "/fr/themes/funding")
    assert "baisse significative entre" in french and "moins d'un quart (12,0 %" in french


@pytest.mark.slow
def test_no_theme_introduction_states_the_old_findings(warehouse_path: Path) -> None:
    client = create_app(warehouse_path).server.test_client()
    for lang in LANGUAGES:
        for theme in ("funding", "task-transfer", "support", "group-life"):
            page = render(client, f"/{lang}/themes/{theme}")
            assert '"id": "theme-answers"' in page or theme == "group-life"
    english = render(client, "/en/themes/funding") + render(client, "/en/themes/support")
    for claim in (
        "shifts from structural subsidies",
        "keeps rising",
        "hit training and supervision first",
        "Public funding falls while demand rises",
    ):
        assert claim not in english


# --- item 6: the four warning lights ----------------------------------------------------------


def test_four_warning_light_indicators_by_phase(wh) -> None:
    rows = wh.execute(
        "SELECT indicator_id, breakdown, count(DISTINCT breakdown_value) FROM "
        "public.indicator_values WHERE indicator_id LIKE 'gl_light_%' AND period = '2024' "
        "GROUP BY 1, 2"
    ).fetchall()
    phases = {i for i, b, k in rows if b == "group_phase" and k == 4}
    assert phases == set(LIGHTS)
    # the phase breakdown is published for the warning lights only
    assert (
        wh.execute(
            "SELECT count(DISTINCT indicator_id) FROM public.indicator_values WHERE breakdown = 'group_phase'"
        ).fetchone()[0]
        == 5
    )
    mean = wh.execute(
        "SELECT estimate FROM public.indicator_values WHERE indicator_id = "
        "'gl_warning_lights_mean' AND breakdown = 'all' AND period = '2024'"
    ).fetchone()[0]
    shares = wh.execute(
        "SELECT sum(estimate) FROM public.indicator_values WHERE indicator_id "
        "LIKE 'gl_light_%' AND breakdown = 'all' AND period = '2024'"
    ).fetchone()[0]
    assert shares / 100 == pytest.approx(mean)  # the mean number of lights = sum of the shares


@pytest.mark.slow
def test_the_group_life_page_shows_which_lights_are_on_by_phase(warehouse_path: Path, tmp_path: Path) -> None:
    light = "gl_light_closed_over_open"
    on = edited_copy(warehouse_path, tmp_path / "on" / "warehouse.duckdb", _value_edit(light, 80))
    off = edited_copy(warehouse_path, tmp_path / "off" / "warehouse.duckdb", _value_edit(light, 5))
    pages = {k: _answers(w, "/en/themes/group-life") for k, w in (("on", on), ("off", off))}
    for page in pages.values():
        assert '"id": "warning-lights"' in page
        for phase in ("Starting", "Autonomous", "Routine", "Declining"):
            assert phase in page
    summary = {
        k: re.search(r"Warning lights on in 2024[^\"]*All associations: ([^;]*);", p).group(1)
        for k, p in pages.items()
    }
    assert "Closedness over openness" in summary["on"]
    assert "Closedness over openness" not in summary["off"]
    dutch = _answers(warehouse_path, "/nl/themes/group-life")
    assert "Geslotenheid boven openheid" in dutch and "Verstilling" in dutch


def test_a_change_from_a_synthetic_wave_is_an_illustration_not_evidence() -> None:
    """Wave 2023 synthetic, wave 2024 real: a level rule on 2024 is counted, but a change rule
    from 2023 to 2024 rests on the synthetic wave too, so it is an illustration."""
    responses = make_responses(200, [2023, 2024], seed=5)
    responses = responses.assign(synthetic=responses["wave"] == 2023)
    con = duckdb.connect()
    build_warehouse(con, responses, make_frame(responses))
    compute_all(con)
    rows = _rows(
        con,
        "SELECT e.rule, e.period, e.previous_period, e.illustration, e.synthetic "
        "FROM public.recommendation_evidence e WHERE e.scope_geo IS NULL AND e.result <> 'no_data'",
    )
    con.close()
    changes = [r for r in rows if r["previous_period"] == "2023"]
    levels = [r for r in rows if r["previous_period"] is None and r["period"] == "2024"]
    assert changes and levels
    assert all(r["illustration"] and r["synthetic"] for r in changes)
    assert not any(r["illustration"] or r["synthetic"] for r in levels)
