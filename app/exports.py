"""A feature package's public names, each imported from its module on first use (PEP 562).

A package's `__init__` lists what other packages may use; nothing is imported until asked
for, so entering a package costs no more than the module that holds the name. A name, once
looked up, is kept on the package: a test that patches it patches the package's attribute.
"""

from __future__ import annotations

import importlib
import sys
from collections.abc import Callable, Iterable, Mapping
from typing import Any


def lazy_exports(
    package: str, modules: Iterable[str] = (), names: Mapping[str, Iterable[str]] | None = None
) -> Callable[[str], Any]:
    """Return a package's `__getattr__` for its public `modules` and `names` by module."""
    table: dict[str, tuple[str, str | None]] = {m: (m, None) for m in modules}
    for module, attrs in (names or {}).items():
        table.update((attr, (module, attr)) for attr in attrs)

    def __getattr__(name: str) -> Any:
        try:
            module, attr = table[name]
        except KeyError:
            raise AttributeError(f"module {package!r} has no attribute {name!r}") from None
        value = importlib.import_module(f"{package}.{module}")
        if attr is not None:
            value = getattr(value, attr)
            setattr(sys.modules[package], name, value)  # the next lookup is a plain one
        return value

    return __getattr__
