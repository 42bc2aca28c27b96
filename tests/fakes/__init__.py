"""Fake servers that speak real wire formats, for tests."""
