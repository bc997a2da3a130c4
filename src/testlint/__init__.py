"""testlint: a linter for pytest suites that finds tests which prove nothing."""

__version__ = "0.1.0"
