"""Recommendations R1-R8 and their verdicts, computed both ways from the evidence rules of
recommendations.yaml.

Each rule tests one indicator in one direction: ``supports_if`` (what the data would show if the
recommendation answers a real problem) or ``contradicts_if`` (what they would show if it did not).
A rule is evaluated on the latest published value of its indicator (breakdown ``all``) and gives
``supports``, ``contradicts`` (it holds, in its direction), ``inconclusive`` (it does not hold)
or ``no_data``. Survey rules on synthetic (demo) data are *illustrations*: published, but never
counted. The status of a recommendation counts the other rules:

* supported: at least one rule supports it, none contradicts it;
* mixed: rules support it and rules contradict it;
* not_supported: at least one rule contradicts it, none supports it;
* insufficient_evidence: no counted rule holds either way (or no data).

Every sentence is written in words from evidence_wording.yaml: what the threshold means, the
value with its unit, period, geography, CI and n; never a bare threshold. The same wording
gives the computed answers of the theme pages (:func:`finding`).
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from pathlib import Path

import duckdb
import pandas as pd

from core.i18n import LANGUAGES, format_number
from core.yamlfile import read_yaml
from indicators.catalogue import CatalogueError, Indicator

RECOMMENDATIONS_FILE = Path(__file__).with_name("recommendations.yaml")
WORDING: dict = read_yaml(Path(__file__).with_name("evidence_wording.yaml"))
LEVEL_RULES = ("above", "below")
CHANGE_RULES = ("worsened", "improved")
RULES = LEVEL_RULES + CHANGE_RULES
DIRECTIONS = {"supports_if": "supports", "contradicts_if": "contradicts"}
STATUSES = ("supported", "mixed", "not_supported", "insufficient_evidence")
RESULTS = ("supports", "contradicts", "inconclusive", "no_data")
POINT_UNITS = ("percent", "net_balance")
CHANGE_METHODS = ("independent", "paired")  # rows of indicator_trends that compare two waves
CHANGE_KINDS = ("consecutive", "first_last")

#: (indicator, period, previous period) -> (change, significant) of the ``indicator_trends``
#: rows that compare two waves (breakdown ``all``): see :func:`changes_of`.
Changes = Mapping[tuple[str, str, str], tuple[float, object]]


@dataclass(frozen=True)
class Recommendation:
    id: str
    title: dict[str, str]
    text: dict[str, str]
    evidence: tuple[dict, ...]  # rules: indicator, rule, threshold (level rules), direction

    @property
    def indicators(self) -> tuple[str, ...]:
        return tuple(dict.fromkeys(rule["indicator"] for rule in self.evidence))


def parse_rule(text: object, where: str) -> tuple[str, float | None]:
    """``"above 50"`` -> ("above", 50.0); ``"worsened"`` -> ("worsened", None)."""
    parts = str(text).split()
    if parts and parts[0] in CHANGE_RULES and len(parts) == 1:
        return parts[0], None
    if len(parts) == 2 and parts[0] in LEVEL_RULES:
        try:
            return parts[0], float(parts[1])
        except ValueError:
            pass
    raise CatalogueError(
        f"{where}: cannot read rule {text!r}: write 'above <number>', "
        f"'below <number>', 'worsened' or 'improved'"
    )


def _expand(rid: str, entry: dict, path: Path) -> list[dict]:
    """The rules of one evidence entry ``{indicator, supports_if, contradicts_if}``."""
    where = f"{path.name}: {rid}.evidence"
    keys = [k for k in DIRECTIONS if k in entry]
    unknown = set(entry) - {"indicator", *DIRECTIONS}
    if not keys or unknown or "indicator" not in entry:
        raise CatalogueError(
            f"{where}: bad entry {entry}: give 'indicator' and 'supports_if' and/or 'contradicts_if'"
        )
    rules = []
    for key in keys:
        rule, threshold = parse_rule(entry[key], where)
        rules.append(
            {
                "indicator": entry["indicator"],
                "rule": rule,
                "threshold": threshold,
                "direction": DIRECTIONS[key],
            }
        )
    return rules


def load_recommendations(
    catalogue: dict[str, Indicator], path: Path = RECOMMENDATIONS_FILE
) -> dict[str, Recommendation]:
    """Read R1-R8 and check every link (both directions) against the catalogue."""
    raw = read_yaml(path)
    recs = {}
    for rid, body in raw.items():
        for fld in ("title", "text"):
            missing = [lang for lang in LANGUAGES if not str(body.get(fld, {}).get(lang, "")).strip()]
            if missing:
                raise CatalogueError(f"{path.name}: {rid}.{fld}: missing translation {missing}")
        rules = [r for entry in body.get("evidence") or [] for r in _expand(rid, entry, path)]
        for rule in rules:
            if rule["indicator"] not in catalogue:
                raise CatalogueError(f"{path.name}: {rid}.evidence: unknown indicator {rule}")
            if rule["rule"] in LEVEL_RULES and meaning(rule, catalogue[rule["indicator"]]) is None:
                raise CatalogueError(
                    f"{path.name}: {rid}.evidence: no wording for {rule} (unit "
                    f"{catalogue[rule['indicator']].unit}): add it to evidence_wording.yaml"
                )
        if not rules:
            raise CatalogueError(f"{path.name}: {rid}: no linked indicator")
        if not any(r["direction"] == "contradicts" for r in rules):
            raise CatalogueError(f"{path.name}: {rid}: no rule says what would contradict it")
        recs[rid] = Recommendation(rid, body["title"], body["text"], tuple(rules))
    for ind in catalogue.values():
        unknown = sorted(set(ind.recommendations) - set(recs))
        if unknown:
            where = ind.path.name if ind.path is not None else ind.id  # a catalogue not read from files
            raise CatalogueError(f"{where}: field 'recommendations': unknown {unknown}")
    return recs


def meaning(rule: dict, ind: Indicator) -> dict[str, str] | None:
    """What a rule means in words, per language (None when a level rule is not worded)."""
    if rule["rule"] in CHANGE_RULES:
        key = rule["rule"] + ("" if ind.is_survey else "_public")
        return WORDING["change_meaning"][key]
    threshold = rule.get("threshold")
    by_unit = WORDING["meaning"].get(rule["rule"], {}).get(ind.unit, {})
    if threshold is None:
        return None
    return by_unit.get(int(threshold) if float(threshold).is_integer() else threshold)


def _fmt(x: float, lang: str, signed: bool = False) -> str:
    text = format_number(x, lang, 1)
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


def _missing(x: object) -> bool:
    return x is None or bool(pd.isna(x))


def _details(ind: Indicator, fields: dict, lang: str, geo_labels: Mapping) -> dict[str, str]:
    """Value, period, scope, CI and n of a finding, formatted for the sentence templates."""
    geo = geo_labels.get(ind.headline_geo or "", {}).get(lang) if not ind.is_survey else None
    has_ci = not _missing(fields.get("ci_low"))
    n = fields["n"]  # every finding has one (None or NaN when unknown): see _fields
    return {
        "title": ind.title[lang],
        "period": str(fields["period"]),
        "value": _with_unit(fields["value"], ind, lang),
        "scope": WORDING["scope"][lang].format(geo=geo) if geo else "",
        "ci": WORDING["ci"][lang].format(low=_fmt(fields["ci_low"], lang), high=_fmt(fields["ci_high"], lang))
        if has_ci
        else "",
        "n": WORDING["n"][lang].format(n=int(n)) if not _missing(n) else "",
    }


def _tidy(text: str) -> str:
    return text.replace("( ; ", "(").replace("(; ", "(")


def rule_sentence(
    rule: dict,
    ind: Indicator,
    fields: dict | None,
    result: str,
    lang: str,
    geo_labels: Mapping[str, Mapping[str, str]],
) -> str:
    """The rule's finding as a policy officer writes it: what it means, the value, unit,
    period, scope, CI and n; no threshold. ``result`` says whether the rule held."""
    if fields is None or result == "no_data":
        key = "no_previous" if fields is not None else "no_value"
        return WORDING[key][lang].format(title=ind.title[lang])
    d = _details(ind, fields, lang, geo_labels)
    held = result in ("supports", "contradicts")
    if rule["rule"] in CHANGE_RULES:
        key = rule["rule"] + ("" if held else "_not") + ("" if ind.is_survey else "_public")
        return WORDING[key][lang].format(
            previous=fields["previous"], change=_change(fields["change"], ind, lang), **d
        )
    template = WORDING["sentence" if held else "sentence_not"][lang]
    worded = meaning(rule, ind)
    assert worded is not None, f"rule {rule['rule']} of {ind.id} has no wording"
    return _tidy(template.format(meaning=worded[lang], **d))


def _published(values: pd.DataFrame, ind_id: str) -> pd.DataFrame:
    """Published rows of an indicator, breakdown ``all``, oldest first."""
    return published_by_indicator(values, [ind_id])[ind_id]


def published_by_indicator(values: pd.DataFrame, ids: Iterable[str]) -> dict[str, pd.DataFrame]:
    """:func:`_published` of each indicator of ``ids``, from one filter of ``values``."""
    rows = values[
        values["indicator_id"].isin(ids) & (values["breakdown"] == "all") & values["estimate"].notna()
    ]
    groups = dict(list(rows.groupby("indicator_id", sort=False)))
    return {i: groups[i].sort_values("period") if i in groups else rows.iloc[:0] for i in ids}


def changes_of(trends: pd.DataFrame | None) -> dict[tuple[str, str, str], tuple[float, object]]:
    """The :data:`Changes` of ``indicator_trends`` rows: consecutive and first-to-last changes
    (or, without ``kind``, the two-wave methods), not linear trends; the first row of a key."""
    if trends is None or trends.empty:
        return {}
    t = trends[trends["breakdown"] == "all"]
    if "kind" in t:
        t = t[t["kind"].isin(CHANGE_KINDS)]
    elif "method" in t:
        t = t[t["method"].isin(CHANGE_METHODS)]
    keys = zip(t["indicator_id"], t["period"].astype(str), t["previous_period"].astype(str), strict=True)
    found: dict[tuple[str, str, str], tuple[float, object]] = {}
    for key, step in zip(keys, zip(t["change"], t["significant"], strict=True), strict=True):
        found.setdefault(key, step)
    return found


def _change_row(
    ind: Indicator, rows: pd.DataFrame, changes: Changes, previous: str | None = None
) -> dict | None:
    """The latest change of an indicator: for a survey indicator the change of ``changes``
    from ``previous`` (default: the previous published wave) to the latest wave; for a public
    series the difference of its last two values. None without one."""
    if len(rows) < 2:
        return None
    last, before = rows.iloc[-1], rows.iloc[-2]
    if not ind.is_survey:
        change = float(last["estimate"] - before["estimate"])
        return {"previous": str(before["period"]), "change": change, "significant": change != 0}
    previous = previous or str(before["period"])
    step = changes.get((ind.id, str(last["period"]), previous))
    if step is None or _missing(step[0]):
        return None
    return {"previous": previous, "change": float(step[0]), "significant": bool(step[1])}


def _fields(row: pd.Series) -> dict:
    return {
        "period": str(row["period"]),
        "value": float(row["estimate"]),
        "ci_low": row.get("ci_low"),
        "ci_high": row.get("ci_high"),
        "n": row.get("n"),
    }


def evaluate(rule: dict, ind: Indicator, rows: pd.DataFrame, changes: Changes) -> tuple[str, dict | None]:
    """``(result, fields)`` of one rule over ``rows``, the indicator's :func:`_published` rows:
    result in RESULTS; fields hold the latest period and value (CI, n) and, for change rules,
    the previous period and the change."""
    if rows.empty:
        return "no_data", None
    latest = rows.iloc[-1]
    fields = _fields(latest)
    kind = rule["rule"]
    if kind in LEVEL_RULES:
        low = fields["value"] if _missing(fields["ci_low"]) else float(fields["ci_low"])
        high = fields["value"] if _missing(fields["ci_high"]) else float(fields["ci_high"])
        holds = low > rule["threshold"] if kind == "above" else high < rule["threshold"]
    else:
        step = _change_row(ind, rows, changes)
        if step is None or ind.polarity == "neutral":
            return "no_data", fields
        fields |= {"previous": step["previous"], "change": step["change"]}
        worse = step["change"] > 0 if ind.polarity == "higher_is_worse" else step["change"] < 0
        holds = step["significant"] and (worse if kind == "worsened" else not worse)
    return (rule["direction"] if holds else "inconclusive"), fields


def verdict(results: Iterable[tuple[str, bool]]) -> str:
    """Status from ``(result, counted)`` pairs (counted: not an illustration)."""
    counted = [r for r, c in results if c]
    sup, con = "supports" in counted, "contradicts" in counted
    if sup:
        return "mixed" if con else "supported"
    return "not_supported" if con else "insufficient_evidence"


def evidence(
    rec: Recommendation,
    catalogue: dict[str, Indicator],
    published_of: Mapping[str, pd.DataFrame],
    changes: Changes,
    geo_labels: Mapping[str, Mapping[str, str]] | None = None,
    sources: Mapping[tuple[str, str], str] | None = None,
) -> tuple[dict, list[dict]]:
    """The recommendation's verdict (fields of ``public.recommendations``) and one result row
    per rule (``public.recommendation_evidence``).

    ``published_of`` holds the :func:`published_by_indicator` rows of (at least) the
    recommendation's indicators and ``changes`` the :func:`changes_of` of the trends;
    ``geo_labels`` maps a geography code to its label per language (the scope of public
    series); ``sources`` maps (indicator, period) to the source ids of a public value."""
    geo_labels = geo_labels or {}
    rows = []
    for no, rule in enumerate(rec.evidence, start=1):
        ind = catalogue[rule["indicator"]]
        published = published_of[ind.id]
        result, fields = evaluate(rule, ind, published, changes)
        synthetic = _rests_on_synthetic(ind, published, fields)
        period = None if fields is None else fields["period"]
        src = (sources or {}).get((ind.id, period or "")) or " ".join(ind.sources)
        words = meaning(rule, ind) or {}
        rows.append(
            {
                "recommendation_id": rec.id,
                "rule_no": no,
                "indicator_id": ind.id,
                "rule": rule["rule"],
                "direction": rule["direction"],
                "threshold": rule["threshold"],
                **{f"meaning_{lg}": words.get(lg) for lg in LANGUAGES},
                "period": period,
                "previous_period": (fields or {}).get("previous"),
                "value": None if fields is None else fields["value"],
                "ci_low": None if fields is None or _missing(fields["ci_low"]) else fields["ci_low"],
                "ci_high": None if fields is None or _missing(fields["ci_high"]) else fields["ci_high"],
                "n": None if fields is None or _missing(fields["n"]) else int(fields["n"]),
                "change": (fields or {}).get("change"),
                "scope_geo": None if ind.is_survey else ind.headline_geo,
                "sources": src,
                "result": result,
                "illustration": synthetic,
                "synthetic": synthetic,
                **{
                    f"finding_{lg}": rule_sentence(rule, ind, fields, result, lg, geo_labels)
                    for lg in LANGUAGES
                },
            }
        )
    return _summary(rows), rows


def _rests_on_synthetic(ind: Indicator, published: pd.DataFrame, fields: dict | None) -> bool:
    """Whether a rule's result rests on synthetic survey figures: the latest wave's, or for a
    change rule the previous wave's too (a change from a synthetic wave is no evidence)."""
    if not ind.is_survey or published.empty:
        return False
    periods = {str(published["period"].iloc[-1]), str((fields or {}).get("previous"))}
    return bool(published.loc[published["period"].astype(str).isin(periods), "synthetic"].fillna(False).any())


