"""Eurostat volunteering (ilc_scp19, ilc_scp21) and population (demo_pjan) from JSON-stat
snapshots; series are defined in ``eurostat.yaml`` beside this file."""

from __future__ import annotations

import json
from pathlib import Path

import pandas as pd
import yaml

from core.settings import settings
from etl import snapshots
from etl.eurostat import API_BASE, category_labels, parse_jsonstat
from etl.runner import Context, Step, StepError, insert_series
from etl.steps.geography import add_countries

SERIES = yaml.safe_load((Path(__file__).with_name("eurostat.yaml")).read_text(encoding="utf-8"))
UNIT_CODES = {"PC": "percent", "NR": "persons"}


class EurostatStep(Step):
    """Load every JSON-stat file of one Eurostat source."""

    depends = ("geography",)

    def __init__(self, name: str, source_id: str, dataset: str, required_dims: tuple[str, ...]) -> None:
        self.name = name
        self.sources = (source_id,)
        self.dataset = dataset
        self.required_dims = required_dims

    def refresh(self, ctx: Context) -> None:
        base = settings().eurostat_api
        rewrite = (lambda url: url.replace(API_BASE, base.rstrip("/"))) if base else None
        snapshots.refresh(ctx.source(self.sources[0]), self._validate_payload, rewrite_origin=rewrite)

    def _validate_payload(self, _path: Path, payload: bytes) -> None:
        doc = json.loads(payload)
        missing = [d for d in self.required_dims if d not in doc.get("id", [])]
        if missing:
            raise ValueError(f"dimensions {missing} missing from the JSON-stat document")
        if parse_jsonstat(doc).empty:
            raise ValueError("the document holds no value")

    def extract(self, ctx: Context) -> pd.DataFrame:
        src = ctx.source(self.sources[0])
        frames = []
        for f in src.files:
            doc = json.loads(src.path(f.path).read_text(encoding="utf-8"))
            df = parse_jsonstat(doc)
            df["geo_label"] = df["geo"].map(category_labels(doc, "geo"))
            flag_labels = doc.get("extension", {}).get("status", {}).get("label", {})
            df["flag_label"] = df["flag"].map(lambda f, fl=flag_labels: fl.get(f, f) if f else None)
            df["file"] = f.path
            frames.append(df)
        return pd.concat(frames, ignore_index=True)

    def validate(self, raw: pd.DataFrame) -> None:
        missing = [d for d in self.required_dims if d not in raw.columns]
        if missing:
            raise StepError(f"{self.dataset}: dimensions {missing} missing from the snapshot")
        extra = {"value", "flag", "flag_label", "geo_label", "file"}
        for dim in set(raw.columns) - set(self.required_dims) - extra:
            if raw[dim].nunique() > 1 and dim not in self._series_dims():
                raise StepError(
                    f"{self.dataset}: dimension {dim!r} has several categories "
                    f"{sorted(raw[dim].unique())} but no series chooses among them"
                )

    def _series_dims(self) -> set[str]:
        return {d for s in SERIES[self.dataset] for d in s["where"]}

    def transform(self, raw: pd.DataFrame, ctx: Context) -> pd.DataFrame:
        add_countries(ctx, dict(zip(raw.geo, raw.geo_label, strict=True)))
        out = []
        for spec in SERIES[self.dataset]:
            mask = pd.Series(True, index=raw.index)
            for dim, code in spec["where"].items():
                mask &= raw[dim] == code
            part = raw[mask]
            out.append(
                pd.DataFrame(
                    {
                        "source_id": self.sources[0],
                        "dataset": self.dataset,
                        "series": spec["series"],
                        "geo_code": part.geo,
                        "period": part.time,
                        "sex": part.sex,
                        "age": part.age,
                        "value": part.value,
                        "unit": part.unit.map(UNIT_CODES).fillna(spec["unit"]),
                        "flag": part.flag,
                        "note": part.flag_label,
                    }
                )
            )
        insert_series(
            ctx, [{**s, "source_id": self.sources[0], "dataset": self.dataset} for s in SERIES[self.dataset]]
        )
        return pd.concat(out, ignore_index=True)


VOLUNTEERING = EurostatStep(
    "eurostat_volunteering", "eurostat_ilc_scp19", "ilc_scp19", ("acl00", "geo", "time", "sex", "age", "unit")
)
NONPARTICIPATION = EurostatStep(
    "eurostat_nonparticipation",
    "eurostat_ilc_scp21",
    "ilc_scp21",
    ("acl00", "reason", "geo", "time", "sex", "age", "unit"),
)
POPULATION = EurostatStep(
    "eurostat_population", "eurostat_demo_pjan", "demo_pjan", ("geo", "time", "sex", "age", "unit")
)
