"""The dashboard's gettext catalog and plotly's locales (languages and formats: :mod:`core.i18n`).

Strings are translated eagerly: a page builds its layout with ``_ = gettext_for(lang)`` and
``_("...")`` returns plain text (lazy strings would not be JSON serialisable for Dash).
Catalogs live in ``dashboard/locale/<lang>/LC_MESSAGES/messages.po`` and are compiled by
``scripts/i18n.sh``.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from functools import cache
from pathlib import Path

from core.i18n import gettext

LOCALE_DIR = Path(__file__).resolve().parent / "locale"
PLOTLY_LOCALE_DIR = Path(__file__).resolve().parent / "assets" / "vendor" / "plotly-locales"


def gettext_for(lang: str) -> Callable[[str], str]:
    """The eager ``gettext`` function of ``lang`` in the dashboard's catalog."""
    return gettext(lang, LOCALE_DIR)


@cache
def plotly_locale(lang: str) -> dict:
    """The plotly.js locale dictionary (menus, tooltips, dates) vendored for ``lang``."""
    path = PLOTLY_LOCALE_DIR / f"{lang}.json"
    return json.loads(path.read_text(encoding="utf-8")) if path.exists() else {}