def _summary(rows: list[dict]) -> dict:
    """Status, counts and the fr/nl/en evidence text of one recommendation's rule rows."""
    status = verdict((r["result"], not r["illustration"]) for r in rows)
    shown = [r for r in rows if r["illustration"] and r["result"] != "no_data"]
    illustrated = verdict((r["result"], True) for r in rows) if shown else None
    held = [r for r in rows if r["result"] in ("supports", "contradicts")]
    texts = {}
    for lang in LANGUAGES:
        parts = []
        for illustration in (False, True):
            for direction in ("supports", "contradicts"):
                found = [
                    r[f"finding_{lang}"]
                    for r in held
                    if r["illustration"] == illustration and r["result"] == direction
                ]
                if found:
                    key = ("illustration_" if illustration else "") + direction
                    parts.append(WORDING["label_" + key][lang] + " " + " ".join(found))
        if parts and not any(not r["illustration"] for r in held):
            parts.insert(0, WORDING["no_real_evidence"][lang])
        if not parts:
            seen = any(r["result"] != "no_data" for r in rows)
            parts = [WORDING["none_fired" if seen else "no_data"][lang]]
        texts[f"evidence_{lang}"] = " ".join(parts)
    periods = [str(r["period"]) for r in rows if r["period"] is not None]
    count = {k: sum(1 for r in rows if r["result"] == k and not r["illustration"]) for k in RESULTS}
    return {
        "evidence_status": status,
        "illustration_status": illustrated,
        **texts,
        "evidence_period": max(periods) if periods else None,
        "rules_supporting": count["supports"],
        "rules_contradicting": count["contradicts"],
        "rules_inconclusive": count["inconclusive"],
        "rules_illustration": sum(1 for r in rows if r["illustration"]),
    }


