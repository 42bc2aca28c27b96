"""Record Codex sessions against the scripted model, as `app-server` and as `exec --json`.

    uv run python -m tests.e2e.record_codex_app [--save]

Each script runs twice in a fresh repository: once through Orchard's app-server driver (every
approval allowed), once as `codex exec --json`; with --save, stdout goes to tests/data/
codex_app*.jsonl and codex_exec*.jsonl, which tests/parsers/test_appserver.py compares.
Without --save it prints what each run did.
"""

from __future__ import annotations

import asyncio
import subprocess
import sys
import tempfile
from pathlib import Path

from app.core.inbox import Answer, Ask, Verdict
from app.services import process
from app.services.agents import CodexAppServer
from tests.e2e.agent_env import codex_argv, codex_env
from tests.e2e.model_server import ScriptedModelServer, patch

DATA = Path(__file__).resolve().parent.parent / "data"
COMMANDS = ["printf 'hello\\n' > hello.txt", "echo more >> README.md"]
PROMPT = "Create hello.txt and add a line to README.md, then say 'All done.'"
# name: (commands, prompt, model fails)
SESSIONS = {
    "": (COMMANDS, PROMPT, False),
    "_error": (COMMANDS, PROMPT, True),
    "_patch": (["touch x", patch("notes.txt", "one", "two")], "Touch x, write notes.txt", False),
}


def make_repo(folder: Path) -> Path:
    repo = folder / "repo"
    repo.mkdir(parents=True)
    (repo / "README.md").write_text("# demo\n")
    for args in (["init", "-q"], ["add", "."], ["commit", "-qm", "init"]):
        subprocess.run(["git", "-C", str(repo), *args], check=True, capture_output=True)
    return repo


async def allow(_ask: Ask) -> Answer:
    return Answer(Verdict.ALLOW)


async def app_server(
    repo: Path, env: dict[str, str], prompt: str, session: str | None = None
) -> bytes:
    """Run one turn through Orchard's driver; return the app-server's stdout."""
    out = bytearray()
    driver = CodexAppServer(prompt, str(repo), session, allow, lambda _events: None)

    def on_stdout(data: bytes) -> None:
        out.extend(data)
        driver.parser.feed(data)

    child = await process.spawn(
        ["codex", "app-server"], str(repo), env, None, on_stdout, lambda _d: None, True
    )
    talk = asyncio.create_task(driver.drive(child))
    try:
        await asyncio.wait_for(child.wait(), 120)
    finally:
        talk.cancel()
        child.close()
    return bytes(out)


def record(name: str, save: bool) -> None:
    commands, prompt, fails = SESSIONS[name]
    with tempfile.TemporaryDirectory(prefix="orchard-codex-app-") as d:
        tmp = Path(d)
        fail = 500 if fails else None
        for kind in ("app", "exec"):
            repo = make_repo(tmp / kind)
            with ScriptedModelServer(commands, fail_status=fail) as srv:
                env = codex_env(srv.base_url, tmp / kind)
                if kind == "app":
                    out = asyncio.run(app_server(repo, env, prompt))
                else:
                    run = subprocess.run(
                        codex_argv(prompt, repo), env=env, capture_output=True, timeout=120
                    )
                    out = run.stdout
            files = sorted(p.name for p in repo.iterdir() if p.name != ".git")
            print(f"codex {kind}{name}: {len(out.splitlines())} lines; files {files}")
            if save:
                (DATA / f"codex_{kind}{name}.jsonl").write_bytes(out)


def main(argv: list[str]) -> int:
    for name in SESSIONS:
        record(name, "--save" in argv)
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
