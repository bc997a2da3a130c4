"""Adapters that run testlint inside other tools: flake8 (and, later, the language server)."""