def rule_sources(
    con: duckdb.DuckDBPyConnection, catalogue: dict[str, Indicator]
) -> dict[tuple[str, str], str]:
    """(indicator, period) -> the source ids of the headline value of each public series
    indicator in ``public.statistics`` (e.g. the barometer edition of that year)."""
    wanted = [
        (ind.id, series, ind.headline_geo)
        for ind in catalogue.values()
        if not ind.is_survey and ind.headline_geo is not None
        for series in ind.series
    ]
    if not wanted:
        return {}
    ids, series, geos = (list(column) for column in zip(*wanted, strict=True))
    rows = con.execute(  # one query for every indicator
        "SELECT w.indicator_id, s.period, string_agg(DISTINCT s.source_id, ' ' ORDER BY s.source_id) "
        "FROM public.statistics s JOIN (SELECT unnest(?::VARCHAR[]) AS indicator_id, "
        "unnest(?::VARCHAR[]) AS series, unnest(?::VARCHAR[]) AS geo_code) w USING (series, geo_code) "
        "GROUP BY w.indicator_id, s.period",
        [ids, series, geos],
    ).fetchall()
    return {(ind_id, str(p)): s for ind_id, p, s in rows}


# --- computed answers of the theme pages --------------------------------------------------


def indicator_from_public(row: Mapping) -> Indicator:
    """An :class:`Indicator` with the fields the wording needs, from a ``public.indicators``
    row (for readers of the public views, e.g. the dashboard)."""
    text = {
        name: {lg: row.get(f"{name}_{lg}") or "" for lg in LANGUAGES}
        for name in ("title", "summary", "description", "unit_label")
    }
    return Indicator(
        id=row["indicator_id"],
        theme=row["theme"],
        estimator=row["estimator"],
        unit=row["unit"],
        polarity=row["polarity"],
        title=text["title"],
        description=text["summary"],
        long_description=text["description"],
        unit_label=text["unit_label"],
        questions=(),
        sources=tuple(str(row.get("sources") or "").split()),
        recommendations=(),
        headline_geo=row.get("scope_geo") if isinstance(row.get("scope_geo"), str) else None,
    )


