"""Fault tests: each fault is done for real (SIGKILL, files deleted by hand, garbage written)."""

from __future__ import annotations

import pytest


def pytest_configure(config: pytest.Config) -> None:
    config.addinivalue_line(
        "markers", "slow: a fault test that runs many real agents (deselect with -m 'not slow')"
    )
