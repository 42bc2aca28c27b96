"""Landing from the window: check first, then merge, squash or rebase; conflicts go back."""

from __future__ import annotations

from app.core.states import LANDABLE_STATES
from app.qt.controller import WindowController
from app.qt.mergedialog import LandOptions, MergeDialog
from app.services import followup
from app.services.landcheck import LandCheck, check_land
from app.services.landing import LandRefused, conflict_followup_prompt, land_task
from app.services.orchard import UserError


def check_lines(check: LandCheck) -> list[str]:
    """Return what the merge dialog says about a pre-flight check, one line each."""
    lines = check.problems()
    if check.behind and not check.conflicts:
        lines.append(
            f"{check.target} has {check.behind} commit(s) the task has not seen; "
            "they merge cleanly (or choose Rebase)"
        )
    if check.uncommitted:
        lines.append(
            f"{len(check.uncommitted)} uncommitted file(s) in the task's worktree land too"
        )
    if check.checkout:
        lines.append(f"{check.target} is checked out in {check.checkout}; it is updated there")
    lines.extend(check.notes)
    if not check.problems():
        lines.insert(0, f"Ready: {check.ahead} commit(s) land on {check.target}.")
    return lines


def conflict_text(check: LandCheck) -> str:
    """Return the conflicting files and hunks as the dialog's output shows them."""
    parts = []
    for c in check.conflicts:
        parts.append(f"── {c.path}")
        parts.extend(c.messages)
        parts.extend(c.hunks)
    return "\n".join(parts)


class MergeController:
    """Runs the merge dialog of one task at a time."""

    def __init__(self, main: WindowController) -> None:
        self.main = main
        self.dialog: MergeDialog | None = None
        self.check: LandCheck | None = None
        self._task_id = ""
        main.window.header.merge_clicked.connect(self.merge_shown)
        main.window.actions["merge"].triggered.connect(self.merge_shown)

    def merge_shown(self) -> None:
        """Open the merge dialog for the shown task."""
        task = self.main.shown_task()
        if task is not None:
            self.merge(task.id)

    def merge(self, task_id: str) -> None:
        """Open the merge dialog for a task and check it at once."""
        task = self.main.tasks.get(task_id) or self.main.orchard.task(task_id)
        if task.state not in LANDABLE_STATES:
            self.main.say(f"Task {task.short_id} is {task.state}; nothing to merge", error=True)
            return
        project = self.main.orchard.store.project(task.project)
        if self.dialog is not None:
            self.dialog.close()
        self._task_id, self.check = task.id, None
        self.dialog = MergeDialog(task, bool(project.test), self.main.window)
        self.dialog.check_requested.connect(lambda into: self.main.spawn(self.run_check(into)))
        self.dialog.land_requested.connect(lambda opts: self.main.spawn(self.land(opts)))
        self.dialog.resolve_requested.connect(lambda: self.main.spawn(self.ask_agent()))
        self.dialog.show()
        self.main.spawn(self.run_check(task.base_ref))

    async def run_check(self, into: str) -> LandCheck | None:
        """Check what landing into `into` would do and show it in the dialog."""
        dialog = self.dialog
        if dialog is None:
            return None
        dialog.show_busy(f"Checking against {into}…")
        try:
            check = await check_land(self.main.orchard, self._task_id, into or None)
        except UserError as exc:
            dialog.show_failure(str(exc))
            dialog.land_button.setEnabled(False)
            return None
        if dialog is not self.dialog:
            return None  # a newer dialog took over
        self.check = check
        dialog.show_check(check_lines(check), not check.problems(), bool(check.conflicts))
        dialog.output.setPlainText(conflict_text(check))
        dialog.output.setVisible(bool(check.conflicts))
        return check

    async def land(self, options: LandOptions) -> None:
        """Land with the chosen options; on refusal show why, and change nothing."""
        dialog = self.dialog
        if dialog is None:
            return
        dialog.show_busy(
            "Running the tests on the merged result…" if options.run_tests else "Landing…"
        )
        try:
            result = await land_task(
                self.main.orchard,
                self._task_id,
                options.strategy,
                options.into or None,
                options.cleanup,
                options.run_tests,
            )
        except LandRefused as exc:
            dialog.show_failure(str(exc), exc.output)
            dialog.resolve_button.setVisible(bool(exc.check and exc.check.conflicts))
            self.check = exc.check or self.check
            return
        except UserError as exc:
            dialog.show_failure(str(exc))
            return
        self.main.refresh_task(result.task)
        tests = " after its tests passed" if result.tests is not None else ""
        self.main.say(
            f"Landed {result.task.title!r} on {result.target} ({options.strategy}) as "
            f"{result.commit[:10]}{tests}"
        )
        dialog.accept()
        self.dialog = None

    async def ask_agent(self) -> None:
        """Send the agent a follow-up: rebase onto the target and resolve the conflicts."""
        if self.check is None or self.dialog is None:
            return
        prompt = conflict_followup_prompt(self.check, self.check.target)
        task = await followup.send_followup(self.main.orchard, self._task_id, prompt)
        self.main.refresh_task(task)
        self.main.say(f"Asked {task.agent} to rebase onto {self.check.target} and resolve")
        self.dialog.accept()
        self.dialog = None
