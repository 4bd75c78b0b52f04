"""Signing in and uploading through the admin area's forms (with their CSRF tokens)."""

from __future__ import annotations

import re
from pathlib import Path

USER, PASSWORD = "coordinator", "a long enough secret"


def csrf(client, path: str = "/admin/fr/login") -> str:
    return re.search(r'name="csrf_token" value="([^"]+)"', client.get(path).text).group(1)


def login(client, password: str = PASSWORD, lang: str = "fr"):
    return client.post(
        f"/admin/{lang}/login",
        data={"username": USER, "password": password, "csrf_token": csrf(client, f"/admin/{lang}/login")},
    )


def upload(
    client, file: Path, name: str | None = None, wave: str = "2024", lang: str = "fr", synthetic: str = ""
):
    with file.open("rb") as handle:
        return client.post(
            f"/admin/{lang}/uploads",
            data={
                "csrf_token": csrf(client, f"/admin/{lang}/"),
                "wave": wave,
                "format": "auto",
                "file": (handle, name or file.name),
                "synthetic": synthetic,  # "yes", "no", or "": as declared before
            },
        )
