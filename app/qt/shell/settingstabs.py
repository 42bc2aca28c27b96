"""The settings dialog's tabs besides Agents: Triage, Integrations, Notifications, Limits."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from PySide6.QtCore import Qt
from PySide6.QtWidgets import (
    QCheckBox,
    QFormLayout,
    QLabel,
    QLineEdit,
    QPlainTextEdit,
    QSpinBox,
    QVBoxLayout,
    QWidget,
)

from app.core.triage import DEFAULT_CATEGORIES

MAX_PARALLEL = 100
MAX_MEMORY_MB = 1024 * 1024
# The main window's "Notify when…" menu keeps the same keys in QSettings (notify/<key>).
_SECRETS_NOTE = (
    "Tokens and keys are kept in the system keyring (else a file only you can read), never in "
    "config.toml. Leave a field empty to keep what is stored."
)
NOTIFY_KINDS = (
    ("finished", "A task finishes"),
    ("failed", "A task fails"),
    ("needs_input", "A task needs you"),
)


@dataclass
class MoreSettings:
    """What the dialog shows besides the agents; secrets only say whether they are stored."""

    categories: tuple[str, ...] = DEFAULT_CATEGORIES
    owners: dict[str, str] = field(default_factory=dict)
    templates: dict[str, str] = field(default_factory=dict)
    github_api_url: str = ""
    github_token_stored: bool = False
    llm_base_url: str = ""
    llm_model: str = ""
    llm_key_stored: bool = False
    min_free_memory_mb: int = 2048
    notify: dict[str, bool] = field(default_factory=lambda: {k: True for k, _ in NOTIFY_KINDS})

    @classmethod
    def of(cls, settings: Any, notify: dict[str, bool]) -> MoreSettings:
        """Read the home's settings object (as the window holds it)."""
        return cls(
            tuple(settings.triage.categories),
            dict(settings.triage.owners),
            dict(settings.triage.templates),
            settings.github_api_url or "",
            bool(settings.github_token),
            settings.llm.base_url or "",
            settings.llm.model or "",
            bool(settings.llm.api_key),
            settings.min_free_memory_mb,
            notify,
        )


def parse_pairs(text: str, what: str) -> dict[str, str]:
    """Return `name: value` lines as a dict (blank lines skipped); raise ValueError if bad."""
    pairs: dict[str, str] = {}
    for number, line in enumerate(text.splitlines(), 1):
        if not line.strip():
            continue
        name, sep, value = line.partition(":")
        if not sep or not name.strip():
            raise ValueError(f"{what} line {number}: expected name: value, not {line!r}")
        pairs[name.strip()] = value.strip()
    return pairs


def _pairs_text(pairs: dict[str, str]) -> str:
    return "\n".join(f"{k}: {v}" for k, v in pairs.items())


def _note(text: str) -> QLabel:
    label = QLabel(text)
    label.setWordWrap(True)
    label.setEnabled(False)  # drawn as secondary text in either palette
    return label


def _named[W: QWidget](widget: W, name: str) -> W:
    widget.setAccessibleName(name)
    return widget


