"""The settings dialog: general settings, editing agent profiles, validation, checks."""

from __future__ import annotations

import dataclasses
from pathlib import Path

import pytest
from PySide6.QtWidgets import QDialogButtonBox
from pytestqt.qtbot import QtBot

from app.core.profiles import AgentProfile, OutputFormat
from app.qt.shell.settingsdialog import SettingsDialog, join_argv, parse_argv, parse_env
from app.services.config.settings import default_profiles

MYBOT = AgentProfile("mybot", ("mybot", "{prompt}"), OutputFormat.TEXT, {"A": "1"}, 30.0)


@pytest.fixture
def dialog(qtbot: QtBot) -> SettingsDialog:
    profiles = {**default_profiles(), "mybot": MYBOT}
    dlg = SettingsDialog(6, profiles, Path("/tmp/orchard-home"), theme="dark")
    qtbot.addWidget(dlg)
    return dlg


def ok_enabled(dlg: SettingsDialog) -> bool:
    return dlg.buttons.button(QDialogButtonBox.StandardButton.Ok).isEnabled()


def test_shows_general_settings(dialog: SettingsDialog) -> None:
    assert dialog.parallel_spin.value() == 6
    assert (dialog.parallel_spin.minimum(), dialog.parallel_spin.maximum()) == (1, 100)
    assert dialog.home_edit.text() == "/tmp/orchard-home" and dialog.home_edit.isReadOnly()
    assert "--home" in dialog.home_note.text() and "ORCHARD_HOME" in dialog.home_note.text()
    assert dialog.theme() == "dark"
    dialog.theme_combo.setCurrentText("Light")
    dialog.parallel_spin.setValue(12)
    parallel, profiles, theme = dialog.result_settings()
    assert (parallel, theme) == (12, "light")
    assert profiles == {**default_profiles(), "mybot": MYBOT}


def test_selecting_an_agent_fills_the_editor(dialog: SettingsDialog) -> None:
    dialog.select_agent("mybot")
    assert dialog.argv_edit.text() == "mybot {prompt}"
    assert dialog.env_edit.toPlainText() == "A=1"
    assert dialog.format_combo.currentText() == "text"
    assert dialog.timeout_spin.value() == 30
    assert dialog.prompt_via_combo.currentText() == "argv"
    dialog.select_agent("claude")
    assert dialog.argv_edit.text().startswith("claude -p ")
    assert dialog.timeout_spin.text() == "none"


def test_editing_fields_produces_the_profiles(dialog: SettingsDialog) -> None:
    dialog.select_agent("claude")
    dialog.env_edit.setPlainText("ANTHROPIC_MODEL=x\n\n# a comment\nEMPTY=\nEQ=a=b")
    dialog.timeout_spin.setValue(3600)
    dialog.select_agent("mybot")
    dialog.argv_edit.setText("mybot --fast {prompt}")
    dialog.format_combo.setCurrentText("claude-stream-json")
    dialog.prompt_via_combo.setCurrentText("stdin")
    dialog.timeout_spin.setValue(0)
    _, profiles, _ = dialog.result_settings()
    claude = default_profiles()["claude"]
    assert profiles["claude"] == dataclasses.replace(
        claude, env={"ANTHROPIC_MODEL": "x", "EMPTY": "", "EQ": "a=b"}, timeout=3600.0
    )
    assert profiles["mybot"] == AgentProfile(
        "mybot",
        ("mybot", "--fast", "{prompt}"),
        OutputFormat.CLAUDE,
        {"A": "1"},
        None,
        "stdin",
    )
    assert profiles["codex"] == default_profiles()["codex"]


def test_untouched_profiles_are_returned_exactly(qtbot: QtBot) -> None:
    odd = AgentProfile("odd", ("odd", "two\nlines"), timeout=0.25, env={"K": "a\nb"})
    dlg = SettingsDialog(2, {"odd": odd}, "/h", builtins=())
    qtbot.addWidget(dlg)
    assert dlg.result_settings()[1] == {"odd": odd}


