"""The public-funding page in Chromium: FR/NL/EN, the unit toggle, the EU
comparison and the 2015 break drawn as a gap; screenshots in test-artifacts/."""

from __future__ import annotations

import pytest
from support import ARTIFACTS, wait_ready

from core.i18n import LANGUAGES
from dashboard.formatting import unit_labels
from dashboard.i18n import gettext_for

pytestmark = pytest.mark.browser

UNITS = {
    "nominal": "eur_million",
    "real": "eur_million_2015",
    "per_inhabitant": "eur_per_inhabitant",
    "gdp": "percent_gdp",
}

BREAK_GAP = """() => {
  const gd = document.querySelector('#funding-accounts-expenditure .js-plotly-plot');
  const trace = gd._fullData.find(t => /COCOM|GGC/.test(t.name));
  return {x: Array.from(trace.x).slice(0, 3), y1: trace.y[1], shapes: gd._fullLayout.shapes.length};
}"""
EUROPE_TRACES = """() => {
  const gd = document.querySelector('#funding-europe-gf1007 .js-plotly-plot');
  return gd._fullData.map(t => t.name);
}"""


@pytest.mark.parametrize("lang", LANGUAGES)
def test_public_funding_page_toggles_units(page, base_url: str, lang: str) -> None:  # noqa: F811
    ARTIFACTS.mkdir(exist_ok=True)
    _ = gettext_for(lang)
    page.goto(f"{base_url}/{lang}/public-funding")
    wait_ready(page)
    assert page.evaluate("document.documentElement.lang") == lang
    page.wait_for_selector("#funding-accounts-expenditure .js-plotly-plot")
    gap = page.evaluate(BREAK_GAP)
    assert gap["x"] == [2014, 2014.5, 2015] and gap["y1"] is None and gap["shapes"] >= 1
    page.screenshot(path=ARTIFACTS / f"public_funding_{lang}_nominal.png", full_page=True)
    choices = {
        "nominal": _("Million euros (current prices)"),
        "real": _("Million euros at 2015 prices (real terms)"),
        "per_inhabitant": _("Euros per inhabitant"),
        "gdp": _("Share of GDP"),
    }
    for unit in ("real", "per_inhabitant", "gdp"):
        page.get_by_label(choices[unit], exact=True).check()
        label = unit_labels(_)[UNITS[unit]]
        page.wait_for_function(
            "t => document.querySelector('#funding-levels-gf1004 .summary')?.innerText.includes(t)",
            arg=label.lstrip("%‰ ") if unit == "gdp" else label,
        )
        page.wait_for_load_state("networkidle")
        page.screenshot(path=ARTIFACTS / f"public_funding_{lang}_{unit}.png", full_page=True)
    names = page.evaluate(EUROPE_TRACES)  # % of GDP: Belgium beside the EU-27
    assert any(_("EU-27") in n for n in names) and any(_("Belgium") in n for n in names)
    assert page.errors == []
