"""Start the home's service when a client needs it, and stop it when asked.

Two clients starting at once do not race: the second waits on the first's start lock and then
finds the service up. A service that cannot start leaves one line that says why.
"""

from __future__ import annotations

import contextlib
import fcntl
import os
import subprocess
import time
from collections.abc import Iterator
from pathlib import Path

from app import __version__
from app.client.connection import ServiceClient
from app.client.errors import ServiceDown, ServiceError, ServiceSilent
from app.core.words import counted
from app.installation import module_argv, module_env
from app.localsocket import HANDOVER_PATH, SERVICE_FAILURE

LEGACY_API = 1  # the service API before handovers: it is asked to drain instead
START_SECONDS = 60.0  # a damaged database's rebuild happens before the service answers
START_LOCK = "service.start.lock"
SERVICE_ERRORS = "service.err"  # what the service's process printed, for a crash at start


def ensure_service(home_root: Path, timeout: float = START_SECONDS) -> ServiceClient:
    """Return a client of the home's service, starting the service if none answers.

    A service of another Orchard version hands the home over to this one's: at once when
    nothing runs; else its running agents finish first, and meanwhile it still answers
    (when it speaks this API) or this raises ServiceError saying so.
    """
    client = ServiceClient(home_root)
    if _current(client):
        return client
    home_root.mkdir(parents=True, exist_ok=True)
    with _start_lock(home_root):
        if _current(client):  # another client started it while we waited
            return client
        if _answers(client):
            return _take_over(client, timeout)
        process = spawn_service(home_root)
        _await_start(client, process, timeout)
    return client


def _current(client: ServiceClient) -> bool:
    """Say whether a service of this very Orchard answers."""
    try:
        return client.status().get("version") == __version__
    except (ServiceDown, ServiceSilent):
        return False
    except ServiceError:  # it speaks another API: an older or newer Orchard's
        return False


def _answers(client: ServiceClient) -> bool:
    try:
        client.request("POST", HANDOVER_PATH, {"version": __version__}, timeout=5.0)
    except (ServiceDown, ServiceSilent):
        return False
    except ServiceError:
        return True  # it answered, refusing the bare question: it is there
    return True


def _take_over(client: ServiceClient, timeout: float) -> ServiceClient:
    """Ask another version's service to hand the home over; return once this one's answers."""
    home = str(client.home_root)
    successor = {
        "version": __version__,
        "argv": module_argv("app.server", "--home", home),
        "env": module_env(),
        "cwd": os.getcwd(),
    }
    try:
        answer = client.request("POST", HANDOVER_PATH, successor, timeout=10.0)
    except ServiceError as exc:
        if exc.reply and "kind" in exc.reply:  # it refused, in its words
            raise
        return _replace_legacy(client, timeout)  # an Orchard from before handovers
    if answer.get("same"):
        return client
    running = int(answer.get("running", 0))
    if running:
        if _speaks_our_api(client):
            return client  # it answers while its agents finish; queued tasks wait for ours
        raise ServiceError(
            f"the service of Orchard {answer.get('version')} finishes its {running} running "
            f"{'task' if running == 1 else 'tasks'} first, then Orchard {__version__}'s takes "
            "over; try again then"
        )
    _await_exit(int(answer["pid"]))
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if _current(client):
            return client
        time.sleep(0.05)
    raise ServiceError(
        f"Orchard {__version__}'s service did not take over within {timeout:.0f} s; "
        f"see {client.home_root / 'service.log'}"
    )


def _replace_legacy(client: ServiceClient, timeout: float) -> ServiceClient:
    """Replace a service that knows no handover: it drains (its agents finish), then ours starts."""
    try:
        answer = client.request("POST", "/v1/stop", {"drain": True}, api=LEGACY_API)
    except ServiceError as exc:
        raise ServiceError(
            f"an older Orchard's service runs on this home and cannot be replaced ({exc}); "
            "stop it with that Orchard's `orchard service stop --drain`"
        ) from None
    running = int(answer.get("running", 0))
    if running:
        raise ServiceError(
            f"an older Orchard's service finishes its {counted(running, 'running task')} first; "
            f"run this again then, and Orchard {__version__}'s service starts"
        )
    deadline = time.monotonic() + timeout
    while _answers(client) and time.monotonic() < deadline:
        time.sleep(0.05)
    process = spawn_service(client.home_root)
    _await_start(client, process, timeout)
    return client


def _speaks_our_api(client: ServiceClient) -> bool:
    try:
        client.status()
    except ServiceError:
        return False
    return True


def spawn_service(home_root: Path) -> subprocess.Popen[bytes]:
    """Start the service's process, detached from this one's session and terminal."""
    (home_root / SERVICE_FAILURE).unlink(missing_ok=True)
    with open(home_root / SERVICE_ERRORS, "wb") as errors:
        return subprocess.Popen(
            module_argv("app.server", "--home", str(home_root)),
            stdin=subprocess.DEVNULL,
            stdout=subprocess.DEVNULL,
            stderr=errors,
            env=module_env(),
            start_new_session=True,  # a Ctrl-C or a closed terminal does not reach it
            close_fds=True,
        )


def _await_start(client: ServiceClient, process: subprocess.Popen[bytes], timeout: float) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if client.alive():
            return
        if process.poll() is not None:
            if client.alive():  # another took the home first (an old one's successor): use it
                return
            raise ServiceError(f"the Orchard service could not start: {_why(client.home_root)}")
        time.sleep(0.02)
    raise ServiceError(
        f"the Orchard service did not answer within {timeout:.0f} s; "
        f"see {client.home_root / 'service.log'}"
    )


def _why(home_root: Path) -> str:
    for name in (SERVICE_FAILURE, SERVICE_ERRORS):
        with contextlib.suppress(OSError):
            lines = (home_root / name).read_text(errors="replace").strip().splitlines()
            if lines:
                return lines[-1]
    return f"it exited at once; see {home_root / 'service.log'}"


@contextlib.contextmanager
def _start_lock(home_root: Path) -> Iterator[None]:
    fd = os.open(home_root / START_LOCK, os.O_RDWR | os.O_CREAT, 0o600)
    try:
        fcntl.flock(fd, fcntl.LOCK_EX)
        yield
    finally:
        os.close(fd)


def stop_service(home_root: Path, drain: bool = False, force: bool = False) -> int | None:
    """Ask the service to stop and wait until it has; None if none was running.

    Return how many tasks were running when it was asked.
    """
    client = ServiceClient(home_root)
    try:
        status = client.status()
        answer = client.request("POST", "/v1/stop", {"drain": drain, "force": force})
    except ServiceDown:
        return None
    _await_exit(int(status["pid"]))
    return int(answer.get("running", 0))


def _await_exit(pid: int) -> None:
    while _running(pid):
        time.sleep(0.05)


def _running(pid: int) -> bool:
    """Say whether process `pid` still runs (an exited child not yet reaped does not)."""
    try:
        state = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0]
    except (OSError, IndexError):
        return False
    return state != "Z"
