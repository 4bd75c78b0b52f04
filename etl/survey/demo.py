"""SYNTHETIC demo survey waves, written as KoboToolbox CSV exports (deterministic from a seed).

Nothing here is observed data. The generative model is anchored on published orders of
magnitude (see shared domain brief / reference_figures.csv) only to look plausible:

* Panel: a pool of fictitious associations (enterprise numbers ``0998…``/``0999…`` with valid
  mod-97 check digits); about 85 % of a wave's respondents answered the previous wave.
* Profile: 90 % region = brussels (communes 21001-21019 uniformly), subsectors from the list;
  staff FTE log-normal (median ~ 6), volunteers more numerous under the ``predominant`` model.
* Funding: the six shares are Dirichlet draws with mean structural 30 / project 20 (public
  subsidies about 50 % of receipts, KBS barometer 2013), private 10, own revenue 20,
  donations 10, other 10; the project share drifts up ~2 points per wave (slight worsening).
* Pressure: admin hours per FTE, task transfer and support cuts rise with the project share
  and across waves; task-transfer prevalence is tuned to about 33 % ("relied more on
  volunteers", KBS barometer 2013); about 45 % report decreasing public funding (the
  barometer's 41-49 % deterioration figures as an order of magnitude).
* About 2 % refuse consent_aggregates; about 2 % of associations resubmit later in the wave.
* Names and comments are obviously fake ("Association fictive …", "Commentaire fictif …").
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd

from etl.survey.codebook import CODEBOOK, Codebook
from etl.survey.kobo_export import write_kobo_csv

SHARE_MEANS = {
    "share_structural_subsidy_pct": 30,
    "share_project_subsidy_pct": 20,
    "share_private_funders_pct": 10,
    "share_own_revenue_pct": 20,
    "share_donations_pct": 10,
    "share_other_pct": 10,
}
STAGE_RATES = (0.85, 0.7, 0.45, 0.55, 0.4, 0.6, 0.35, 0.3, 0.8)
NONE = np.array(None, dtype=object)  # an empty answer for np.where (numpy's types refuse a bare None)


def fake_enterprise_numbers(count: int, rng: np.random.Generator) -> list[str]:
    """Distinct obviously fake numbers 0998…/0999… (09… for more than 20,000) with valid
    mod-97 check digits."""
    base, space = (9_980_000, 20_000) if count <= 20_000 else (9_000_000, 1_000_000)
    serials = rng.choice(space, size=count, replace=False)
    heads = [f"{base + s:08d}" for s in serials]
    return [f"{h}{97 - int(h) % 97:02d}" for h in heads]


def _pick(rng: np.random.Generator, options: tuple[str, ...] | list[str], probs, size: int):
    p = np.asarray(probs, dtype=float)
    return rng.choice(np.asarray(options, dtype=object), size=size, p=p / p.sum())


def _multi(
    rng: np.random.Generator, codes: tuple[str, ...], rates, size: int, none_if_empty: bool
) -> list[str | None]:
    picks = rng.random((size, len(codes))) < np.asarray(rates)
    rows = [" ".join(c for c, on in zip(codes, row, strict=True) if on) for row in picks]
    return [r or ("none" if none_if_empty else None) for r in rows]


def _pool(n_pool: int, rng: np.random.Generator, codebook: Codebook) -> pd.DataFrame:
    subsectors = codebook.lists["subsector"].codes
    region = _pick(rng, ("brussels", "wallonia", "flanders"), (0.9, 0.05, 0.05), n_pool)
    fte = np.round(np.exp(rng.normal(np.log(6), 1.0, n_pool)), 1).clip(0, 400)
    return pd.DataFrame(
        {
            "org_id": fake_enterprise_numbers(n_pool, rng),
            "subsector": _pick(rng, subsectors, (14, 9, 9, 5, 10, 4, 8, 8, 7, 10, 8, 8), n_pool),
            "region": region,
            "commune": np.where(
                region == "brussels", [str(21001 + i) for i in rng.integers(0, 19, n_pool)], NONE
            ),
            "volunteer_model": _pick(
                rng, ("predominant", "channelled", "governance_only"), (0.35, 0.45, 0.2), n_pool
            ),
            "staff_fte": fte,
            "project_bias": rng.normal(0, 8, n_pool),
        }
    )


def _wave(
    pool: pd.DataFrame, wave_index: int, year: int, rng: np.random.Generator, codebook: Codebook
) -> pd.DataFrame:
    n = len(pool)
    out = pool.drop(columns="project_bias").copy()
    fte = out["staff_fte"].to_numpy()
    predominant = (out["volunteer_model"] == "predominant").to_numpy()
    volunteers = rng.poisson(np.where(predominant, 45, 15)) + 1
    out["staff_headcount"] = np.ceil(fte * rng.uniform(1.0, 1.6, n)).astype(int).astype(str)
    out["volunteers_active"] = volunteers.astype(str)
    out["volunteer_hours_month"] = np.round(volunteers * rng.uniform(4, 14, n), 1)
    out["budget_total_eur"] = np.round(fte * rng.uniform(55_000, 80_000, n) + 20_000, -2)

    alpha = np.array(list(SHARE_MEANS.values()), dtype=float)
    alpha[1] += 2 * wave_index
    alpha[0] -= 2 * wave_index
    raw = rng.dirichlet(alpha / 4, n) * 100
    raw[:, 1] = np.clip(raw[:, 1] + pool["project_bias"].to_numpy(), 0, None)
    raw = raw / raw.sum(axis=1, keepdims=True) * 100
    shares = np.round(raw[:, :-1], 1)
    last = np.round(100 - shares.sum(axis=1), 1)
    for i, code in enumerate(SHARE_MEANS):
        out[code] = shares[:, i] if i < 5 else np.clip(last, 0, None)
    project = out["share_project_subsidy_pct"].to_numpy() / 100
    pressure = project + 0.05 * wave_index

    out["n_public_funders"] = (1 + rng.poisson(1 + 4 * project)).astype(str)
    out["admin_hours_month"] = np.round(fte * (2 + 12 * project) * rng.lognormal(0, 0.3, n), 1)
    out["operating_costs_covered"] = [
        _pick(
            rng,
            codebook.lists["coverage"].codes,
            (0.2, 0.35 - p / 4, 0.35 + p / 5, 0.1 + p / 20),
            1,
        )[0]
        for p in project
    ]
    out["public_funding_trend_3y"] = _pick(
        rng,
        ("increased", "stable", "decreased", "dont_know"),
        (0.15, 0.35, 0.43 + 0.03 * wave_index, 0.07),
        n,
    )
    out["private_funding_ethics"] = _pick(rng, ("yes", "no", "not_applicable"), (0.1, 0.6, 0.3), n)
    out["staff_fixed_term_pct"] = np.round(rng.beta(2, 4, n) * 100 * (0.6 + project), 0).clip(0, 100)
    out["staff_admin_time_pct"] = np.round(rng.beta(2, 6, n) * 100 * (0.8 + project), 0).clip(0, 100)
    out["staff_unpaid_overtime"] = _pick(rng, ("often", "sometimes", "never"), (0.3, 0.45, 0.25), n)
    out["staff_shortage"] = np.where(rng.random(n) < 0.55 + 0.3 * project, "yes", "no")
    out["beneficiaries_trend_3y"] = _pick(
        rng,
        ("increased", "stable", "decreased", "dont_know"),
        (0.55 + 0.03 * wave_index, 0.3, 0.1, 0.05),
        n,
    )
    out["requests_turned_away"] = _pick(rng, ("often", "sometimes", "never"), (0.3, 0.45, 0.25), n)

    transfer = rng.random(n) < 1 / (1 + np.exp(-(-1.15 + 3 * (pressure - 0.2))))
    out["task_transfer_3y"] = np.where(transfer, "yes", "no")
    areas = _multi(
        rng,
        codebook.lists["task_area"].codes,
        (0.5, 0.45, 0.35, 0.2, 0.15, 0.4, 0.2, 0.08, 0.1, 0.05),
        n,
        False,
    )
    out["task_transfer_areas"] = [
        a or "reception" if t else None for a, t in zip(areas, transfer, strict=True)
    ]
    out["activities_stop_pct"] = np.round(np.where(predominant, rng.beta(5, 2, n), rng.beta(2, 4, n)) * 100)
    out["complex_tasks"] = np.where(rng.random(n) < 0.3 + 0.2 * transfer, "yes", "no")
    ease = codebook.lists["ease"].codes
    out["recruitment_vs_3y"] = _pick(rng, ease, (0.2, 0.35, 0.3, 0.1, 0.05), n)
    out["retention_vs_3y"] = _pick(rng, ease, (0.15, 0.3, 0.4, 0.1, 0.05), n)
    out["skills_required"] = _pick(rng, ("never", "some_roles", "most_roles"), (0.35, 0.45, 0.2), n)
    out["vulnerable_volunteers"] = np.where(rng.random(n) < 0.45, "yes", "no")
    out["expenses_reimbursed"] = _pick(rng, ("all", "some", "none"), (0.45, 0.35, 0.2), n)
    out["withdrawal_space"] = np.where(rng.random(n) < 0.5, "yes", "no")

    cut = rng.random(n) < 0.15 + 0.6 * pressure
    out["support_stages"] = _multi(
        rng, codebook.lists["stage"].codes, np.asarray(STAGE_RATES) * 0.9, n, False
    )
    out.loc[cut, "support_stages"] = _multi(
        rng, codebook.lists["stage"].codes, np.asarray(STAGE_RATES) * 0.6, int(cut.sum()), False
    )
    out["coordinator_fte"] = np.round(rng.uniform(0, 0.3, n) * (1 + volunteers / 30), 1)
    out["support_cut_3y"] = np.where(cut, "yes", "no")
    out["information_note"] = np.where(rng.random(n) < 0.7, "yes", "no")
    out["insurance"] = _pick(rng, ("yes", "no", "dont_know"), (0.85, 0.05, 0.1), n)
    out["risk_briefing"] = np.where(rng.random(n) < 0.6, "yes", "no")
    out["framework_documents"] = _multi(
        rng, codebook.lists["document"].codes[:-1], (0.45, 0.5, 0.55, 0.25), n, True
    )
    out["framework_flexibility"] = _pick(rng, ("rigid", "balanced", "flexible"), (0.15, 0.6, 0.25), n)
    out["volunteers_in_decisions"] = _pick(rng, ("formal", "informal", "no"), (0.25, 0.45, 0.3), n)
    out["sanctions_12m"] = _multi(rng, ("warning", "suspension", "exclusion"), (0.2, 0.05, 0.04), n, True)
    out["recognition_practices"] = _multi(
        rng, codebook.lists["recognition"].codes[:-1], (0.7, 0.3, 0.4, 0.15), n, True
    )
    out["group_phase"] = _pick(rng, codebook.lists["phase"].codes, (0.15, 0.35, 0.35, 0.15), n)
    out["warning_lights"] = _multi(rng, codebook.lists["warning"].codes, (0.35, 0.3, 0.2, 0.4), n, False)
    out["respondent_role"] = _pick(rng, codebook.lists["role"].codes, (0.45, 0.25, 0.15, 0.1, 0.05), n)
    serial = out["org_id"].str.slice(4, 8)
    out["org_name"] = "Association fictive " + serial + " ASBL"
    out["comments"] = np.where(
        rng.random(n) < 0.2, "Commentaire fictif (données synthétiques).\nDeuxième ligne.", NONE
    )
    out["consent_aggregates"] = np.where(rng.random(n) < 0.02, "no", "yes")
    out["subsector_other"] = np.where(out["subsector"] == "other", "Secteur fictif", NONE)
    start = pd.Timestamp(f"{year}-03-01")
    out["_submitted_at"] = start + pd.to_timedelta(rng.integers(0, 90 * 86400, n), unit="s")
    return out


def _resubmissions(wave: pd.DataFrame, rng: np.random.Generator) -> pd.DataFrame:
    """About 2 % of associations answer again later with a few answers changed."""
    again = wave.sample(frac=0.02, random_state=rng).copy()
    again["_submitted_at"] = again["_submitted_at"] + pd.Timedelta(days=7)
    again["respondent_role"] = "director"
    return pd.concat([wave, again]).sort_values("_submitted_at", kind="stable")


def _as_strings(frame: pd.DataFrame, codebook: Codebook, rng: np.random.Generator) -> pd.DataFrame:
    out = pd.DataFrame(index=frame.index)
    for code in codebook.codes:
        values = frame[code]
        if values.dtype.kind == "f":
            values = values.map(lambda v: f"{v:g}" if pd.notna(v) else None)
        out[code] = pd.Series(values, dtype="str")
    out["_submitted_at"] = frame["_submitted_at"]
    out["_source_id"] = [f"{int(x):032x}" for x in rng.integers(0, 2**62, len(frame))]
    out["_source_id"] = out["_source_id"].str.replace(
        r"^(.{8})(.{4})(.{4})(.{4})(.{12})$", r"\1-\2-\3-\4-\5", regex=True
    )
    return out.reset_index(drop=True)


def demo_answers(
    waves=(2022, 2023, 2024), n: int = 300, seed: int = 1, codebook: Codebook = CODEBOOK
) -> dict[int, pd.DataFrame]:
    """Canonical synthetic answers per wave (strings, codebook codes, ``_submitted_at``)."""
    rng = np.random.default_rng(seed)
    pool = _pool(int(n * 1.6), rng, codebook)
    members = rng.choice(len(pool), size=n, replace=False)
    result = {}
    for index, year in enumerate(waves):
        if index:
            stay = rng.choice(members, size=int(n * 0.85), replace=False)
            fresh = rng.choice(np.setdiff1d(np.arange(len(pool)), stay), size=n - len(stay), replace=False)
            members = np.concatenate([stay, fresh])
        wave = _resubmissions(
            _wave(pool.iloc[np.sort(members)].reset_index(drop=True), index, year, rng, codebook),
            rng,
        )
        result[year] = _as_strings(wave, codebook, rng)
    return result


def write_demo(out_dir: Path, waves=(2022, 2023, 2024), n: int = 300, seed: int = 1) -> list[Path]:
    """Write one synthetic Kobo CSV export per wave; returns the paths."""
    out_dir = Path(out_dir)
    out_dir.mkdir(parents=True, exist_ok=True)
    return [
        write_kobo_csv(answers, out_dir / f"demo_synthetic_survey_{year}_kobo.csv", synthetic=True)
        for year, answers in demo_answers(waves, n, seed).items()
    ]


PLANTED_ERRORS = (
    # (row index in the file, field, rule, bad value)
    (1, "subsector", "choice", "social_work"),
    (2, "staff_fte", "range", "9000"),
    (3, "share_*_pct", "share_sum", None),
    (4, "org_id", "required", None),
    (5, "volunteers_active", "type_integer", "12,5"),
    (6, "framework_documents", "none_exclusive", "charter none"),
    (7, "commune", "relevance", "21004"),
    (8, "org_id", "org_id_check", "0999.000.000"),
    (9, "consent_aggregates", "choice", "maybe"),
)


def write_planted_errors(path: Path, seed: int = 7, synthetic: bool = False) -> dict:
    """A Kobo CSV with planted errors and a duplicate submission (which stays valid, superseded);
    ``synthetic``: every row tagged so, as :func:`write_demo` writes them.

    Returns ``{"errors": [(line, field, rule)], "valid_lines": [...], "duplicate_lines": [a, b]}``;
    lines count the header as line 1 (no answer contains a newline here).
    """
    answers = demo_answers((2024,), n=14, seed=seed)[2024]
    answers = answers[answers["org_id"].notna()].head(12).copy()
    answers["comments"] = None
    answers = answers.reset_index(drop=True)
    expected = []
    for row, field, rule, value in PLANTED_ERRORS:
        if rule == "share_sum":
            answers.loc[row, "share_own_revenue_pct"] = str(
                float(answers.loc[row, "share_own_revenue_pct"]) + 50
            )
        elif field == "subsector":
            answers.loc[row, ["subsector", "subsector_other"]] = [value, None]
        elif rule == "relevance":
            answers.loc[row, ["region", "commune"]] = ["wallonia", value]
        else:
            answers.loc[row, field] = value
        expected.append((row + 2, field, rule))
    duplicate = answers.iloc[[10]].assign(
        _submitted_at=answers.loc[10, "_submitted_at"] + pd.Timedelta(hours=2),
        _source_id="dup-uuid",
    )
    answers = pd.concat([answers, duplicate], ignore_index=True)
    write_kobo_csv(answers, path, synthetic=synthetic)
    bad = {line for line, _, _ in expected}
    return {
        "errors": expected,
        "duplicate_lines": [12, len(answers) + 1],
        "valid_lines": [i + 2 for i in range(len(answers)) if i + 2 not in bad],
    }
