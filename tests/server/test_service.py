"""The background service as a user meets it: started by commands, found, stopped, recovered."""

from __future__ import annotations

import os
import signal
import socket
import stat
import subprocess
import sys
import time
from pathlib import Path

from app.client import ServiceClient, ServiceError, ensure_service
from app.localsocket import API_HEADER, API_VERSION, socket_path
from tests.conftest import ROOT, Cli, child_env, process_alive
from tests.server.conftest import is_down, service_pid, task_state, wait_for, wait_gone


def test_a_queued_task_runs_with_no_orchard_run(on: Cli, project: str, home: Path) -> None:
    new = on("task", "new", project, "echo hi > out.txt", "--agent", "shell")
    assert new.code == 0, new.err
    task_id = new.out.strip()
    assert len(task_id) == 32 and new.out == task_id + "\n"  # only the id on stdout
    wait_for(lambda: task_state(on, task_id) == "succeeded", what="the task to succeed")
    status = on("service", "status", "--json").json()
    assert status["running"] and status["tasks"] == {"succeeded": 1}
    assert status["home"] == str(home) and process_alive(status["pid"])


def test_the_socket_is_the_owners_alone(on: Cli, home: Path) -> None:
    assert on("service", "start").code == 0
    info = os.stat(socket_path(home))
    assert stat.S_ISSOCK(info.st_mode)
    assert stat.S_IMODE(info.st_mode) == 0o600
    assert info.st_uid == os.getuid()


def test_a_second_start_finds_the_first(on: Cli, home: Path) -> None:
    starts = [
        subprocess.Popen(
            [sys.executable, "-m", "app", "--home", str(home), "service", "start", "--json"],
            stdout=subprocess.PIPE,
            env=child_env({"ORCHARD_SERVICE": "on"}),
            cwd=ROOT,
        )
        for _ in range(3)
    ]
    outs = [p.communicate(timeout=120)[0] for p in starts]
    assert [p.returncode for p in starts] == [0, 0, 0]
    pids = {int(o.split(b'"pid": ')[1].split(b",")[0]) for o in outs}
    assert pids == {service_pid(home)}
    assert on("service", "start").code == 0 and service_pid(home) in pids


def test_status_and_stop_when_none_runs(on: Cli, home: Path) -> None:
    status = on("service", "status")
    assert status.code == 3 and "no Orchard service is running" in status.out
    stop = on("service", "stop")
    assert stop.code == 0 and "no Orchard service was running" in stop.out


def test_stop_is_refused_while_agents_run_unless_forced(on: Cli, project: str, home: Path) -> None:
    task_id = on("task", "new", project, "sleep 60", "--agent", "shell").out.strip()
    wait_for(lambda: task_state(on, task_id) == "running", what="the agent to run")
    refused = on("service", "stop")
    assert refused.code == 1
    assert "1 task is running; --drain lets them finish first" in refused.err
    assert "Traceback" not in refused.err and len(refused.err.splitlines()) == 1
    pid = service_pid(home)
    forced = on("service", "stop", "--force")
    assert forced.code == 0 and "1 running task was stopped" in forced.out
    assert not process_alive(pid) and not socket_path(home).exists()
    assert task_state(on, task_id) == "stopped"


def test_drain_lets_running_tasks_finish(on: Cli, project: str, home: Path) -> None:
    task_id = on("task", "new", project, "sleep 2; echo ok > f", "--agent", "shell").out.strip()
    wait_for(lambda: task_state(on, task_id) == "running", what="the agent to run")
    drained = on("service", "stop", "--drain")
    assert drained.code == 0, drained.err
    assert task_state(on, task_id) == "succeeded"
    assert is_down(home)


def test_the_service_exits_when_idle(on: Cli, project: str, home: Path) -> None:
    (home / "config.toml").write_text("[service]\nidle_exit_seconds = 1\n")
    task_id = on("task", "new", project, "sleep 1", "--agent", "shell").out.strip()
    pid = service_pid(home)
    wait_for(lambda: task_state(on, task_id) == "succeeded", what="the task to succeed")
    assert process_alive(pid)  # it waited for the task, not only for its idle time
    wait_gone(pid, timeout=15)
    assert not socket_path(home).exists()
    assert "idle for 1 s" in (home / "service.log").read_text()


def test_the_service_exits_when_its_home_is_deleted(on: Cli, home: Path) -> None:
    assert on("service", "start").code == 0
    pid = service_pid(home)
    (home / "orchard.db").unlink()
    wait_gone(pid, timeout=15)


def test_a_stale_socket_is_replaced_never_trusted(on: Cli, home: Path) -> None:
    home.mkdir(parents=True)
    dead = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    dead.bind(str(socket_path(home)))  # bound, never listening: what a crash leaves
    dead.close()
    assert on("service", "status").code == 3  # a socket nobody answers on is no service
    started = on("service", "start")
    assert started.code == 0, started.err
    assert ServiceClient(home).status()["pid"] == service_pid(home)


