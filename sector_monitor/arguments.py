"""The command line's parser: argparse, with its help and its refusals in the user's language.

The help texts are English msgids of the gettext domain ``help`` (``h("...")``, extracted by
``scripts/i18n.sh``, translated in ``sector_monitor/locale/{fr,nl}/LC_MESSAGES/help.po``), and so
are argparse's own headings. argparse writes its error messages in English through the
process-wide gettext domain; setting that domain would change every other gettext user of the
process, so the parser translates the message it is about to print instead: each of argparse's
own messages (Python 3.11) is matched here and rewritten from the ``arg_*`` keys of the ``cli``
catalog. The language is the one of ``--lang`` on the command line, else ``$LANG``
(:func:`language_in`), chosen before the parser is built.
"""

from __future__ import annotations

import argparse
import functools
import re
import sys
from collections.abc import Callable, Sequence
from typing import Any, NoReturn

from core.i18n import LANGUAGES, gettext
from sector_monitor.i18n import LOCALE_DIR, Texts, user_language

ARGUMENT = r"argument (?P<arg>\S+): "
COMMAND = r"(?:command|\w+_command)"  # the dest of a subcommand (cli.py)
MESSAGES = [  # argparse's message (formatted) -> key in the cli catalog
    (rf"the following arguments are required: {COMMAND}", "arg_command_required"),
    (
        rf"argument {COMMAND}: invalid choice: (?P<value>.+) \(choose from (?P<choices>.+)\)",
        "arg_invalid_command",
    ),
    (r"the following arguments are required: (?P<names>.+)", "arg_required"),
    (r"one of the arguments (?P<names>.+) is required", "arg_one_required"),
    (r"unrecognized arguments: (?P<names>.+)", "arg_unrecognized"),
    (r"ambiguous option: (?P<option>\S+) could match (?P<matches>.+)", "arg_ambiguous"),
    (ARGUMENT + r"invalid choice: (?P<value>.+) \(choose from (?P<choices>.+)\)", "arg_invalid_choice"),
    (ARGUMENT + r"invalid (?P<type>\S+) value: (?P<value>.+)", "arg_invalid_value"),
    (ARGUMENT + r"expected one argument", "arg_expected_one"),
    (ARGUMENT + r"expected at least one argument", "arg_expected_some"),
    (ARGUMENT + r"not allowed with argument (?P<other>.+)", "arg_not_allowed"),
    (ARGUMENT + r"ignored explicit argument (?P<value>.+)", "arg_ignored_value"),
]
HELP_DOMAIN = "help"


def help_texts(lang: str) -> Callable[[str], str]:
    """``h``: an English help text in ``lang`` (the text itself when it has no translation)."""
    return gettext(lang, LOCALE_DIR, HELP_DOMAIN)


def language_in(argv: Sequence[str]) -> str:
    """The language asked for by ``--lang`` in ``argv`` as argparse reads it (the last one; a
    unique prefix such as ``--la`` too), else $LANG's."""
    reader = argparse.ArgumentParser(add_help=False, exit_on_error=False)
    reader.add_argument("--lang")
    try:
        found = reader.parse_known_args(argv)[0].lang
    except argparse.ArgumentError:  # --lang without a value: the real parser says so
        found = None
    return found if found in LANGUAGES else user_language()


def share(text: str) -> float:
    """A share from 0 to 1 (argparse refuses anything else as an "invalid share value")."""
    value = float(text)
    if not 0 <= value <= 1:
        raise ValueError(text)
    return value


def translated(message: str, t: Texts) -> str:
    """argparse's ``message`` in the language of ``t`` (as it is when it is not known here)."""
    for pattern, key in MESSAGES:
        if found := re.fullmatch(pattern, message):
            fields = found.groupdict()
            if fields.get("type") == "share":  # our own type: said in words
                fields["type"] = t("type_share")
            return t(key, **fields)
    return message


class Formatter(argparse.HelpFormatter):
    """argparse's help layout, with the usage heading given (argparse's is English)."""

    def __init__(self, prog: str, usage: str) -> None:
        super().__init__(prog)
        self.usage = usage

    def add_usage(self, usage: Any, actions: Any, groups: Any, prefix: str | None = None) -> None:
        super().add_usage(usage, actions, groups, self.usage if prefix is None else prefix)


class Parser(argparse.ArgumentParser):
    """An ArgumentParser (and its subcommands' parsers) whose help and refusals of bad input are
    in ``lang``; a refusal points to ``--help``. Its parents must be built in the same language
    (argparse merges their option groups by title)."""

    def __init__(
        self,
        prog: str | None = None,
        *,
        lang: str = "en",
        add_help: bool = True,
        parents: Sequence[Any] = (),
        **kwargs: Any,
    ) -> None:
        super().__init__(prog, add_help=False, **kwargs)
        self.lang = lang
        h = help_texts(self.lang)
        self._positionals.title = h("positional arguments")
        self._optionals.title = h("options")
        if add_help:
            self.add_argument(
                "-h",
                "--help",
                action="help",
                default=argparse.SUPPRESS,
                help=h("show this help message and exit"),
            )
        for parent in parents:  # after -h, as argparse does
            self._add_container_actions(parent)
            self._defaults.update(parent._defaults)

    def add_subparsers(self, **kwargs: Any) -> Any:
        """Subcommands' parsers in this parser's language."""
        kwargs.setdefault("parser_class", functools.partial(Parser, lang=self.lang))
        return super().add_subparsers(**kwargs)

    def _get_formatter(self) -> argparse.HelpFormatter:
        h = help_texts(self.lang)
        return Formatter(self.prog, h("usage: "))

    def error(self, message: str) -> NoReturn:
        t = Texts(self.lang)
        self.print_usage(sys.stderr)
        self.exit(2, f"{self.prog}: {t('error')} {translated(message, t)} {t('see_help', prog=self.prog)}\n")
