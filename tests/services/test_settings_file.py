"""Saving config.toml round-trips through load_settings; checking finds real programs."""

from __future__ import annotations

import asyncio
import dataclasses
import datetime as dt
import math
import os
import tomllib
from pathlib import Path

import pytest

from app.core.profiles import BUILTIN_PROFILES, AgentProfile, OutputFormat
from app.services.config.settings import ConfigError, Home, default_profiles, load_settings
from app.services.config.settings_file import agent_tables, check_agent, save_settings
from app.services.config.tomlfile import dumps

TRICKY = 'quote " back \\ slash\nnew\tline \r é 漢字 🍏 \x00 \x1f \x7f \\n'


@pytest.fixture
def home(tmp_path: Path) -> Home:
    return Home(tmp_path / "home")


def test_saves_parallel_and_builtins_unchanged(home: Home) -> None:
    save_settings(home, 7, default_profiles())
    settings = load_settings(home)
    assert settings.parallel == 7
    assert settings.profiles == default_profiles()
    assert tomllib.loads(home.config.read_text()) == {"settings": {"parallel": 7}, "agents": {}}


def test_override_writes_only_the_differences(home: Home) -> None:
    profiles = default_profiles()
    claude = dataclasses.replace(profiles["claude"], env={"ANTHROPIC_MODEL": "x"}, timeout=3600.0)
    profiles["claude"] = claude
    save_settings(home, 6, profiles)
    data = tomllib.loads(home.config.read_text())
    assert data["agents"] == {"claude": {"env": {"ANTHROPIC_MODEL": "x"}, "timeout": 3600}}
    assert load_settings(home).profiles["claude"] == claude


def test_every_field_of_a_builtin_can_be_overridden(home: Home) -> None:
    profiles = default_profiles()
    changed = dataclasses.replace(
        profiles["codex"],
        argv=("codex", "exec", "-"),
        resume_argv=("codex", "exec", "resume", "{session_id}", "-"),  # the app-server's fits not
        output=OutputFormat.TEXT,
        prompt_via="argv",
        timeout=1.5,
        install_hint="brew install codex",
    )
    profiles["codex"] = changed
    save_settings(home, 2, profiles)
    assert load_settings(home).profiles["codex"] == changed


def test_new_agent_is_written_in_full(home: Home) -> None:
    bot = AgentProfile("mybot", ("mybot", "{prompt}"), OutputFormat.TEXT)
    save_settings(home, 4, {**default_profiles(), "mybot": bot})
    data = tomllib.loads(home.config.read_text())
    assert data["agents"]["mybot"] == {
        "argv": ["mybot", "{prompt}"],
        "format": "text",
        "prompt_via": "argv",
        "timeout": 0,
    }
    assert load_settings(home).profiles["mybot"] == bot


def test_removed_agent_and_reset_override_disappear(home: Home) -> None:
    bot = AgentProfile("mybot", ("mybot",))
    louder = dataclasses.replace(BUILTIN_PROFILES["aider"], timeout=60.0)
    save_settings(home, 4, {**default_profiles(), "mybot": bot, "aider": louder})
    save_settings(home, 4, default_profiles())
    assert load_settings(home).profiles == default_profiles()
    assert tomllib.loads(home.config.read_text())["agents"] == {}


def test_tricky_strings_round_trip(home: Home) -> None:
    bot = AgentProfile(
        "odd name.with dots",
        (TRICKY, "{prompt}", ""),
        OutputFormat.CLAUDE,
        env={"K": TRICKY, "weird key = x": "v"},
        timeout=0.25,
        prompt_via="stdin",
        install_hint=TRICKY,
    )
    save_settings(home, 3, {**default_profiles(), bot.name: bot})
    assert load_settings(home).profiles[bot.name] == bot