def test_a_killed_service_is_recovered_by_the_next_command(
    on: Cli, project: str, home: Path
) -> None:
    task_id = on("task", "new", project, "sleep 60", "--agent", "shell").out.strip()
    wait_for(lambda: task_state(on, task_id) == "running", what="the agent to run")
    agent_group = on("task", "show", task_id, "--json").json()["pgid"]
    os.kill(service_pid(home), signal.SIGKILL)
    assert on("service", "status").code == 3
    started = on("service", "start")
    assert started.code == 0, started.err
    assert task_state(on, task_id) == "interrupted"
    wait_for(lambda: not process_alive(agent_group), what="the orphaned agent to be reaped")
    resumed = on("task", "resume", task_id)
    assert resumed.code == 0, resumed.err
    wait_for(lambda: task_state(on, task_id) == "running", what="the resumed task to run")


def test_a_client_of_another_api_version_is_refused(on: Cli, home: Path) -> None:
    assert on("service", "start").code == 0
    sock = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    sock.connect(str(socket_path(home)))
    sock.sendall(f"GET /v1/status HTTP/1.1\r\nHost: x\r\n{API_HEADER}: 999\r\n\r\n".encode())
    time.sleep(0.5)
    reply = sock.recv(65536).decode()
    sock.close()
    assert reply.startswith("HTTP/1.1 409")
    assert f"speaks service API {API_VERSION} and the client speaks 999" in reply


def test_a_service_of_another_api_version_is_refused(home: Path) -> None:
    home.mkdir(parents=True)
    server = subprocess.Popen(
        [sys.executable, "-c", _OLD_SERVICE, str(socket_path(home))], stdout=subprocess.PIPE
    )
    try:
        assert server.stdout is not None and server.stdout.readline() == b"ready\n"
        try:
            ServiceClient(home).status()
        except ServiceError as exc:
            assert "the service speaks 0" in str(exc)
        else:
            raise AssertionError("a service of API 0 was accepted")
    finally:
        server.kill()
        server.wait()


_OLD_SERVICE = """
import http.server, socketserver, sys
class H(http.server.BaseHTTPRequestHandler):
    def do_GET(self):
        self.send_response(200); self.send_header("Orchard-API", "0")
        self.send_header("Content-Length", "2"); self.end_headers(); self.wfile.write(b"{}")
class S(socketserver.UnixStreamServer):
    def get_request(self):
        request, _ = super().get_request(); return request, ("local", 0)
s = S(sys.argv[1], H); print("ready", flush=True); s.serve_forever()
"""


def test_a_service_that_cannot_start_says_why_in_one_line(on: Cli, home: Path) -> None:
    home.mkdir(parents=True)
    (home / "config.toml").write_text("[service]\nidle_exit_seconds = -1\n")
    started = on("service", "start")
    assert started.code == 1
    assert started.err.startswith("orchard: the Orchard service could not start: ")
    assert "idle_exit_seconds must be a whole number" in started.err
    assert len(started.err.splitlines()) == 1


def test_a_request_failing_in_the_service_is_one_line(home: Path) -> None:
    client = ensure_service(home)
    try:
        client.request("POST", "/v1/tasks/nope/stop")
    except ServiceError as exc:
        assert str(exc) == "'nope' is not a task id (use the id `orchard task list` shows)"
    else:
        raise AssertionError("stopping an unknown task succeeded")


def test_a_second_service_leaves_the_first_ones_socket_alone(on: Cli, home: Path) -> None:
    assert on("service", "start").code == 0
    pid = service_pid(home)
    second = subprocess.run(
        [sys.executable, "-m", "app.server", "--home", str(home)],
        env=child_env(),
        cwd=ROOT,
        timeout=60,
    )
    assert second.returncode == 1
    assert "already running tasks for this home" in (home / "service.failed").read_text()
    assert service_pid(home) == pid  # still reachable: its socket was not removed


def test_stopping_ends_the_streams_of_connected_windows(on: Cli, home: Path) -> None:
    assert on("service", "start").code == 0
    window = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    window.connect(str(socket_path(home)))
    window.sendall(
        f"GET /v1/board HTTP/1.1\r\nHost: x\r\n{API_HEADER}: {API_VERSION}\r\n\r\n".encode()
    )
    assert window.recv(4096).startswith(b"HTTP/1.1 200")
    assert ServiceClient(home).status()["clients"] == 1
    started = time.monotonic()
    assert on("service", "stop").code == 0
    assert time.monotonic() - started < 20  # aiohttp would wait 60 s for the stream to end
    window.close()


def test_a_drain_can_be_overtaken_by_a_forced_stop(on: Cli, project: str, home: Path) -> None:
    task_id = on("task", "new", project, "sleep 60", "--agent", "shell").out.strip()
    wait_for(lambda: task_state(on, task_id) == "running", what="the agent to run")
    pid = service_pid(home)
    draining = subprocess.Popen(
        [sys.executable, "-m", "app", "--home", str(home), "service", "stop", "--drain"],
        env=child_env({"ORCHARD_SERVICE": "on"}),
        cwd=ROOT,
        stdout=subprocess.PIPE,
    )
    wait_for(lambda: "stopping" in (home / "service.log").read_text(), what="the drain")
    os.kill(pid, signal.SIGTERM)  # what logging out does
    assert draining.wait(timeout=60) == 0
    wait_gone(pid)
    assert task_state(on, task_id) == "stopped"
