"""Operations on the home's settings: save them, and check an agent where it will run."""

from __future__ import annotations

from app.core.profiles import AgentCheck, AgentProfile
from app.core.wire import decode
from app.server.operations.registry import Params, number, operation
from app.services.orchard import Orchard, UserError


def _profile(value: object) -> AgentProfile:
    profile = decode(value, AgentProfile)
    if not isinstance(profile, AgentProfile):
        raise UserError("the request needs an agent profile")
    return profile


@operation("settings.save")
async def save(orchard: Orchard, params: Params) -> None:
    """Write the parallel limit and the agents to config.toml; the supervisor uses them now."""
    from app.services.config import THEMES, save_settings

    parallel = number(params, "parallel")
    if parallel < 1:
        raise UserError("parallel must be at least 1")
    raw = params.get("profiles")
    if not isinstance(raw, dict):
        raise UserError("the request needs 'profiles' as an object")
    profiles = {str(name): _profile(value) for name, value in raw.items()}
    theme = params.get("theme")
    if theme is not None and theme not in THEMES:
        raise UserError(f"the theme is one of {', '.join(THEMES)}")
    save_settings(orchard.home, parallel, profiles, theme)
    orchard.reload_settings()  # as the file now says, secrets and all


@operation("agent.check")
async def check_agent(orchard: Orchard, params: Params) -> AgentCheck:
    """Find an agent's program on the supervising process's PATH and ask its version."""
    from app.services.config import check_agent

    return await check_agent(_profile(params.get("profile")))


@operation("settings.reload")
async def reload(orchard: Orchard, params: Params) -> None:
    """Read config.toml and the secrets again (a command changed them); apply them now."""
    orchard.reload_settings()


@operation("settings.save_more")
async def save_more(orchard: Orchard, params: Params) -> list[str]:
    """Write triage, GitHub, LLM and memory settings and store secrets; they apply now."""
    from app.services.config import ConfigError, load_settings, save_more_settings, save_secrets

    tables, secrets = params.get("tables") or {}, params.get("secrets") or {}
    if not isinstance(tables, dict) or not all(isinstance(t, dict) for t in tables.values()):
        raise UserError("the request needs 'tables' as an object of tables")
    if not isinstance(secrets, dict) or not all(isinstance(v, str) for v in secrets.values()):
        raise UserError("the request needs 'secrets' as an object of strings")
    before = orchard.home.config.read_bytes() if orchard.home.config.exists() else None
    try:
        save_more_settings(orchard.home, tables)
        load_settings(orchard.home)  # refuse what Orchard could not start with
    except (ValueError, ConfigError) as exc:
        if before is None:
            orchard.home.config.unlink(missing_ok=True)
        else:
            orchard.home.config.write_bytes(before)
        raise UserError(str(exc).splitlines()[0]) from None
    try:
        where = save_secrets(orchard.home, {k: v for k, v in secrets.items() if v.strip()})
    except ValueError as exc:
        raise UserError(str(exc)) from None
    orchard.reload_settings()
    return where
