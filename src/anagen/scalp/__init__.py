"""anagen.scalp."""
