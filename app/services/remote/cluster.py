"""Reaching a Ray cluster: once per process, off the event loop, failing in one line."""

from __future__ import annotations

import hashlib
import importlib.util
import os
import re
import socket
import threading
from pathlib import Path

from app.services.tasks import ExecutorUnavailable

PROBE_SECONDS = 3.0
_lock = threading.Lock()


def namespace_for(home: Path) -> str:
    """Return the Ray namespace of an Orchard home: its tasks' actors are named in it."""
    return "orchard-" + hashlib.sha1(str(home.resolve()).encode()).hexdigest()[:12]


def connect(address: str, namespace: str) -> None:
    """Connect this process to the cluster at `address` (blocking: run it in a thread).

    Raise ExecutorUnavailable with one line: Ray missing, nothing listening, versions
    that differ. A process stays connected to the first cluster it reached.
    """
    if importlib.util.find_spec("ray") is None:
        raise ExecutorUnavailable(
            "the Ray executor needs Ray on this machine: install orchard[ray] "
            "(pip install 'orchard[ray]')"
        )
    # Read when Ray is first imported. Run under `uv run`, Ray would otherwise start the
    # cluster's workers through `uv run`, uploading the current folder as their working folder.
    os.environ.setdefault("RAY_ENABLE_UV_RUN_RUNTIME_ENV", "0")
    import ray

    _probe(address)
    with _lock:
        if ray.is_initialized():
            return
        try:
            ray.init(
                address=address,
                namespace=namespace,
                log_to_driver=False,
                logging_level="error",
                configure_logging=False,
            )
        except Exception as exc:  # Ray raises plain ConnectionError/RuntimeError
            raise ExecutorUnavailable(explain(address, exc)) from None


def _probe(address: str) -> None:
    """Fail fast where nothing listens: ray.init would retry for a minute or more."""
    match = re.fullmatch(r"(?:ray://)?\[?([^\]]+?)\]?:(\d+)", address)
    if match is None:
        return  # "auto", or a form Ray resolves itself
    host, port = match.group(1), int(match.group(2))
    try:
        socket.create_connection((host, port), timeout=PROBE_SECONDS).close()
    except OSError as exc:
        reason = exc.strerror or str(exc) or "timed out"
        raise ExecutorUnavailable(
            f"cannot reach the Ray cluster at {address}: {reason}; "
            "queued tasks wait (check [executor] address in config.toml)"
        ) from None


def explain(address: str, exc: Exception) -> str:
    """Say in one line why connecting to `address` failed."""
    text = " ".join(str(exc).split())
    if "version mismatch" in text.lower():
        found = re.findall(r"Ray: ([\w.+-]+),? Python: ([\w.+-]+)", text)
        if len(found) >= 2:
            (cluster_ray, cluster_py), (here_ray, here_py) = found[0], found[1]
            return (
                f"the Ray cluster at {address} runs Ray {cluster_ray} on Python {cluster_py}, "
                f"this Orchard has Ray {here_ray} on Python {here_py}: they must match"
            )
        return f"the Ray cluster at {address} runs other Ray or Python versions than this Orchard"
    first = re.split(r"(?<=[.!?])\s", text, maxsplit=1)[0]
    return f"cannot reach the Ray cluster at {address}: {first[:300]}"
