"""Cached read access to the warehouse's ``public`` schema: the only data the dashboard sees.

Query results are cached (Flask-Caching) under a key that includes ``Reader.version``, so a
rebuilt warehouse is picked up on the next request. A missing warehouse file or a view that
is not built yet is reported as "not available", never as an exception to the user.
"""

from __future__ import annotations

import hashlib
import threading
from collections.abc import Callable, Hashable
from typing import Any, TypeVar

import flask
import pandas as pd
from flask_caching import Cache

from core.i18n import LANGUAGES, country_name
from warehouse.reader import Reader

#: Public views the dashboard may show or offer for download, in display order.
PUBLIC_VIEWS: tuple[str, ...] = (
    "statistics",
    "series",
    "sources",
    "indicators",
    "indicator_values",
    "indicator_trends",
    "index_values",
    "index_components",
    "recommendations",
    "recommendation_evidence",
    "survey_responses_summary",
    "sampling_frame",
    "geography",
)
_EXTENSION_KEY = "sector_monitor_data"
_PIN = "sector_monitor_pinned_warehouse"  # flask.g key: (version, cursor) of the request
T = TypeVar("T")


class PublicData:
    """Read-only, cached queries on ``public`` views of one warehouse file."""

    def __init__(self, reader: Reader, cache: Cache) -> None:
        self.reader = reader
        self.cache = cache
        self._memo: dict[Hashable, Any] = {}
        self._memo_version: str | None = None
        self._memo_lock = threading.Lock()

    def memo(self, key: Hashable, compute: Callable[[], T]) -> T:
        """``compute()`` once per warehouse version and process (no pickling: for derived
        objects such as catalogues and whole page layouts, which are read-only)."""
        version = self.version()
        if version is None:
            return compute()
        with self._memo_lock:
            if version != self._memo_version:
                self._memo, self._memo_version = {}, version
            if key in self._memo:
                return self._memo[key]
        value = compute()
        with self._memo_lock:
            if version == self._memo_version:
                self._memo[key] = value
        return value

    def _pin(self) -> tuple[str, Any] | None:
        """The (version, cursor) this request reads: fixed at its first query, so every
        query of one request sees the same warehouse; outside a request, the current one."""
        if flask.has_request_context() and _PIN in flask.g:
            return flask.g.get(_PIN)
        try:
            pin = self.reader.pinned()
        except FileNotFoundError:
            pin = None
        if flask.has_request_context():
            setattr(flask.g, _PIN, pin)
        return pin

    def version(self) -> str | None:
        """The warehouse version, or None when no warehouse file exists yet."""
        pin = self._pin()
        return None if pin is None else pin[0]

    def query(self, sql: str, params: list[Any] | None = None) -> pd.DataFrame:
        """Run ``sql`` (on public views only) through the cache; empty frame without warehouse."""
        pin = self._pin()
        if pin is None:
            return pd.DataFrame()
        version, cursor = pin
        digest = hashlib.sha256(repr((sql, params)).encode()).hexdigest()
        key = f"q:{version}:{digest}"
        frame = self.cache.get(key)
        if frame is None:
            frame = (cursor.execute(sql, params) if params is not None else cursor.execute(sql)).df()
            self.cache.set(key, frame)
        return frame

    def columns(self) -> dict[str, list[tuple[str, str]]]:
        """``view -> [(column, type), ...]`` for every relation of schema ``public``."""

        def compute() -> dict[str, list[tuple[str, str]]]:
            frame = self.query(
                "SELECT table_name, column_name, data_type FROM information_schema.columns "
                "WHERE table_schema = 'public' ORDER BY table_name, ordinal_position"
            )
            out: dict[str, list[tuple[str, str]]] = {}
            for row in frame.itertuples(index=False):
                out.setdefault(row.table_name, []).append((row.column_name, row.data_type))
            return out

        return self.memo("columns", compute)

    def has_view(self, name: str) -> bool:
        """Whether ``public.<name>`` exists in the current warehouse."""
        return name in self.columns()

    def has_column(self, view: str, column: str) -> bool:
        """Whether ``public.<view>`` exists and has ``column``."""
        return any(c == column for c, _ in self.columns().get(view, []))

    def localised(self, view: str, column: str, lang: str) -> str:
        """``<column>_<lang>`` when ``public.<view>`` has it (a title in the reader's language),
        else ``column`` (a warehouse built before it)."""
        return f"{column}_{lang}" if self.has_column(view, f"{column}_{lang}") else column

    def view(self, name: str) -> pd.DataFrame | None:
        """Every row of a whitelisted public view, or None when it is not built yet."""
        if name not in PUBLIC_VIEWS or not self.has_view(name):
            return None
        return self.query(f"SELECT * FROM public.{name}")

    def geo_names(self, lang: str) -> dict[str, str]:
        """``geo_code -> name`` in ``lang``: countries named by Babel, Belgian units by
        ``public.geography`` when built, else the English label of ``public.statistics``."""
        return self.memo(("geo_names", lang), lambda: self._geo_names(lang))

    def _geo_names(self, lang: str) -> dict[str, str]:
        if lang in LANGUAGES and self.has_column("geography", f"label_{lang}"):
            frame = self.query(f"SELECT geo_code, level, iso2, label_{lang} AS label FROM public.geography")
            return {
                r.geo_code: country_name(r.iso2, lang, r.label)
                if r.level == "country" and isinstance(r.iso2, str)
                else r.label
                for r in frame.itertuples(index=False)
            }
        if not self.has_view("statistics"):
            return {}
        frame = self.query("SELECT DISTINCT geo_code, geo_label FROM public.statistics")
        return {
            r.geo_code: country_name(r.geo_code, lang, r.geo_label)
            if len(r.geo_code) == 2
            else (r.geo_label or r.geo_code)
            for r in frame.itertuples(index=False)
        }

    def survey_is_synthetic(self) -> bool:
        """Whether any survey figure shown comes from synthetic (demo or test) data."""
        return self.memo("synthetic", self._survey_is_synthetic)

    def _survey_is_synthetic(self) -> bool:
        for view in ("survey_responses_summary", "indicator_values"):
            if self.has_column(view, "synthetic"):
                frame = self.query(f"SELECT coalesce(bool_or(synthetic), false) AS s FROM public.{view}")
                if not frame.empty and bool(frame["s"].iloc[0]):
                    return True
        return False


def install(server: flask.Flask, data: PublicData) -> None:
    """Attach ``data`` to the Flask app so pages and routes find it via ``current_data``."""
    server.extensions[_EXTENSION_KEY] = data

    @server.teardown_request
    def close_pinned_cursor(_exc: BaseException | None) -> None:
        pin = flask.g.pop(_PIN, None)
        if pin is not None:
            pin[1].close()


def current_data() -> PublicData:
    """The ``PublicData`` of the app serving the current request."""
    return flask.current_app.extensions[_EXTENSION_KEY]
