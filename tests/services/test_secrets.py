"""Secrets: the keyring when there is one, else a 0600 file; never config.toml in clear."""

from __future__ import annotations

import stat
import subprocess
import sys
import tomllib
from collections.abc import Iterator
from pathlib import Path

import keyring
import pytest
from keyring.backend import KeyringBackend
from keyring.backends import fail

from app.services.config.secrets import SecretsError, SecretStore, usable_keyring
from app.services.config.settings import Home, load_settings
from tests.conftest import ROOT, child_env

TOKEN = "ghp_" + "Zq7" * 10
API_KEY = "sk-test-" + "k3y" * 8


class MemoryKeyring(KeyringBackend):
    """A real keyring backend living in this process: keyring's own extension point."""

    priority = 1  # type: ignore[assignment]

    def __init__(self) -> None:
        super().__init__()
        self.passwords: dict[tuple[str, str], str] = {}

    def get_password(self, service: str, username: str) -> str | None:
        return self.passwords.get((service, username))

    def set_password(self, service: str, username: str, password: str) -> None:
        self.passwords[(service, username)] = password

    def delete_password(self, service: str, username: str) -> None:
        self.passwords.pop((service, username))


@pytest.fixture
def no_keyring() -> Iterator[None]:
    before = keyring.get_keyring()
    keyring.set_keyring(fail.Keyring())
    yield
    keyring.set_keyring(before)


@pytest.fixture
def memory_keyring() -> Iterator[MemoryKeyring]:
    before = keyring.get_keyring()
    backend = MemoryKeyring()
    keyring.set_keyring(backend)
    yield backend
    keyring.set_keyring(before)


def _mode(path: Path) -> int:
    return stat.S_IMODE(path.stat().st_mode)


def test_without_a_keyring_secrets_go_to_a_file_only_the_user_can_read(
    tmp_path: Path, no_keyring: None
) -> None:
    assert usable_keyring() is None
    store = SecretStore(tmp_path)
    stored = store.set("github.token", TOKEN)
    assert stored.where == str(tmp_path / "secrets.json")
    assert _mode(tmp_path / "secrets.json") == 0o600
    assert SecretStore(tmp_path).get("github.token") == TOKEN
    assert [(s.name, s.where) for s in store.names()] == [("github.token", stored.where)]
    assert store.delete("github.token") is True
    assert store.get("github.token") is None
    assert store.delete("github.token") is False
    assert TOKEN.encode() not in (tmp_path / "secrets.json").read_bytes()


def test_with_a_keyring_the_value_never_touches_the_file(
    tmp_path: Path, memory_keyring: MemoryKeyring
) -> None:
    store = SecretStore(tmp_path)
    stored = store.set("llm.api_key", API_KEY)
    assert stored.where.startswith("keyring (") and "MemoryKeyring" in stored.where
    assert memory_keyring.passwords == {("orchard", f"llm.api_key@{tmp_path}"): API_KEY}
    other = SecretStore(tmp_path / "other-home")  # another home shares no keyring entry
    assert other.get("llm.api_key") is None
    other.set("llm.api_key", "other-value-1")
    assert store.get("llm.api_key") == API_KEY
    assert API_KEY.encode() not in (tmp_path / "secrets.json").read_bytes()
    assert SecretStore(tmp_path).get("llm.api_key") == API_KEY
    assert store.values() == [API_KEY]
    assert store.delete("llm.api_key")
    assert list(memory_keyring.passwords.values()) == ["other-value-1"]


def test_a_keyring_secret_with_the_keyring_gone_says_how_to_recover(
    tmp_path: Path, memory_keyring: MemoryKeyring
) -> None:
    SecretStore(tmp_path).set("github.token", TOKEN)
    keyring.set_keyring(fail.Keyring())
    with pytest.raises(SecretsError, match=r"orchard secret set github\.token"):
        SecretStore(tmp_path).get("github.token")
    settings = load_settings(Home(tmp_path))  # Orchard still starts
    assert settings.github_token is None
    assert any("keyring" in n for n in settings.notices)


