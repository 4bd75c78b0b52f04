"""The ETL steps: one folder per step (meta.yml, step.py), found by etl.runner.discover."""
