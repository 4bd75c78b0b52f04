#!/usr/bin/env bash
# Install everything the tests need, run the static checks (ruff, ruff format, import layers,
# mypy), then the whole test suite.
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/bootstrap.sh test
scripts/lint.sh
exec .venv/bin/pytest -q "$@"
