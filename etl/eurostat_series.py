"""The step class of the Eurostat JSON-stat sources (steps ``eurostat_*``: volunteering
ilc_scp19, ilc_scp21, population demo_pjan). Each step's meta.yml names its snapshot
(``source_id``), the ``dataset``, its ``required_dims`` and the ``series`` it publishes."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pandas as pd

from core.settings import settings
from etl import snapshots
from etl.eurostat import API_BASE, category_labels, parse_jsonstat
from etl.runner import Context, StepError
from etl.steps.geography.step import add_countries
from etl.tabular import Step, insert_series

UNIT_CODES = {"PC": "percent", "NR": "persons"}


class EurostatStep(Step):
    """Load every JSON-stat file of one Eurostat source."""

    @property
    def dataset(self) -> str:
        return str(self.meta.data["dataset"])

    @property
    def required_dims(self) -> list[str]:
        return list(self.meta.data["required_dims"])

    @property
    def series(self) -> list[dict[str, Any]]:
        """The series published from the snapshot: each chosen by the category codes under
        ``where``; every other dimension must hold a single category."""
        return list(self.meta.data["series"])

    def refresh(self, ctx: Context) -> None:
        base = settings().eurostat_api
        rewrite = (lambda url: url.replace(API_BASE, base.rstrip("/"))) if base else None
        snapshots.refresh(ctx.source(self.meta.source_id), self._validate_payload, rewrite_origin=rewrite)

    def _validate_payload(self, _path: Path, payload: bytes) -> None:
        doc = json.loads(payload)
        missing = [d for d in self.required_dims if d not in doc.get("id", [])]
        if missing:
            raise ValueError(f"dimensions {missing} missing from the JSON-stat document")
        if parse_jsonstat(doc).empty:
            raise ValueError("the document holds no value")

    def extract(self, ctx: Context) -> pd.DataFrame:
        src = ctx.source(self.meta.source_id)
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
        return {d for s in self.series for d in s["where"]}

    def transform(self, raw: pd.DataFrame, ctx: Context) -> pd.DataFrame:
        add_countries(ctx, dict(zip(raw.geo, raw.geo_label, strict=True)))
        out = []
        for spec in self.series:
            mask = pd.Series(True, index=raw.index)
            for dim, code in spec["where"].items():
                mask &= raw[dim] == code
            part = raw[mask]
            out.append(
                pd.DataFrame(
                    {
                        "source_id": self.meta.source_id,
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
            ctx, [{**s, "source_id": self.meta.source_id, "dataset": self.dataset} for s in self.series]
        )
        return pd.concat(out, ignore_index=True)
