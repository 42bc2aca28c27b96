"""Imports point down only: core and services never import Qt or the window."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

APP = Path(__file__).resolve().parent.parent / "app"
FORBIDDEN = ("PySide6", "qasync", "app.qt", "shiboken6")


def _imports(path: Path) -> set[str]:
    tree = ast.parse(path.read_text(), str(path))
    names: set[str] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            names.update(a.name for a in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module:
            names.add(node.module)
    return names


@pytest.mark.parametrize("package", ["core", "services"])
def test_lower_layers_import_no_qt(package: str) -> None:
    offenders = {
        f"{path.relative_to(APP)}: {name}"
        for path in (APP / package).rglob("*.py")
        for name in _imports(path)
        if name.startswith(FORBIDDEN)
    }
    assert not offenders


def test_core_does_no_io_or_asyncio() -> None:
    io_modules = ("asyncio", "subprocess", "sqlite3", "sqlmodel", "app.services", "os")
    offenders = {
        f"{path.name}: {name}"
        for path in (APP / "core").rglob("*.py")
        for name in _imports(path)
        if name.split(".")[0] in io_modules or name.startswith("app.services")
    }
    assert not offenders


def test_check_would_catch_a_violation(tmp_path: Path) -> None:
    bad = tmp_path / "bad.py"
    bad.write_text("from PySide6.QtCore import QObject\n")
    assert any(n.startswith(FORBIDDEN) for n in _imports(bad))
