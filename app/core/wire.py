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
from collections.abc import Callable, Mapping
from pathlib import Path
from typing import Any

TAG = "~"
# The modules whose dataclasses cross the API; a class elsewhere is refused on both sides.
MODULES = (
    "app.core.task",
    "app.core.landing",
    "app.core.diff",
    "app.core.forecast",
    "app.core.compare",
    "app.core.findings",
    "app.core.events",
    "app.core.profiles",
    "app.core.triage",
    "app.core.clusters",
    "app.core.suggestion",
    "app.core.train",
    "app.core.inbox",
)


class WireError(ValueError):
    """A value that cannot cross the API, or a reply that does not read back."""


def encode(value: Any) -> Any:
    """Return `value` as plain JSON types."""
    kind: Any = type(value)  # a class is hashable, whatever typeshed says of type[Any]
    return value if kind in _AS_IS else _encoder(kind)(value)


_AS_IS = frozenset({str, int, float, bool, type(None)})


@functools.cache
def _encoder(kind: type) -> Callable[[Any], Any]:
    """Return the function that encodes values of `kind`, built once per type (lists are long)."""
    if issubclass(kind, enum.Enum):
        return lambda v: v.value
    if issubclass(kind, Path):
        return str
    if dataclasses.is_dataclass(kind):
        name = kind.__name__
        if _classes().get(name) is not kind:
            raise WireError(f"{name} does not cross the local API")
        names = tuple(f.name for f in dataclasses.fields(kind))

        def fields(value: Any) -> dict[str, Any]:
            out: dict[str, Any] = {TAG: name}
            for field in names:
                item = getattr(value, field)
                out[field] = item if type(item) in _AS_IS else encode(item)
            return out

        return fields
    if issubclass(kind, Mapping):
        return lambda v: {str(k): encode(item) for k, item in v.items()}
    if issubclass(kind, list | tuple | set | frozenset):
        return lambda v: [item if type(item) in _AS_IS else encode(item) for item in v]
    raise WireError(f"a {kind.__name__} does not cross the local API")


Reader = Callable[[Any], Any]


def decode(data: Any, hint: Any = Any) -> Any:
    """Return the value `encode` made of `data`, read as `hint` says where JSON cannot."""
    return _reader(hint)(data)


def _identity(data: Any) -> Any:
    return data


def _plain(data: Any) -> Any:
    """Read JSON with no hint: tagged dataclasses anywhere, the rest as it is."""
    if isinstance(data, dict):
        return _dataclass(data) if TAG in data else {k: _plain(v) for k, v in data.items()}
    if isinstance(data, list):
        return [_plain(v) for v in data]
    return data


def _or_none(read: Reader) -> Reader:
    return lambda data: None if data is None else read(data)


@functools.cache
def _reader(hint: Any) -> Reader:
    """Return the function that reads JSON as `hint`, built once per hint (diffs are long)."""
    origin, args = typing.get_origin(hint), typing.get_args(hint)
    if hint in _SCALARS:
        return _identity
    if origin in (typing.Union, types.UnionType):
        inner = [a for a in args if a is not type(None)]
        read = _reader(inner[0]) if len(inner) == 1 else _plain
        return read if read is _identity else _or_none(read)
    if origin is tuple:
        if len(args) == 2 and args[1] is Ellipsis:
            item = _reader(args[0])
            return _or_none(tuple if item is _identity else lambda d: tuple(map(item, d)))
        readers = [_reader(a) for a in args]
        return _or_none(lambda d: tuple(r(v) for r, v in zip(readers, d, strict=True)))
    if origin in (list, set, frozenset):
        item, kind = _reader(args[0] if args else Any), origin
        return _or_none(lambda d: kind(map(item, d)))
    if origin in (dict, Mapping):
        value = _reader(args[1] if len(args) == 2 else Any)
        return _or_none(lambda d: {k: value(v) for k, v in d.items()})
    if isinstance(hint, type):
        return _class_reader(hint)
    return _plain


def _class_reader(cls: type) -> Reader:
    if issubclass(cls, tuple) and hasattr(cls, "_fields"):  # a NamedTuple, such as a diff row
        hints = typing.get_type_hints(cls)
        readers = [_reader(hints[name]) for name in cls._fields]
        make = cls._make  # type: ignore[attr-defined]
        return _or_none(lambda d: make([r(v) for r, v in zip(readers, d, strict=False)]))
    if issubclass(cls, enum.Enum | Path):
        return _or_none(cls)
    if dataclasses.is_dataclass(cls) and _classes().get(cls.__name__) is cls:
        return _or_none(_known_dataclass(cls))
    return _plain


def _known_dataclass(cls: type) -> Reader:
    """Return a reader of `cls` itself: its fields' readers looked up once, not per value."""
    name = cls.__name__
    readers = tuple(_field_readers(cls).items())

    def read(data: dict[str, Any]) -> Any:
        if data.get(TAG) != name:
            return _plain(data)
        return cls(
            **{k: data[k] if r is _identity else r(data[k]) for k, r in readers if k in data}
        )

    return read


def _dataclass(data: dict[str, Any]) -> Any:
    name = data[TAG]
    cls = _classes().get(name)
    if cls is None:
        raise WireError(f"the reply holds a {name!r}, which this Orchard does not know")
    readers = _field_readers(cls)
    return cls(**{k: readers[k](v) for k, v in data.items() if k in readers})


@functools.cache
def _field_readers(cls: type) -> dict[str, Reader]:
    hints = typing.get_type_hints(cls)
    return {f.name: _reader(hints[f.name]) for f in dataclasses.fields(cls) if f.init}


_SCALARS = frozenset({str, int, float, bool, type(None)})


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
