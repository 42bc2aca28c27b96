"""Where the service and its clients meet: the socket in the home, its version, and its reach.

Both sides import this, and nothing else of each other: the client never imports the server.
"""

from __future__ import annotations

import contextlib
import os
import socket
from collections.abc import Iterator
from pathlib import Path

API_VERSION = 2  # bumped when a request or a reply changes shape (2: operations, handover)
API_HEADER = "Orchard-API"
SOCKET_NAME = "orchard.sock"
DOOR_NAME = "asks.sock"  # the inbox's door: agents' helpers and foreground commands ask there
# Unversioned, so that any newer Orchard can ask any older service to hand the home over.
HANDOVER_PATH = "/handover"
SERVICE_LOG = "service.log"
SERVICE_FAILURE = "service.failed"  # why the last start failed, one line, for the client
# Linux's sockaddr_un holds 108 bytes; a longer path is reached through its folder's fd.
_MAX_ADDRESS = 100


def socket_path(home_root: Path) -> Path:
    """Return the service's socket inside the home."""
    return home_root / SOCKET_NAME


class HeldAddress:
    """An address for `path` that fits in a socket address, however deep the home is.

    A long path is reached through its folder's file descriptor, held until close().
    """

    def __init__(self, path: Path) -> None:
        self._folder: int | None = None
        if len(os.fsencode(path)) <= _MAX_ADDRESS:
            self.address = str(path)
            return
        self._folder = os.open(path.parent, os.O_PATH | os.O_DIRECTORY)
        self.address = f"/proc/self/fd/{self._folder}/{path.name}"

    def close(self) -> None:
        """Let the folder go."""
        if self._folder is not None:
            os.close(self._folder)
            self._folder = None


@contextlib.contextmanager
def reachable(path: Path) -> Iterator[str]:
    """Yield an address for `path` that fits in a socket address, for one bind or connect."""
    held = HeldAddress(path)
    try:
        yield held.address
    finally:
        held.close()


def connect(path: Path, timeout: float | None = None) -> socket.socket:
    """Connect to the socket at `path`; raise OSError if nothing listens there."""
    sock = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    sock.settimeout(timeout)
    try:
        with reachable(path) as address:
            sock.connect(address)
    except OSError:
        sock.close()
        raise
    return sock


def version_refusal(theirs: str | None, side: str) -> str | None:
    """Return the one line a side prints when the other speaks another API version."""
    if theirs == str(API_VERSION):
        return None
    return (
        f"this Orchard speaks service API {API_VERSION} and the {side} speaks "
        f"{theirs or 'an unknown one'}; restart the service with `orchard service restart`"
    )
