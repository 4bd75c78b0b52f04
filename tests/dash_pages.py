"""The dashboard's pages as the browser asks for them (Dash's router callback), for app tests."""

from __future__ import annotations

import json
from urllib.parse import urlsplit

PAGES = (
    "",
    "/index",
    "/themes/funding",
    "/public-funding",
    "/themes/task-transfer",
    "/themes/support",
    "/themes/framework",
    "/themes/accessibility",
    "/themes/group-life",
    "/explorer",
    "/recommendations",
    "/statistics",
    "/methods",
    "/data",
)


def render(client, path: str) -> str:
    """The JSON of the page layout Dash's router returns for ``path`` (as the browser asks)."""
    url = urlsplit(path)
    body = {
        "output": ".._pages_content.children..._pages_store.data..",
        "outputs": [
            {"id": "_pages_content", "property": "children"},
            {"id": "_pages_store", "property": "data"},
        ],
        "inputs": [
            {"id": "_pages_location", "property": "pathname", "value": url.path},
            {"id": "_pages_location", "property": "search", "value": f"?{url.query}" if url.query else ""},
        ],
        "changedPropIds": ["_pages_location.pathname"],
        "state": [],
    }
    response = client.post("/_dash-update-component", json=body)
    assert response.status_code == 200, response.data[:300]
    return json.dumps(response.get_json(), ensure_ascii=False)
