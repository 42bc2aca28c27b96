"""Orchard's built-in demo agent: no model, no API key.

It streams the same JSONL events as `codex exec --json` (reasoning, messages that grow as they
are "typed", commands with real output, file changes) for about ten seconds a task, and
really edits the files its prompt names, so a newcomer sees the whole loop. The demo's
prompts are scripted (see app.services.demo): the attempts of one prompt write different code,
two tasks change the same lines, and one fails on its first turn and succeeds when retried.
Any other prompt gets a small generic change. $ORCHARD_DEMO_PACE scales every pause (1: real
time; the tests set it near 0). It is labelled as the demo wherever it appears.
"""

from __future__ import annotations

import json
import os
import random
import shlex
import subprocess
import sys
import time
import uuid
from dataclasses import dataclass, field
from pathlib import Path

from app.core.demoscript import SCENES, Scene
from app.installation import module_argv


def emit(event: dict[str, object]) -> None:
    """Print one event line, as Codex does."""
    sys.stdout.write(json.dumps(event) + "\n")
    sys.stdout.flush()


@dataclass
class Stream:
    """One turn's events: numbered items, paced by `pace` seconds a beat."""

    pace: float
    n: int = 0
    changed: list[str] = field(default_factory=list)

    def wait(self, beats: float) -> None:
        time.sleep(self.pace * beats * random.uniform(0.8, 1.2))

    def item(self, kind: str, phase: str, **fields: object) -> None:
        emit({"type": f"item.{phase}", "item": {"id": f"item_{self.n}", "type": kind, **fields}})

    def think(self, text: str) -> None:
        self.n += 1
        self.item("reasoning", "completed", text=text)
        self.wait(0.8)

    def say(self, text: str) -> None:
        """Stream a message a few words at a time, as a model types it."""
        self.n += 1
        words = text.split(" ")
        for end in range(4, len(words), 4):
            self.item("agent_message", "updated", text=" ".join(words[:end]))
            self.wait(0.15)
        self.item("agent_message", "completed", text=text)
        self.wait(0.3)

    def run(self, argv: list[str], shown: str | None = None) -> int:
        self.n += 1
        command = shown or " ".join(argv)
        fields = {"command": command, "aggregated_output": "", "exit_code": None}
        self.item("command_execution", "started", **fields, status="in_progress")
        self.wait(0.8)
        try:
            done = subprocess.run(argv, capture_output=True, text=True)
            output, code = done.stdout + done.stderr, done.returncode
        except OSError as exc:  # a machine without the tool: a failed command, as a shell says
            output, code = f"{argv[0]}: {exc.strerror or exc}\n", 127
        fields.update(aggregated_output=output, exit_code=code)
        self.item("command_execution", "completed", **fields, status="completed")
        self.wait(0.3)
        return code

    def write(self, path: str, text: str) -> None:
        """Write `path` whole, shown as a file change while it happens."""
        self.n += 1
        target = Path(path)
        change = [{"path": path, "kind": "update" if target.exists() else "add"}]
        self.item("file_change", "started", status="in_progress", changes=change)
        self.wait(0.7)
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_text(text)
        self.item("file_change", "completed", status="completed", changes=change)
        self.changed.append(path)
        self.wait(0.3)


def git_path(what: str) -> Path | None:
    """Return `git rev-parse --git-dir` or `--git-common-dir` here, or None outside git."""
    done = subprocess.run(["git", "rev-parse", what], capture_output=True, text=True)
    return Path(done.stdout.strip()).resolve() if done.returncode == 0 else None


def claim_variant(key: str, count: int) -> int:
    """Pick the first variant no other attempt of this prompt has taken (per repository)."""
    common = git_path("--git-common-dir")
    if common is None:
        return 0
    claims = common / "orchard-demo"
    claims.mkdir(exist_ok=True)
    for n in range(count * 4):
        try:
            (claims / f"{key}-{n}").touch(exist_ok=False)
        except FileExistsError:
            continue
        return n % count
    return random.randrange(count)


def first_turn(key: str) -> bool:
    """Say whether this worktree has not run scene `key` before (a retry has)."""
    here = git_path("--git-dir")
    if here is None:
        return True
    marker = here / f"orchard-demo-{key}"
    if marker.exists():
        return False
    marker.touch()
    return True


def play(scene: Scene, stream: Stream) -> int:
    """Play a scripted scene; return the exit code."""
    variant = scene.variants[claim_variant(scene.key, len(scene.variants))]
    failing = scene.fails_first and first_turn(scene.key)
    stream.think(f"**Reading the task.** {scene.plan}")
    stream.run(["git", "ls-files"])
    for path in scene.reads:
        if Path(path).exists():
            stream.run(["cat", path])
    stream.say(variant.intro)
    for path, text in variant.files:
        stream.write(path, text)
    if failing:
        stream.think("**Checking** the links in what I wrote.")
        # sh, not sys.executable: in a frozen bundle that is Orchard itself, not a Python
        check = f"echo {shlex.quote(scene.failure)} >&2; exit 1"
        stream.run(["sh", "-c", check], "check-links")
        stream.say(f"The check failed: {scene.failure}. Stopping here (retry me to fix it).")
        emit({"type": "turn.failed", "error": {"message": scene.failure}})
        return 1
    for path, _ in variant.files:
        if path.endswith(".py"):
            stream.run(list(module_argv("py_compile", path)), f"python -m py_compile {path}")
    stream.say(variant.outro)
    return 0


def generic(prompt: str, stream: Stream) -> int:
    """Make a small real change for a prompt the script does not know."""
    slug = "".join(c if c.isalnum() else "_" for c in prompt.lower())[:30].strip("_") or "demo"
    first = prompt.splitlines()[0][:60]
    stream.think(f"**Planning** how to: {prompt[:80]}")
    stream.run(["ls", "-la"])
    stream.write(
        f"{slug}.py",
        f'"""Written by the Orchard demo agent for: {first}"""\n\n\n'
        f"def {slug}() -> str:\n    return {first!r}\n",
    )
    stream.write(f"notes/{slug}.md", f"- {prompt.splitlines()[0][:80]} (see {slug}.py)\n")
    stream.run(list(module_argv("py_compile", f"{slug}.py")))
    stream.say(f"Done (demo agent): added {slug}.py and noted it in notes/{slug}.md.")
    return 0


def main() -> int:
    prompt = " ".join(sys.argv[1:]).strip() or "demo task"
    stream = Stream(float(os.environ.get("ORCHARD_DEMO_PACE", "1")))
    emit({"type": "thread.started", "thread_id": str(uuid.uuid4())})
    emit({"type": "turn.started"})
    scene = next((s for s in SCENES if s.key in prompt), None)
    code = play(scene, stream) if scene is not None else generic(prompt, stream)
    if code == 0:
        usage = {"input_tokens": random.randint(2000, 9000), "cached_input_tokens": 0}
        emit({"type": "turn.completed", "usage": {**usage, "output_tokens": 500}})
    return code


if __name__ == "__main__":
    raise SystemExit(main())
