#!/usr/bin/env bash
# Dashboard translations: extract the strings, update fr/nl/en catalogs, compile them.
#   scripts/i18n.sh            extract + update + compile
#   scripts/i18n.sh compile    compile only (after editing a .po file)
set -euo pipefail
cd "$(dirname "$0")/.."
PYBABEL="${PYBABEL:-pybabel}"
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
fi
"$PYBABEL" compile -d "$LOCALE" --statistics
