"""[executor] in config.toml: where agents run, and what each task takes on a node."""

from __future__ import annotations

from pathlib import Path

import pytest

from app.services.config import ConfigError, ExecutorSettings, Home, load_settings
from app.services.orchard import Orchard


def _settings(home: Path, text: str) -> ExecutorSettings:
    home.mkdir(parents=True, exist_ok=True)
    (home / "config.toml").write_text(text)
    return load_settings(Home(home)).executor


def test_the_executor_is_local_unless_config_names_a_cluster(tmp_path: Path) -> None:
    assert _settings(tmp_path / "a", "") == ExecutorSettings()
    chosen = _settings(
        tmp_path / "b",
        '[executor]\nkind = "ray"\naddress = "ray://head:10001"\ncpus = 2\nmemory_mb = 4096\n'
        "[executor.resources]\nagent_slot = 1\n",
    )
    assert (chosen.kind, chosen.address, chosen.cpus, chosen.memory_mb) == (
        "ray",
        "ray://head:10001",
        2.0,
        4096,
    )
    assert chosen.resources == {"agent_slot": 1.0}


def test_the_orchard_of_a_ray_home_supervises_with_the_ray_executor(tmp_path: Path) -> None:
    _settings(tmp_path / "h", '[executor]\nkind = "ray"\naddress = "10.0.0.1:6379"\n')
    orchard = Orchard(Home(tmp_path / "h"))
    try:
        assert orchard.supervisor.executor.kind == "ray"  # nothing is reached until it runs
    finally:
        orchard.close()


@pytest.mark.parametrize(
    "text",
    ['kind = "k8s"', "cpus = -1", 'memory_mb = "lots"', "address = 6379", "resources = 3"],
)
def test_a_bad_executor_table_is_one_clear_error(tmp_path: Path, text: str) -> None:
    with pytest.raises(ConfigError, match=r"config.toml: executor\."):
        _settings(tmp_path / "h", f"[executor]\n{text}\n")
