"""The indicator engine: ``compute_all(con)`` fills the public/meta indicator tables.

For each wave of ``restricted.survey_current``: one SQL query evaluates every indicator's
per-response variable; weights come from the sampling frame (:mod:`indicators.weighting`);
every breakdown cell is estimated at once (:mod:`indicators.domains`). Then disclosure control,
trends, the pressure index, combined indicators and recommendation evidence are derived and
written as tables (warehouse/sql/50_indicators.sql).
"""

from __future__ import annotations

import time
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path

import duckdb
import numpy as np
import pandas as pd

from core.codes import SIZE_CLASSES
from core.i18n import LANGUAGES
from core.yamlfile import read_yaml
from indicators.catalogue import Indicator, load_catalogue
from indicators.combined import combined_rows, load_assumptions, required_series
from indicators.disclosure import apply_disclosure
from indicators.domains import DomainEstimates, WaveLayout, estimate_domains
from indicators.estimation import Z_95
from indicators.pressure_index import index_tables
from indicators.public_series import indicator_rows, read_statistics, require_series
from indicators.recommendations import (
    changes_of,
    evidence,
    load_recommendations,
    published_by_indicator,
    rule_sources,
)
from indicators.trends import PanelTrend, WaveLink, link_waves, paired_covariance, trend_table
from indicators.versions import comparable_trends, keep_applicable, wave_versions
from indicators.weighting import WaveWeights, wave_weights
from warehouse.sql import insert_frame

ENGINE_VERSION = "1"
SETTINGS_FILE = Path(__file__).with_name("engine.yaml")
PROFILE = ["subsector", "size_class", "volunteer_model", "region", "org_pseudo", "synthetic", "load_id"]


@dataclass
class ComputeReport:
    """What a run produced."""

    n_indicators: int
    waves: list[int]
    n_values: int
    n_suppressed: int
    n_trends: int
    weights: dict[int, str] = field(default_factory=dict)  # wave -> weights version
    seconds: float = 0.0

    def __str__(self) -> str:
        return (
            f"{self.n_indicators} indicators, waves {self.waves or 'none'}: "
            f"{self.n_values} values ({self.n_suppressed} suppressed), "
            f"{self.n_trends} trends in {self.seconds:.1f} s"
        )


@dataclass(frozen=True)
class _WaveSource:
    """What lineage records of one wave."""

    wave: int
    weights: WaveWeights
    load_ids: str
    n_responses: int


@dataclass
class _Wave:
    """One wave's weights and stacked breakdown layout."""

    wave: int
    weights: WaveWeights
    layout: WaveLayout
    cells: pd.DataFrame  # breakdown, breakdown_value per cell
    org: pd.Series  # pseudonym per response, for panel linkage

    @property
    def labels(self) -> np.ndarray:
        """Name of each cell: ``breakdown=value``."""
        return (self.cells["breakdown"] + "=" + self.cells["breakdown_value"]).to_numpy(object)


def load_settings(path: Path = SETTINGS_FILE) -> dict:
    return read_yaml(path)


#: A 63-bit integer per pseudonym (DuckDB's hash): the linear trend's panel keys are looked up
#: faster by integer than by 64-character pseudonym (a collision among a million is ~1e-7 likely).
ORG_KEY = "CAST(hash(org_pseudo) >> 1 AS BIGINT)"

#: Indicator id -> (influence, used) of one wave's estimates, for linking a later wave to it.
Influence = dict[str, tuple[np.ndarray, np.ndarray]]


def _select_sql(indicators: list[Indicator], extra: tuple[str, ...] = ()) -> str:
    cols = [f'"{c}"' for c in [*PROFILE, *extra]]
    for ind in indicators:
        universe = ind.universe or "TRUE"
        cols.append(f'CAST(CASE WHEN ({universe}) THEN ({ind.expression}) END AS DOUBLE) AS "y__{ind.id}"')
        if ind.denominator:
            cols.append(
                f'CAST(CASE WHEN ({universe}) THEN ({ind.denominator}) END AS DOUBLE) AS "x__{ind.id}"'
            )
    cols.append(f"CASE WHEN org_pseudo IS NULL THEN -1 ELSE {ORG_KEY} END AS __org_key")
    return f"SELECT {', '.join(cols)} FROM restricted.survey_current WHERE wave = ?"


