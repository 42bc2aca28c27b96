"""Orchard's home folder and its config.toml."""

from __future__ import annotations

import logging
import tomllib
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any

from app.core.budget import BudgetSettings
from app.core.profiles import (
    BUILTIN_PROFILES,
    AgentProfile,
    OutputFormat,
    ProfileError,
    profile_from_table,
)
from app.core.triage import DEFAULT_CATEGORIES
from app.installation import locate_home, module_argv
from app.services.config.atomicfile import write_atomically
from app.services.config.budgets import BudgetConfigError, budget_from
from app.services.config.secrets import SecretsError, SecretStore
from app.services.config.tomlfile import dumps

DEFAULT_PARALLEL = 4
THEMES = ("system", "light", "dark")
DEFAULT_MIN_FREE_MEMORY_MB = 2048
DEFAULT_IDLE_EXIT_SECONDS = 600
# (table, key) in config.toml -> the name its value is kept under in the secrets store
SECRET_KEYS = {("github", "token"): "github.token", ("llm", "api_key"): "llm.api_key"}
log = logging.getLogger(__name__)
RESERVE_BYTES = 2 * 1024 * 1024


class ConfigError(ValueError):
    """config.toml cannot be read; the message says where and why."""


@dataclass(frozen=True, slots=True)
class Home:
    """Where Orchard keeps its database, config, logs and worktrees."""

    root: Path

    @classmethod
    def locate(cls, explicit: str | None = None) -> Home:
        """Pick the home: --home, then $ORCHARD_HOME, then the platform's data folder."""
        return cls(locate_home(explicit))

    def ensure(self) -> Home:
        """Create the home's folders if they are missing."""
        for path in (self.root, self.logs, self.worktrees, self.agent_state):
            path.mkdir(parents=True, exist_ok=True)
        self._keep_reserve()
        return self

    def _keep_reserve(self) -> None:
        # A ballast file: when the disk fills, deleting it leaves room to
        # record what happened (the task's state, its last log lines).
        if self.reserve.exists():
            return
        try:
            with open(self.reserve, "wb") as f:
                f.truncate(0)
                f.write(b"\0" * RESERVE_BYTES)
        except OSError:
            self.reserve.unlink(missing_ok=True)

    def release_reserve(self) -> bool:
        """Free the reserved space; True if there was any to free."""
        try:
            self.reserve.unlink()
        except FileNotFoundError:
            return False
        return True

    @property
    def reserve(self) -> Path:
        return self.root / "reserve.bin"

    @property
    def db(self) -> Path:
        return self.root / "orchard.db"

    @property
    def config(self) -> Path:
        return self.root / "config.toml"

    @property
    def logs(self) -> Path:
        return self.root / "logs"

    @property
    def worktrees(self) -> Path:
        return self.root / "worktrees"

    @property
    def agent_state(self) -> Path:
        return self.root / "agent-state"

    @property
    def lock(self) -> Path:
        return self.root / "supervisor.lock"

    @property
    def secrets(self) -> Path:
        return self.root / "secrets.json"


# The demo agent ships with Orchard and needs no key; it runs with Orchard's own Python.
DEMO_PROFILE = AgentProfile("demo", module_argv("app.demo_agent", "{prompt}"), OutputFormat.CODEX)


def default_profiles() -> dict[str, AgentProfile]:
    """Return the built-in profiles plus the demo agent."""
    return {**BUILTIN_PROFILES, DEMO_PROFILE.name: DEMO_PROFILE}


@dataclass(frozen=True, slots=True)
class TriageSettings:
    """[triage]: the bug-bash board's categories, owners, prompt templates and refresh."""

    categories: tuple[str, ...] = DEFAULT_CATEGORIES
    owners: dict[str, str] = field(default_factory=dict)  # name -> areas, "ui, diff view"
    templates: dict[str, str] = field(default_factory=dict)  # category -> prompt template
    refresh_seconds: int = 60  # live refresh of a GitHub import while a bug bash runs


@dataclass(frozen=True, slots=True)
class LlmSettings:
    """[llm]: an OpenAI-compatible chat-completions endpoint for triage suggestions."""

    base_url: str | None = None  # e.g. http://127.0.0.1:8080/v1; None turns suggestions off
    model: str | None = None
    api_key: str | None = field(default=None, repr=False)
    concurrency: int = 4
    batch_size: int = 10
    timeout: float = 60.0

    @property
    def enabled(self) -> bool:
        return bool(self.base_url and self.model)


EXECUTOR_KINDS = ("local", "ray")


