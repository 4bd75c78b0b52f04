# Tasks of a working day. The README's two commands (scripts/run.sh, scripts/test.sh) need no make.
.PHONY: install run lint format typecheck test test-fast bench-quick

install:  ## .venv with the product and the test tools (apt: pango, fonts, chromium, nginx)
	bash scripts/bootstrap.sh test

run:  ## build the warehouse if missing or stale, then serve the dashboard on 127.0.0.1:8050
	.venv/bin/sector-monitor up

lint:  ## ruff, ruff format --check, lint-imports, mypy
	bash scripts/lint.sh

format:  ## rewrite the code in the house style
	.venv/bin/ruff format .
	.venv/bin/ruff check --fix .

typecheck:
	.venv/bin/mypy

test: lint  ## the whole suite, browser tests included (no bootstrap)
	.venv/bin/pytest -q

test-fast:  ## no browser, no slow end-to-end runs, no bootstrap: about a minute
	.venv/bin/pytest -q -m "not browser and not slow" -n 2 -p no:cacheprovider

bench-quick:  ## every benchmark at small sizes (BENCHMARKS.md tables regenerated)
	.venv/bin/python -m benchmarks.run_all --quick
