"""TL1: assertions that prove nothing."""
