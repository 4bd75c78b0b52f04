"""etl/survey package."""
