"""The board: tasks grouped by state, the selected task's header, the new-task dialog."""

from typing import TYPE_CHECKING

from app.exports import lazy_exports

if TYPE_CHECKING:
    from app.qt.board.emptystate import EmptyStateView as EmptyStateView
    from app.qt.board.newtask import NewTaskDialog as NewTaskDialog
    from app.qt.board.newtask import NewTaskRequest as NewTaskRequest
    from app.qt.board.newtask import PromptEdit as PromptEdit
    from app.qt.board.taskheader import TaskHeaderView as TaskHeaderView
    from app.qt.board.view import BoardView as BoardView
else:
    __getattr__ = lazy_exports(
        __name__,
        names={
            "emptystate": ("EmptyStateView",),
            "newtask": ("NewTaskDialog", "NewTaskRequest", "PromptEdit"),
            "taskheader": ("TaskHeaderView",),
            "view": ("BoardView",),
        },
    )
