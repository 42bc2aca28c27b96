"""Write Orchard's config.toml, and check that an agent's program is installed."""

from __future__ import annotations

import datetime as dt
import math
import os
import re
import shutil
import tomllib
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from app.core.profiles import AgentProfile
from app.services import process
from app.services.atomicfile import write_atomically
from app.services.config import SECRET_KEYS, ConfigError, Home, default_profiles
from app.services.secrets import SecretsError, SecretStore

CHECK_TIMEOUT = 10.0

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


# saving


def save_settings(home: Home, parallel: int, profiles: dict[str, AgentProfile]) -> None:
    """Write `parallel` and the profiles' differences from the built-ins to config.toml."""
    if parallel < 1:
        raise ValueError("parallel must be at least 1")
    data = _read_existing(home.config)
    data["settings"] = {**_table(data.get("settings")), "parallel": parallel}
    data["agents"] = agent_tables(profiles)
    text = dumps(data)
    tomllib.loads(text)  # never write a file Orchard could not read back
    write_atomically(home.config, text.encode("utf-8"))


def move_secrets(home: Home, data: dict[str, Any], store: SecretStore) -> list[str]:
    """Move clear-text secrets from config.toml into `store`; return one notice per move."""
    notices, moved = [], False
    for (table, key), name in SECRET_KEYS.items():
        section = data.get(table)
        value = section.get(key) if isinstance(section, dict) else None
        if not isinstance(value, str) or not value.strip():
            continue
        try:
            where = store.set(name, value.strip()).where
        except SecretsError as exc:
            notices.append(f"[{table}] {key} stays in clear in {home.config}: {exc}")
            continue
        del section[key]  # type: ignore[union-attr]
        if not section:
            del data[table]  # no empty [github] left behind
        moved = True
        notices.append(f"moved [{table}] {key} out of {home.config} into {where}")
    if moved:
        text = dumps(data)
        tomllib.loads(text)
        write_atomically(home.config, text.encode("utf-8"))
    return notices


def agent_tables(profiles: Mapping[str, AgentProfile]) -> dict[str, dict[str, Any]]:
    """Return the [agents.*] tables: what differs from each built-in, or all of a new agent."""
    builtins = default_profiles()
    tables: dict[str, dict[str, Any]] = {}
    for name, profile in profiles.items():
        base = builtins.get(name)
        table = _profile_table(profile) if base is None else _override_table(profile, base)
        if table:
            tables[name] = table
    return tables


def _profile_table(profile: AgentProfile) -> dict[str, Any]:
    table: dict[str, Any] = {
        "argv": list(profile.argv),
        "format": profile.output.value,
        "prompt_via": profile.prompt_via,
        "timeout": _timeout_value(profile.timeout),
    }
    if profile.env:
        table["env"] = dict(profile.env)
    if profile.install_hint:
        table["install_hint"] = profile.install_hint
    if profile.resume_argv:
        table["resume_argv"] = list(profile.resume_argv)
    if not profile.followup_context:
        table["followup_context"] = False
    if profile.sandbox:
        table["sandbox"] = profile.sandbox
    return table


def _override_table(profile: AgentProfile, base: AgentProfile) -> dict[str, Any]:
    table: dict[str, Any] = {}
    if profile.argv != base.argv:
        table["argv"] = list(profile.argv)
    # The loader merges env over the built-in's, so only changed keys need writing.
    env = {k: v for k, v in profile.env.items() if base.env.get(k) != v}
    if env:
        table["env"] = env
    if profile.output != base.output:
        table["format"] = profile.output.value
    if profile.timeout != base.timeout:
        table["timeout"] = _timeout_value(profile.timeout)
    if profile.prompt_via != base.prompt_via:
        table["prompt_via"] = profile.prompt_via
    if profile.install_hint != base.install_hint:
        table["install_hint"] = profile.install_hint
    # The loader drops a built-in's resume_argv when argv is set, so say it again then.
    if profile.resume_argv != base.resume_argv or "argv" in table:
        table["resume_argv"] = list(profile.resume_argv)
    if profile.followup_context != base.followup_context:
        table["followup_context"] = profile.followup_context
    if profile.sandbox != base.sandbox:
        table["sandbox"] = profile.sandbox or "none"
    return table


def _timeout_value(timeout: float | None) -> int | float:
    if timeout is None:
        return 0  # config.toml spells "no timeout" as 0
    return int(timeout) if float(timeout).is_integer() else timeout


def _read_existing(path: Path) -> dict[str, Any]:
    try:
        text = path.read_text(encoding="utf-8")
    except FileNotFoundError:
        return {}
    try:
        return tomllib.loads(text)
    except (tomllib.TOMLDecodeError, UnicodeDecodeError) as exc:
        # Rewriting would lose whatever the user has there; let them fix it first.
        raise ConfigError(f"{path}: {exc}") from None


def _table(value: Any) -> dict[str, Any]:
    return dict(value) if isinstance(value, dict) else {}


# TOML writing


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


# checking an agent


@dataclass(frozen=True, slots=True)
class AgentCheck:
    """What checking an agent found: `ok` when its program exists and starts."""

    name: str
    ok: bool
    path: str | None
    version: str | None
    message: str


async def check_agent(profile: AgentProfile, env: dict[str, str] | None = None) -> AgentCheck:
    """Find the profile's program on PATH and ask it for its version."""
    full_env = {**(os.environ if env is None else env), **profile.env}
    if not profile.argv or not profile.argv[0].strip():
        return AgentCheck(profile.name, False, None, None, "the agent has no program to run")
    program = profile.argv[0]
    path = shutil.which(program, path=full_env.get("PATH", os.defpath))
    if path is None:
        return AgentCheck(profile.name, False, None, None, _missing(profile, program))
    try:
        result = await process.run([path, "--version"], env=full_env, timeout=CHECK_TIMEOUT)
    except TimeoutError:
        note = f"found {path}, but `{program} --version` gave no answer in {CHECK_TIMEOUT:g} s"
        return AgentCheck(profile.name, True, path, None, note)
    except OSError as exc:
        note = f"found {path}, but it cannot be started: {exc.strerror or exc}"
        return AgentCheck(profile.name, False, path, None, note)
    return _checked(profile.name, path, program, result)


def _missing(profile: AgentProfile, program: str) -> str:
    hint = f"; {profile.install_hint}" if profile.install_hint else ""
    return f"`{program}` is not installed or not on PATH{hint}"


def _checked(name: str, path: str, program: str, result: process.ProcessResult) -> AgentCheck:
    line = _first_line(result.text) or _first_line(result.error_text)
    if result.returncode == 0 and line:
        return AgentCheck(name, True, path, line, f"{path}: {line}")
    detail = f": {line}" if line else ""
    note = f"found {path}, but `{program} --version` exited {result.returncode}{detail}"
    return AgentCheck(name, True, path, None, note)


def _first_line(text: str) -> str:
    return next((s.strip() for s in text.splitlines() if s.strip()), "")