def _layout(
    data: pd.DataFrame, weights: WaveWeights, breakdowns: list[str]
) -> tuple[WaveLayout, pd.DataFrame]:
    units, cells, names, labels = [], [], [], []
    offset = 0
    for b in ["all", *breakdowns]:
        values = pd.Series("all", index=data.index) if b == "all" else data[b]
        codes, cats = pd.factorize(values, sort=True)
        keep = codes >= 0
        units.append(np.flatnonzero(keep))
        cells.append(codes[keep] + offset)
        names.append(np.full(len(cats), b, object))
        labels.append(cats.astype(str).to_numpy(object))
        offset += len(cats)
    layout = WaveLayout(
        weights.weights, np.concatenate(units), np.concatenate(cells), offset, weights.calibration
    )
    return layout, pd.DataFrame(
        {"breakdown": np.concatenate(names), "breakdown_value": np.concatenate(labels)}
    )


def _dominance(layout: WaveLayout, y: np.ndarray, res: DomainEstimates) -> np.ndarray:
    """Largest weighted contribution as a share of the cell's total, per cell."""
    contrib = np.where(res.used, np.abs(layout.weights[layout.unit] * y[layout.unit]), 0.0)
    largest = np.zeros(layout.n_cells)
    if contrib.size:
        largest[layout.cells.code] = np.maximum.reduceat(contrib, layout.cells.start)
    with np.errstate(invalid="ignore", divide="ignore"):
        return largest / layout.cells.sum(contrib)


def _wave_cells(
    w: _Wave,
    data: pd.DataFrame,
    indicators: list[Indicator],
    prev_influence: Influence,
    link: WaveLink | None,
    keep_influence: bool,
    first_influence: Influence | None = None,
    link_first: WaveLink | None = None,
    panel: PanelTrend | None = None,
) -> tuple[pd.DataFrame, Influence]:
    """Estimates of every survey indicator in every cell of one wave (one row per cell), and,
    when ``keep_influence`` (a later wave will be linked to this one), each indicator's
    influence values (one float per unit and breakdown: the largest memory of the engine).
    ``link_first`` (last wave only) links to the first wave for the first-to-last change;
    ``panel`` accumulates the linear trend's cross-wave covariances."""
    cols: dict[str, list] = {
        k: [] for k in ("estimate", "se", "n", "dominance", "cov", "n_linked", "cov_first", "n_linked_first")
    }
    influence: Influence = {}
    k = w.layout.n_cells
    for ind in indicators:
        y = data[f"y__{ind.id}"].to_numpy(float, na_value=np.nan)
        x = data[f"x__{ind.id}"].to_numpy(float, na_value=np.nan) if ind.denominator else None
        kind = {"total": "total", "ratio": "ratio"}.get(ind.estimator, "mean")
        res = estimate_domains(w.layout, kind, y, x)
        if keep_influence:
            influence[ind.id] = (res.influence, res.used)
        cov, n_linked = np.zeros(k), np.zeros(k)
        if link is not None and ind.id in prev_influence:
            cov, n_linked = paired_covariance(link, *prev_influence[ind.id], res.influence, res.used)
        cov_first, n_first = np.full(k, np.nan), np.zeros(k)
        if link_first is not None and first_influence is not None and ind.id in first_influence:
            cov_first, n_first = paired_covariance(
                link_first, *first_influence[ind.id], res.influence, res.used
            )
        if panel is not None:
            panel.add(ind.id, res.influence, ind.scale)
        s = ind.scale
        cols["estimate"].append(res.estimate * s)
        cols["se"].append(res.se * s)
        cols["n"].append(res.n)
        cols["dominance"].append(
            _dominance(w.layout, y, res) if ind.money or kind == "total" else np.full(k, np.nan)
        )
        cols["cov"].append(cov * s * s)
        cols["n_linked"].append(n_linked)
        cols["cov_first"].append(cov_first * s * s)
        cols["n_linked_first"].append(n_first)
    m = len(indicators)
    out = pd.DataFrame(
        {
            "indicator_id": np.repeat([i.id for i in indicators], k),
            "period": str(w.wave),
            "breakdown": np.tile(w.cells["breakdown"].to_numpy(object), m),
            "breakdown_value": np.tile(w.cells["breakdown_value"].to_numpy(object), m),
            **{c: np.concatenate(v) for c, v in cols.items()},
            "money": np.repeat([i.money for i in indicators], k),
            "estimator": np.repeat([i.estimator for i in indicators], k),
            "synthetic": bool(data["synthetic"].fillna(False).any()),
        }
    )
    out["ci_low"] = out["estimate"] - Z_95 * out["se"]
    out["ci_high"] = out["estimate"] + Z_95 * out["se"]
    return out, influence