def test_unknown_sections_and_keys_are_kept(home: Home) -> None:
    home.root.mkdir(parents=True)
    home.config.write_text(
        'title = "mine"\n'
        "[settings]\nparallel = 2\ncolour = 'green'\n"
        "[ui]\nzoom = 1.25\nwhen = 1979-05-27T07:32:00Z\nday = 1979-05-27\n"
        "flags = [true, false]\nempty = {}\n"
        "[ui.panels.left]\nwidth = 300\n"
        '[[hooks]]\nname = "a"\n[hooks.opts]\nx = 1\n'
        '[[hooks]]\nname = "b"\nmixed = [1, "two", { three = 3 }]\n'
        '[agents.mybot]\nargv = ["old"]\n'
        "[extra]\n"
    )
    before = tomllib.loads(home.config.read_text())
    save_settings(home, 9, default_profiles())
    after = tomllib.loads(home.config.read_text())
    assert after["settings"] == {"parallel": 9, "colour": "green"}
    assert after["agents"] == {}
    for key in ("title", "ui", "hooks", "extra"):
        assert after[key] == before[key]
    assert after["ui"]["when"] == dt.datetime(1979, 5, 27, 7, 32, tzinfo=dt.UTC)


def test_dumps_round_trips_special_values() -> None:
    data = {
        "a": {"nan": float("inf"), "neg": float("-inf"), "tiny": 1e-30, "big": 10**20},
        "b": [[1, 2], ["x"]],
        "t": {"at": dt.time(7, 32, 0, 999)},
        "quoted key": {"": TRICKY},
    }
    assert tomllib.loads(dumps(data)) == data
    assert math.isnan(tomllib.loads(dumps({"n": float("nan")}))["n"])


def test_invalid_existing_file_is_not_overwritten(home: Home) -> None:
    home.root.mkdir(parents=True)
    home.config.write_text("[settings\nparallel = ")
    with pytest.raises(ConfigError):
        save_settings(home, 4, default_profiles())
    assert home.config.read_text() == "[settings\nparallel = "


def test_atomic_write_leaves_no_temp_files_and_keeps_mode(home: Home) -> None:
    save_settings(home, 4, default_profiles())
    os.chmod(home.config, 0o640)
    for n in range(1, 4):
        save_settings(home, n, default_profiles())
    assert sorted(p.name for p in home.root.iterdir()) == ["config.toml"]
    assert home.config.stat().st_mode & 0o777 == 0o640


def test_failed_write_leaves_old_file_and_no_temp(home: Home) -> None:
    save_settings(home, 4, default_profiles())
    bad = AgentProfile("bad", ("x\ud800",))  # a lone surrogate cannot be written as UTF-8
    with pytest.raises(UnicodeEncodeError):
        save_settings(home, 5, {"bad": bad})
    assert load_settings(home).parallel == 4
    assert [p.name for p in home.root.iterdir()] == ["config.toml"]


def test_agent_tables_skip_unchanged_builtins() -> None:
    assert agent_tables(default_profiles()) == {}


def test_check_finds_git_and_its_version() -> None:
    profile = AgentProfile("g", ("git", "status"), install_hint="apt install git")
    check = asyncio.run(check_agent(profile))
    assert check.ok and check.path and os.path.isabs(check.path)
    assert check.version is not None and "git version" in check.version
    assert "git version" in check.message


def test_check_finds_sh_even_without_a_version() -> None:
    check = asyncio.run(check_agent(BUILTIN_PROFILES["shell"]))
    assert check.ok
    assert check.path is not None and check.path.endswith("/sh")
    assert check.path in check.message


def test_check_reports_a_missing_program_with_the_hint() -> None:
    profile = AgentProfile(
        "ghost", ("orchard-no-such-agent-xyz", "{prompt}"), install_hint="get it"
    )
    check = asyncio.run(check_agent(profile))
    assert not check.ok and check.path is None
    assert "orchard-no-such-agent-xyz" in check.message
    assert "not installed or not on PATH; get it" in check.message


def test_check_uses_the_given_path(tmp_path: Path) -> None:
    script = tmp_path / "fakeagent"
    script.write_text("#!/bin/sh\necho 'fakeagent 1.2.3'\n")
    script.chmod(0o755)
    profile = AgentProfile("fake", ("fakeagent",))
    env = {"PATH": f"{tmp_path}:{os.defpath}"}
    check = asyncio.run(check_agent(profile, env))
    assert check.ok and check.version == "fakeagent 1.2.3"
    assert not asyncio.run(check_agent(profile, {"PATH": "/nonexistent"})).ok
