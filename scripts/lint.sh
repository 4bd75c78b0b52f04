#!/usr/bin/env bash
# The static checks (no tests): ruff lint and format, the import layers, the types.
set -euo pipefail
cd "$(dirname "$0")/.."
.venv/bin/ruff check .
.venv/bin/ruff format --check .
.venv/bin/lint-imports
.venv/bin/mypy
