"""SYNTHETIC KoboToolbox CSV exports of any size (10k to millions of rows), for the benchmarks.

Usage: python -m benchmarks.scaled_exports --rows 1000000 --waves 2015 ... 2024 --out DIR
       [--seed 1] [--block 10000]

`etl.survey.demo` (the product's generator) is exact but slow (about 55 s per 100k rows), so
one base block per wave is generated with it (``--block`` associations, plus its ~2 %
resubmissions) and then tiled: each copy gets fresh, distinct enterprise numbers with valid
mod-97 check digits (heads ``1xxxxxxx``, disjoint from the demo's ``0998…``/``0999…``; an
association keeps its number across the waves of one copy, so the panel links), new ``_uuid``,
``_id``/``_index`` and submission times shifted by one second per copy. Rows are written in
chunks with pyarrow (every field quoted, ``;``, CRLF, UTF-8, as the Kobo writer of the product
does), so memory holds the base blocks and one copy. Deterministic for a given seed and block.
``--rows`` is the total over the waves, split evenly.
"""

from __future__ import annotations

import argparse
from collections.abc import Sequence
from pathlib import Path

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.csv as pacsv

from etl.survey.demo import demo_answers
from etl.survey.kobo_export import kobo_table

ROOT = Path(__file__).resolve().parent.parent

BLOCK = 10_000
HEAD_BASE = 10_000_000  # first eight digits of the generated numbers: 10000000-19999999
TIME_FORMAT = "%Y-%m-%dT%H:%M:%S"
WRITE_OPTIONS = pacsv.WriteOptions(
    delimiter=";", eol="\r\n", quoting_style="all_valid", quoting_header="all_valid", batch_size=4096
)


def enterprise_numbers(heads: np.ndarray) -> pa.Array:
    """10-digit Belgian enterprise numbers from 8-digit heads: last two = 97 - head mod 97."""
    text = pc.utf8_lpad(pa.array(heads.astype(str)), width=8, padding="0")
    check = pc.utf8_lpad(pa.array((97 - heads % 97).astype(str)), width=2, padding="0")
    return pc.binary_join_element_wise(text, check, "")


def _column(table: pa.Table, code: str) -> str:
    """The header of a question in a Kobo table (``group/…/code``)."""
    return next(c for c in table.column_names if c.rsplit("/", 1)[-1] == code)


def _shift(stamps: pa.ChunkedArray, seconds: int) -> pa.Array:
    """Kobo time strings (``YYYY-mm-ddTHH:MM:SS`` + optional suffix) moved by ``seconds``."""
    head = pc.utf8_slice_codeunits(stamps, 0, 19)
    tail = pc.utf8_slice_codeunits(stamps, 19)
    moved = pc.add(pc.strptime(head, format=TIME_FORMAT, unit="s"), pa.scalar(seconds, pa.duration("s")))
    return pc.binary_join_element_wise(pc.strftime(moved, format=TIME_FORMAT), tail, "")


def base_blocks(waves: Sequence[int], block: int, seed: int) -> dict[int, pa.Table]:
    """One Kobo table per wave from the product's demo generator (all columns strings)."""
    answers = demo_answers(tuple(waves), n=block, seed=seed)
    tables = {
        wave: pa.Table.from_pandas(kobo_table(frame, synthetic=True), preserve_index=False)
        for wave, frame in answers.items()
    }
    return {
        wave: t.cast(pa.schema([(name, pa.string()) for name in t.column_names]))
        for wave, t in tables.items()
    }


def tile(block: pa.Table, copy: int, first_row: int, numbers: dict[str, int], stride: int) -> pa.Table:
    """Copy number ``copy`` of a base block: fresh ids, uuids and shifted times."""
    org = _column(block, "org_id")
    index = np.array([numbers[v] for v in block[org].to_pylist()], dtype=np.int64)
    heads = HEAD_BASE + copy * stride + index
    rows = np.arange(first_row, first_row + block.num_rows)
    uuid = pc.binary_join_element_wise(
        pa.scalar(f"{copy:08x}"), pc.utf8_slice_codeunits(block["_uuid"], 8), ""
    )
    changes = {
        org: enterprise_numbers(heads),
        "_uuid": uuid,
        "_id": pa.array((100_001 + rows).astype(str)),
        "_index": pa.array((1 + rows).astype(str)),
        **{c: _shift(block[c], copy) for c in ("start", "end", "_submission_time")},
    }
    for name, values in changes.items():
        block = block.set_column(block.column_names.index(name), name, values)
    return block


def write_scaled_exports(
    out_dir: Path, rows: int, waves: Sequence[int] = (2024,), seed: int = 1, block: int = BLOCK
) -> list[Path]:
    """Write one synthetic Kobo CSV per wave, ``rows`` in total; returns the paths.

    Files already present (same name: waves, rows, seed and block) are kept as they are."""
    out_dir = Path(out_dir)
    out_dir.mkdir(parents=True, exist_ok=True)
    per_wave = [rows // len(waves) + (i < rows % len(waves)) for i in range(len(waves))]
    paths = [
        out_dir / f"synthetic_survey_{w}_{n}rows_s{seed}_b{block}_kobo.csv"
        for w, n in zip(waves, per_wave, strict=True)
    ]
    if all(p.exists() for p in paths):
        return paths
    blocks = base_blocks(waves, block, seed)
    orgs = sorted({v for t in blocks.values() for v in t[_column(t, "org_id")].to_pylist()})
    numbers = {v: i for i, v in enumerate(orgs)}
    copies = max(-(-n // t.num_rows) for n, t in zip(per_wave, blocks.values(), strict=True))
    if HEAD_BASE + copies * len(orgs) > 2 * HEAD_BASE:
        raise ValueError(f"{rows} rows need more than {HEAD_BASE:,} enterprise numbers: raise --block")
    for path, wave, wanted in zip(paths, waves, per_wave, strict=True):
        base = blocks[wave]
        partial = path.with_suffix(".part")
        with pacsv.CSVWriter(partial, base.schema, write_options=WRITE_OPTIONS) as writer:
            written, copy = 0, 0
            while written < wanted:
                chunk = tile(base, copy, written, numbers, len(orgs)).slice(0, wanted - written)
                writer.write_table(chunk)
                written, copy = written + chunk.num_rows, copy + 1
        partial.replace(path)
    return paths


def main() -> None:
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--rows", type=int, required=True, help="total rows over all waves")
    p.add_argument("--waves", type=int, nargs="+", default=[2024], help="survey years")
    p.add_argument("--seed", type=int, default=1)
    p.add_argument("--block", type=int, default=BLOCK, help="associations per generated base block")
    p.add_argument("--out", type=Path, required=True, help="folder for the CSV files")
    args = p.parse_args()
    for path in write_scaled_exports(args.out, args.rows, args.waves, args.seed, args.block):
        print(f"{path} ({path.stat().st_size / 1e6:.1f} MB)")


if __name__ == "__main__":
    main()
