"""The project's version: written once, in pyproject.toml, and read from the installed metadata."""

from __future__ import annotations

from functools import cache
from importlib.metadata import PackageNotFoundError
from importlib.metadata import version as _installed_version

DISTRIBUTION = "sector-monitor"


@cache
def version() -> str:
    """The version of the installed ``sector-monitor`` distribution ('unknown' when the code runs
    without being installed, e.g. from an unpacked source tree)."""
    try:
        return _installed_version(DISTRIBUTION)
    except PackageNotFoundError:
        return "unknown"
