"""etl package."""
