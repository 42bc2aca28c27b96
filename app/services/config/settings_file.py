"""Write Orchard's config.toml, and check that an agent's program is installed."""

from __future__ import annotations

import os
import shutil
import tomllib
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from app.core.profiles import AgentCheck as AgentCheck
from app.core.profiles import AgentProfile
from app.services import process
from app.services.config.atomicfile import write_atomically
from app.services.config.secrets import KNOWN, SecretsError, SecretStore
from app.services.config.settings import ConfigError, Home, default_profiles
from app.services.config.tomlfile import dumps

CHECK_TIMEOUT = 10.0


# saving


def save_settings(
    home: Home, parallel: int, profiles: dict[str, AgentProfile], theme: str | None = None
) -> None:
    """Write `parallel`, the theme and the agents that differ from the built-ins to config.toml."""
    if parallel < 1:
        raise ValueError("parallel must be at least 1")
    data = _read_existing(home.config)
    data["settings"] = {**_table(data.get("settings")), "parallel": parallel}
    if theme is not None:
        data["settings"]["theme"] = theme
    data["agents"] = agent_tables(profiles)
    _write(home, data)


def _write(home: Home, data: dict[str, Any]) -> None:
    text = dumps(data)
    tomllib.loads(text)  # never write a file Orchard could not read back
    write_atomically(home.config, text.encode("utf-8"))


def save_more_settings(home: Home, tables: Mapping[str, Mapping[str, Any]]) -> None:
    """Merge keys into config.toml's [triage], [github], [llm] and [settings]; "" drops a key."""
    data = _read_existing(home.config)
    for name, values in tables.items():
        if name not in EDITABLE:
            raise ValueError(f"[{name}] cannot be set here")
        table = _table(data.get(name))
        for key, value in values.items():
            if key not in EDITABLE[name]:
                raise ValueError(f"{name}.{key} cannot be set here")
            if value == "" or value is None:
                table.pop(key, None)
            else:
                table[key] = value
        data[name] = table
    _write(home, {k: v for k, v in data.items() if v != {}})


def save_secrets(home: Home, values: Mapping[str, str]) -> list[str]:
    """Store tokens and keys (keyring first); return where each went, one line each."""
    store, where = SecretStore(home.root), []
    for name, value in values.items():
        if name not in KNOWN:
            raise ValueError(f"unknown secret {name!r}: it is one of {', '.join(KNOWN)}")
        try:
            where.append(f"{name} in {store.set(name, value.strip()).where}")
        except SecretsError as exc:
            raise ValueError(str(exc)) from None
    return where


# What the settings dialog may change besides the agents, table by table.
EDITABLE = {
    "triage": ("categories", "owners", "templates"),
    "github": ("api_url",),
    "llm": ("base_url", "model"),
    "settings": ("min_free_memory_mb",),
}


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


# checking an agent


async def check_agent(profile: AgentProfile, env: dict[str, str] | None = None) -> AgentCheck:
    """Find the profile's program on PATH and ask it for its version."""
    full_env = {**(os.environ if env is None else env), **profile.env}
    found = locate_agent(profile, full_env)
    if not found.ok or found.path is None:
        return found
    program, path = profile.argv[0], found.path
    try:
        result = await process.run([path, "--version"], env=full_env, timeout=CHECK_TIMEOUT)
    except TimeoutError:
        note = f"found {path}, but `{program} --version` gave no answer in {CHECK_TIMEOUT:g} s"
        return AgentCheck(profile.name, True, path, None, note)
    except OSError as exc:
        note = f"found {path}, but it cannot be started: {exc.strerror or exc}"
        return AgentCheck(profile.name, False, path, None, note)
    return _checked(profile.name, path, program, result)


def locate_agent(profile: AgentProfile, env: Mapping[str, str]) -> AgentCheck:
    """Find the profile's program on the PATH of `env`, without starting it."""
    if not profile.argv or not profile.argv[0].strip():
        return AgentCheck(profile.name, False, None, None, "the agent has no program to run")
    program = profile.argv[0]
    path = shutil.which(program, path=env.get("PATH", os.defpath))
    if path is None:
        return AgentCheck(profile.name, False, None, None, _missing(profile, program))
    return AgentCheck(profile.name, True, path, None, f"found {path}")


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
