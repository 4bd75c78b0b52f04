#!/usr/bin/env bash
# Install everything the tests need, then lint and run the whole test suite.
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/bootstrap.sh test
.venv/bin/ruff check .
.venv/bin/ruff format --check .
exec .venv/bin/pytest -q "$@"