def test_invalid_env_line_disables_ok_with_a_message(dialog: SettingsDialog) -> None:
    dialog.select_agent("mybot")
    assert ok_enabled(dialog) and not dialog.error_label.text()
    dialog.env_edit.setPlainText("A=1\nnot a pair")
    assert not ok_enabled(dialog)
    assert "mybot: environment line 2: expected KEY=VALUE" in dialog.error_label.text()
    assert not dialog.check_button.isEnabled()
    assert dialog.profile("mybot") is None
    with pytest.raises(ValueError, match="environment line 2"):
        dialog.result_settings()
    dialog.env_edit.setPlainText("A=1\nB=2")
    assert ok_enabled(dialog) and dialog.error_label.text() == ""


def test_the_error_stays_while_another_agent_is_shown(dialog: SettingsDialog) -> None:
    dialog.select_agent("mybot")
    dialog.argv_edit.setText("   ")
    dialog.select_agent("codex")
    assert not ok_enabled(dialog)
    assert "mybot: the command is empty" in dialog.error_label.text()
    dialog.accept()
    assert dialog.result() == 0  # OK refused while invalid


def test_check_emits_the_name_and_shows_the_result(dialog: SettingsDialog, qtbot: QtBot) -> None:
    dialog.select_agent("gemini")
    with qtbot.waitSignal(dialog.check_requested) as blocker:
        dialog.check_button.click()
    assert blocker.args == ["gemini"]
    assert dialog.check_label.text() == "Checking…"
    dialog.show_check("gemini", "`gemini` is not installed; npm install -g x", False)
    assert dialog.check_label.text() == "`gemini` is not installed; npm install -g x"
    dialog.show_check("codex", "/usr/bin/codex: codex 1.0", True)  # not shown: not selected
    assert "not installed" in dialog.check_label.text()
    dialog.select_agent("codex")
    assert dialog.check_label.text() == "/usr/bin/codex: codex 1.0"
    dialog.argv_edit.setText("codex2 exec")  # the old result no longer holds
    assert dialog.check_label.text() == ""
    assert dialog.profile("codex") is not None
    assert dialog.profile("codex").argv == ("codex2", "exec")  # type: ignore[union-attr]


def test_builtins_cannot_be_removed(dialog: SettingsDialog) -> None:
    dialog.select_agent("claude")
    assert not dialog.remove_button.isEnabled()
    assert not dialog.remove_agent("claude")
    dialog.remove_button.click()
    assert "claude" in dialog.result_settings()[1]
    dialog.select_agent("mybot")
    assert dialog.remove_button.isEnabled()
    dialog.remove_button.click()
    assert "mybot" not in dialog.result_settings()[1]
    assert dialog.current_agent() is not None


def test_adding_an_agent(dialog: SettingsDialog, qtbot: QtBot) -> None:
    assert not dialog.add_button.isEnabled()
    dialog.new_name_edit.setText("claude")  # taken
    assert not dialog.add_button.isEnabled()
    dialog.new_name_edit.setText("bad name")
    assert not dialog.add_button.isEnabled()
    dialog.new_name_edit.setText("helper")
    assert dialog.add_button.isEnabled()
    dialog.add_button.click()
    assert dialog.current_agent() == "helper" and dialog.new_name_edit.text() == ""
    assert dialog.remove_button.isEnabled()
    dialog.argv_edit.setText("helper-cli run {prompt}")
    _, profiles, _ = dialog.result_settings()
    assert profiles["helper"] == AgentProfile("helper", ("helper-cli", "run", "{prompt}"))
    assert not dialog.add_agent("helper")


def test_parsers() -> None:
    assert parse_argv("a  'b c' {prompt}") == ("a", "b c", "{prompt}")
    assert join_argv(("my bot", "--x=it's", "{prompt}")) == "'my bot' '--x=it'\"'\"'s' {prompt}"
    assert parse_argv(join_argv(("my bot", "--x=it's", ""))) == ("my bot", "--x=it's", "")
    with pytest.raises(ValueError, match="never closed"):
        parse_argv("a 'b")
    assert parse_env("K=v = w\n  # note\n") == {"K": "v = w"}
    with pytest.raises(ValueError, match="line 1: expected KEY=VALUE"):
        parse_env("1BAD=x")
    with pytest.raises(ValueError, match="K is set twice"):
        parse_env("K=1\nK=2")