def _keep_extra(cells: pd.DataFrame, extra: dict[str, list[str]]) -> pd.DataFrame:
    """Drop the cells of an extra breakdown (engine.yaml ``extra_breakdowns``) for the
    indicators it is not published for."""
    drop = np.zeros(len(cells), bool)
    for breakdown, ids in extra.items():
        drop |= (cells["breakdown"] == breakdown).to_numpy() & ~cells["indicator_id"].isin(ids)
    return cells[~drop].reset_index(drop=True)


def _survey_waves(
    con: duckdb.DuckDBPyConnection,
    indicators: list[Indicator],
    settings: dict,
    versions: dict[int, tuple[str, ...]],
) -> tuple[pd.DataFrame, list[_WaveSource], pd.DataFrame]:
    """Cells of every wave of ``versions`` (:func:`indicators.versions.wave_versions`), what each
    wave was made of, and the linear trend's cross-wave covariance terms
    (:class:`indicators.trends.PanelTrend`)."""
    frame = con.execute("SELECT subsector, size_class, n_associations FROM core.survey_frame").df()
    waves = sorted(versions)
    extra = settings.get("extra_breakdowns") or {}
    sql = _select_sql(indicators, tuple(extra))
    frames, kept = [], []
    prev: _Wave | None = None
    prev_influence: Influence = {}
    first: _Wave | None = None  # the first wave, kept for the first-to-last change
    first_influence: Influence = {}
    panel = None
    if len(waves) > 1:  # the linear trend's covariances need only the associations in 2+ waves
        panel = PanelTrend(
            waves,
            {
                r[0]
                for r in con.execute(
                    f"SELECT {ORG_KEY} FROM restricted.survey_current WHERE org_pseudo IS NOT NULL "
                    "GROUP BY org_pseudo HAVING count(DISTINCT wave) > 1"
                ).fetchall()
            },
        )
    for wave in waves:
        data = con.sql(sql, params=[wave]).to_arrow_table().to_pandas(split_blocks=True, self_destruct=True)
        weights = wave_weights(
            data, frame, list(SIZE_CLASSES), settings["weighting"]["min_responses_per_cell"]
        )
        layout, cells = _layout(data, weights, [*settings["breakdowns"], *extra])
        cur = _Wave(wave, weights, layout, cells, data["org_pseudo"])
        link = link_first = None
        if prev is not None:
            link = link_waves(prev.org, prev.layout, prev.labels, cur.org, layout, cur.labels)
        if first is not None and first is not prev and wave == waves[-1]:
            link_first = link_waves(first.org, first.layout, first.labels, cur.org, layout, cur.labels)
        if panel is not None:
            panel.start_wave(wave, data["__org_key"], layout, cur.labels)
        cells_df, prev_influence = _wave_cells(
            cur,
            data,
            indicators,
            prev_influence,
            link,
            keep_influence=wave != waves[-1],
            first_influence=first_influence,
            link_first=link_first,
            panel=panel,
        )
        if first is None:
            first, first_influence = cur, prev_influence
        frames.append(keep_applicable(_keep_extra(cells_df, extra), indicators, wave, versions))
        kept.append(
            _WaveSource(wave, weights, " ".join(sorted(data["load_id"].dropna().unique())), len(data))
        )
        prev = cur
    return (
        (pd.concat(frames, ignore_index=True) if frames else pd.DataFrame()),
        kept,
        panel.result() if panel is not None else pd.DataFrame(),
    )


