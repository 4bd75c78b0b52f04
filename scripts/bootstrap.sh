#!/usr/bin/env bash
# Create .venv and install sector-monitor into it. Usage: scripts/bootstrap.sh [EXTRAS]
# With EXTRAS=test it also installs the system packages the tests need (Debian: chromium
# for the browser tests, pango for PDF notes, poppler-utils to read PDFs back).
set -euo pipefail
cd "$(dirname "$0")/.."
extras="${1:-}"
if [ "$extras" = "test" ] && command -v apt-get >/dev/null; then
  pkgs="chromium chromium-driver libpango-1.0-0 libpangoft2-1.0-0 libharfbuzz-subset0 libfontconfig1 fonts-dejavu-core fonts-liberation poppler-utils"
  missing=$(for p in $pkgs; do dpkg -s "$p" >/dev/null 2>&1 || echo "$p"; done)
  if [ -n "$missing" ]; then
    sudo=""; [ "$(id -u)" = 0 ] || sudo="sudo"
    $sudo apt-get update -qq
    DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq $missing >/dev/null
  fi
fi
python3 -m venv .venv
.venv/bin/python -m pip install -q --upgrade pip
if [ -n "$extras" ]; then
  .venv/bin/pip install -q -e ".[$extras]"
else
  .venv/bin/pip install -q -e .
fi
