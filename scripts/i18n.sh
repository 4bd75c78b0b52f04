#!/usr/bin/env bash
# Translations. Dashboard (domain messages): extract the strings, update the fr/nl/en catalogs.
# Command-line help (domain help, sector_monitor/locale): extract the h("...") texts, update the
# catalogs (English: the msgids themselves). Coordinator workspace (domain admin, admin/locale) and
# command-line messages (domain cli, sector_monitor/locale): keyed msgids, edited in the .po files.
# Then compile every catalog of both.
#   scripts/i18n.sh            extract + update + compile
#   scripts/i18n.sh compile    compile only (after editing a .po file)
set -euo pipefail
cd "$(dirname "$0")/.."
PYBABEL="${PYBABEL:-pybabel}"
PYTHON="${PYTHON:-python3}"
LOCALE=dashboard/locale
POT="$LOCALE/messages.pot"
if [[ "${1:-}" != "compile" ]]; then
    "$PYBABEL" extract --no-location --sort-output -F dashboard/babel.cfg -k _ \
        --project=sector-monitor -o "$POT" dashboard
    for lang in fr nl en; do
        if [[ -f "$LOCALE/$lang/LC_MESSAGES/messages.po" ]]; then
            "$PYBABEL" update --no-fuzzy-matching -i "$POT" -d "$LOCALE" -l "$lang"
        else
            "$PYBABEL" init -i "$POT" -d "$LOCALE" -l "$lang"
        fi
    done
    HELP_POT=sector_monitor/locale/help.pot
    "$PYBABEL" extract --no-location --sort-output --no-default-keywords -k h \
        --project=sector-monitor -o "$HELP_POT" sector_monitor/cli.py sector_monitor/arguments.py
    for lang in fr nl en; do
        if [[ -f "sector_monitor/locale/$lang/LC_MESSAGES/help.po" ]]; then
            "$PYBABEL" update --no-fuzzy-matching -D help -i "$HELP_POT" -d sector_monitor/locale -l "$lang"
        else
            "$PYBABEL" init -D help -i "$HELP_POT" -d sector_monitor/locale -l "$lang"
        fi
    done
fi
# Compiled with Babel's API rather than `pybabel compile`: its printf-placeholder check reads
# "95 % CI" as a placeholder (the dashboard only uses str.format), fails and exits 1.
"$PYTHON" - "$LOCALE" admin/locale sector_monitor/locale <<'PY'
import sys
from pathlib import Path

from babel.messages.mofile import write_mo
from babel.messages.pofile import read_po

for po in sorted(po for folder in sys.argv[1:] for po in Path(folder).glob("*/LC_MESSAGES/*.po")):
    with po.open("rb") as source:
        catalog = read_po(source)
    missing = sum(1 for m in catalog if m.id and not m.string)
    with po.with_suffix(".mo").open("wb") as target:
        write_mo(target, catalog)
    print(f"{po}: {len(catalog)} messages, {missing} untranslated")
PY
