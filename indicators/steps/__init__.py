"""The indicators' build step (found by etl.runner.discover through etl/dag.yml)."""