def test_bad_names_and_empty_values_refused(tmp_path: Path, no_keyring: None) -> None:
    store = SecretStore(tmp_path)
    with pytest.raises(SecretsError, match="not a secret name"):
        store.set("a b", "value123")
    with pytest.raises(SecretsError, match="empty"):
        store.set("github.token", "  ")
    assert not (tmp_path / "secrets.json").exists()


def test_config_token_moves_out_of_config_toml_on_first_read(
    tmp_path: Path, no_keyring: None
) -> None:
    home = Home(tmp_path / "home").ensure()
    home.config.write_text(
        "[settings]\nparallel = 3\n\n"
        f'[github]\ntoken = "{TOKEN}"\napi_url = "https://ghe.example/api/v3"\n\n'
        f'[llm]\nbase_url = "http://127.0.0.1:9/v1"\nmodel = "m"\napi_key = "{API_KEY}"\n'
    )
    settings = load_settings(home)
    assert settings.github_token == TOKEN
    assert settings.llm.api_key == API_KEY
    assert len(settings.notices) == 2
    assert settings.notices[0].startswith("moved [github] token out of ")
    text = home.config.read_text()
    assert TOKEN not in text and API_KEY not in text
    data = tomllib.loads(text)
    assert data["settings"]["parallel"] == 3  # the rest of config.toml is kept
    assert data["github"] == {"api_url": "https://ghe.example/api/v3"}
    assert data["llm"]["model"] == "m"
    assert _mode(home.secrets) == 0o600
    again = load_settings(home)
    assert (again.github_token, again.llm.api_key, again.notices) == (TOKEN, API_KEY, ())


def test_a_table_left_empty_goes_too(tmp_path: Path, no_keyring: None) -> None:
    home = Home(tmp_path / "home").ensure()
    home.config.write_text(f'[settings]\nparallel = 2\n\n[github]\ntoken = "{TOKEN}"\n')
    assert load_settings(home).github_token == TOKEN
    assert home.config.read_text() == "[settings]\nparallel = 2\n"


def test_an_unreadable_secrets_file_leaves_the_token_in_config_and_says_so(
    tmp_path: Path, no_keyring: None
) -> None:
    home = Home(tmp_path / "home").ensure()
    home.secrets.write_text("{not json")
    home.config.write_text(f'[github]\ntoken = "{TOKEN}"\n')
    settings = load_settings(home)
    assert settings.github_token == TOKEN
    assert "stays in clear" in settings.notices[0]
    assert home.secrets.read_text() == "{not json"  # nothing overwritten
    assert TOKEN in home.config.read_text()


def _orchard(home: Path, *args: str, stdin: str = "") -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "app", "--home", str(home), *args],
        input=stdin,
        capture_output=True,
        text=True,
        cwd=ROOT,
        env=child_env({"PYTHON_KEYRING_BACKEND": "keyring.backends.fail.Keyring"}),
        timeout=60,
    )


def test_secret_commands_store_list_and_delete_without_printing_values(tmp_path: Path) -> None:
    home = tmp_path / "home"
    put = _orchard(home, "secret", "set", "github.token", stdin=TOKEN + "\n")
    assert put.returncode == 0, put.stderr
    assert put.stdout.strip() == f"stored github.token in {home / 'secrets.json'}"
    listed = _orchard(home, "secret", "list")
    assert listed.stdout.split("\t")[0] == "github.token"
    assert TOKEN not in listed.stdout + put.stdout
    assert load_settings(Home(home)).github_token == TOKEN
    empty = _orchard(home, "secret", "set", "llm.api_key", stdin="\n")
    assert (empty.returncode, empty.stderr.strip()) == (
        1,
        "orchard: no value given for llm.api_key; type it or pipe it on stdin",
    )
    assert _orchard(home, "secret", "delete", "github.token").returncode == 0
    gone = _orchard(home, "secret", "delete", "github.token")
    assert gone.stderr.strip() == "orchard: no secret named github.token is stored"
    assert "no secrets stored" in _orchard(home, "secret", "list").stdout
