"""Synthetic survey warehouse for the indicator tests (labelled synthetic; no real data)."""

from __future__ import annotations

import duckdb
import numpy as np
import pandas as pd

from core.codes import SIZE_CLASSES
from etl.survey.codebook import CODEBOOK
from indicators.catalogue import survey_column_types
from warehouse.schema import ddl_files

SIZES = list(SIZE_CLASSES)
PUBLIC_SERIES = {  # series -> (unit, [(geo, period, value, flag)])
    "eurostat_formal_volunteering": (
        "percent",
        [
            ("BE", "2015", 20.4, None),
            ("BE", "2022", 15.9, None),
            ("FR", "2022", 23.0, None),
            ("IE", "2015", 30.0, "u"),
        ],
    ),
    "eurostat_informal_volunteering": ("percent", [("BE", "2015", 20.8, None), ("BE", "2022", 11.8, None)]),
    "statbel_population": ("persons", [("04000", "2020-01-01", 1218255.0, None)]),
    "kbs2019_volunteers_organisations": (
        "persons",
        [("01000", "2019", 736000.0, None), ("04000", "2019", 62000.0, None)],
    ),
    "seed_brussels_social_sector_volunteers": ("persons", [("04000", "2019", 11000.0, None)]),
    "kbs2019_avg_hours_per_week": ("hours", [("01000", "2019", 4.0, None)]),
    "barometer_financial_deterioration": (
        "percent",
        [("01000", "2018", 19.0, None), ("01000", "2020", 49.0, None)],
    ),
    # the other KBS barometer figures (Belgium, one edition each unless said)
    "barometer_more_reliance_on_volunteers": ("percent", [("01000", "2013", 33.0, None)]),
    "barometer_staff_redundancies": ("percent", [("01000", "2013", 19.0, None)]),
    "barometer_structural_subsidies_decreased": ("percent", [("01000", "2015", 38.0, None)]),
    "barometer_reduced_subsidies": (
        "percent",
        [("01000", "2011", 22.0, None), ("01000", "2014", 41.0, None)],
    ),
    "barometer_time_seeking_funding": ("percent", [("01000", "2014", 20.0, None)]),
    "barometer_subsidies_share_of_receipts": ("percent", [("01000", "2013", 50.0, None)]),
    "barometer_cash_flow_problems": ("percent", [("01000", "2013", 20.0, None)]),
    "barometer_sector_outlook_deterioration": ("percent", [("01000", "2013", 50.0, None)]),
    # public spending (Eurostat COFOG)
    **{
        f"cofog_gf1007_{level}_eur_million_estat202608": (
            "eur_million",
            [("BE", "2021", 431.4, None), ("BE", "2023", 644.5, None)],
        )
        for level in ("s13", "s1311", "s1312", "s1313")
    },
    "cofog_gf1007_s13_eur_million_2015_estat202608": ("eur_million_2015", [("BE", "2021", 5425.1, None)]),
    "cofog_gf1007_s13_eur_per_inhabitant_estat202608": ("eur_per_inhabitant", [("BE", "2021", 522.4, None)]),
    "cofog_gf1007_s13_per_mille_gdp_estat202301": (
        "per_mille_gdp",
        [("BE", "2020", 12.0, None), ("EU27_2020", "2020", 10.0, None)],
    ),
    "cofog_gf1004_s13_percent_gdp_estat202501": (
        "percent_gdp",
        [("BE", "2022", 2.3, "p"), ("EU27_2020", "2022", 1.8, "p")],
    ),
    "cofog_gf1004_s13_eur_per_inhabitant_estat202501": ("eur_per_inhabitant", [("BE", "2021", 956.0, None)]),
    "nbb_npi_compensation": ("eur_million", [("04000", "2017", 3856.8, None)]),
    "nbb_npi_salaried_employment": ("thousand_jobs", [("04000", "2017", 70.5, None)]),
}


def size_class(fte: np.ndarray) -> np.ndarray:
    return np.select([fte < 5, fte < 20, fte < 50], SIZES[:3], SIZES[3])