@dataclass(frozen=True, slots=True)
class ExecutorSettings:
    """[executor]: where agents run: this machine, or a Ray cluster, and what each task takes."""

    kind: str = "local"  # "local" or "ray"
    address: str = "auto"  # "auto", "HOST:PORT" (what `ray start --head` prints), "ray://H:10001"
    cpus: float = 1.0  # a task's share of a node, as Ray schedules it
    memory_mb: int = 0  # 0: Ray does not count memory
    resources: dict[str, float] = field(default_factory=dict)  # custom: {"agent_slot" = 1}
    node_dir: str = "/tmp/orchard-ray"  # on each node: cached clones and task checkouts
    idle_exit_seconds: int = 1800  # a task's actor ends after this long with no turn


@dataclass(frozen=True, slots=True)
class Settings:
    parallel: int = DEFAULT_PARALLEL
    profiles: dict[str, AgentProfile] = field(default_factory=default_profiles)
    # The secrets store's "github.token", else [github] token; $GITHUB_TOKEN wins in find_token
    github_token: str | None = field(default=None, repr=False)
    github_api_url: str | None = None  # [github] api_url, for GitHub Enterprise
    triage: TriageSettings = field(default_factory=TriageSettings)
    llm: LlmSettings = field(default_factory=LlmSettings)
    # [settings] min_free_memory_mb: queued agents wait while less memory is available; 0: off
    min_free_memory_mb: int = DEFAULT_MIN_FREE_MEMORY_MB
    # [service] idle_exit_seconds: the background service exits after this long with nothing
    # queued, running or waiting on a person, and no window connected; 0: it stays
    idle_exit_seconds: int = DEFAULT_IDLE_EXIT_SECONDS
    theme: str = "system"  # [settings] theme: "system", "light" or "dark", for the windows
    notices: tuple[str, ...] = ()  # one line each, for the user: e.g. a token moved out
    executor: ExecutorSettings = field(default_factory=ExecutorSettings)
    # [budget], [prices]: caps per task, group and project; the review capacity; model prices
    budget: BudgetSettings = field(default_factory=BudgetSettings)


def load_settings(home: Home) -> Settings:
    """Read config.toml (if any) over the built-in defaults; secrets come from the store."""
    data: dict[str, Any] = {}
    if home.config.exists():
        try:
            data = tomllib.loads(home.config.read_text(encoding="utf-8"))
        except (tomllib.TOMLDecodeError, UnicodeDecodeError) as exc:
            raise ConfigError(f"{home.config}: {exc}") from None
    settings = _settings_from(data, home.config)
    return _with_secrets(settings, home, data)


def _with_secrets(settings: Settings, home: Home, data: dict[str, Any]) -> Settings:
    """Move clear-text secrets out of config.toml, then read them from the secrets store."""
    store = SecretStore(home.root)
    notices = move_secrets(home, data, store)
    values: dict[str, str | None] = {}
    for (table, key), name in SECRET_KEYS.items():
        try:
            stored = store.get(name)
        except SecretsError as exc:
            notices.append(str(exc))
            stored = None
        values[name] = stored or _config_value(data, table, key)
    for notice in notices:
        log.warning("%s", notice)
    return replace(
        settings,
        github_token=values["github.token"],
        llm=replace(settings.llm, api_key=values["llm.api_key"]),
        notices=tuple(notices),
    )


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


def _config_value(data: dict[str, Any], table: str, key: str) -> str | None:
    section = data.get(table)
    value = section.get(key) if isinstance(section, dict) else None
    return value if isinstance(value, str) and value else None


def _settings_from(data: dict[str, Any], path: Path) -> Settings:
    parallel = data.get("settings", {}).get("parallel", DEFAULT_PARALLEL)
    if not isinstance(parallel, int) or parallel < 1:
        raise ConfigError(f"{path}: settings.parallel must be a whole number of at least 1")
    min_free = data.get("settings", {}).get("min_free_memory_mb", DEFAULT_MIN_FREE_MEMORY_MB)
    if not isinstance(min_free, int) or isinstance(min_free, bool) or min_free < 0:
        raise ConfigError(f"{path}: settings.min_free_memory_mb must be a whole number (0: off)")
    profiles = default_profiles()
    agents = data.get("agents", {})
    if not isinstance(agents, dict):
        raise ConfigError(f"{path}: [agents] must be a table of agent profiles")
    for name, table in agents.items():
        if not isinstance(table, dict):
            raise ConfigError(f"{path}: [agents.{name}] must be a table")
        try:
            profiles[name] = profile_from_table(name, table, profiles.get(name))
        except ProfileError as exc:
            raise ConfigError(f"{path}: {exc}") from None
    theme = data.get("settings", {}).get("theme", "system")
    if theme not in THEMES:
        raise ConfigError(f"{path}: settings.theme must be one of {', '.join(THEMES)}")
    token, api_url = _github_from(data.get("github", {}), path)
    idle = _table_of(data, "service", path).get("idle_exit_seconds", DEFAULT_IDLE_EXIT_SECONDS)
    if not isinstance(idle, int) or isinstance(idle, bool) or idle < 0:
        raise ConfigError(f"{path}: service.idle_exit_seconds must be a whole number (0: stay)")
    try:
        budget = budget_from(data)
    except BudgetConfigError as exc:
        raise ConfigError(f"{path}: {exc}") from None
    return Settings(
        budget=budget,
        parallel=parallel,
        profiles=profiles,
        github_token=token,
        github_api_url=api_url,
        triage=_triage_from(data.get("triage", {}), path),
        llm=_llm_from(data.get("llm", {}), path),
        min_free_memory_mb=min_free,
        idle_exit_seconds=idle,
        theme=theme,
        executor=executor_from(_table_of(data, "executor", path), str(path)),
    )


