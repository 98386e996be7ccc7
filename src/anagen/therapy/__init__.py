"""anagen.therapy."""
