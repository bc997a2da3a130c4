"""TL5: pytest wiring that silently does nothing (markers, imports, fixtures)."""