def executor_from(table: dict[str, Any], where: str) -> ExecutorSettings:
    """Read [executor]; `where` names the file in errors."""
    kind, address = table.get("kind", "local"), table.get("address", "auto")
    if kind not in EXECUTOR_KINDS:
        raise ConfigError(f"{where}: executor.kind must be one of {', '.join(EXECUTOR_KINDS)}")
    numbers = {k: table.get(k, d) for k, d in (("cpus", 1.0), ("memory_mb", 0))}
    numbers["idle_exit_seconds"] = table.get("idle_exit_seconds", 1800)
    resources = table.get("resources", {})
    if (
        not isinstance(address, str)
        or not isinstance(table.get("node_dir", ""), str)
        or any(
            isinstance(v, bool) or not isinstance(v, int | float) or v < 0
            for v in [
                *numbers.values(),
                *(resources.values() if isinstance(resources, dict) else [-1]),
            ]
        )
    ):
        raise ConfigError(
            f"{where}: executor.address and node_dir are strings; cpus, memory_mb, "
            "idle_exit_seconds and [executor.resources] values are numbers >= 0"
        )
    return ExecutorSettings(
        kind,
        address,
        float(numbers["cpus"]),
        int(numbers["memory_mb"]),
        {str(k): float(v) for k, v in resources.items()},
        table.get("node_dir", "/tmp/orchard-ray"),
        int(numbers["idle_exit_seconds"]),
    )


def _table_of(data: dict[str, Any], name: str, path: Path) -> dict[str, Any]:
    table = data.get(name, {})
    if not isinstance(table, dict):
        raise ConfigError(f"{path}: [{name}] must be a table")
    return table


def _triage_from(table: Any, path: Path) -> TriageSettings:
    if not isinstance(table, dict):
        raise ConfigError(f"{path}: [triage] must be a table")
    categories = table.get("categories", list(DEFAULT_CATEGORIES))
    if not isinstance(categories, list) or not all(
        isinstance(c, str) and c.strip() for c in categories
    ):
        raise ConfigError(f"{path}: triage.categories must be a list of names")
    owners = _string_table(table.get("owners", {}), path, "triage.owners")
    templates = _string_table(table.get("templates", {}), path, "triage.templates")
    refresh = table.get("refresh_seconds", 60)
    if not isinstance(refresh, int) or refresh < 5:
        raise ConfigError(f"{path}: triage.refresh_seconds must be a whole number of at least 5")
    return TriageSettings(tuple(c.strip() for c in categories), owners, templates, refresh)


def _llm_from(table: Any, path: Path) -> LlmSettings:
    if not isinstance(table, dict):
        raise ConfigError(f"{path}: [llm] must be a table")
    strings = {k: table.get(k) for k in ("base_url", "model", "api_key")}
    if any(v is not None and not isinstance(v, str) for v in strings.values()):
        raise ConfigError(f"{path}: llm.base_url, llm.model and llm.api_key must be strings")
    numbers = {k: table.get(k, default) for k, default in (("concurrency", 4), ("batch_size", 10))}
    if any(not isinstance(v, int) or v < 1 for v in numbers.values()):
        raise ConfigError(f"{path}: llm.concurrency and llm.batch_size must be whole numbers >= 1")
    timeout = table.get("timeout", 60.0)
    if not isinstance(timeout, int | float) or timeout <= 0:
        raise ConfigError(f"{path}: llm.timeout must be a number of seconds above 0")
    return LlmSettings(
        strings["base_url"] or None,
        strings["model"] or None,
        strings["api_key"] or None,
        numbers["concurrency"],
        numbers["batch_size"],
        float(timeout),
    )


def _string_table(value: Any, path: Path, name: str) -> dict[str, str]:
    if not isinstance(value, dict) or not all(isinstance(v, str) for v in value.values()):
        raise ConfigError(f"{path}: [{name}] must be a table of strings")
    return {str(k): v for k, v in value.items()}


def _github_from(table: Any, path: Path) -> tuple[str | None, str | None]:
    if not isinstance(table, dict):
        raise ConfigError(f"{path}: [github] must be a table")
    values = (table.get("token"), table.get("api_url"))
    if any(v is not None and not isinstance(v, str) for v in values):
        raise ConfigError(f"{path}: github.token and github.api_url must be strings")
    return values[0] or None, values[1] or None
