"""TL2: mocks instead of behaviour."""
