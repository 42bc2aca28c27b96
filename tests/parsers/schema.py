"""Check a value against one of the JSON schemas Codex generates (the draft-07 subset they use).

Codex's `app-server generate-json-schema` writes self-contained files: `$ref`s point into the
file's own `definitions`. The keywords they use are checked here; the rest (descriptions,
formats, defaults) say nothing about validity.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

SCHEMAS = Path(__file__).resolve().parent.parent / "data" / "codex_app_server"
_TYPES: dict[str, Any] = {
    "object": dict,
    "array": list,
    "string": str,
    "boolean": bool,
    "null": type(None),
    "integer": int,
    "number": (int, float),
}


def schema(name: str) -> dict[str, Any]:
    """Return the schema of tests/data/codex_app_server/`name`.json."""
    return dict(json.loads((SCHEMAS / f"{name}.json").read_text()))


def problems(value: Any, node: dict[str, Any], root: dict[str, Any], at: str = "$") -> list[str]:
    """Return where `value` breaks the schema `node` (of the file `root`); empty when valid."""
    if "$ref" in node:
        name = node["$ref"].rsplit("/", 1)[-1]
        return problems(value, root["definitions"][name], root, at)
    found: list[str] = []
    if "type" in node and not _typed(value, node["type"]):
        return [f"{at}: {value!r} is not {node['type']}"]
    if "enum" in node and value not in node["enum"]:
        found.append(f"{at}: {value!r} not in {node['enum']}")
    if "const" in node and value != node["const"]:
        found.append(f"{at}: {value!r} is not {node['const']!r}")
    for sub in node.get("allOf", []):
        found += problems(value, sub, root, at)
    for key in ("anyOf", "oneOf"):
        if key in node:
            fits = [not problems(value, sub, root, at) for sub in node[key]]
            if not any(fits) or (key == "oneOf" and sum(fits) != 1):
                found.append(f"{at}: {value!r} fits {sum(fits)} of {key}")
    if isinstance(value, dict):
        found += _object(value, node, root, at)
    if isinstance(value, list) and "items" in node:
        for i, item in enumerate(value):
            found += problems(item, node["items"], root, f"{at}[{i}]")
    return found


def _typed(value: Any, kind: str | list[str]) -> bool:
    kinds = [kind] if isinstance(kind, str) else kind
    if isinstance(value, bool):
        return "boolean" in kinds
    return any(isinstance(value, _TYPES[k]) for k in kinds)


def _object(
    value: dict[str, Any], node: dict[str, Any], root: dict[str, Any], at: str
) -> list[str]:
    found = [f"{at}: missing {k}" for k in node.get("required", []) if k not in value]
    properties = node.get("properties", {})
    for key, item in value.items():
        if key in properties:
            found += problems(item, properties[key], root, f"{at}.{key}")
        elif node.get("additionalProperties") is False:
            found.append(f"{at}: unexpected {key}")
    return found


def check(value: Any, name: str) -> list[str]:
    """Return where `value` breaks the schema file `name`; empty when valid."""
    root = schema(name)
    return problems(value, root, root)
