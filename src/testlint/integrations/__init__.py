"""Adapters that run testlint inside other tools: flake8, pytest and the language server."""
