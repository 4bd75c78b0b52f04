#!/usr/bin/env bash
# Create .venv and install sector-monitor into it. Usage: scripts/bootstrap.sh [EXTRAS]
# Installs the system libraries the product needs at run time (Debian: pango and fonts for the
# PDF notes); with EXTRAS=test also those the tests need (chromium, poppler-utils, nginx).
set -euo pipefail
cd "$(dirname "$0")/.."
extras="${1:-}"
# What the product needs at run time (weasyprint: pango, harfbuzz, fontconfig; fonts for the PDF
# notes), and what only the tests need (Chromium for the browser tests, poppler to read PDFs,
# nginx in front of the replicas of tests/sector_monitor/test_replicas.py).
pkgs="libpango-1.0-0 libpangoft2-1.0-0 libharfbuzz-subset0 libfontconfig1 fonts-dejavu-core fonts-liberation"
if [ "$extras" = "test" ]; then
  pkgs="$pkgs chromium chromium-driver poppler-utils nginx-light"
fi
if command -v apt-get >/dev/null; then
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
