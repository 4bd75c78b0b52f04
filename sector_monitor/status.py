"""What `sector-monitor status` reports: sources, row counts, last build, checksums."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from etl import snapshots
from warehouse.sql import connect_readonly


def snapshot_checks() -> list[dict[str, Any]]:
    """Verify every shipped snapshot against its manifest."""
    out = []
    root = snapshots.snapshots_dir()
    for manifest in sorted(root.glob("*/source.yaml")):
        source = snapshots.load_source(manifest.parent.name, root)
        for f in source.files:
            try:
                source.path(f.path)
                state = "ok"
            except snapshots.SnapshotError as exc:
                state = str(exc)
            out.append({"source_id": source.source_id, "file": f.path, "sha256": f.sha256, "status": state})
    return out


def collect(warehouse: Path) -> dict[str, Any]:
    report: dict[str, Any] = {
        "warehouse": str(warehouse),
        "exists": warehouse.exists(),
        "snapshots": snapshot_checks(),
    }
    if not warehouse.exists():
        return report
    con = connect_readonly(warehouse)

    def rows(sql: str) -> list[dict[str, Any]]:
        cur = con.execute(sql)
        names = [d[0] for d in cur.description]
        return [
            dict(
                zip(
                    names,
                    (str(v) if v is not None and not isinstance(v, int | float) else v for v in r),
                    strict=True,
                )
            )
            for r in cur.fetchall()
        ]

    report["build"] = rows("SELECT * FROM meta.build ORDER BY started_at DESC LIMIT 1")
    report["runs"] = rows(
        "SELECT step, status, rows_in, rows_out, started_at, ended_at, error "
        "FROM meta.etl_runs ORDER BY started_at"
    )
    report["sources"] = rows(
        "SELECT source_id, producer, retrieved_on, sha256 FROM public.sources ORDER BY source_id"
    )
    views = [
        r[0]
        for r in con.execute(
            "SELECT table_name FROM information_schema.tables WHERE table_schema = 'public' "
            "AND table_catalog = 'wh' ORDER BY 1"
        ).fetchall()
    ]
    report["public_rows"] = {
        v: con.execute(f'SELECT count(*) FROM public."{v}"').fetchall()[0][0] for v in views
    }
    con.close()
    return report
