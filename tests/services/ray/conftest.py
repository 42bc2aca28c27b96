"""One real 2-node Ray cluster for the whole test session, on this machine.

Ray's files go to a temporary folder of this session (RAY_TMPDIR), never its shared default;
only this cluster is shut down at the end (never `ray stop`, which would end every Ray on the
machine). The head has the `head` resource, the second node `second`; each has five
`agent_slot`s. Starting it takes 8-13 s on a 2-core machine.
"""

from __future__ import annotations

import asyncio
import contextlib
import os
import shutil
import tempfile
from collections.abc import Iterator
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any

import pytest

from app.core.task import Task
from app.services.config import ExecutorSettings, Home, load_settings
from app.services.orchard import Orchard
from app.services.remote import namespace_for

# Read when Ray is imported: under `uv run pytest` Ray would otherwise start every worker
# through `uv run` with this checkout uploaded as its working folder (seconds per worker).
os.environ["RAY_ENABLE_UV_RUN_RUNTIME_ENV"] = "0"
ray = pytest.importorskip("ray")  # in the dev group: CI has it

pytestmark = pytest.mark.ray


@dataclass(frozen=True)
class RayCluster:
    address: str
    head: str  # node ids
    second: str
    node_dir: Path  # where the nodes keep clones and checkouts
    cluster: Any


@pytest.fixture(scope="session")
def ray_cluster(tmp_path_factory: pytest.TempPathFactory) -> Iterator[RayCluster]:
    from ray.cluster_utils import Cluster

    base = tmp_path_factory.mktemp("ray")
    # Ray's socket paths must fit in 107 bytes: pytest's folders (with xdist's popen-gwN) are
    # too deep, so Ray's own files go to a short folder of this session, removed after it.
    short = Path(tempfile.mkdtemp(prefix="oray-", dir="/tmp"))
    os.environ["RAY_TMPDIR"] = str(short)
    cluster = Cluster(
        initialize_head=True,
        head_node_args={"num_cpus": 1, "resources": {"head": 100, "agent_slot": 5}},
    )
    second = cluster.add_node(num_cpus=1, resources={"second": 100, "agent_slot": 5})
    cluster.wait_for_nodes()
    ray.init(address=cluster.address, log_to_driver=False, logging_level="error")
    head_id = cluster.head_node.node_id
    try:
        yield RayCluster(cluster.address, head_id, second.node_id, base / "nodes", cluster)
    finally:
        ray.shutdown()
        cluster.shutdown()
        shutil.rmtree(short, ignore_errors=True)


@pytest.fixture
def ray_home(tmp_path: Path) -> Iterator[Path]:
    """An Orchard home whose task actors are killed after the test: they hold node resources."""
    home = tmp_path / "home"
    yield home
    namespace = namespace_for(home)
    for actor in ray.util.list_named_actors(all_namespaces=True):
        if actor["namespace"] == namespace:
            with contextlib.suppress(ValueError):
                ray.kill(ray.get_actor(actor["name"], namespace=namespace), no_restart=True)


def ray_orchard(home: Path, ray_cluster: RayCluster, **executor: Any) -> Orchard:
    """Return an Orchard whose tasks run on the session's cluster with these [executor] values."""
    h = Home(home)
    settings = load_settings(h.ensure())
    chosen = ExecutorSettings(
        kind="ray",
        address=ray_cluster.address,
        node_dir=str(ray_cluster.node_dir),
        **{"cpus": 0.0, **executor},
    )
    return Orchard(h, settings=replace(settings, executor=chosen))


async def wait_for(check: Any, timeout: float = 60.0, step: float = 0.1) -> Any:
    """Poll `check()` on the loop until it returns something true; return it."""
    loop = asyncio.get_running_loop()
    deadline = loop.time() + timeout
    while loop.time() < deadline:
        if value := check():
            return value
        await asyncio.sleep(step)
    raise AssertionError(f"never happened: {check}")


def agent_pids_in(folder: Path) -> list[int]:
    """Return the processes whose working folder is in `folder`."""
    root = str(folder.resolve()) + os.sep
    found = []
    for entry in os.listdir("/proc"):
        if entry.isdigit():
            with contextlib.suppress(OSError):
                if (os.readlink(f"/proc/{entry}/cwd") + os.sep).startswith(root):
                    found.append(int(entry))
    return found


def ancestors(pid: int) -> list[int]:
    """Return the chain of parents of `pid`, up to init."""
    chain = []
    while pid > 1:
        stat = Path(f"/proc/{pid}/stat").read_text()
        pid = int(stat[stat.rfind(")") + 2 :].split()[1])
        chain.append(pid)
    return chain


def node_checkout(ray_cluster: RayCluster, task: Task) -> Path:
    return ray_cluster.node_dir / "worktrees" / task.id
