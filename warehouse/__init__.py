"""The DuckDB warehouse: its file location, DDL, atomic rebuild and read access."""
