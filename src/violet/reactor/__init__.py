"""Reactor code: consumes prices through ports only (enforced by import-linter)."""
