"""Running tasks: the supervisor and its lock, each run, the executor, memory, pacing, sandbox."""

from typing import TYPE_CHECKING

from app.exports import lazy_exports

if TYPE_CHECKING:
    from app.services.tasks.executor import Executor as Executor
    from app.services.tasks.executor import ExecutorUnavailable as ExecutorUnavailable
    from app.services.tasks.executor import LaunchSpec as LaunchSpec
    from app.services.tasks.executor import LocalExecutor as LocalExecutor
    from app.services.tasks.executor import Note as Note
    from app.services.tasks.executor import RunningAgent as RunningAgent
    from app.services.tasks.executor import Workspace as Workspace
    from app.services.tasks.executor import WorkspaceFailure as WorkspaceFailure
    from app.services.tasks.executor import WorkspaceLost as WorkspaceLost
    from app.services.tasks.memory import group_rss as group_rss
    from app.services.tasks.preflight import AgentMissing as AgentMissing
    from app.services.tasks.preflight import PromptTooLong as PromptTooLong
    from app.services.tasks.preflight import check_launch as check_launch
    from app.services.tasks.supervisor import CARD as CARD
    from app.services.tasks.supervisor import AlreadySupervised as AlreadySupervised
    from app.services.tasks.supervisor import Listener as Listener
    from app.services.tasks.supervisor import Message as Message
    from app.services.tasks.supervisor import QueueHeld as QueueHeld
    from app.services.tasks.supervisor import ReportsChanged as ReportsChanged
    from app.services.tasks.supervisor import Supervisor as Supervisor
    from app.services.tasks.supervisor import SupervisorLock as SupervisorLock
    from app.services.tasks.supervisor import TaskOutput as TaskOutput
    from app.services.tasks.supervisor import TaskRawOutput as TaskRawOutput
    from app.services.tasks.supervisor import TaskUpdated as TaskUpdated
    from app.services.tasks.taskrun import Asking as Asking
else:
    __getattr__ = lazy_exports(
        __name__,
        names={
            "executor": (
                "Executor",
                "ExecutorUnavailable",
                "LaunchSpec",
                "LocalExecutor",
                "Note",
                "RunningAgent",
                "Workspace",
                "WorkspaceFailure",
                "WorkspaceLost",
            ),
            "memory": ("group_rss",),
            "preflight": ("AgentMissing", "PromptTooLong", "check_launch"),
            "supervisor": (
                "AlreadySupervised",
                "CARD",
                "Listener",
                "Message",
                "QueueHeld",
                "ReportsChanged",
                "Supervisor",
                "SupervisorLock",
                "TaskOutput",
                "TaskRawOutput",
                "TaskUpdated",
            ),
            "taskrun": ("Asking",),
        },
    )
