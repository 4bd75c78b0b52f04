"""Downloads of the explorer's current view: CSV with ``#`` metadata lines, XLSX with a data
sheet and a metadata sheet. Suppressed cells carry no estimate, error or interval."""

from __future__ import annotations

import io
from datetime import date

import pandas as pd
from openpyxl import Workbook
from openpyxl.styles import Font

from dashboard.explorer_data import ExplorerView
from exports.csv_safety import neutralise


def view_metadata(view: ExplorerView) -> list[tuple[str, str]]:
    """``(name, value)`` pairs: title, selection, unit, definition, notes, sources, citation."""
    meta = [
        ("title", view.title),
        ("selection", view.key),
        ("breakdown", view.breakdown),
        ("period", view.period),
        ("unit", view.unit),
        ("synthetic", str(view.synthetic)),
        ("downloaded", date.today().isoformat()),
    ]
    if view.info is not None:
        meta += [
            ("definition", str(view.info["description"] or "")),
            ("questions", str(view.info["questions"] or "")),
        ]
    meta += [("note", n) for n in view.notes]
    for src in view.sources.itertuples(index=False):
        meta += [
            ("source", f"{src.title} ({src.producer}) {src.url}"),
            ("licence", str(src.licence)),
            ("citation", str(src.citation)),
        ]
    return [(name, " ".join(str(value).split())) for name, value in meta]


def view_rows(view: ExplorerView) -> pd.DataFrame:
    """The rows of the view, suppressed cells without any number but n."""
    frame = view.frame.copy()
    frame.loc[frame["flag"] == "suppressed", ["estimate", "ci_low", "ci_high"]] = None
    return frame


def view_csv(view: ExplorerView) -> str:
    """The view as CSV: ``# name: value`` metadata lines, then the rows."""
    lines = io.StringIO()
    for name, value in view_metadata(view):
        lines.write(f"# {name}: {value}\n")
    neutralise(view_rows(view)).to_csv(lines, index=False, lineterminator="\n")
    return lines.getvalue()


def view_xlsx(view: ExplorerView) -> bytes:
    """The view as an XLSX workbook: sheet ``data`` (the rows) and sheet ``metadata``."""
    book = Workbook()
    sheet = book.active
    sheet.title = "data"
    rows = neutralise(view_rows(view)).astype(object)
    rows = rows.where(rows.notna(), None)
    sheet.append(list(rows.columns))
    for record in rows.itertuples(index=False):
        sheet.append(list(record))
    for cell in sheet[1]:
        cell.font = Font(bold=True)
    meta = book.create_sheet("metadata")
    meta.append(["field", "value"])
    for name, value in view_metadata(view):
        meta.append([name, "'" + value if value.startswith(("=", "+", "-", "@")) else value])
    meta.column_dimensions["B"].width = 100
    buffer = io.BytesIO()
    book.save(buffer)
    return buffer.getvalue()
