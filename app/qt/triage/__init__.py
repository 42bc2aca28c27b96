"""The Triage tab: reports, their detail and dashboard, intake, keyboard triage and dispatch."""

from typing import TYPE_CHECKING

from app.exports import lazy_exports

if TYPE_CHECKING:
    from app.qt.triage.agents import TriageAgentsController as TriageAgentsController
    from app.qt.triage.controller import TriageController as TriageController
    from app.qt.triage.duplicates import TriageDuplicatesController as TriageDuplicatesController
    from app.qt.triage.intake import TriageIntakeController as TriageIntakeController
    from app.qt.triage.view import TriageView as TriageView
else:
    __getattr__ = lazy_exports(
        __name__,
        names={
            "agents": ("TriageAgentsController",),
            "controller": ("TriageController",),
            "duplicates": ("TriageDuplicatesController",),
            "intake": ("TriageIntakeController",),
            "view": ("TriageView",),
        },
    )
