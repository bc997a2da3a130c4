"""TL7: dynamic evidence from running the tests (`testlint verify` only, never `check`)."""
