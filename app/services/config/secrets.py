"""Tokens and API keys: in the system keyring when there is one, else in a 0600 file.

`secrets.json` in Orchard's home (readable by the user alone) lists every stored name and
where its value lives; values kept in the keyring never touch the file. Reading that small
index first means the keyring (slow to load, and it may prompt) is only asked for a name it
actually holds.
"""

from __future__ import annotations

import contextlib
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import orjson

from app.services.config.atomicfile import write_atomically

SERVICE = "orchard"
FILE_NAME = "secrets.json"
KNOWN = {
    "github.token": "GitHub token ([github] token)",
    "llm.api_key": "API key of the triage suggestion endpoint ([llm] api_key)",
}
KEYRING = "keyring"
FILE = "file"


class SecretsError(Exception):
    """A secret cannot be read or stored; the message says which and why."""


@dataclass(frozen=True, slots=True)
class StoredSecret:
    """A secret's name and where its value is kept (never the value)."""

    name: str
    where: str  # "keyring (<backend>)" or the file's path


def usable_keyring() -> Any | None:
    """Return the system keyring backend, or None when only a failing or null one exists."""
    try:
        import keyring
        from keyring.backends import chainer, fail, null
    except ImportError:
        return None
    try:
        backend = keyring.get_keyring()
    except Exception:  # a broken keyring configuration: fall back to the file
        return None
    if isinstance(backend, fail.Keyring | null.Keyring):
        return None
    if isinstance(backend, chainer.ChainerBackend) and not backend.backends:
        return None
    return backend


class SecretStore:
    """Get, set and delete secrets by name (e.g. "github.token") for one Orchard home."""

    def __init__(self, root: Path, backend: Any | None = None, use_keyring: bool = True) -> None:
        self.path = root / FILE_NAME
        self._root = root
        self._backend = backend
        self._use_keyring = use_keyring and backend is None
        self._probed = backend is not None

    # reading

    def get(self, name: str) -> str | None:
        """Return the secret's value, or None if it is not stored."""
        entry = self._index().get(name)
        if entry is None:
            return None
        if entry.get("where") == KEYRING:
            return self._keyring_get(name)
        value = entry.get("value")
        return value if isinstance(value, str) else None

    def names(self) -> list[StoredSecret]:
        """Return every stored secret's name and where it is kept."""
        out = []
        for name, entry in sorted(self._index().items()):
            kept = entry.get("where") == KEYRING
            out.append(
                StoredSecret(
                    name, f"keyring ({entry.get('backend', '?')})" if kept else str(self.path)
                )
            )
        return out

    def values(self) -> list[str]:
        """Return every stored value, for masking; unreadable ones are skipped."""
        out = []
        try:
            names = list(self._index())
        except SecretsError:
            return []
        for name in names:
            with contextlib.suppress(SecretsError):
                if value := self.get(name):
                    out.append(value)
        return out

    # writing

    def set(self, name: str, value: str) -> StoredSecret:
        """Store `value` under `name`: in the keyring when usable, else in the file."""
        _check_name(name)
        if not value.strip():
            raise SecretsError(f"the value for {name} is empty; use `orchard secret delete`")
        index = self._index()
        backend = self._keyring()
        if backend is not None:
            try:
                backend.set_password(SERVICE, self.account(name), value)
            except Exception as exc:
                raise SecretsError(f"the keyring refused {name}: {exc}") from None
            index[name] = {"where": KEYRING, "backend": _backend_name(backend)}
        else:
            index[name] = {"where": FILE, "value": value}
        self._save(index)
        return next(s for s in self.names() if s.name == name)

    def delete(self, name: str) -> bool:
        """Forget the secret wherever it is kept; False if there was none."""
        index = self._index()
        entry = index.pop(name, None)
        if entry is None:
            return False
        if entry.get("where") == KEYRING and (backend := self._keyring()) is not None:
            with contextlib.suppress(Exception):  # already gone from the keyring is fine
                backend.delete_password(SERVICE, self.account(name))
        self._save(index)
        return True

    # the file and the keyring

    def account(self, name: str) -> str:
        """Return the keyring user name for `name`: one per home, so two homes never share."""
        return f"{name}@{self._root}"

    def _keyring(self) -> Any | None:
        if not self._probed:
            self._probed = True
            self._backend = usable_keyring() if self._use_keyring else None
        return self._backend

    def _keyring_get(self, name: str) -> str | None:
        backend = self._keyring()
        if backend is None:
            raise SecretsError(
                f"{name} is kept in the system keyring, which is not available now; "
                f"set it again with `orchard secret set {name}`"
            )
        try:
            value = backend.get_password(SERVICE, self.account(name))
        except Exception as exc:
            raise SecretsError(f"the keyring could not read {name}: {exc}") from None
        return value if isinstance(value, str) else None

    def _index(self) -> dict[str, dict[str, Any]]:
        try:
            data = orjson.loads(self.path.read_bytes())
        except FileNotFoundError:
            return {}
        except (OSError, orjson.JSONDecodeError) as exc:
            raise SecretsError(f"{self.path} cannot be read: {exc}") from None
        secrets = data.get("secrets") if isinstance(data, dict) else None
        if not isinstance(secrets, dict):
            raise SecretsError(f"{self.path} is not an Orchard secrets file")
        return {k: v for k, v in secrets.items() if isinstance(v, dict)}

    def _save(self, index: dict[str, dict[str, Any]]) -> None:
        data = orjson.dumps({"version": 1, "secrets": index}, option=orjson.OPT_INDENT_2)
        write_atomically(self.path, data, mode=0o600)


def _check_name(name: str) -> None:
    if not name or not all(c.isalnum() or c in "._-" for c in name):
        raise SecretsError(f"'{name}' is not a secret name: use letters, digits, '.', '_', '-'")


def _backend_name(backend: Any) -> str:
    return f"{type(backend).__module__}.{type(backend).__name__}"
