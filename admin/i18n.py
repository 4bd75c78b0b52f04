"""Interface strings of the coordinator workspace: the gettext domain ``admin`` (fr, nl, en).

The msgids are keys (``t("logged_out")``) and every language, English included, has its
catalog in ``admin/locale/<lang>/LC_MESSAGES/admin.po``, compiled by ``scripts/i18n.sh``.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

from core.i18n import gettext

LOCALE_DIR = Path(__file__).resolve().parent / "locale"
DOMAIN = "admin"


def text_for(lang: str) -> Callable[[str], str]:
    """``t(key)``: the string ``key`` in ``lang`` (tests/core/test_catalogs.py checks every key used)."""
    return gettext(lang, LOCALE_DIR, DOMAIN)
