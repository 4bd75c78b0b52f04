"""Recommendations R1-R8 and their rule-based evidence summaries (rules in recommendations.yaml)."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import pandas as pd
import yaml
from babel.numbers import format_decimal

from indicators.catalogue import LANGS, CatalogueError, Indicator

RECOMMENDATIONS_FILE = Path(__file__).with_name("recommendations.yaml")
WORDING: dict = yaml.safe_load(
    Path(__file__).with_name("evidence_wording.yaml").read_text(encoding="utf-8"))
LOCALES = {"fr": "fr_BE", "nl": "nl_BE", "en": "en_GB"}
RULES = ("above", "below", "worsened")
POINT_UNITS = ("percent", "net_balance")


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
            if rule["rule"] != "worsened" and _meaning(rule, catalogue[rule["indicator"]]) is None:
                raise CatalogueError(
                    f"{path.name}: {rid}.evidence: no wording for {rule} (unit "
                    f"{catalogue[rule['indicator']].unit}): add it to evidence_wording.yaml")
        if not body.get("evidence"):
            raise CatalogueError(f"{path.name}: {rid}: no linked indicator")
        recs[rid] = Recommendation(rid, body["title"], body["text"], tuple(body["evidence"]))
    for ind in catalogue.values():
        unknown = sorted(set(ind.recommendations) - set(recs))
        if unknown:
            raise CatalogueError(f"{ind.path.name}: field 'recommendations': unknown {unknown}")
    return recs


def _meaning(rule: dict, ind: Indicator) -> dict[str, str] | None:
    """What an above/below rule means in words, per language (None when not worded)."""
    return WORDING["meaning"].get(rule["rule"], {}).get(ind.unit, {}).get(rule.get("threshold"))


def _fmt(x: float, lang: str, signed: bool = False) -> str:
    text = format_decimal(x, format="#,##0.0", locale=LOCALES[lang])
    return f"+{text}" if signed and x > 0 else text


def _with_unit(value: float, ind: Indicator, lang: str) -> str:
    """``62,1 % des associations``, ``solde de -41,8 points``, ``3,0 pouvoirs subsidiants``."""
    if ind.unit == "net_balance":
        return WORDING["balance"][lang].format(value=_fmt(value, lang))
    label = ind.unit_label[lang]
    glue = "" if label.startswith("%") and lang != "fr" else " "  # 31,3% (nl, en); 31,3 % (fr)
    return f"{_fmt(value, lang)}{glue}{label}"


def _change(change: float, ind: Indicator, lang: str) -> str:
    """A change with its unit: percentage points for shares and balances."""
    if ind.unit in POINT_UNITS:
        return WORDING["points"][lang].format(value=_fmt(change, lang, signed=True))
    return f"{_fmt(change, lang, signed=True)} {ind.unit_label[lang]}"


def _sentence(rule: dict, ind: Indicator, fired: dict, lang: str,
              geo_labels: dict[str, dict[str, str]]) -> str:
    """The rule's finding as a policy officer writes it: meaning, value, unit, period, scope,
    CI and n; no threshold."""
    geo = geo_labels.get(ind.headline_geo or "", {}).get(lang) if not ind.is_survey else None
    scope = WORDING["scope"][lang].format(geo=geo) if geo else ""
    if rule["rule"] == "worsened":
        key = "worsened" if ind.is_survey else "worsened_public"
        return WORDING[key][lang].format(title=ind.title[lang], previous=fired["previous"],
                                         period=fired["period"], scope=scope,
                                         change=_change(fired["change"], ind, lang))
    has_ci = fired.get("ci_low") is not None and not pd.isna(fired["ci_low"])
    ci = WORDING["ci"][lang].format(low=_fmt(fired["ci_low"], lang),
                                    high=_fmt(fired["ci_high"], lang)) if has_ci else ""
    n = fired.get("n")
    n_text = WORDING["n"][lang].format(n=int(n)) if n is not None and not pd.isna(n) else ""
    text = WORDING["sentence"][lang].format(
        title=ind.title[lang], meaning=_meaning(rule, ind)[lang],  # type: ignore[index]
        value=_with_unit(fired["value"], ind, lang), period=fired["period"], scope=scope,
        ci=ci, n=n_text)
    return text.replace("( ; ", "(").replace("(; ", "(")


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
              "threshold": rule.get("threshold"), "ci_low": latest.get("ci_low"),
              "ci_high": latest.get("ci_high"), "n": latest.get("n")}
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
             trends: pd.DataFrame, geo_labels: dict[str, dict[str, str]] | None = None) -> dict:
    """Status, fr/nl/en summary and latest period behind a recommendation.

    ``geo_labels`` maps a geography code to its label per language (the scope of public
    series: Belgium, Brussels-Capital Region...)."""
    sentences: dict[str, list[str]] = {lang: [] for lang in LANGS}
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
            sentences[lang].append(_sentence(rule, ind, fired, lang, geo_labels or {}))
    status = ("supported" if sentences["en"] else "not_supported") if seen else "insufficient_data"
    fallback = WORDING["no_data"] if not seen else WORDING["none_fired"]
    return {"evidence_status": status,
            **{f"evidence_{lang}": " ".join(sentences[lang]) or fallback[lang] for lang in LANGS},
            "evidence_period": max(periods) if periods else None}
