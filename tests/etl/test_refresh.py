"""`build --refresh` against a local HTTP server serving recorded Eurostat responses."""

from __future__ import annotations

import http.server
import json
import shutil
import threading
from collections.abc import Iterator
from pathlib import Path

import duckdb
import pytest
import yaml
from support import ROOT

from etl.eurostat import API_BASE
from etl.snapshots import sha256_file
from pipeline.build import build

pytestmark = pytest.mark.slow  # end-to-end: left out of `make test-fast`

SCP19 = "eurostat_ilc_scp19_formal_informal_volunteering_2015_2022.jsonstat.json"


class Recorded(http.server.BaseHTTPRequestHandler):
    """Serves ``responses[path]`` (path with query); records request paths."""

    responses: dict[str, bytes] = {}
    seen: list[str] = []

    def do_GET(self) -> None:  # noqa: N802 (http.server API)
        self.seen.append(self.path)
        body = self.responses.get(self.path)
        if body is None:
            self.send_error(404)
            return
        self.send_response(200)
        self.send_header("Content-Type", "application/json")
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, *args: object) -> None:
        pass


def _request_path(origin: str) -> str:
    return origin.removeprefix(API_BASE)


def _scp19_path(root: Path) -> str:
    files = yaml.safe_load((root / "eurostat_ilc_scp19" / "source.yaml").read_text())["files"]
    return _request_path(next(f["origin"] for f in files if f["path"] == SCP19))


@pytest.fixture()
def eurostat_server(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> Iterator[type[Recorded]]:
    root = tmp_path / "snapshots"
    shutil.copytree(ROOT / "etl" / "snapshots", root)
    monkeypatch.setenv("SECTOR_MONITOR_SNAPSHOTS", str(root))
    Recorded.responses, Recorded.seen = {}, []
    for name in ("eurostat_ilc_scp19", "eurostat_ilc_scp21", "eurostat_demo_pjan"):
        for f in yaml.safe_load((root / name / "source.yaml").read_text())["files"]:
            Recorded.responses[_request_path(f["origin"])] = (root / name / f["path"]).read_bytes()
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Recorded)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    monkeypatch.setenv("SECTOR_MONITOR_EUROSTAT_API", f"http://127.0.0.1:{server.server_port}")
    yield Recorded
    server.shutdown()
    server.server_close()


def test_refresh_updates_snapshot_manifest_and_values(eurostat_server, tmp_path: Path) -> None:
    root = tmp_path / "snapshots"
    doc = json.loads((root / "eurostat_ilc_scp19" / SCP19).read_text())
    assert doc["value"]["0"] == 20.4  # BE formal volunteering 2015
    doc["value"]["0"] = 20.5  # a revised value published upstream
    eurostat_server.responses[_scp19_path(root)] = json.dumps(doc).encode()
    wh = tmp_path / "w.duckdb"
    build(wh, refresh=True)
    assert _scp19_path(root) in eurostat_server.seen
    assert len(eurostat_server.seen) == 4  # every Eurostat file of the three sources
    manifest = yaml.safe_load((root / "eurostat_ilc_scp19" / "source.yaml").read_text())
    entry = next(f for f in manifest["files"] if f["path"] == SCP19)
    assert entry["sha256"] == sha256_file(root / "eurostat_ilc_scp19" / SCP19)
    con = duckdb.connect(str(wh), read_only=True)
    value = con.execute(
        "SELECT value FROM public.statistics WHERE series = "
        "'eurostat_formal_volunteering' AND geo_code = 'BE' AND period = '2015'"
    ).fetchone()[0]
    sha = con.execute("SELECT sha256 FROM public.sources WHERE source_id = 'eurostat_ilc_scp19'").fetchone()[
        0
    ]
    con.close()
    assert value == 20.5
    assert entry["sha256"] in sha


def test_invalid_live_data_keeps_the_snapshot(eurostat_server, tmp_path: Path) -> None:
    root = tmp_path / "snapshots"
    before = sha256_file(root / "eurostat_ilc_scp19" / SCP19)
    eurostat_server.responses[_scp19_path(root)] = b'{"version": "2.0", "id": ["geo"], "size": [0]}'
    with pytest.raises(Exception, match="not valid") as err:
        build(tmp_path / "w.duckdb", refresh=True)
    assert "eurostat_ilc_scp19" in str(err.value)
    assert sha256_file(root / "eurostat_ilc_scp19" / SCP19) == before
    assert not (tmp_path / "w.duckdb").exists()


def test_unreachable_server_fails_with_the_url(
    eurostat_server, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    eurostat_server.responses.clear()  # every request answers 404
    with pytest.raises(Exception, match="refresh of eurostat_ilc_scp19") as err:
        build(tmp_path / "w.duckdb", refresh=True)
    assert "127.0.0.1" in str(err.value)
