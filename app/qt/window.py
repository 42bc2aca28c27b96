"""Builds the window from its views and connects a controller to it."""

from __future__ import annotations

from app.client import Operations
from app.qt.board import BoardView, EmptyStateView, TaskHeaderView
from app.qt.inbox import InboxController, InboxView, RulesController
from app.qt.land import ForecastController, LandingController, TrainController, TrainView
from app.qt.log import LogView
from app.qt.shell import (
    HealthController,
    MainWindow,
    OpenController,
    RemoteSupervisor,
    SearchController,
    SettingsController,
    Supervised,
    WindowController,
    apply_theme,
    name_controls,
)
from app.qt.triage import (
    TriageAgentsController,
    TriageController,
    TriageDuplicatesController,
    TriageIntakeController,
    TriageView,
)


def build_window(
    orchard: Supervised,
    ops: Operations,
    demo: bool = False,
    remote: RemoteSupervisor | None = None,
) -> tuple[MainWindow, WindowController]:
    """Return a ready window for `orchard` and the controller that drives it.

    With `remote` the window is a client of the home's service; without, it supervises.
    Either way its changes go through `ops`, to whichever process supervises the home.
    """
    title = "Orchard — demo (built-in demo agent)" if demo else f"Orchard — {orchard.home.root}"
    # Before any widget is made: some take their colours once, as they are built.
    apply_theme(orchard.settings.theme)
    triage_view = TriageView()
    train_view = TrainView()
    inbox_view = InboxView()
    window = MainWindow(
        BoardView(),
        TaskHeaderView(),
        LogView(),
        title=title,
        triage=triage_view,
        train=train_view,
        inbox=inbox_view,
    )
    controller = WindowController(orchard, ops, window, remote)
    window.board.board_model.set_budget(orchard.settings.budget)  # its 80 % warnings
    empty = EmptyStateView()
    empty.add_repository_clicked.connect(controller.projects.add_repository)
    empty.try_demo_clicked.connect(lambda: controller.spawn(controller.projects.try_demo()))
    empty.new_task_clicked.connect(controller.projects.new_task)
    controller.projects.project_count_listeners.append(empty.show_projects)
    controller.spawn(controller.projects.count_projects())
    window.board.set_placeholder(empty)
    triage = TriageController(controller, triage_view, window.tabs)
    controller.health = HealthController(controller)
    landing = LandingController(controller)
    train = TrainController(controller, train_view)
    landing.board_train = train.board
    inbox = InboxController(
        controller, inbox_view, controller.notifier.tell_waiting, remote is not None
    )
    if remote is not None:
        remote.on_asks = inbox.on_asks
    settings = SettingsController(controller, controller.settings, controller.notifier.refresh)
    settings.tab_hooks.append(RulesController(controller).add_tab)
    controller.tools = (
        SearchController(controller),
        settings,
        OpenController(controller),
        landing,
        ForecastController(controller),
        train,
        inbox,
        triage,
        TriageIntakeController(triage),
        TriageDuplicatesController(triage),
        TriageAgentsController(triage),
        controller.health,
    )
    name_controls(window)
    return window, controller
