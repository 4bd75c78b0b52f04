"""The public-funding page and the public-spending indicators: every unit renders in
every language, sentences follow the data, the 2015 break is a gap; the indicators are reachable
in the explorer, the API and notes."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import duckdb
import pytest
from dash_pages import render

from core.i18n import LANGUAGES
from exports.notes.content import build_note
from sector_monitor.web import create_app

PAGE = "public-funding"
UNITS = ("nominal", "real", "per_inhabitant", "gdp")
INDICATOR = "pub_gov_social_exclusion_communities_regions"


@pytest.fixture(scope="module")
def client(warehouse_path: Path):
    return create_app(warehouse_path).server.test_client()


def toggle(client, lang: str, unit: object) -> dict:
    """The cards the unit toggle's callback returns."""
    body = {
        "output": "funding-cards.children",
        "outputs": {"id": "funding-cards", "property": "children"},
        "inputs": [{"id": "funding-unit", "property": "value", "value": unit}],
        "state": [{"id": "url", "property": "pathname", "value": f"/{lang}/{PAGE}"}],
        "changedPropIds": ["funding-unit.value"],
    }
    response = client.post("/_dash-update-component", json=body)
    assert response.status_code == 200, response.data[:300]
    return response.get_json()


def texts(node: object, class_name: str) -> list[str]:
    """The children of every component of ``class_name`` in a layout's JSON."""
    out: list[str] = []
    if isinstance(node, dict):
        props = node.get("props", {})
        if props.get("className") == class_name and isinstance(props.get("children"), str):
            out.append(props["children"])
        for value in node.values():
            out += texts(value, class_name)
    elif isinstance(node, list):
        for value in node:
            out += texts(value, class_name)
    return out


def figures(node: object) -> dict[str, dict]:
    """Graph id -> figure of every dcc.Graph in a layout's JSON."""
    out: dict[str, dict] = {}
    if isinstance(node, dict):
        props = node.get("props", {})
        if node.get("type") == "Graph":
            out[props["id"]] = props["figure"]
        for value in node.values():
            out |= figures(value)
    elif isinstance(node, list):
        for value in node:
            out |= figures(value)
    return out


@pytest.mark.parametrize(
    "lang,title,word",
    [
        ("fr", "Financement public", "Communautés et Régions"),
        ("nl", "Overheidsfinanciering", "Gemeenschappen en Gewesten"),
        ("en", "Public funding", "Communities and Regions"),
    ],
)
@pytest.mark.slow
def test_page_renders_every_unit_in_every_language(client, lang: str, title: str, word: str) -> None:
    page = render(client, f"/{lang}/{PAGE}")
    assert title in page and "funding-unit" in page and word in page
    for unit in UNITS:
        cards = toggle(client, lang, unit)
        summaries = texts(cards, "summary mt-2")
        assert len(summaries) >= 5, unit
        assert texts(cards, "release small text-body-secondary mb-1"), unit  # release said
        assert len(figures(cards)) >= 5
    assert toggle(client, lang, "bogus") == toggle(client, lang, "nominal")


def test_sentences_state_the_shown_values(client) -> None:
    cards = toggle(client, "en", "nominal")
    levels = next(s for s in texts(cards, "summary mt-2") if s.startswith("Federal government"))
    assert (
        "Communities and Regions: 431.4\u00a0million EUR (2021) → 732.3\u00a0million EUR (2024), "
        "+69.7%" in levels
    )
    europe = [s for s in texts(toggle(client, "en", "gdp"), "summary mt-2") if "EU-27" in s]
    assert any("2020 (Eurostat 2023-01): Belgium 1.2% of GDP, EU-27 1.0% of GDP" in s for s in europe)
    real = texts(toggle(client, "fr", "real"), "summary mt-2")[0]
    assert "aux prix de 2015" in real


