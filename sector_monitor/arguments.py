"""The command line's parser: argparse, with its refusals of bad input in the user's language.

argparse writes its error messages in English through the process-wide gettext domain; setting
that domain would change every other gettext user of the process, so the parser translates the
message it is about to print instead: each of argparse's own messages (Python 3.11) is matched
here and rewritten from the ``arg_*`` keys of the ``cli`` catalog. The language is the one of
``--lang`` on the command line, else ``$LANG`` (:func:`~sector_monitor.i18n.user_language`).
``--help`` stays in English.
"""

from __future__ import annotations

import argparse
import re
import sys
from collections.abc import Sequence
from contextvars import ContextVar
from typing import Any, NoReturn

from core.i18n import LANGUAGES
from sector_monitor.i18n import Texts, user_language

ARGUMENT = r"argument (?P<arg>\S+): "
MESSAGES = [  # argparse's message (formatted) -> key in the cli catalog
    (r"the following arguments are required: (?P<names>.+)", "arg_required"),
    (r"one of the arguments (?P<names>.+) is required", "arg_one_required"),
    (r"unrecognized arguments: (?P<names>.+)", "arg_unrecognized"),
    (r"ambiguous option: (?P<option>\S+) could match (?P<matches>.+)", "arg_ambiguous"),
    (ARGUMENT + r"invalid choice: (?P<value>.+) \(choose from (?P<choices>.+)\)", "arg_invalid_choice"),
    (ARGUMENT + r"invalid (?P<type>\S+) value: (?P<value>.+)", "arg_invalid_value"),
    (ARGUMENT + r"expected one argument", "arg_expected_one"),
    (ARGUMENT + r"expected at least one argument", "arg_expected_some"),
    (ARGUMENT + r"not allowed with argument (?P<other>.+)", "arg_not_allowed"),
]
_ARGV: ContextVar[Sequence[str]] = ContextVar("argv", default=())


def language_in(argv: Sequence[str]) -> str:
    """The language asked for by ``--lang xx`` or ``--lang=xx`` in ``argv``, else $LANG's."""
    for i, token in enumerate(argv):
        value = token.partition("=")[2] if token.startswith("--lang=") else None
        if token == "--lang" and i + 1 < len(argv):
            value = argv[i + 1]
        if value in LANGUAGES:
            return value
    return user_language()


def translated(message: str, t: Texts) -> str:
    """argparse's ``message`` in the language of ``t`` (as it is when it is not known here)."""
    for pattern, key in MESSAGES:
        if found := re.fullmatch(pattern, message):
            return t(key, **found.groupdict())
    return message


class Parser(argparse.ArgumentParser):
    """An ArgumentParser (and its subcommands' parsers) that refuses bad input in the user's
    language, pointing to the command's ``--help``."""

    def parse_args(self, args: Sequence[str] | None = None, namespace: Any = None) -> Any:  # type: ignore[override]
        token = _ARGV.set(sys.argv[1:] if args is None else list(args))
        try:
            return super().parse_args(args, namespace)
        finally:
            _ARGV.reset(token)

    def error(self, message: str) -> NoReturn:
        t = Texts(language_in(_ARGV.get()))
        self.print_usage(sys.stderr)
        self.exit(2, f"{self.prog}: {t('error')} {translated(message, t)} {t('see_help', prog=self.prog)}\n")