def make_responses(
    n: int,
    waves: list[int],
    seed: int = 1,
    panel: float = 0.6,
    subsector_sizes: dict[str, float] | None = None,
    balanced_sizes: bool = False,
) -> pd.DataFrame:
    """``n`` current responses per wave; ``panel`` share of associations answer every wave;
    ``balanced_sizes`` draws staff_fte so that the four size classes are about equally common."""
    rng = np.random.default_rng(seed)
    types = survey_column_types()
    subsectors = list(subsector_sizes or CODEBOOK.lists["subsector"].codes)
    probs = np.array(list(subsector_sizes.values())) if subsector_sizes else None
    probs = None if probs is None else probs / probs.sum()
    frames = []
    pool = [f"org{i:06d}" for i in range(int(n * panel))]
    for k, wave in enumerate(waves):
        fresh = [f"w{wave}-{i:06d}" for i in range(n - len(pool))]
        df = pd.DataFrame({"org_pseudo": pool + fresh})
        for code, q in CODEBOOK.by_code.items():
            if code not in types:
                continue
            if q.base_type == "select_one":
                df[code] = rng.choice(CODEBOOK.choices_of(code).codes, n)
            elif q.base_type == "select_multiple":
                codes = CODEBOOK.choices_of(code).codes
                opts = np.array([c for c in codes if c != "none"])
                empty = "none" if "none" in codes else None
                picks = rng.random((n, len(opts))) < 0.4
                df[code] = [" ".join(opts[row]) or empty for row in picks]
            elif q.base_type in ("integer", "decimal"):
                df[code] = np.round(rng.gamma(2.0, 10.0 + 3 * k, n), 1)
        df["subsector"] = rng.choice(subsectors, n, p=probs)
        df["region"] = rng.choice(["brussels", "brussels", "wallonia", "flanders"], n)
        df["staff_fte"] = (
            rng.choice([2.0, 10.0, 30.0, 80.0], n) if balanced_sizes else np.round(rng.gamma(1.2, 12.0, n), 1)
        )
        shares = rng.dirichlet(np.ones(6), n) * 100
        for j, c in enumerate(CODEBOOK.share_codes):
            df[c] = shares[:, j]
        df["task_transfer_3y"] = np.where(rng.random(n) < 0.3 + 0.1 * k, "yes", "no")
        df.loc[df["task_transfer_3y"] == "no", "task_transfer_areas"] = None
        df["activities_stop_pct"] = rng.uniform(0, 100, n)
        df["size_class"] = size_class(df["staff_fte"].to_numpy())
        df["wave"] = wave
        df["response_id"] = [f"r{wave}-{i}" for i in range(n)]
        df["load_id"] = f"load{wave}"
        df["submitted_at"] = pd.Timestamp(f"{wave}-05-01")
        df["source_line"] = np.arange(2, n + 2)
        df["status"], df["consent"], df["synthetic"] = "current", True, True
        frames.append(df)
    return pd.concat(frames, ignore_index=True)


def make_frame(responses: pd.DataFrame, scale: float = 20.0) -> pd.DataFrame:
    """An illustrative frame: every observed subsector x size cell, scaled up, plus noise."""
    cells = responses.groupby(["subsector", "size_class"]).size().reset_index(name="k")
    rng = np.random.default_rng(7)
    return pd.DataFrame(
        {
            "subsector": cells["subsector"],
            "size_class": cells["size_class"],
            "region": None,
            "n_associations": np.round(cells["k"] * scale * rng.uniform(0.5, 1.5, len(cells))),
            "illustrative": True,
        }
    )


def build_warehouse(
    con: duckdb.DuckDBPyConnection, responses: pd.DataFrame, frame: pd.DataFrame, series: dict = PUBLIC_SERIES
) -> None:
    """Create the input tables the engine reads (survey, frame, public statistics) and the
    tables it writes (the indicators' DDL, as a build applies it)."""
    ddl = next(f for f in ddl_files() if f.name == "50_indicators.sql")
    con.execute(ddl.read_text(encoding="utf-8"))
    types = survey_column_types()
    for schema in ("restricted", "core", "public"):
        con.execute(f"CREATE SCHEMA IF NOT EXISTS {schema}")
    cols = ", ".join(f'CAST("{c}" AS {t}) AS "{c}"' for c, t in types.items())
    con.register("_resp", responses.reindex(columns=list(types)))
    con.execute(f"CREATE OR REPLACE TABLE restricted.survey_responses AS SELECT {cols} FROM _resp")
    con.unregister("_resp")
    con.execute(
        "CREATE OR REPLACE VIEW restricted.survey_current AS SELECT * FROM "
        "restricted.survey_responses WHERE status = 'current' AND consent"
    )
    con.register("_frame", frame)
    con.execute(
        "CREATE OR REPLACE TABLE core.survey_frame AS SELECT subsector, size_class, "
        "CAST(region AS VARCHAR) AS region, CAST(n_associations AS BIGINT) AS "
        "n_associations, illustrative FROM _frame"
    )
    con.unregister("_frame")
    stats = pd.DataFrame(
        [
            {
                "source_id": "test",
                "dataset": "test",
                "series": s,
                "geo_code": g,
                "geo_label": g,
                "period": p,
                "sex": "T",
                "age": "TOTAL",
                "value": v,
                "unit": unit,
                "flag": f,
                "note": None,
            }
            for s, (unit, rows) in series.items()
            for g, p, v, f in rows
        ]
    )
    con.register("_stats", stats)
    con.execute("CREATE OR REPLACE TABLE public.statistics AS SELECT * FROM _stats")
    con.execute("CREATE OR REPLACE TABLE public.series AS SELECT DISTINCT series, unit FROM _stats")
    con.unregister("_stats")