class TriageTab(QWidget):
    """[triage]: the bug-bash board's categories, owners and prompt templates."""

    def __init__(self, more: MoreSettings, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.categories_edit = _named(QPlainTextEdit("\n".join(more.categories)), "Categories")
        self.owners_edit = _named(QPlainTextEdit(_pairs_text(more.owners)), "Owners")
        self.owners_edit.setPlaceholderText("alice: ui, diff view\nbob: landing")
        self.templates_edit = _named(QPlainTextEdit(_pairs_text(more.templates)), "Templates")
        self.templates_edit.setPlaceholderText("bug: Fix this bug: {title}\\n{body}")
        form = QFormLayout(self)
        form.addRow("&Categories", self.categories_edit)
        form.addRow("", _note("One per line; the triage board sorts reports into these."))
        form.addRow("&Owners", self.owners_edit)
        form.addRow("", _note("name: the areas they own, one owner per line."))
        form.addRow("&Templates", self.templates_edit)
        form.addRow("", _note("category: the prompt a report of that category becomes."))

    def values(self) -> dict[str, Any]:
        """Return the [triage] keys as typed; raise ValueError if a line is unreadable."""
        lines = self.categories_edit.toPlainText().splitlines()
        categories = [c.strip() for c in lines if c.strip()]
        if not categories:
            raise ValueError("triage: name at least one category")
        return {
            "categories": categories,
            "owners": parse_pairs(self.owners_edit.toPlainText(), "owners"),
            "templates": parse_pairs(self.templates_edit.toPlainText(), "templates"),
        }


class IntegrationsTab(QWidget):
    """GitHub and the LLM endpoint; tokens and keys go to the keyring, never config.toml."""

    def __init__(self, more: MoreSettings, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.github_token_edit = self._secret("GitHub token", more.github_token_stored)
        self.github_url_edit = _named(QLineEdit(more.github_api_url), "GitHub API URL")
        self.github_url_edit.setPlaceholderText("https://api.github.com (GitHub Enterprise: yours)")
        self.llm_url_edit = _named(QLineEdit(more.llm_base_url), "LLM endpoint URL")
        self.llm_url_edit.setPlaceholderText("http://127.0.0.1:8080/v1 (empty: no suggestions)")
        self.llm_model_edit = _named(QLineEdit(more.llm_model), "LLM model")
        self.llm_key_edit = self._secret("LLM API key", more.llm_key_stored)
        form = QFormLayout(self)
        form.addRow("GitHub &token", self.github_token_edit)
        form.addRow("GitHub &API URL", self.github_url_edit)
        form.addRow("LLM &endpoint", self.llm_url_edit)
        form.addRow("LLM &model", self.llm_model_edit)
        form.addRow("LLM API &key", self.llm_key_edit)
        form.addRow("", _note(_SECRETS_NOTE))

    @staticmethod
    def _secret(name: str, stored: bool) -> QLineEdit:
        edit = _named(QLineEdit(), name)
        edit.setEchoMode(QLineEdit.EchoMode.Password)
        edit.setPlaceholderText("stored in the keyring: type to replace" if stored else "not set")
        return edit

    def tables(self) -> dict[str, dict[str, Any]]:
        """Return the [github] and [llm] keys as typed ("" drops one)."""
        return {
            "github": {"api_url": self.github_url_edit.text().strip()},
            "llm": {
                "base_url": self.llm_url_edit.text().strip(),
                "model": self.llm_model_edit.text().strip(),
            },
        }

    def secrets(self) -> dict[str, str]:
        """Return the tokens and keys typed (an empty field keeps the stored one)."""
        typed = {"github.token": self.github_token_edit, "llm.api_key": self.llm_key_edit}
        return {name: e.text().strip() for name, e in typed.items() if e.text().strip()}


class NotificationsTab(QWidget):
    """The same switches as the main window's "Notify when…" menu."""

    def __init__(self, more: MoreSettings, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        layout = QVBoxLayout(self)
        layout.addWidget(QLabel("Tell me on the desktop when:"))
        self.boxes: dict[str, QCheckBox] = {}
        for key, text in NOTIFY_KINDS:
            box = QCheckBox(text)
            box.setChecked(more.notify.get(key, True))
            layout.addWidget(box)
            self.boxes[key] = box
        layout.addWidget(_note("Tasks that end together make one notification."))
        layout.addStretch(1)

    def values(self) -> dict[str, bool]:
        """Return which kinds of notification are on."""
        return {key: box.isChecked() for key, box in self.boxes.items()}


class LimitsTab(QWidget):
    """How many agents run at once, and how much memory must stay free to start one."""

    def __init__(self, parallel: int, more: MoreSettings, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.parallel_spin = _named(QSpinBox(), "Maximum parallel tasks")
        self.parallel_spin.setRange(1, MAX_PARALLEL)
        self.parallel_spin.setValue(parallel)
        self.memory_spin = _named(QSpinBox(), "Minimum free memory")
        self.memory_spin.setRange(0, MAX_MEMORY_MB)
        self.memory_spin.setSingleStep(256)
        self.memory_spin.setSuffix(" MB")
        self.memory_spin.setSpecialValueText("off")
        self.memory_spin.setValue(more.min_free_memory_mb)
        form = QFormLayout(self)
        form.addRow("Maximum &parallel tasks", self.parallel_spin)
        form.addRow("Minimum &free memory", self.memory_spin)
        form.addRow("", _note("Queued agents wait while less memory than this is available."))
        form.setFieldGrowthPolicy(QFormLayout.FieldGrowthPolicy.FieldsStayAtSizeHint)
        form.setLabelAlignment(Qt.AlignmentFlag.AlignLeft)
