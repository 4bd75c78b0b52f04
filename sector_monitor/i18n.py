"""Messages of the command line: the gettext domain ``cli`` (fr, nl, en).

The msgids are keys (``t("built", path=...)``) whose texts have ``{name}`` placeholders
(``str.format``); every language, English included, has its catalog in
``sector_monitor/locale/<lang>/LC_MESSAGES/cli.po``, compiled by ``scripts/i18n.sh``. The language
is ``--lang``, else the one of ``$LANG`` (``fr_BE.UTF-8`` -> fr), else English.
"""

from __future__ import annotations

import os
from pathlib import Path

from core.i18n import format_number, gettext, language_of_locale

LOCALE_DIR = Path(__file__).resolve().parent / "locale"
DOMAIN = "cli"


def user_language(explicit: str | None = None) -> str:
    """The language of messages: ``explicit`` (--lang), else $LANG, else English."""
    return language_of_locale(explicit or os.environ.get("LANG"), default="en")


class Texts:
    """The command line's messages in one language."""

    def __init__(self, lang: str) -> None:
        self.lang = lang
        self._gettext = gettext(lang, LOCALE_DIR, DOMAIN)

    def __call__(self, key: str, **values: object) -> str:
        """The message ``key`` with its placeholders filled in."""
        return self._gettext(key).format(**values)

    def number(self, value: float, decimals: int = 0) -> str:
        """``value`` written the language's way (``1 234,5`` in French)."""
        return format_number(value, self.lang, decimals)
