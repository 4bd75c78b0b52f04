"""Where the trends across waves are shown: the explorer (time series by default, the trend
table with any two waves), `indicators show` and the notes' trend sentences."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import duckdb
import pandas as pd
import pytest
from plotly.utils import PlotlyJSONEncoder

from core.i18n import format_number
from indicators.cli import show_indicator
from sector_monitor.web import create_app

INDICATOR = "tt_task_transfer"


@pytest.fixture(scope="module")
def app(warehouse_path: Path):
    return create_app(warehouse_path)


def explorer_page():
    """The explorer page module as Dash loaded it (importing ``dashboard.pages.explorer`` again
    would register the page twice)."""
    import sys

    import dash

    return sys.modules[next(m for m in dash.page_registry if m.endswith("explorer"))]


def test_explorer_opens_on_the_time_series_with_a_ci_band(app) -> None:
    from dashboard.data import current_data
    from dashboard.explorer_data import ALL_PERIODS, build_view

    render = explorer_page().render

    with app.server.test_request_context():
        data = current_data()
        view = build_view(data, "en", f"indicator:{INDICATOR}", None, None)
        assert view.period == ALL_PERIODS and sorted(set(view.frame["period"])) == ["2022", "2023", "2024"]
        chart = render(view, "chart", "en", None)
        figure = next(
            c for c in chart if hasattr(c, "children") and hasattr(c.children, "figure")
        ).children.figure
        band, line = figure.data[0], figure.data[1]
        assert band.fill == "toself" and len(band.x) == 6  # upper bounds there, lower back
        assert list(line.x) == ["2022", "2023", "2024"]
        assert list(band.y[:3]) == pytest.approx(list(view.frame["ci_high"]))
        # a single period asked for: the bars of that period, as before
        assert build_view(data, "en", f"indicator:{INDICATOR}", None, "2023").period == "2023"


def test_explorer_trend_table_shows_first_last_and_linear(app, wh) -> None:
    from dashboard.data import current_data
    from dashboard.explorer_data import build_view, trend_view

    stored = (
        wh.execute(
            "SELECT kind, change, ci_low, slope, significant FROM public.indicator_trends "
            "WHERE indicator_id = ? AND breakdown = 'all' AND kind IN ('first_last', 'linear')",
            [INDICATOR],
        )
        .df()
        .set_index("kind")
    )
    with app.server.test_request_context():
        data = current_data()
        view = build_view(data, "en", f"indicator:{INDICATOR}", "all", None)
        trend = trend_view(data, "en", view)
        assert trend.pair == ("2022", "2024")
        row = trend.frame.iloc[0]
        assert row["change"] == pytest.approx(stored.loc["first_last", "change"])
        assert row["slope"] == pytest.approx(stored.loc["linear", "slope"])
        assert bool(row["significant"]) == bool(stored.loc["first_last", "significant"])
        # any two waves: 2023 -> 2024 is the stored consecutive change, paired
        pair = trend_view(data, "en", view, "2024-2023")
        consecutive = wh.execute(
            "SELECT change, method FROM public.indicator_trends WHERE indicator_id = ? AND "
            "breakdown = 'all' AND kind = 'consecutive' AND period = '2024'",
            [INDICATOR],
        ).fetchone()
        assert pair.pair == ("2023", "2024")
        assert pair.frame.iloc[0]["change"] == pytest.approx(consecutive[0])
        assert pair.frame.iloc[0]["method"] == consecutive[1] == "paired"


def test_explorer_trend_of_a_pair_not_stored_is_independent(warehouse_path: Path, tmp_path, wh) -> None:
    """A pair without a stored row (as for non-adjacent waves of a longer survey) is computed
    from the published estimates as independent samples; suppressed cells give no number."""
    from dashboard.data import current_data
    from dashboard.explorer_data import build_view, trend_view

    copy = tmp_path / "warehouse.duckdb"
    shutil.copy(warehouse_path, copy)
    con = duckdb.connect(str(copy))
    con.execute("DELETE FROM public.indicator_trends WHERE previous_period = '2022' AND period = '2023'")
    con.close()
    values = wh.execute(
        "SELECT breakdown_value, period, estimate, se, flag FROM "
        "public.indicator_values WHERE indicator_id = ? AND breakdown = "
        "'subsector' AND period IN ('2022', '2023')",
        [INDICATOR],
    ).df()
    with create_app(copy).server.test_request_context():
        data = current_data()
        view = build_view(data, "en", f"indicator:{INDICATOR}", "subsector", None)
        trend = trend_view(data, "en", view, "2022-2023")
    wide = values.pivot(index="breakdown_value", columns="period")
    frame = trend.frame.set_index("category")
    assert (frame["method"] == "independent").all()
    for code, row in frame.iterrows():
        if "suppressed" in (wide.loc[code, ("flag", "2022")], wide.loc[code, ("flag", "2023")]):
            assert row["flag"] == "suppressed" and pd.isna(row["change"])
            continue
        se = (wide.loc[code, ("se", "2022")] ** 2 + wide.loc[code, ("se", "2023")] ** 2) ** 0.5
        change = wide.loc[code, ("estimate", "2023")] - wide.loc[code, ("estimate", "2022")]
        assert row["change"] == pytest.approx(change)
        assert row["ci_high"] - row["change"] == pytest.approx(1.959964 * se, rel=1e-6)


def test_explorer_page_has_the_trend_block_and_keeps_the_pair_in_the_url(app, wh) -> None:
    from dashboard.data import current_data
    from dashboard.explorer_data import build_view, trend_view

    page_module = explorer_page()
    _trend_table, layout, search_of = (page_module._trend_table, page_module.layout, page_module.search_of)

    with app.server.test_request_context():
        page = json.dumps(
            layout("fr", f"indicator:{INDICATOR}").to_plotly_json(), cls=PlotlyJSONEncoder, ensure_ascii=False
        )
        assert "explorer-compare-from" in page and "Variation 2022 → 2024" in page
        data = current_data()
        view = build_view(data, "fr", f"indicator:{INDICATOR}", "all", None)
        assert "compare" not in search_of(view, "chart", trend_view(data, "fr", view))
        assert "compare=2022-2023" in search_of(view, "chart", trend_view(data, "fr", view, "2022-2023"))
        text = json.dumps(
            [c.to_plotly_json() for c in _trend_table(trend_view(data, "fr", view), view, "fr")],
            cls=PlotlyJSONEncoder,
            ensure_ascii=False,
        )
    change = wh.execute(
        "SELECT change FROM public.indicator_trends WHERE indicator_id = ? AND "
        "breakdown = 'all' AND kind = 'first_last'",
        [INDICATOR],
    ).fetchone()[0]
    assert format_number(abs(change), "fr", 1) in text and "points" in text


def test_indicators_show_prints_the_trend(wh) -> None:
    text = show_indicator(wh, INDICATOR, lang="en")
    assert "Trend — 2022 → 2024, 3 waves" in text
    assert "Change 2022 → 2024" in text and "Slope per year" in text
    change = wh.execute(
        "SELECT change FROM public.indicator_trends WHERE indicator_id = ? AND "
        "breakdown = 'all' AND kind = 'first_last'",
        [INDICATOR],
    ).fetchone()[0]
    assert f"{change:,.4g}" in text
    assert "Tendance" in show_indicator(wh, INDICATOR, lang="fr")
    assert "Trend" not in show_indicator(wh, "pub_barometer_staff_redundancies", lang="en")


def test_note_trend_sentences_state_the_first_to_last_change(warehouse_path: Path, wh) -> None:
    from exports.notes.content import _trend_sentences
    from exports.notes.texts import TEXTS
    from warehouse.reader import Reader

    significant = wh.execute(
        "SELECT indicator_id, change FROM public.indicator_trends WHERE kind = 'first_last' "
        "AND breakdown = 'all' AND significant AND flag = 'ok' ORDER BY indicator_id LIMIT 1"
    ).fetchone()
    assert significant, "the shipped survey has a significant 2022 -> 2024 change"

    class Figure:
        indicator_id, period, category = significant[0], "2024", None

    catalogue = wh.execute("SELECT * FROM public.indicators").df().set_index("indicator_id")
    sentences = _trend_sentences(Reader(warehouse_path), [Figure()], catalogue, "en", TEXTS["en"])
    assert len(sentences) == 1 and "between 2022 and 2024" in sentences[0]


def test_lines_of_series_with_different_years_share_one_time_order() -> None:
    """A series starting later (2014) must not be drawn after the other series' last year."""
    from dashboard.charts import trend_lines

    fig = trend_lines({"a": (["2011", "2013", "2018", "2020"], [1, 2, 3, 4]), "b": (["2014"], [5])}, "en")
    assert fig.layout.xaxis.type == "category" and fig.layout.xaxis.categoryorder == "category ascending"
