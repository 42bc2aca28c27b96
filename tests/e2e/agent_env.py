"""Environments that point the real agent CLIs at a ScriptedModelServer.

Each helper writes its config into a caller-supplied temporary directory (Codex's
CODEX_HOME goes under ~/.cache instead, see codex_home_outside_tmp) and returns a
complete ``env`` dict for ``subprocess``.  Nothing touches the
user's real ``~/.codex`` or ``~/.claude*``; everything that could phone home
(update checks, telemetry, analytics) is switched off so the runs stay
offline and fast.
"""

from __future__ import annotations

import atexit
import os
import shutil
import tempfile
from pathlib import Path

SCRIPTED_API_KEY = "sk-scripted-test-key"
# A slug codex ships metadata for; an unknown one works too but adds an
# "error" item ("Model metadata ... not found") to every --json run.
CODEX_MODEL = "gpt-5.5"
# Claude Code validates nothing about the name, but uses it for both the main
# loop and its small/fast side requests; keep them identifiable.
CLAUDE_MODEL = "claude-scripted-main"
CLAUDE_SMALL_MODEL = "claude-scripted-small"

# Variables inherited from the caller that would redirect or authenticate the
# CLIs elsewhere; dropped so the scripted server is the only endpoint.
_LEAKY_VARS = (
    "OPENAI_API_KEY",
    "OPENAI_BASE_URL",
    "CODEX_HOME",
    "CODEX_API_KEY",
    "ANTHROPIC_API_KEY",
    "ANTHROPIC_AUTH_TOKEN",
    "ANTHROPIC_BASE_URL",
    "ANTHROPIC_MODEL",
    "CLAUDE_CONFIG_DIR",
    "CLAUDE_CODE_USE_BEDROCK",
    "CLAUDE_CODE_USE_VERTEX",
    "HTTP_PROXY",
    "HTTPS_PROXY",
    "ALL_PROXY",
    "http_proxy",
    "https_proxy",
    "all_proxy",
)


def _base_env(home: Path) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if k not in _LEAKY_VARS}
    home.mkdir(parents=True, exist_ok=True)
    env["HOME"] = str(home)
    env["XDG_CONFIG_HOME"] = str(home / ".config")
    env["XDG_CACHE_HOME"] = str(home / ".cache")
    env["XDG_DATA_HOME"] = str(home / ".local" / "share")
    env["XDG_STATE_HOME"] = str(home / ".local" / "state")
    env["NO_PROXY"] = env["no_proxy"] = "127.0.0.1,localhost"
    env["NO_COLOR"] = "1"
    return env


# --------------------------------------------------------------------------
# codex
# --------------------------------------------------------------------------


def codex_config_toml(base_url: str, model: str = CODEX_MODEL) -> str:
    """config.toml for ``codex`` using the scripted server as its provider.

    Retries are kept low so an error run fails in seconds instead of minutes
    of exponential backoff.
    """
    return f"""\
model_provider = "scripted"
model = "{model}"
approval_policy = "never"
check_for_update_on_startup = false

[model_providers.scripted]
name = "Scripted"
base_url = "{base_url.rstrip("/")}/v1"
wire_api = "responses"
env_key = "SCRIPTED_API_KEY"
request_max_retries = 0
stream_max_retries = 0
stream_idle_timeout_ms = 30000

[analytics]
enabled = false

[feedback]
enabled = false

[history]
persistence = "none"
"""


def codex_env(base_url: str, tmp: Path, model: str = CODEX_MODEL) -> dict[str, str]:
    """Env for ``codex exec``; ``tmp`` holds HOME, CODEX_HOME is outside temporary folders."""
    home = tmp / "home"
    env = _base_env(home)
    codex_home = codex_home_outside_tmp()
    (codex_home / "config.toml").write_text(codex_config_toml(base_url, model))
    env["CODEX_HOME"] = str(codex_home)
    env["SCRIPTED_API_KEY"] = SCRIPTED_API_KEY
    env["RUST_LOG"] = env.get("RUST_LOG", "error")
    return env


def codex_home_outside_tmp() -> Path:
    """Return a new CODEX_HOME under the real ~/.cache, removed when this process exits.

    Codex will not create its sandbox helper in a CODEX_HOME under a temporary folder, so
    with bubblewrap installed its sandboxed commands fail there; a user's ~/.codex is not.
    """
    base = Path.home() / ".cache" / "orchard-tests"
    base.mkdir(parents=True, exist_ok=True)
    made = Path(tempfile.mkdtemp(prefix=f"codex-{os.getpid()}-", dir=base))
    atexit.register(shutil.rmtree, made, True)
    return made


_CODEX_EXEC = ("codex", "exec", "--json", "--skip-git-repo-check", "-s", "workspace-write")


def codex_argv(prompt: str, cwd: Path | str) -> list[str]:
    return [*_CODEX_EXEC, "--cd", str(cwd), prompt]


def codex_resume_argv(session_id: str, prompt: str, cwd: Path | str) -> list[str]:
    # The sandbox/cd flags belong to ``exec``, before the ``resume`` subcommand.
    return [*_CODEX_EXEC, "--cd", str(cwd), "resume", session_id, prompt]


# --------------------------------------------------------------------------
# claude
# --------------------------------------------------------------------------


def claude_env(base_url: str, tmp: Path) -> dict[str, str]:
    """Env for ``claude -p``; ``tmp`` holds HOME and CLAUDE_CONFIG_DIR."""
    home = tmp / "home"
    env = _base_env(home)
    config_dir = tmp / "claude_config"
    config_dir.mkdir(parents=True, exist_ok=True)
    env.update(
        {
            "CLAUDE_CONFIG_DIR": str(config_dir),
            "ANTHROPIC_BASE_URL": base_url.rstrip("/"),
            "ANTHROPIC_API_KEY": SCRIPTED_API_KEY,
            "ANTHROPIC_MODEL": CLAUDE_MODEL,
            "ANTHROPIC_SMALL_FAST_MODEL": CLAUDE_SMALL_MODEL,
            "ANTHROPIC_DEFAULT_HAIKU_MODEL": CLAUDE_SMALL_MODEL,
            "CLAUDE_CODE_DISABLE_NONESSENTIAL_TRAFFIC": "1",
            "DISABLE_AUTOUPDATER": "1",
            "DISABLE_TELEMETRY": "1",
            "DISABLE_ERROR_REPORTING": "1",
            "DISABLE_BUG_COMMAND": "1",
            "CLAUDE_CODE_MAX_RETRIES": "0",
            "API_TIMEOUT_MS": "30000",
        }
    )
    return env


CLAUDE_PERMISSION_ARGS = [
    "--permission-mode",
    "acceptEdits",
    "--allowedTools",
    "Bash",
    "Edit",
    "Write",
]


def claude_argv(prompt: str, resume: str | None = None) -> list[str]:
    argv = [
        "claude",
        "-p",
        prompt,
        "--output-format",
        "stream-json",
        "--verbose",
        *CLAUDE_PERMISSION_ARGS,
    ]
    if resume:
        argv += ["--resume", resume]
    return argv
