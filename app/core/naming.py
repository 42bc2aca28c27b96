"""Names Orchard derives: task ids, slugs and branch names."""

from __future__ import annotations

import re
import unicodedata

SHORT_ID_LEN = 8
_NON_SLUG = re.compile(r"[^a-z0-9]+")


def slugify(text: str, max_len: int = 40) -> str:
    """Return a lowercase ASCII slug of `text`, or 'task' when nothing is left."""
    ascii_text = unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode()
    slug = _NON_SLUG.sub("-", ascii_text.lower()).strip("-")
    slug = slug[:max_len].rstrip("-")
    return slug or "task"


def short_id(task_id: str) -> str:
    """Return the short form of a task id used in branches and listings."""
    return task_id[:SHORT_ID_LEN]


def branch_name(task_id: str, title: str) -> str:
    """Return the task branch `orchard/<short-id>-<slug>`."""
    return f"orchard/{short_id(task_id)}-{slugify(title)}"


def title_from_prompt(prompt: str, max_len: int = 60) -> str:
    """Derive a title from the first non-empty line of a prompt."""
    for line in prompt.splitlines():
        line = " ".join(line.split())
        if line:
            return line if len(line) <= max_len else line[: max_len - 1] + "…"
    return "untitled task"


def commit_message(title: str, prompt: str) -> str:
    """Return the commit message Orchard writes for an agent's turn."""
    body = prompt.strip()
    if len(body) > 4000:
        body = body[:4000] + "\n…"
    return f"{title}\n\nOrchard task prompt:\n\n{body}\n" if body and body != title else title
