"""Fault: an agent prints its secrets. Nothing under Orchard's home holds them in clear."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

from tests.conftest import ROOT, Cli, child_env

SECRET = "s3cr3t-Q7w9-e1r5"  # 16 characters
STORED = "stored-" + "T0k3n" * 4
BEARER = "abcdef123456"
PROMPT = (
    'echo "$MY_API_KEY"; echo "Authorization: Bearer $(printf abc)def123456"; '
    'echo "key on stderr: $MY_API_KEY" >&2; '
    # the secret in two writes a moment apart: two pipe reads
    'printf "split %s" "${MY_API_KEY%????????}"; sleep 0.3; '
    'printf "%s end\\n" "${MY_API_KEY#????????}"; '
    'echo "plain: $PLAIN_VALUE"'
)


def _files(root: Path) -> list[Path]:
    return [p for p in root.rglob("*") if p.is_file() and not p.is_symlink()]


def test_agent_secrets_reach_no_file_and_the_log_shows_stars(
    cli: Cli, repo: Path, home: Path
) -> None:
    put = subprocess.run(
        [sys.executable, "-m", "app", "--home", str(home), "secret", "set", "github.token"],
        input=STORED + "\n",
        capture_output=True,
        text=True,
        cwd=ROOT,
        env=child_env({"PYTHON_KEYRING_BACKEND": "keyring.backends.fail.Keyring"}),
        timeout=60,
    )
    assert put.returncode == 0, put.stderr
    cli("project", "add", str(repo))
    task_id = cli("task", "new", "repo", PROMPT, "--agent", "shell").out.strip()
    # PLAIN_VALUE has an innocent name: it is masked because its value is a stored secret.
    env = {
        "MY_API_KEY": SECRET,
        "PLAIN_VALUE": STORED,
        "PYTHON_KEYRING_BACKEND": "keyring.backends.fail.Keyring",
    }
    run = cli("run", env=env)
    assert run.code == 0, run.err
    assert SECRET not in run.out + run.err and STORED not in run.out + run.err

    raw = cli("task", "logs", task_id, "--raw").out
    assert raw == "***\nAuthorization: Bearer ***\nsplit *** end\nplain: ***\n"
    events = cli("task", "logs", task_id).out
    assert "key on stderr: ***" in events and "Authorization: Bearer ***" in events
    shown = cli("task", "show", task_id, "--json").json()
    assert shown["state"] == "succeeded"

    scanned = _files(home)
    assert home / "logs" / shown["id"] / "raw.log" in scanned
    for path in scanned:
        data = path.read_bytes()
        assert SECRET.encode() not in data, f"the agent's secret is in {path}"
        if path.name != "secrets.json":  # the 0600 store itself, without a keyring
            assert STORED.encode() not in data, f"a stored secret is in {path}"
        assert BEARER.encode() not in data, f"the bearer token is in {path}"
