"""Write canonical answers as a KoboToolbox export (CSV or XLSX), as the tool itself does.

Used by the demo generator and by tests: group-path headers, the space-joined select_multiple
column plus one 0/1 column per option, ``_uuid``/``_submission_time``/``_index``/
``_validation_status``; optionally labels (headers and values) in one language. Synthetic data
(the demo generator's, the benchmarks') carries the tag :data:`SYNTHETIC_TAG` in ``_tags``, as a
Kobo user tags test submissions: the reader marks such a file synthetic wherever it is loaded.
"""

from __future__ import annotations

import csv
from pathlib import Path

import pandas as pd
from openpyxl import Workbook

from etl.survey.codebook import CODEBOOK, Codebook
from etl.survey.readers import SYNTHETIC_TAG

_TRAILING_META = (
    "_id",
    "_uuid",
    "_submission_time",
    "_validation_status",
    "_notes",
    "_status",
    "_submitted_by",
    "__version__",
    "_tags",
    "_index",
)


def label_values(values: pd.Series, codebook: Codebook, code: str, lang: str, joiner: str = " ") -> pd.Series:
    """Replace choice codes by their labels in ``lang`` (multi-selects joined by ``joiner``)."""
    choices = codebook.choices_of(code)
    names = {c.code: c.labels[lang] for c in choices.choices}
    return values.map(
        lambda v: v if pd.isna(v) else joiner.join(names.get(t, t) for t in v.split()),
        na_action="ignore",
    )


def kobo_table(
    answers: pd.DataFrame,
    codebook: Codebook = CODEBOOK,
    lang: str | None = None,
    separator: str = "/",
    synthetic: bool = False,
) -> pd.DataFrame:
    """Answers (codebook codes, ``_submitted_at``, ``_source_id``) -> Kobo export columns
    (``synthetic``: every row tagged :data:`SYNTHETIC_TAG`)."""

    def head(code: str, option: str | None = None) -> str:
        question = codebook.by_code[code]
        parts = question.group.split("/") if question.group else []
        if lang:
            parts = [codebook.groups[g][lang] for g in parts] + [question.labels[lang]]
        else:
            parts = [*parts, code]
        if option is not None:
            parts.append(codebook.choices_of(code).label(option, lang) if lang else option)
        return separator.join(parts)

    stamp = pd.to_datetime(answers["_submitted_at"])
    out: dict[str, pd.Series] = {
        "start": (stamp - pd.Timedelta(minutes=25)).dt.strftime("%Y-%m-%dT%H:%M:%S.000+01:00"),
        "end": (stamp - pd.Timedelta(minutes=1)).dt.strftime("%Y-%m-%dT%H:%M:%S.000+01:00"),
    }
    for question in codebook.questions:
        code, values = question.code, answers[question.code]
        if question.list_name and lang:
            out[head(code)] = label_values(values, codebook, code, lang)
        else:
            out[head(code)] = values
        if question.base_type == "select_multiple":
            tokens = values.fillna("").str.split()
            for option in codebook.choices_of(code).codes:
                ticked = tokens.map(lambda t, o=option: o in t)
                out[head(code, option)] = ticked.map({True: "1", False: "0"}).where(values.notna(), "")
    n = len(answers)
    out.update(
        {
            "_id": pd.Series(range(100_001, 100_001 + n), index=answers.index).astype(str),
            "_uuid": answers["_source_id"],
            "_submission_time": stamp.dt.strftime("%Y-%m-%dT%H:%M:%S"),
            "_validation_status": "",
            "_notes": "",
            "_status": "submitted_via_web",
            "_submitted_by": "",
            "__version__": "vSynth2024",
            "_tags": SYNTHETIC_TAG if synthetic else "",
            "_index": pd.Series(range(1, n + 1), index=answers.index).astype(str),
        }
    )
    return pd.DataFrame(out).fillna("")


def write_kobo_csv(
    answers: pd.DataFrame,
    path: Path,
    codebook: Codebook = CODEBOOK,
    lang: str | None = None,
    separator: str = "/",
    delimiter: str = ";",
    synthetic: bool = False,
) -> Path:
    """Write a Kobo CSV export: every field quoted, CRLF rows, UTF-8."""
    table = kobo_table(answers, codebook, lang, separator, synthetic)
    with Path(path).open("w", encoding="utf-8", newline="") as handle:
        writer = csv.writer(handle, delimiter=delimiter, quoting=csv.QUOTE_ALL, lineterminator="\r\n")
        writer.writerow(table.columns)
        writer.writerows(table.itertuples(index=False))
    return Path(path)


def write_kobo_xlsx(
    answers: pd.DataFrame, path: Path, codebook: Codebook = CODEBOOK, lang: str | None = None
) -> Path:
    """Write a Kobo XLSX export; numeric answers as numeric cells."""
    table = kobo_table(answers, codebook, lang)
    numeric = set(codebook.codes_of_type("integer", "decimal"))
    kinds = [str(c).rsplit("/", 1)[-1] in numeric for c in table.columns]
    workbook = Workbook()
    sheet = workbook.active
    sheet.append(list(table.columns))
    for row in table.itertuples(index=False):
        sheet.append([float(v) if is_num and v != "" else v for v, is_num in zip(row, kinds, strict=True)])
    workbook.save(path)
    return Path(path)