def _snapshots_sha(con: duckdb.DuckDBPyConnection) -> str | None:
    try:
        [(sha,)] = con.execute(
            "SELECT string_agg(DISTINCT sha256, ';' ORDER BY sha256) FROM meta.snapshots"
        ).fetchall()
        return sha
    except duckdb.Error:
        return None


def _geo_labels(con: duckdb.DuckDBPyConnection) -> dict[str, dict[str, str]]:
    """Label of each geography per language (none when the geography step did not run)."""
    try:
        rows = con.execute("SELECT geo_code, label_fr, label_nl, label_en FROM core.geography")
    except duckdb.CatalogException:
        return {}
    return {code: {"fr": fr, "nl": nl, "en": en} for code, fr, nl, en in rows.fetchall()}


def _recommendation_tables(
    con: duckdb.DuckDBPyConnection, recs: dict, catalogue: dict, values: pd.DataFrame, trends: pd.DataFrame
) -> tuple[pd.DataFrame, pd.DataFrame]:
    """``public.recommendations`` (one verdict per recommendation) and
    ``public.recommendation_evidence`` (one result per evidence rule)."""
    geo_labels, sources = _geo_labels(con), rule_sources(con, catalogue)
    ids = list(dict.fromkeys(i for r in recs.values() for i in r.indicators))
    published_of, changes = published_by_indicator(values, ids), changes_of(trends)
    synthetic = set(values.loc[values["synthetic"].fillna(False).to_numpy(bool), "indicator_id"])
    rows, rules = [], []
    for r in recs.values():
        summary, results = evidence(r, catalogue, published_of, changes, geo_labels, sources)
        rows.append(
            {
                "recommendation_id": r.id,
                **{f"title_{lg}": r.title[lg] for lg in LANGUAGES},
                **{f"text_{lg}": r.text[lg] for lg in LANGUAGES},
                "indicators": " ".join(r.indicators),
                **summary,
                "synthetic": not synthetic.isdisjoint(r.indicators),
            }
        )
        rules += results
    return pd.DataFrame(rows), pd.DataFrame(rules)


def _indicator_table(catalogue: dict[str, Indicator]) -> pd.DataFrame:
    rows = []
    for ind in catalogue.values():
        row = {
            "indicator_id": ind.id,
            "theme": ind.theme,
            "family": ind.family,
            "unit": ind.unit,
            "polarity": ind.polarity,
            "estimator": ind.estimator,
            "money": ind.money,
            "questions": " ".join(ind.questions) or " ".join(ind.series) or None,
            "sources": " ".join(ind.sources),
            "recommendations": " ".join(ind.recommendations),
            "scope_geo": None if ind.is_survey else ind.headline_geo,
            "versions": " ".join(ind.versions) or None,
        }
        for lang in LANGUAGES:
            row |= {
                f"title_{lang}": ind.title[lang],
                f"summary_{lang}": ind.description[lang],
                f"description_{lang}": ind.long_description[lang],
                f"unit_label_{lang}": ind.unit_label[lang],
                f"caveats_{lang}": ind.text("caveats", lang),
            }
        rows.append(row)
    return pd.DataFrame(rows)


def _lineage(
    catalogue: dict[str, Indicator], values: pd.DataFrame, waves: list[_WaveSource], snapshots: str | None
) -> pd.DataFrame:
    by_wave = {str(w.wave): w for w in waves}
    periods = values[["indicator_id", "period"]].drop_duplicates()
    rows = []
    now = datetime.now()
    for ind_id, period in periods.itertuples(index=False):
        ind = catalogue[ind_id]
        survey = ind.is_survey or ind.method == "survey_replacement_value"
        w = by_wave.get(period) if survey else None  # the wave a survey indicator is computed from
        rows.append(
            {
                "indicator_id": ind_id,
                "period": period,
                "questions": " ".join(ind.questions) or None,
                "series": " ".join(ind.series) or None,
                "waves": period if w is not None else None,
                "load_ids": w.load_ids if w is not None else None,
                "weights_version": w.weights.version if w is not None else None,
                "weighting_method": w.weights.method if w is not None else None,
                "n_responses": w.n_responses if w is not None else None,
                "snapshots_sha256": snapshots,
                "engine_version": ENGINE_VERSION,
                "computed_at": now,
            }
        )
    return pd.DataFrame(rows)


