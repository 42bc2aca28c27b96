"""Faults and resources in the window: start-up findings, a held queue, memory, focus requests."""

from __future__ import annotations

from PySide6.QtCore import QTimer
from PySide6.QtGui import QAction
from PySide6.QtWidgets import QApplication, QPushButton

from app.client import Refused
from app.core.findings import ORPHAN_KILLED, Finding
from app.core.messages import Message, QueueHeld
from app.core.states import ACTIVE_STATES
from app.core.words import counted
from app.qt.placement import place
from app.qt.shell.host import WindowHost
from app.qt.shell.problemsdialog import ProblemsDialog

MEMORY_MS = 2000


class HealthController:
    """Owns the awaits of start-up recovery, repairs and the memory poll."""

    def __init__(self, main: WindowHost) -> None:
        self.main, self.orchard = main, main.orchard
        window = main.window
        self.findings: list[Finding] = []
        self.dialog: ProblemsDialog | None = None
        self.problems = QPushButton()
        self.problems.setAccessibleName("Problems found")
        self.problems.setFlat(True)
        self.problems.setStyleSheet("color: #cf222e;")
        self.problems.clicked.connect(self.show_problems)
        self.problems.hide()
        self.held = QPushButton()
        self.held.setAccessibleName("Why tasks are held")
        self.held.setFlat(True)
        self.held.setStyleSheet("color: #9a6700;")
        self.held.hide()
        window.statusBar().addPermanentWidget(self.held)
        window.statusBar().addPermanentWidget(self.problems)
        self.action = QAction("Check for problems…", window)
        self.action.triggered.connect(self.show_problems)
        window.menu("File").insertAction(window.actions["quit"], self.action)
        self._timer = QTimer(window)
        self._timer.setInterval(MEMORY_MS)
        self._timer.timeout.connect(self._on_timer_timeout)
        self._polling = False
        self._unsubscribe = self.orchard.supervisor.subscribe(self._on_supervisor_message)

    async def recover(self) -> None:
        """Rebuild a damaged database if one was set aside: before the board is read."""
        found = await self.main.ops.start_up(reap=False)
        if found.damaged:
            rebuilt = counted(len(found.rebuilt), "task was", "tasks were")
            self.main.say(
                f"The database was damaged ({found.damaged}); it was moved aside to "
                f"{found.moved_to} and {rebuilt} rebuilt as interrupted",
                error=True,
            )

    async def start(self) -> None:
        """Compare the database with git and the disk, show what is wrong, start polling.

        Runs once the board is on screen: it reads every task and asks git about every
        project, which would otherwise delay the first interactive frame.
        """
        self.show_findings(await self.main.ops.check_health())
        for notice in self.orchard.settings.notices:
            self.main.say(notice)
        self._timer.start()

    def stop(self) -> None:
        """Stop polling and close the dialog."""
        self._timer.stop()
        self._unsubscribe()
        if self.dialog is not None:
            self.dialog.close()

    # findings

    def show_findings(self, findings: list[Finding]) -> None:
        """Show what needs a decision in the status bar and the dialog, if open."""
        self.findings = [f for f in findings if f.kind != ORPHAN_KILLED]
        count = sum(f.needs_decision for f in self.findings)
        self.problems.setText(f"⚠ {counted(count, 'problem needs', 'problems need')} a decision")
        self.problems.setVisible(count > 0)
        if self.dialog is not None:
            self.dialog.show_findings(self.findings)

    def show_problems(self) -> None:
        """Open the problems dialog (File ▸ Check for problems…) and check again."""
        if self.dialog is None:
            self.dialog = ProblemsDialog(self.main.window)
            self.dialog.repair_requested.connect(self._on_dialog_repair_requested)
            self.dialog.recheck_requested.connect(lambda: self.main.spawn(self.recheck()))
            self.dialog.finished.connect(self._on_dialog_finished)
            place(self.dialog)
        self.dialog.show_findings(self.findings)
        self.dialog.show()
        self.dialog.raise_()
        self.main.spawn(self.recheck())

    async def recheck(self) -> None:
        """Compare the database with git again."""
        self.show_findings(await self.main.ops.check_health())

    def _on_dialog_repair_requested(self, findings: list[Finding]) -> None:
        self.main.spawn(self.repair(findings))

    async def repair(self, findings: list[Finding]) -> None:
        """Apply the repairs that lose nothing; say what each did or why it could not."""
        said = []
        for finding in findings:
            try:
                said.append(await self.main.ops.repair(finding))
            except Refused as exc:
                said.append(str(exc))
        if self.dialog is not None:
            self.dialog.show_outcome(said)
        await self.recheck()  # the store poll shows the repaired tasks on the board

    def _on_dialog_finished(self, _result: int) -> None:
        if self.dialog is not None:
            self.dialog.deleteLater()
        self.dialog = None

    # the queue, memory and focus

    def _on_supervisor_message(self, message: Message) -> None:
        if isinstance(message, QueueHeld):
            self.held.setText(f"⏸ queue held: {message.reason}" if message.reason else "")
            self.held.setToolTip(message.reason or "")
            self.held.setVisible(message.reason is not None)

    def _on_timer_timeout(self) -> None:
        if self.orchard.lock.take_focus_request():
            self._come_forward()
        if not self._polling:
            self._polling = True
            self.main.spawn(self._poll_memory())

    def _come_forward(self) -> None:
        window = self.main.window
        window.showNormal()
        window.raise_()
        window.activateWindow()
        QApplication.alert(window)
        self.main.say("Another Orchard was started on this home; this one supervises it")

    async def _poll_memory(self) -> None:
        try:
            if any(t.state in ACTIVE_STATES for t in self.main.tasks.values()):
                self.main.window.board.board_model.set_memory(await self.main.ops.memory())
            else:
                self.main.window.board.board_model.set_memory({})
        finally:
            self._polling = False
