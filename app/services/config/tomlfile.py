"""TOML text from the tables tomllib reads: how Orchard writes config.toml."""

from __future__ import annotations

import datetime as dt
import math
import re
from collections.abc import Mapping
from typing import Any

_BARE_KEY = re.compile(r"[A-Za-z0-9_-]+")
_ESCAPES = {
    ord('"'): '\\"',
    ord("\\"): "\\\\",
    ord("\b"): "\\b",
    ord("\t"): "\\t",
    ord("\n"): "\\n",
    ord("\f"): "\\f",
    ord("\r"): "\\r",
    **{c: f"\\u{c:04X}" for c in (*range(0x20), 0x7F) if chr(c) not in "\b\t\n\f\r"},
}


def dumps(data: Mapping[str, Any]) -> str:
    """Return `data` as TOML text (the subset tomllib produces: any parsed document)."""
    lines: list[str] = []
    _write_table(lines, (), data, header=None)
    return "\n".join(lines).strip("\n") + "\n"


def _write_table(
    lines: list[str], path: tuple[str, ...], table: Mapping[str, Any], header: str | None
) -> None:
    values = {k: v for k, v in table.items() if not _is_table(v) and not _is_table_array(v)}
    nested = [k for k in table if k not in values]
    if header is not None and (values or not nested or header == "[["):
        close = "]]" if header == "[[" else "]"
        lines += ["", f"{header}{'.'.join(_key(p) for p in path)}{close}"]
    lines += [f"{_key(k)} = {_value(v)}" for k, v in values.items()]
    for key in nested:
        child = table[key]
        if _is_table(child):
            _write_table(lines, (*path, key), child, header="[")
        else:
            for item in child:
                _write_table(lines, (*path, key), item, header="[[")


def _is_table(value: Any) -> bool:
    return isinstance(value, dict)


def _is_table_array(value: Any) -> bool:
    return isinstance(value, list) and bool(value) and all(isinstance(v, dict) for v in value)


def _key(key: str) -> str:
    return key if _BARE_KEY.fullmatch(key) else _string(key)


def _string(text: str) -> str:
    return '"' + text.translate(_ESCAPES) + '"'


def _value(value: Any) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int):
        return str(value)
    if isinstance(value, float):
        return _float(value)
    if isinstance(value, str):
        return _string(value)
    if isinstance(value, dt.date | dt.time):
        return value.isoformat()
    if isinstance(value, list):
        return "[" + ", ".join(_value(v) for v in value) + "]"
    if isinstance(value, dict):
        items = ", ".join(f"{_key(k)} = {_value(v)}" for k, v in value.items())
        return "{ " + items + " }" if items else "{}"
    raise TypeError(f"cannot write {type(value).__name__} to TOML")


def _float(value: float) -> str:
    if math.isnan(value):
        return "nan"
    if math.isinf(value):
        return "inf" if value > 0 else "-inf"
    return repr(value)