def _write(con: duckdb.DuckDBPyConnection, tables: dict[str, pd.DataFrame]) -> None:
    """Empty the output tables (created by the build's DDL) and insert ``tables`` by column name."""
    for name, df in tables.items():
        con.execute(f"DELETE FROM {name}")
        insert_frame(con, name, df)


def compute_all(
    con: duckdb.DuckDBPyConnection, catalogue: dict[str, Indicator] | None = None
) -> ComputeReport:
    """Compute every indicator for every wave and breakdown and (re)write the output tables."""
    start = time.perf_counter()
    settings = load_settings()
    catalogue = catalogue or load_catalogue(con=con)
    recs = load_recommendations(catalogue)
    assumptions = load_assumptions()
    public = [i for i in catalogue.values() if i.estimator == "public_series"]
    combined = [i for i in catalogue.values() if i.estimator == "combined"]
    require_series(
        con,
        [s for i in public + combined for s in i.series] + (required_series(assumptions) if combined else []),
    )
    survey = [i for i in catalogue.values() if i.is_survey]
    versions = wave_versions(con)  # questionnaire versions of each wave (indicators/versions.py)
    raw, waves, panel = _survey_waves(con, survey, settings, versions)
    wave_combined = (
        [combined_rows(con, i, raw, assumptions) for i in combined if i.method == "survey_replacement_value"]
        if len(raw)
        else []
    )
    public_combined = [
        combined_rows(con, i, raw, assumptions) for i in combined if i.method != "survey_replacement_value"
    ]
    cells = pd.concat([raw, *wave_combined], ignore_index=True) if len(raw) else raw
    published, log = (
        apply_disclosure(cells, settings["disclosure"]) if len(cells) else (cells, pd.DataFrame())
    )
    polarity = {i.id: i.polarity for i in catalogue.values()}
    survey_published = (
        published[published["indicator_id"].isin([i.id for i in survey])] if len(published) else published
    )
    trends = (
        trend_table(
            survey_published,
            polarity,
            settings["trends"]["min_linked_for_paired"],
            panel,
            [w.wave for w in waves],
        )
        if len(survey_published)
        else pd.DataFrame()
    )
    trends = comparable_trends(trends, catalogue, versions)  # one way of asking
    # recommendations' evidence reads changes between two waves (consecutive, first to last),
    # not the linear rows (whose previous_period is the first wave too)
    changes = trends[trends["kind"] != "linear"] if len(trends) else trends
    public_rows = (  # no empty frame in the concat: it would make every column object
        [indicator_rows(read_statistics(con, [s for i in public for s in i.series]), public)]
        if public
        else []
    )
    public_values = pd.concat([*public_rows, *public_combined], ignore_index=True).assign(synthetic=False)
    values = pd.concat([published, public_values], ignore_index=True)
    synthetic = published.groupby("period")["synthetic"].any() if len(published) else pd.Series()
    index, components = (
        index_tables(survey_published, synthetic)
        if len(survey_published)
        else (pd.DataFrame(), pd.DataFrame())
    )
    rec_rows, rule_rows = _recommendation_tables(con, recs, catalogue, values, changes)
    columns = [
        "indicator_id",
        "period",
        "breakdown",
        "breakdown_value",
        "estimate",
        "se",
        "ci_low",
        "ci_high",
        "n",
        "flag",
        "synthetic",
        "value_low",
        "value_high",
        "flag_reason",
    ]
    _write(
        con,
        {
            "public.indicators": _indicator_table(catalogue),
            "public.indicator_values": values.reindex(columns=columns),
            "public.indicator_trends": trends,
            "public.index_values": index,
            "public.index_components": components,
            "public.recommendations": rec_rows,
            "public.recommendation_evidence": rule_rows,
            "meta.suppression_log": log,
            "meta.indicator_lineage": _lineage(catalogue, values, waves, _snapshots_sha(con)),
        },
    )
    return ComputeReport(
        n_indicators=len(catalogue),
        waves=[w.wave for w in waves],
        n_values=len(values),
        n_suppressed=int((values["flag"] == "suppressed").sum()),
        n_trends=len(trends),
        weights={w.wave: w.weights.version for w in waves},
        seconds=time.perf_counter() - start,
    )
