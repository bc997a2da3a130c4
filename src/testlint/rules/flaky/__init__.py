"""TL6: flaky or noisy tests (sleeps, unseeded randomness, swallowed failures, duplicates)."""
