"""Core's values as JSON for the local API: dataclasses tagged by name, read back by field type.

A frozen dataclass travels as {"~": "LandCheck", field: value...}; tuples, enums, paths and
the rest are plain JSON, turned back into what the field's annotation says on the other side.
Only the classes of the modules named here can be read back: a reply names no code to run.
"""

from __future__ import annotations

import dataclasses
import enum
import functools
import importlib
import types
import typing
from collections.abc import Mapping
from pathlib import Path
from typing import Any

TAG = "~"
# The modules whose dataclasses cross the API; a class elsewhere is refused on both sides.
MODULES = (
    "app.core.task",
    "app.core.landing",
    "app.core.forecast",
    "app.core.compare",
    "app.core.findings",
    "app.core.events",
    "app.core.profiles",
)


class WireError(ValueError):
    """A value that cannot cross the API, or a reply that does not read back."""


def encode(value: Any) -> Any:
    """Return `value` as plain JSON types."""
    if value is None or isinstance(value, bool | int | float | str):
        return value
    if isinstance(value, enum.Enum):
        return value.value
    if isinstance(value, Path):
        return str(value)
    if dataclasses.is_dataclass(value) and not isinstance(value, type):
        name = type(value).__name__
        if _classes().get(name) is not type(value):
            raise WireError(f"{name} does not cross the local API")
        fields = dataclasses.fields(value)
        return {TAG: name, **{f.name: encode(getattr(value, f.name)) for f in fields}}
    if isinstance(value, Mapping):
        return {str(k): encode(v) for k, v in value.items()}
    if isinstance(value, list | tuple | set | frozenset):
        return [encode(v) for v in value]
    raise WireError(f"a {type(value).__name__} does not cross the local API")


def decode(data: Any, hint: Any = Any) -> Any:
    """Return the value `encode` made of `data`, read as `hint` says where JSON cannot."""
    if isinstance(data, dict) and TAG in data:
        return _dataclass(data)
    origin, args = typing.get_origin(hint), typing.get_args(hint)
    if origin in (typing.Union, types.UnionType):
        if data is None:
            return None
        return decode(data, next(a for a in args if a is not type(None)))
    if data is None:
        return None
    if origin is tuple:
        if len(args) == 2 and args[1] is Ellipsis:
            return tuple(decode(v, args[0]) for v in data)
        return tuple(decode(v, a) for v, a in zip(data, args or [Any] * len(data), strict=True))
    if origin in (list, set, frozenset):
        return origin(decode(v, args[0] if args else Any) for v in data)
    if isinstance(data, list):
        return [decode(v) for v in data]
    if isinstance(data, dict):
        value_hint = args[1] if origin in (dict, Mapping) and len(args) == 2 else Any
        return {k: decode(v, value_hint) for k, v in data.items()}
    if isinstance(hint, type) and issubclass(hint, enum.Enum | Path):
        return hint(data)
    return data


def _dataclass(data: dict[str, Any]) -> Any:
    name = data[TAG]
    cls = _classes().get(name)
    if cls is None:
        raise WireError(f"the reply holds a {name!r}, which this Orchard does not know")
    hints = _hints(cls)
    known = {f.name for f in dataclasses.fields(cls) if f.init}
    return cls(**{k: decode(v, hints[k]) for k, v in data.items() if k in known})


@functools.cache
def _hints(cls: type) -> dict[str, Any]:
    return typing.get_type_hints(cls)


@functools.cache
def _classes() -> dict[str, type]:
    found: dict[str, type] = {}
    for name in MODULES:
        module = importlib.import_module(name)
        for value in vars(module).values():
            is_class = dataclasses.is_dataclass(value) and isinstance(value, type)
            if is_class and value.__module__ == name:
                found[value.__name__] = value
    return found
