"""What the service's own environment lets agents find: their binaries and their keys.

A service started from a desktop menu or at login lacks the shell's PATH and keys: it takes the
environment of the client that starts it (`orchard service restart` refreshes it), and says what
it sees, never the keys' values.
"""

from __future__ import annotations

import os
import shutil
from typing import Any

from app.services.config import Settings

# Variables agents and git read for credentials and proxies: reported set or not, never shown.
KEYS = (
    "OPENAI_API_KEY",
    "ANTHROPIC_API_KEY",
    "GEMINI_API_KEY",
    "GOOGLE_API_KEY",
    "OPENROUTER_API_KEY",
    "OPENAI_BASE_URL",
    "ANTHROPIC_BASE_URL",
    "GITHUB_TOKEN",
    "HTTPS_PROXY",
    "HTTP_PROXY",
    "NO_PROXY",
)


def seen(settings: Settings) -> dict[str, Any]:
    """Return the PATH, where each agent's binary resolves (None: not found), and keys set."""
    path = os.environ.get("PATH", "")
    agents = {}
    for name, profile in sorted(settings.profiles.items()):
        program = profile.argv[0] if profile.argv else ""
        agents[name] = shutil.which(program, path=path) if program else None
    keys = [k for k in KEYS if os.environ.get(k) or os.environ.get(k.lower())]
    return {"path": path, "agents": agents, "keys": keys}
