"""TL3: expected values that cannot fail."""
