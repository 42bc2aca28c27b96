"""Installing Orchard: the wheel carries its files, `orchard desktop install` and uninstall,
and Orchard's own modules start the same way from a checkout and from a frozen bundle."""

from __future__ import annotations

import asyncio
import json
import os
import shutil
import subprocess
import sys
import zipfile
from pathlib import Path

import pytest

from app.installation import APP_ID, ICON_SIZES, RUN_MODULE, module_argv
from app.services.desktop import desktop_entry, exec_value, install_desktop, uninstall_desktop
from app.services.errors import UserError
from tests.conftest import ROOT
from tests.packaging.toolkit import need_tool, orchard_script

# The desktop's own caches, which its tools rewrite; uninstall leaves them to those tools.
DESKTOP_CACHES = {"mimeinfo.cache", "icon-theme.cache"}


def _orchard(*args: str, env: dict[str, str], cwd: Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [str(orchard_script()), *args],
        env={**os.environ, **env},
        cwd=cwd,
        capture_output=True,
        text=True,
        timeout=120,
    )


def test_the_wheel_carries_resources_and_finds_them_installed(tmp_path: Path) -> None:
    uv = os.environ.get("UV") or shutil.which("uv")  # `uv run` names itself in $UV
    if uv is None:
        pytest.fail("uv is not on PATH; run the tests with `uv run pytest`")
    out = tmp_path / "dist"
    subprocess.run(
        [uv, "build", "--wheel", "-q", "-o", str(out)], cwd=ROOT, check=True, timeout=300
    )
    (wheel,) = out.glob("*.whl")
    names = set(zipfile.ZipFile(wheel).namelist())
    assert f"app/resources/icons/{APP_ID}.svg" in names
    assert {f"app/resources/icons/{s}/{APP_ID}.png" for s in ICON_SIZES} <= names
    assert f"app/packaging/linux/{APP_ID}.desktop" in names
    # the same lookup, run on the unpacked wheel (no checkout beside it), finds them there
    site = tmp_path / "site"
    zipfile.ZipFile(wheel).extractall(site)
    found = subprocess.run(
        [sys.executable, "-c", "from app.installation import icon_file; print(icon_file(48))"],
        cwd=tmp_path,
        env={**os.environ, "PYTHONPATH": str(site)},
        capture_output=True,
        text=True,
        check=True,
    ).stdout.strip()
    assert Path(found) == site / "app" / "resources" / "icons" / "48" / f"{APP_ID}.png"


def test_desktop_install_writes_a_valid_entry_and_uninstall_removes_it(tmp_path: Path) -> None:
    data = tmp_path / "share"
    env = {"XDG_DATA_HOME": str(data)}
    result = _orchard("desktop", "install", "--json", env=env, cwd=tmp_path)
    assert result.returncode == 0, result.stderr
    written = [Path(p) for p in json.loads(result.stdout)["wrote"]]
    assert len(written) == 3 + len(ICON_SIZES) and all(p.is_file() for p in written)
    entry = data / "applications" / f"{APP_ID}.desktop"
    assert entry in written
    keys = dict(line.split("=", 1) for line in entry.read_text().splitlines() if "=" in line)
    assert Path(keys["TryExec"]) == orchard_script() and os.access(keys["TryExec"], os.X_OK)
    assert keys["Exec"] == exec_value(str(orchard_script()))
    validate = need_tool("desktop-file-validate")
    assert subprocess.run([validate, str(entry)], capture_output=True).returncode == 0

    removed = _orchard("desktop", "uninstall", "--json", env=env, cwd=tmp_path)
    assert removed.returncode == 0, removed.stderr
    assert sorted(json.loads(removed.stdout)["removed"]) == sorted(map(str, written))
    left = [p.name for p in data.rglob("*") if p.is_file()]
    assert set(left) <= DESKTOP_CACHES, left
    again = _orchard("desktop", "uninstall", env=env, cwd=tmp_path)
    assert again.returncode == 0 and "nothing to remove" in again.stdout


def test_desktop_install_without_an_orchard_command_says_so(tmp_path: Path) -> None:
    env = {**os.environ, "XDG_DATA_HOME": str(tmp_path / "share"), "PATH": "/usr/bin:/bin"}
    result = subprocess.run(
        [sys.executable, "-m", "app", "desktop", "install"],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
    )
    assert result.returncode == 1
    assert result.stderr.strip() == (
        "orchard: cannot find the orchard command on PATH; install Orchard first"
    )
    assert not (tmp_path / "share").exists()


def test_a_module_starts_with_python_in_a_checkout() -> None:
    assert module_argv("app.demo_agent", "x") == (sys.executable, "-m", "app.demo_agent", "x")


def test_a_frozen_orchard_starts_its_own_modules(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    # Frozen, sys.executable is Orchard itself: here, the real `orchard` entry point stands in.
    monkeypatch.setattr(sys, "frozen", True, raising=False)
    monkeypatch.setattr(sys, "executable", str(orchard_script()))
    argv = module_argv("app.demo_agent", "add a greeting")
    assert argv[:3] == (str(orchard_script()), RUN_MODULE, "app.demo_agent")
    result = subprocess.run(
        argv,
        cwd=tmp_path,
        env={**os.environ, "ORCHARD_DEMO_PACE": "0"},
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert result.returncode == 0, result.stderr
    events = [json.loads(line) for line in result.stdout.splitlines() if line.startswith("{")]
    assert events and events[-1]["type"] == "turn.completed"
    compiled = [e["item"] for e in events if e.get("item", {}).get("type") == "command_execution"]
    assert any(
        "py_compile" in item.get("command", "") and item.get("exit_code") == 0 for item in compiled
    ), compiled


@pytest.mark.parametrize(
    ("path", "value"),
    [
        ("/opt/orchard/orchard", "/opt/orchard/orchard"),
        ("/home/a b/orchard", '"/home/a b/orchard"'),
        # quoted, then " ` $ \ escaped inside the quotes, then every \ escaped as a string
        ('/x/a$b"c\\d/orchard', '"/x/a\\\\$b\\\\"c\\\\\\\\d/orchard"'),
    ],
)
def test_exec_values_follow_the_desktop_entry_spec(tmp_path: Path, path: str, value: str) -> None:
    assert exec_value(path) == value
    entry = tmp_path / "t.desktop"
    entry.write_text(
        desktop_entry((ROOT / "packaging/linux" / f"{APP_ID}.desktop").read_text(), Path(path))
    )
    validate = need_tool("desktop-file-validate")
    result = subprocess.run([validate, str(entry)], capture_output=True, text=True)
    assert result.returncode == 0, result.stdout


def test_a_path_no_desktop_can_start_is_refused(tmp_path: Path) -> None:
    with pytest.raises(UserError, match="100%"):
        exec_value("/home/me/100%/orchard")
    data = tmp_path / "share"
    with pytest.raises(UserError):
        asyncio.run(install_desktop(data, Path("/home/me/100%/orchard")))
    assert not data.exists()  # refused before anything was written


def test_uninstall_removes_what_is_there_even_if_this_install_lacks_a_file(tmp_path: Path) -> None:
    data = tmp_path / "share"
    asyncio.run(install_desktop(data, orchard_script()))
    (data / f"icons/hicolor/512x512/apps/{APP_ID}.png").unlink()  # as an older install might
    removed = asyncio.run(uninstall_desktop(data))
    assert len(removed.files) == 2 + len(ICON_SIZES)
    assert not any(APP_ID in p.name for p in data.rglob("*"))
