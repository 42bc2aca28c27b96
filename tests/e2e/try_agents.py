"""Manual check: run the real codex and claude CLIs against the scripted model.

    python tests/e2e/try_agents.py [codex|claude ...] [--save] [--verbose]

For each agent: creates a temp git repo, runs the CLI with a two-command
script, prints its JSONL stdout, checks the files the commands create, and
then resumes the session once.  ``--save`` writes the captured stdout to
``tests/data/`` as fixtures (plus a codex run against an HTTP 500 server).
"""

from __future__ import annotations

import json
import subprocess
import sys
import tempfile
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))

from agent_env import (  # noqa: E402
    claude_argv,
    claude_env,
    codex_argv,
    codex_env,
    codex_resume_argv,
)
from model_server import ScriptedModelServer  # noqa: E402

DATA = HERE.parent / "data"
PROMPT = "Create hello.txt and append to README.md."
COMMANDS = ["printf 'hello\\n' > hello.txt", "echo more >> README.md"]
RESUME_COMMANDS = ["printf 'again\\n' > resumed.txt"]
TIMEOUT = 180


def make_repo(root: Path) -> Path:
    repo = root / "repo"
    repo.mkdir()
    git = ["git", "-c", "user.name=t", "-c", "user.email=t@example.com"]
    subprocess.run([*git, "init", "-q", "-b", "main"], cwd=repo, check=True)
    (repo / "README.md").write_text("# demo\n")
    subprocess.run([*git, "add", "."], cwd=repo, check=True)
    subprocess.run([*git, "commit", "-qm", "init"], cwd=repo, check=True)
    return repo


Proc = subprocess.CompletedProcess[str]


def run(argv: list[str], env: dict[str, str], cwd: Path) -> tuple[Proc, float]:
    start = time.monotonic()
    proc = subprocess.run(
        argv,
        env=env,
        cwd=cwd,
        stdin=subprocess.DEVNULL,
        capture_output=True,
        text=True,
        timeout=TIMEOUT,
    )
    return proc, time.monotonic() - start


def show(name: str, proc: Proc, secs: float, srv: ScriptedModelServer) -> None:
    print(f"===== {name}: rc={proc.returncode} in {secs:.1f}s =====")
    print(proc.stdout, end="")
    if proc.stderr.strip():
        print(f"----- stderr (tail) -----\n{proc.stderr[-2000:]}")
    paths = [f"{r.method} {r.path} -> {r.status}" for r in srv.requests]
    print(f"----- {len(paths)} requests -----\n" + "\n".join(paths))


def session_id(stdout: str, agent: str) -> str | None:
    for line in stdout.splitlines():
        try:
            ev = json.loads(line)
        except ValueError:
            continue
        if agent == "codex" and ev.get("type") == "thread.started":
            return ev.get("thread_id")
        if agent == "claude" and ev.get("type") == "system" and ev.get("subtype") == "init":
            return ev.get("session_id")
    return None


def check_files(repo: Path) -> bool:
    hello = (repo / "hello.txt").read_text() if (repo / "hello.txt").exists() else None
    readme = (repo / "README.md").read_text()
    ok = hello == "hello\n" and readme == "# demo\nmore\n"
    print(f"files: hello.txt={hello!r} README.md={readme!r} -> {'OK' if ok else 'FAIL'}")
    return ok


def save(name: str, stdout: str) -> None:
    DATA.mkdir(parents=True, exist_ok=True)
    (DATA / name).write_text(stdout)
    print(f"saved tests/data/{name}")


def try_codex(tmp: Path, do_save: bool, verbose: bool) -> bool:
    repo = make_repo(tmp)
    with ScriptedModelServer(COMMANDS, verbose=verbose) as srv:
        env = codex_env(srv.base_url, tmp)
        proc, secs = run(codex_argv(PROMPT, repo), env, repo)
        show("codex", proc, secs, srv)
        first = srv.requests_to("/v1/responses")[0].body
        tools = [t.get("name") or t.get("type") for t in first.get("tools", [])]
        print(f"codex tools offered: {tools}")
    ok = proc.returncode == 0 and check_files(repo)
    if ok and do_save:
        save("codex_exec.jsonl", proc.stdout)
    sid = session_id(proc.stdout, "codex")
    print(f"codex session id: {sid}")
    if ok and sid:
        with ScriptedModelServer(RESUME_COMMANDS, "Resumed.", verbose=verbose) as srv:
            env = codex_env(srv.base_url, tmp)
            proc, secs = run(codex_resume_argv(sid, "Do one more thing.", repo), env, repo)
            show("codex resume", proc, secs, srv)
        ok = proc.returncode == 0 and (repo / "resumed.txt").exists()
        same = session_id(proc.stdout, "codex") == sid
        print(f"codex resume created resumed.txt: {ok}; same session id: {same}")
    return ok


def try_codex_error(tmp: Path, do_save: bool, verbose: bool) -> None:
    repo = make_repo(tmp)
    with ScriptedModelServer(COMMANDS, fail_status=500, verbose=verbose) as srv:
        env = codex_env(srv.base_url, tmp)
        proc, secs = run(codex_argv(PROMPT, repo), env, repo)
        show("codex (HTTP 500)", proc, secs, srv)
    if do_save:
        save("codex_exec_error.jsonl", proc.stdout)


def try_claude(tmp: Path, do_save: bool, verbose: bool) -> bool:
    repo = make_repo(tmp)
    with ScriptedModelServer(COMMANDS, verbose=verbose) as srv:
        env = claude_env(srv.base_url, tmp)
        proc, secs = run(claude_argv(PROMPT), env, repo)
        show("claude", proc, secs, srv)
    ok = proc.returncode == 0 and check_files(repo)
    if ok and do_save:
        save("claude_stream.jsonl", proc.stdout)
    sid = session_id(proc.stdout, "claude")
    print(f"claude session id: {sid}")
    if ok and sid:
        with ScriptedModelServer(RESUME_COMMANDS, "Resumed.", verbose=verbose) as srv:
            env = claude_env(srv.base_url, tmp)
            proc, secs = run(claude_argv("Do one more thing.", resume=sid), env, repo)
            show("claude resume", proc, secs, srv)
        ok = proc.returncode == 0 and (repo / "resumed.txt").exists()
        same = session_id(proc.stdout, "claude") == sid
        print(f"claude resume created resumed.txt: {ok}; same session id: {same}")
    return ok


def main(argv: list[str]) -> int:
    do_save = "--save" in argv
    verbose = "--verbose" in argv
    agents = [a for a in argv if not a.startswith("--")] or ["codex", "claude"]
    results = {}
    for agent in agents:
        with tempfile.TemporaryDirectory(prefix=f"orchard-{agent}-") as d:
            if agent == "codex":
                results[agent] = try_codex(Path(d), do_save, verbose)
            elif agent == "codex-error":
                try_codex_error(Path(d), do_save, verbose)
            elif agent == "claude":
                results[agent] = try_claude(Path(d), do_save, verbose)
    if do_save and "codex" in agents and "codex-error" not in agents:
        with tempfile.TemporaryDirectory(prefix="orchard-codex-err-") as d:
            try_codex_error(Path(d), do_save, verbose)
    print(f"RESULTS: {results}")
    return 0 if all(results.values()) else 1


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