def finding(
    check: Mapping,
    ind: Indicator,
    values: pd.DataFrame,
    trends: pd.DataFrame,
    lang: str,
    geo_labels: Mapping[str, Mapping[str, str]] | None = None,
) -> str | None:
    """One computed answer of a theme page, in ``lang`` (None without data).

    ``check`` is ``{"sides": ("above 50", "below 25")}`` (which side of two thresholds the
    latest value clearly lies on, or neither) or ``{"change": True}`` (the change, up or down
    and whether significant, from the earliest wave compared with the latest in
    ``indicator_trends``, else from the previous wave; public series: the last two values)."""
    geo_labels = geo_labels or {}
    rows = _published(values, ind.id)
    if rows.empty:
        return None
    fields = _fields(rows.iloc[-1])
    changes = changes_of(trends)
    if check.get("change"):
        step = _earliest_change(ind, rows, changes)
        if step is None:
            return None
        d = _details(ind, fields, lang, geo_labels)
        key = (
            "change_none" if not step["significant"] else "change_up" if step["change"] > 0 else "change_down"
        )
        return WORDING[key + ("" if ind.is_survey else "_public")][lang].format(
            previous=step["previous"], change=_change(step["change"], ind, lang), **d
        )
    sides = []
    for text in check["sides"]:
        kind, threshold = parse_rule(text, f"check of {ind.id}")
        side = {"indicator": ind.id, "rule": kind, "threshold": threshold, "direction": "supports"}
        result, _ = evaluate(side, ind, rows, changes)
        if result == "supports":
            return rule_sentence(side, ind, fields, result, lang, geo_labels)
        worded = meaning(side, ind)
        assert worded is not None, f"rule {kind} of {ind.id} has no wording"
        sides.append(worded[lang])
    d = _details(ind, fields, lang, geo_labels)
    return _tidy(WORDING["neither"][lang].format(high=sides[0], low=sides[1], **d))


def _earliest_change(ind: Indicator, rows: pd.DataFrame, changes: Changes) -> dict | None:
    """The change from the earliest published wave that ``indicator_trends`` compares with the
    latest one (the first wave when first-to-last changes are published), else the previous."""
    for period in rows["period"].astype(str).iloc[:-1]:
        step = _change_row(ind, rows, changes, previous=period) if ind.is_survey else None
        if step is not None:
            return step
    return _change_row(ind, rows, changes)
