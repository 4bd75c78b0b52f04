"""Recommendations R1-R8 and their rule-based evidence summaries (rules in recommendations.yaml)."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import pandas as pd
import yaml
from babel.numbers import format_decimal

from indicators.catalogue import LANGS, CatalogueError, Indicator

RECOMMENDATIONS_FILE = Path(__file__).with_name("recommendations.yaml")
LOCALES = {"fr": "fr_BE", "nl": "nl_BE", "en": "en_GB"}
RULES = ("above", "below", "worsened")
SENTENCES = {
    "above": {"fr": "{title} : {value} ({period}), au-dessus de {threshold}.",
              "nl": "{title}: {value} ({period}), boven {threshold}.",
              "en": "{title}: {value} ({period}), above {threshold}."},
    "below": {"fr": "{title} : {value} ({period}), en dessous de {threshold}.",
              "nl": "{title}: {value} ({period}), onder {threshold}.",
              "en": "{title}: {value} ({period}), below {threshold}."},
    "worsened": {"fr": "{title} : dégradation entre {previous} et {period} ({change}).",
                 "nl": "{title}: verslechtering tussen {previous} en {period} ({change}).",
                 "en": "{title}: worsened between {previous} and {period} ({change})."},
}
NONE_FIRED = {"fr": "Les indicateurs liés ne montrent pas de signal net pour l'instant.",
              "nl": "De gekoppelde indicatoren tonen voorlopig geen duidelijk signaal.",
              "en": "The linked indicators show no clear signal for now."}
NO_DATA = {"fr": "Pas encore de données publiées pour les indicateurs liés.",
           "nl": "Nog geen gepubliceerde gegevens voor de gekoppelde indicatoren.",
           "en": "No published data yet for the linked indicators."}


@dataclass(frozen=True)
class Recommendation:
    id: str
    title: dict[str, str]
    text: dict[str, str]
    evidence: tuple[dict, ...]

    @property
    def indicators(self) -> tuple[str, ...]:
        return tuple(dict.fromkeys(rule["indicator"] for rule in self.evidence))


def load_recommendations(catalogue: dict[str, Indicator],
                         path: Path = RECOMMENDATIONS_FILE) -> dict[str, Recommendation]:
    """Read R1-R8 and check every link (both directions) against the catalogue."""
    raw = yaml.safe_load(path.read_text(encoding="utf-8"))
    recs = {}
    for rid, body in raw.items():
        for fld in ("title", "text"):
            missing = [lang for lang in LANGS if not str(body.get(fld, {}).get(lang, "")).strip()]
            if missing:
                raise CatalogueError(f"{path.name}: {rid}.{fld}: missing translation {missing}")
        for rule in body.get("evidence") or []:
            if rule.get("indicator") not in catalogue or rule.get("rule") not in RULES:
                raise CatalogueError(f"{path.name}: {rid}.evidence: bad rule {rule}")
        if not body.get("evidence"):
            raise CatalogueError(f"{path.name}: {rid}: no linked indicator")
        recs[rid] = Recommendation(rid, body["title"], body["text"], tuple(body["evidence"]))
    for ind in catalogue.values():
        unknown = sorted(set(ind.recommendations) - set(recs))
        if unknown:
            raise CatalogueError(f"{ind.path.name}: field 'recommendations': unknown {unknown}")
    return recs


def _fmt(x: float, lang: str, signed: bool = False) -> str:
    text = format_decimal(x, format="#,##0.0", locale=LOCALES[lang])
    return f"+{text}" if signed and x > 0 else text


def _latest(values: pd.DataFrame, ind_id: str) -> pd.Series | None:
    rows = values[(values["indicator_id"] == ind_id) & (values["breakdown"] == "all")
                  & values["estimate"].notna()]
    return None if rows.empty else rows.sort_values("period").iloc[-1]


def _fires(rule: dict, ind: Indicator, latest: pd.Series, values: pd.DataFrame,
           trends: pd.DataFrame) -> dict | None:
    """Sentence fields when the rule holds, else None."""
    lo = latest["estimate"] if pd.isna(latest.get("ci_low")) else latest["ci_low"]
    hi = latest["estimate"] if pd.isna(latest.get("ci_high")) else latest["ci_high"]
    fields = {"period": latest["period"], "value": latest["estimate"],
              "threshold": rule.get("threshold")}
    if rule["rule"] == "above":
        return fields if lo > rule["threshold"] else None
    if rule["rule"] == "below":
        return fields if hi < rule["threshold"] else None
    if ind.is_survey:
        t = trends[(trends["indicator_id"] == ind.id) & (trends["breakdown"] == "all")
                   & (trends["period"] == latest["period"])]
        if len(t) and t["direction"].iloc[0] == "worse":
            return {**fields, "previous": t["previous_period"].iloc[0],
                    "change": t["change"].iloc[0]}
        return None
    rows = values[(values["indicator_id"] == ind.id) & (values["breakdown"] == "all")
                  & values["estimate"].notna()].sort_values("period")
    if len(rows) < 2 or ind.polarity == "neutral":
        return None
    change = rows["estimate"].iloc[-1] - rows["estimate"].iloc[-2]
    worse = change > 0 if ind.polarity == "higher_is_worse" else change < 0
    return {**fields, "previous": rows["period"].iloc[-2], "change": change} if worse else None


def evidence(rec: Recommendation, catalogue: dict[str, Indicator], values: pd.DataFrame,
             trends: pd.DataFrame) -> dict:
    """Status, fr/nl/en summary and latest period behind a recommendation."""
    sentences = {lang: [] for lang in LANGS}
    periods, seen = [], False
    for rule in rec.evidence:
        ind = catalogue[rule["indicator"]]
        latest = _latest(values, ind.id)
        if latest is None:
            continue
        seen = True
        periods.append(str(latest["period"]))
        fired = _fires(rule, ind, latest, values, trends)
        if fired is None:
            continue
        for lang in LANGS:
            sentences[lang].append(SENTENCES[rule["rule"]][lang].format(
                title=ind.title[lang], period=fired["period"], previous=fired.get("previous"),
                value=_fmt(fired["value"], lang),
                threshold=_fmt(fired["threshold"] or 0, lang),
                change=_fmt(fired.get("change") or 0, lang, signed=True)))
    status = ("supported" if sentences["en"] else "not_supported") if seen else "insufficient_data"
    fallback = NO_DATA if not seen else NONE_FIRED
    return {"evidence_status": status,
            **{f"evidence_{lang}": " ".join(sentences[lang]) or fallback[lang] for lang in LANGS},
            "evidence_period": max(periods) if periods else None}