def test_the_2015_cocom_break_is_a_gap(client) -> None:
    for lang in LANGUAGES:
        graphs = figures(toggle(client, lang, "nominal"))
        fig = graphs["funding-accounts-expenditure"]
        cocom = next(t for t in fig["data"] if "COCOM" in t["name"] or "GGC" in t["name"])
        assert cocom["x"][:3] == [2014, 2014.5, 2015] and cocom["y"][1] is None
        assert cocom["connectgaps"] is False
        assert any(abs(s.get("x0", 0) - 2014.5) < 1e-9 for s in fig["layout"]["shapes"])
    summary = next(
        s
        for s in texts(toggle(client, "en", "real"), "summary mt-2")
        if "COCOM/GGC: " in s and "break in series" in s
    )
    assert "(2014) | break in series | " in summary


def test_sentences_follow_the_data(warehouse_path: Path, tmp_path: Path) -> None:
    """A warehouse where Communities and Regions' spending falls instead of rising: the
    sentence follows (nothing is written by hand)."""
    copy = tmp_path / "reversed.duckdb"
    shutil.copy(warehouse_path, copy)
    con = duckdb.connect(str(copy))
    con.execute(
        "UPDATE core.statistic SET value = 300 WHERE series = "
        "'cofog_gf1007_s1312_eur_million_estat202608' AND period = '2024'"
    )
    con.close()
    cards = toggle(create_app(copy).server.test_client(), "en", "nominal")
    levels = next(s for s in texts(cards, "summary mt-2") if s.startswith("Federal government"))
    assert (
        "Communities and Regions: 431.4\u00a0million EUR (2021) → 300.0\u00a0million EUR (2024), "
        "−30.5%" in levels
    )


def test_public_spending_indicators_in_explorer_api_and_notes(client, warehouse_path: Path, wh) -> None:
    values = dict(
        wh.execute(
            "SELECT period, estimate FROM public.indicator_values WHERE "
            "indicator_id = ? AND breakdown = 'all'",
            [INDICATOR],
        ).fetchall()
    )
    assert values == {"2021": 431.4, "2022": 580.2, "2023": 644.5, "2024": 732.3}
    ids = {
        r[0]
        for r in wh.execute(
            "SELECT indicator_id FROM public.indicators WHERE indicator_id LIKE 'pub_gov_%'"
        ).fetchall()
    }
    assert len(ids) >= 8
    page = render(client, f"/fr/explorer?indicator=indicator%3A{INDICATOR}&breakdown=all")
    assert "Dépenses publiques d'exclusion sociale : Communautés et Régions" in page
    assert "732,3" in page
    api = client.get(f"/api/v1/indicators/{INDICATOR}/values?lang=nl")
    assert api.status_code == 200
    assert {r["period"]: r["estimate"] for r in api.get_json()["data"] if r["breakdown"] == "all"}[
        "2024"
    ] == 732.3
    meta = client.get(f"/api/v1/indicators/{INDICATOR}?lang=nl").get_json()
    assert "Gemeenschappen en Gewesten" in json.dumps(meta, ensure_ascii=False)
    note = build_note(warehouse_path, "fr", indicators=[INDICATOR, "pub_gov_social_exclusion_gdp"])
    figures_ = {f.indicator_id: f for f in note.key_figures}
    assert "732,3" in figures_[INDICATOR].value_text and figures_[INDICATOR].period == "2024"
    assert figures_["pub_gov_social_exclusion_gdp"].period == "2020"
    assert any("Eurostat" in s.citation for s in note.sources)


def test_a_card_promises_the_eu_27_only_where_it_shows_it(client) -> None:
    """In amounts, Belgium stands alone (the EU-27 is not comparable): the title says so."""
    amounts = json.dumps(toggle(client, "en", "nominal"))
    shares = json.dumps(toggle(client, "en", "gdp"))
    assert (
        "Belgium, all levels of government" in amounts and "Belgium and the EU-27, all levels" not in amounts
    )
    assert "Belgium and the EU-27, all levels of government" in shares
