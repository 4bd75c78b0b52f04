#!/usr/bin/env bash
# Install, build the warehouse from the shipped data and serve the dashboard on 127.0.0.1:8050.
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/bootstrap.sh
exec .venv/bin/sector-monitor up "$@"
