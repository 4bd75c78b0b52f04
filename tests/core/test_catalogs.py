"""Every gettext catalog is complete in FR/NL/EN and compiled from its current ``.po`` file."""

from __future__ import annotations

import argparse
import re
from collections.abc import Callable
from pathlib import Path
from typing import BinaryIO

import pytest
from babel.messages.catalog import Catalog
from babel.messages.mofile import read_mo
from babel.messages.pofile import read_po

from admin.i18n import DOMAIN as ADMIN_DOMAIN
from admin.i18n import LOCALE_DIR as ADMIN_LOCALE
from admin.views import AUDIT_ACTIONS, HTTP_MESSAGES
from core.i18n import LANGUAGES
from dashboard.i18n import LOCALE_DIR as DASHBOARD_LOCALE
from sector_monitor.arguments import HELP_DOMAIN
from sector_monitor.arguments import MESSAGES as ARGPARSE_MESSAGES
from sector_monitor.cli import parser
from sector_monitor.i18n import DOMAIN as CLI_DOMAIN
from sector_monitor.i18n import LOCALE_DIR as CLI_LOCALE

ROOT = Path(__file__).resolve().parents[2]
#: (surface, locale folder, domain, languages whose catalog translates every msgid)
SURFACES = [
    ("dashboard", DASHBOARD_LOCALE, "messages", ("fr", "nl")),  # English: the msgids themselves
    ("admin", ADMIN_LOCALE, ADMIN_DOMAIN, LANGUAGES),  # keyed msgids: every language has its text
    ("cli", CLI_LOCALE, CLI_DOMAIN, LANGUAGES),
    ("cli help", CLI_LOCALE, HELP_DOMAIN, ("fr", "nl")),  # English: the msgids themselves
]
UPLOAD_STATUSES = ("building", "ready", "refused", "unreadable", "failed")  # admin.staging.Upload


def _read(path: Path, reader: Callable[[BinaryIO], Catalog]) -> Catalog:
    with path.open("rb") as source:
        return reader(source)


def _texts(catalog: Catalog) -> dict[str, str]:
    return {str(m.id): str(m.string) for m in catalog if m.id}


@pytest.mark.parametrize(("surface", "folder", "domain", "complete"), SURFACES)
def test_catalog_is_complete_and_compiled(
    surface: str, folder: Path, domain: str, complete: tuple[str, ...]
) -> None:
    catalogs = {lang: _read(folder / lang / "LC_MESSAGES" / f"{domain}.po", read_po) for lang in LANGUAGES}
    ids = {lang: set(_texts(c)) for lang, c in catalogs.items()}
    assert all(i == ids["fr"] for i in ids.values()), f"{surface}: the languages have different msgids"
    for lang in complete:
        untranslated = sorted(k for k, v in _texts(catalogs[lang]).items() if not v.strip())
        assert not untranslated, (surface, lang, untranslated[:5])
    for lang, catalog in catalogs.items():
        assert not [m.id for m in catalog if m.id and m.fuzzy], (surface, lang, "fuzzy entries")
        compiled = _read(folder / lang / "LC_MESSAGES" / f"{domain}.mo", read_mo)
        expected = {k: v for k, v in _texts(catalog).items() if v}
        assert _texts(compiled) == expected, f"{surface}/{lang}: run scripts/i18n.sh compile"


def test_the_dashboard_catalogs_hold_every_extracted_string() -> None:
    template = set(_texts(_read(DASHBOARD_LOCALE / "messages.pot", read_po)))
    for lang in LANGUAGES:
        po = DASHBOARD_LOCALE / lang / "LC_MESSAGES" / "messages.po"
        assert set(_texts(_read(po, read_po))) == template, f"{lang}: run scripts/i18n.sh"


def test_every_key_the_admin_names_is_in_its_catalog() -> None:
    sources = [*sorted((ROOT / "admin" / "templates").rglob("*.html")), ROOT / "admin" / "views.py"]
    text = "\n".join(p.read_text(encoding="utf-8") for p in sources)
    used = set(re.findall(r"""\bt\(\s*['"]([a-z_]+)['"]\s*\)""", text))
    used |= set(re.findall(r"""text_for\([^)]*\)\(\s*['"]([a-z_]+)['"]\s*\)""", text))
    for loop in re.findall(r"{%\s*for key in \(([^)]*)\)", text):  # t(key) over a literal tuple
        used |= set(re.findall(r"'([a-z_]+)'", loop))
    used |= {f"status_{status}" for status in UPLOAD_STATUSES}  # t('status_' ~ upload.status)
    used |= {f"audit_{action}" for action in AUDIT_ACTIONS} | {"format_spreadsheet"}  # views.home
    used |= set(HTTP_MESSAGES.values())  # views.short_error
    keys = set(_texts(_read(ADMIN_LOCALE / "en" / "LC_MESSAGES" / f"{ADMIN_DOMAIN}.po", read_po)))
    assert len(used) > 40 and not used - keys, sorted(used - keys)


def test_the_command_line_names_exactly_the_keys_of_its_catalog() -> None:
    source = "\n".join(p.read_text(encoding="utf-8") for p in sorted((ROOT / "sector_monitor").glob("*.py")))
    used = set(re.findall(r"""(?:\bt|texts\(args\))\(\s*['"]([a-z_]+)['"]""", source))
    for columns in re.findall(r"columns = \(([^)]*)\)", source):  # t(f"col_{c}") over a literal tuple
        used |= {f"col_{c}" for c in re.findall(r'"([a-z_]+)"', columns)}
    used |= {key for _, key in ARGPARSE_MESSAGES}  # argparse's refusals, translated
    keys = set(_texts(_read(CLI_LOCALE / "en" / "LC_MESSAGES" / f"{CLI_DOMAIN}.po", read_po)))
    assert len(used) > 40 and used == keys, (sorted(used - keys), sorted(keys - used))


def _help_texts(command: argparse.ArgumentParser) -> set[str]:
    """Every help text of ``command`` and of its subcommands, their descriptions included."""
    found = {command.description} if command.description else set()
    for action in command._actions:
        if isinstance(action, argparse._SubParsersAction):
            found |= {choice.help for choice in action._choices_actions if choice.help}
            for sub in action.choices.values():
                found |= _help_texts(sub)
        elif action.help and action.help != argparse.SUPPRESS:
            found.add(action.help)
    return found


def test_every_help_text_of_the_command_line_is_translated() -> None:
    english = _help_texts(parser("en")) | {"usage: ", "options", "positional arguments"}
    catalog = _texts(_read(CLI_LOCALE / "fr" / "LC_MESSAGES" / f"{HELP_DOMAIN}.po", read_po))
    assert len(english) > 60 and not english - set(catalog), sorted(english - set(catalog))
    french = _help_texts(parser("fr"))
    assert {
        catalog[text] for text in english if text in catalog
    } >= french and "affiche cette aide et quitte" in french
