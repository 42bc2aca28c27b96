"""What a crash or a hand edit left out of step, and the repairs that lose nothing."""

from __future__ import annotations

from PySide6.QtCore import Qt, Signal
from PySide6.QtWidgets import (
    QAbstractItemView,
    QDialog,
    QDialogButtonBox,
    QHeaderView,
    QLabel,
    QPushButton,
    QTableWidget,
    QTableWidgetItem,
    QVBoxLayout,
    QWidget,
)

from app.core.findings import Finding
from app.core.words import counted

_KINDS = {
    "worktree_missing": "worktree gone",
    "worktree_unrecorded": "unknown worktree",
    "branch_missing": "branch gone",
    "index_lock": "stale index.lock",
    "repo_moved": "repository moved",
    "orphan_agent_killed": "orphan stopped",
}


class ProblemsDialog(QDialog):
    """A table of findings; Repair applies the safe repairs of the selected (or all) rows."""

    repair_requested = Signal(list)
    recheck_requested = Signal()

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setWindowTitle("Problems — Orchard")
        self.resize(900, 360)
        self.findings: list[Finding] = []
        self.summary = QLabel()
        self.table = QTableWidget(0, 3)
        self.table.setHorizontalHeaderLabels(["Problem", "What was found", "Repair"])
        self.table.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.table.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        self.table.verticalHeader().hide()
        header = self.table.horizontalHeader()
        header.setSectionResizeMode(1, QHeaderView.ResizeMode.Stretch)
        header.setSectionResizeMode(2, QHeaderView.ResizeMode.Interactive)
        self.table.setWordWrap(True)
        self.outcome = QLabel()
        self.outcome.setWordWrap(True)
        self.outcome.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Close)
        self.repair = QPushButton("Repair")
        self.repair.setToolTip(
            "Apply the repairs that lose nothing: prune and restore worktrees, restore branches, "
            "remove stale locks, adopt unknown worktrees. Others show the command to run."
        )
        self.recheck = QPushButton("Check again")
        buttons.addButton(self.repair, QDialogButtonBox.ButtonRole.ActionRole)
        buttons.addButton(self.recheck, QDialogButtonBox.ButtonRole.ActionRole)
        buttons.rejected.connect(self.reject)
        self.repair.clicked.connect(self._on_repair_clicked)
        self.recheck.clicked.connect(self.recheck_requested)
        box = QVBoxLayout(self)
        box.addWidget(self.summary)
        box.addWidget(self.table, 1)
        box.addWidget(self.outcome)
        box.addWidget(buttons)

    def show_findings(self, findings: list[Finding]) -> None:
        """Fill the table; nothing here changes anything on disk."""
        self.findings = list(findings)
        self.table.setRowCount(len(findings))
        for row, f in enumerate(findings):
            for column, text in enumerate((_KINDS.get(f.kind, f.kind), f.message, f.repair)):
                item = QTableWidgetItem(text)
                item.setToolTip(text)
                self.table.setItem(row, column, item)
        self.table.resizeRowsToContents()
        self.summary.setText(
            "Everything Orchard knows matches git and the disk."
            if not findings
            else f"{counted(len(findings), 'problem')}. Nothing was changed; select rows and "
            "Repair them."
        )
        self.repair.setEnabled(bool(findings))

    def selected(self) -> list[Finding]:
        """Return the selected findings, or all of them when none is selected."""
        rows = sorted({i.row() for i in self.table.selectionModel().selectedRows()})
        return [self.findings[r] for r in rows] if rows else list(self.findings)

    def show_outcome(self, lines: list[str]) -> None:
        """Say what each repair did."""
        self.outcome.setText("\n".join(lines))

    def _on_repair_clicked(self) -> None:
        self.repair_requested.emit(self.selected())
