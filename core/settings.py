"""Every ``SECTOR_MONITOR_*`` environment variable, read in one place.

``settings()`` reads the environment each time it is called (cheap), so a test or a deployment
that changes a variable is seen by the next command; no other module reads these variables.

| variable | meaning | default |
|---|---|---|
| ``SECTOR_MONITOR_WAREHOUSE`` | the warehouse file | ``var/warehouse.duckdb`` |
| ``SECTOR_MONITOR_SNAPSHOTS`` | folder of the shipped data snapshots | ``etl/snapshots`` |
| ``SECTOR_MONITOR_KEEP_BUILDS`` | earlier builds kept for rollback (0: none) | 3 |
| ``SECTOR_MONITOR_PSEUDONYM_KEY`` | the pseudonymisation key (else a key file) | none |
| ``SECTOR_MONITOR_MAX_SURVEY_MB`` | the largest survey export read, in MB | none (the code's limit) |
| ``SECTOR_MONITOR_MAX_FAILING_SHARE`` | share of failing rows that refuses a file | 0.5 |
| ``SECTOR_MONITOR_EUROSTAT_API`` | another Eurostat API base (tests serve recordings) | none |
| ``SECTOR_MONITOR_ADMIN_USERS`` | the coordinators' accounts file | ``<warehouse dir>/admin/users.json`` |
| ``SECTOR_MONITOR_ADMIN_SECURE_COOKIE`` | ``1``: the admin cookie is sent over https only | off |
| ``SECTOR_MONITOR_DEBUG`` | any value: the CLI prints tracebacks | off |
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path

PREFIX = "SECTOR_MONITOR_"
DEFAULT_WAREHOUSE = Path("var/warehouse.duckdb")
DEFAULT_KEEP_BUILDS = 3
DEFAULT_MAX_FAILING_SHARE = 0.5


class SettingsError(ValueError):
    """A variable holds a value that cannot be used (named in the message)."""


@dataclass(frozen=True)
class Settings:
    warehouse: Path | None  # None: the default (or the --warehouse argument)
    snapshots: Path | None  # None: the snapshots shipped inside the package
    keep_builds: int
    pseudonym_key: bytes | None
    max_survey_mb: float | None
    max_failing_share: float
    eurostat_api: str | None
    admin_users: Path | None
    admin_secure_cookie: bool
    debug: bool

    @classmethod
    def from_env(cls, env: Mapping[str, str] | None = None) -> Settings:
        """The settings of ``env`` (default: ``os.environ``); blank values count as unset."""
        source = os.environ if env is None else env

        def get(name: str) -> str | None:
            value = source.get(PREFIX + name, "").strip()
            return value or None

        def number(name: str, default: float | None) -> float | None:
            value = get(name)
            if value is None:
                return default
            try:
                return float(value)
            except ValueError:
                raise SettingsError(f"${PREFIX}{name} must be a number, not {value!r}") from None

        def path(name: str) -> Path | None:
            value = get(name)
            return Path(value).expanduser() if value else None

        key = source.get(PREFIX + "PSEUDONYM_KEY")  # used as given: spaces are part of a key
        keep = number("KEEP_BUILDS", DEFAULT_KEEP_BUILDS)
        share = number("MAX_FAILING_SHARE", DEFAULT_MAX_FAILING_SHARE)
        return cls(
            warehouse=path("WAREHOUSE"),
            snapshots=path("SNAPSHOTS"),
            keep_builds=max(int(keep if keep is not None else DEFAULT_KEEP_BUILDS), 0),
            pseudonym_key=key.encode("utf-8") if key else None,
            max_survey_mb=number("MAX_SURVEY_MB", None),
            max_failing_share=share if share is not None else DEFAULT_MAX_FAILING_SHARE,
            eurostat_api=get("EUROSTAT_API"),
            admin_users=path("ADMIN_USERS"),
            admin_secure_cookie=get("ADMIN_SECURE_COOKIE") == "1",
            debug=get("DEBUG") is not None,
        )


def settings() -> Settings:
    """The current settings (read from the environment now)."""
    return Settings.from_env()
