"""The land train tab: each target's cars in order, their states, times and why cars left."""

from __future__ import annotations

from PySide6.QtCore import QPoint, Qt, Signal
from PySide6.QtGui import QBrush, QColor, QDropEvent, QFont, QFontDatabase, QKeyEvent
from PySide6.QtWidgets import (
    QAbstractItemView,
    QHBoxLayout,
    QLabel,
    QPlainTextEdit,
    QPushButton,
    QSplitter,
    QStackedWidget,
    QTreeWidget,
    QTreeWidgetItem,
    QVBoxLayout,
    QWidget,
)

from app.core.eventtext import age_label
from app.core.train import Car, CarState, Train, about, time_to_land
from app.qt.icons import state_icon
from app.qt.tokens import state_colour

CAR_ROLE = Qt.ItemDataRole.UserRole + 1  # a car row: its Car; a train row: None
TRAIN_ROLE = Qt.ItemDataRole.UserRole + 2  # every row: its (project, target)
SHOWN_LEFT = 10  # cars that left a train that the tab still shows
# Each car state is drawn as the task state it resembles, in that state's colour and icon.
LOOKS = {
    CarState.WAITING: "queued",
    CarState.TESTING: "running",
    CarState.LANDED: "merged",
    CarState.EJECTED: "failed",
}
COLUMNS = ("#", "Task", "State", "Time", "Why it left")
EMPTY = (
    "No land train yet.\n\nSelect finished tasks on the board and choose Add to land train "
    "(Ctrl+Shift+A), or press Land train in a review: they land one after the other, "
    "each proven by the project's tests first."
)


class TrainTreeView(QTreeWidget):
    """The cars in order; Alt+Up/Down and drag and drop move a car, Del takes it off."""

    move_requested = Signal(str, int)  # task id, places later (negative: earlier)
    remove_requested = Signal(str)

    def keyPressEvent(self, event: QKeyEvent) -> None:
        """Alt+Up/Down move the selected car; Del takes it off its train."""
        car = selected_car(self)
        alt = event.modifiers() & Qt.KeyboardModifier.AltModifier
        step = {Qt.Key.Key_Up: -1, Qt.Key.Key_Down: 1}.get(Qt.Key(event.key()))
        if car is not None and car.on_train and alt and step:
            self.move_requested.emit(car.task_id, step)
        elif car is not None and car.on_train and event.key() == Qt.Key.Key_Delete:
            self.remove_requested.emit(car.task_id)
        else:
            super().keyPressEvent(event)

    def dropEvent(self, event: QDropEvent) -> None:
        """Ask for the move; the tree changes when the train does, not before."""
        event.ignore()
        places = self.places_to(event.position().toPoint())
        car = selected_car(self)
        if car is not None and places:
            self.move_requested.emit(car.task_id, places)

    def places_to(self, at: QPoint) -> int:
        """Return how many places the selected car moves when dropped at `at`."""
        source, target = self.currentItem(), self.itemAt(at)
        if source is None or target is None or target.parent() is not source.parent():
            return 0
        riding = target.data(0, CAR_ROLE)
        if riding is None or not riding.on_train:
            return 0
        parent = source.parent()
        return parent.indexOfChild(target) - parent.indexOfChild(source)


def selected_car(tree: QTreeWidget) -> Car | None:
    """Return the car of the tree's current row, if it is one."""
    item = tree.currentItem()
    car = item.data(0, CAR_ROLE) if item is not None else None
    return car if isinstance(car, Car) else None


class TrainView(QWidget):
    """The Land train tab: a tree of trains and their cars, what the selected car says, actions."""

    move_requested = Signal(str, int)
    remove_requested = Signal(str)
    send_back_requested = Signal(str)
    pause_requested = Signal(str)  # target branch
    resume_requested = Signal(str)
    order_requested = Signal()
    order_accepted = Signal()

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self._shown: tuple[object, ...] = ()
        self._trains: list[Train] = []
        self._build()
        self._connect()
        self._update_actions()

    # what it shows

    def set_trains(self, trains: list[Train], titles: dict[str, str], now: float) -> None:
        """Show `trains`; keep the selected car selected. Only the times change if nothing else."""
        shown = (tuple(trains), tuple(sorted(titles.items())))
        self._trains = trains
        if shown != self._shown:
            self._shown = shown
            self._rebuild(trains, titles)
        self._show_times(now)
        self.stack.setCurrentIndex(1 if trains else 0)
        self._update_actions()

    def show_proposal(self, text: str) -> None:
        """Offer the forecast's order, in a line per train, with a button that takes it."""
        self.proposal.setText(text)
        self.use_order_button.setVisible(True)
        self.proposal_box.setVisible(True)

    def hide_proposal(self) -> None:
        """Take the suggested order off the tab."""
        self.proposal_box.setVisible(False)

    def select_task(self, task_id: str) -> bool:
        """Make the car of `task_id` the current row; False if the tab does not show it."""
        for item in self._car_items():
            if item.data(0, CAR_ROLE).task_id == task_id:
                self.tree.setCurrentItem(item)
                return True
        return False

    def car_order(self, target: str) -> list[str]:
        """Return the task ids of the cars still on the train to `target`, as shown."""
        return [
            car.task_id
            for item in self._car_items()
            if (car := item.data(0, CAR_ROLE)).on_train and car.target == target
        ]

    def _rebuild(self, trains: list[Train], titles: dict[str, str]) -> None:
        current = selected_car(self.tree)
        self.tree.clear()
        for train in trains:
            paused = paused_text(train.paused)
            top = QTreeWidgetItem([f"{train.project} → {train.target}{paused}", "", "", "", ""])
            top.setData(0, TRAIN_ROLE, (train.project, train.target))
            font = QFont(top.font(0))
            font.setBold(True)
            top.setFont(0, font)
            top.setFlags(top.flags() & ~Qt.ItemFlag.ItemIsDragEnabled)
            self.tree.addTopLevelItem(top)
            top.setFirstColumnSpanned(True)
            left = [c for c in train.cars if not c.on_train][:SHOWN_LEFT]
            for place, car in enumerate([*train.waiting, *left], start=1):
                top.addChild(self._car_item(car, place, titles))
            top.setExpanded(True)
        if current is not None:
            self.select_task(current.task_id)

    def _car_item(self, car: Car, place: int, titles: dict[str, str]) -> QTreeWidgetItem:
        number = str(place) if car.on_train else ""
        reason = car.reason.splitlines()[0] if car.reason else ""
        title = titles.get(car.task_id, car.task_id[:8])
        item = QTreeWidgetItem([number, title, car.state.value, "", reason])
        item.setData(0, CAR_ROLE, car)
        item.setData(0, TRAIN_ROLE, (car.project, car.target))
        look = LOOKS[car.state]
        item.setIcon(2, state_icon(look))
        item.setForeground(2, QBrush(QColor(state_colour(look))))
        item.setToolTip(4, car.reason)
        item.setToolTip(1, f"task {car.task_id[:8]} · {car.strategy}")
        if not car.on_train:
            item.setFlags(item.flags() & ~Qt.ItemFlag.ItemIsDragEnabled)
        return item

    def _show_times(self, now: float) -> None:
        estimates: dict[int, float] = {}
        for train in self._trains:
            estimates.update(time_to_land(train, now))
        for item in self._car_items():
            item.setText(3, time_text(item.data(0, CAR_ROLE), estimates, now))
        self._show_detail()

    def _car_items(self) -> list[QTreeWidgetItem]:
        tops = (self.tree.topLevelItem(i) for i in range(self.tree.topLevelItemCount()))
        return [top.child(r) for top in tops if top is not None for r in range(top.childCount())]

    def _show_detail(self) -> None:
        car = selected_car(self.tree)
        self.about_car.setText(detail_text(car) if car is not None else "")
        self.about_car.setVisible(car is not None)
        shown = car is not None and car.state in (CarState.TESTING, CarState.EJECTED)
        text = car.output.rstrip() if car is not None and shown else ""
        if text != self.detail.toPlainText():
            self.detail.setPlainText(text)
            self.detail.verticalScrollBar().setValue(self.detail.verticalScrollBar().maximum())

    def _selected_target(self) -> tuple[str, str] | None:
        item = self.tree.currentItem()
        if item is None:
            return (self._trains[0].project, self._trains[0].target) if self._trains else None
        found: tuple[str, str] = item.data(0, TRAIN_ROLE)
        return found

    def _selected_train(self) -> Train | None:
        key = self._selected_target()
        return next((t for t in self._trains if (t.project, t.target) == key), None)

    def _update_actions(self) -> None:
        car = selected_car(self.tree)
        riding = car is not None and car.on_train
        self.earlier_button.setEnabled(riding)
        self.later_button.setEnabled(riding)
        self.remove_button.setEnabled(riding)
        self.send_back_button.setEnabled(
            car is not None and car.state is CarState.EJECTED and car.sent_back_turns is None
        )
        train = self._selected_train()
        self.pause_button.setEnabled(train is not None)
        self.pause_button.setText("Resume" if train is not None and train.paused else "Pause")
        self.order_button.setEnabled(any(len(t.waiting) > 1 for t in self._trains))

    # layout

    def _build(self) -> None:
        self.tree = TrainTreeView()
        self.tree.setColumnCount(len(COLUMNS))
        self.tree.setHeaderLabels(list(COLUMNS))
        self.tree.setDragDropMode(QAbstractItemView.DragDropMode.InternalMove)
        self.tree.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
        self.tree.setAllColumnsShowFocus(True)
        self.tree.setRootIsDecorated(False)
        for column, width in enumerate((44, 250, 96, 270)):
            self.tree.setColumnWidth(column, width)
        self.detail = QPlainTextEdit(readOnly=True)
        self.detail.setFont(QFontDatabase.systemFont(QFontDatabase.SystemFont.FixedFont))
        self.detail.setPlaceholderText(
            "The test output of the car under test, or of one that failed its tests, shows here"
        )
        self.about_car = QLabel(wordWrap=True)
        self.about_car.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        self.about_car.setVisible(False)
        self.pause_button = QPushButton("Pause")
        self.order_button = QPushButton("Suggest order")
        self.order_button.setToolTip("The conflict forecast's order: the fewest conflicts first")
        self.earlier_button = QPushButton("Earlier")
        self.earlier_button.setToolTip("Move the car one place earlier (Alt+Up, or drag it)")
        self.later_button = QPushButton("Later")
        self.later_button.setToolTip("Move the car one place later (Alt+Down, or drag it)")
        self.remove_button = QPushButton("Remove")
        self.remove_button.setToolTip("Take the car off its train (Del)")
        self.send_back_button = QPushButton("Send back to agent")
        self.send_back_button.setToolTip(
            "Ask the task's agent to fix what ejected it; it rejoins the train when that succeeds"
        )
        bar = QHBoxLayout()
        for button in (self.earlier_button, self.later_button, self.remove_button):
            bar.addWidget(button)
        bar.addWidget(self.send_back_button)
        bar.addStretch(1)
        bar.addWidget(self.order_button)
        bar.addWidget(self.pause_button)
        self.proposal = QLabel(wordWrap=True)
        self.use_order_button = QPushButton("Use suggested order")
        self.dismiss_button = QPushButton("Dismiss")
        self.proposal_box = QWidget()
        row = QHBoxLayout(self.proposal_box)
        row.setContentsMargins(0, 0, 0, 0)
        row.addWidget(self.proposal, 1)
        row.addWidget(self.use_order_button)
        row.addWidget(self.dismiss_button)
        self.proposal_box.setVisible(False)
        below = QWidget()
        pane = QVBoxLayout(below)
        pane.setContentsMargins(0, 0, 0, 0)
        pane.addWidget(self.about_car)
        pane.addWidget(self.detail, 1)
        split = QSplitter(Qt.Orientation.Vertical)
        split.addWidget(self.tree)
        split.addWidget(below)
        split.setSizes([400, 240])
        trains = QWidget()
        column = QVBoxLayout(trains)
        column.addLayout(bar)
        column.addWidget(self.proposal_box)
        column.addWidget(split, 1)
        self.empty = QLabel(EMPTY, wordWrap=True, alignment=Qt.AlignmentFlag.AlignCenter)
        self.empty.setMargin(48)
        self.stack = QStackedWidget()
        self.stack.addWidget(self.empty)
        self.stack.addWidget(trains)
        outer = QVBoxLayout(self)
        outer.setContentsMargins(0, 0, 0, 0)
        outer.addWidget(self.stack)

    def _connect(self) -> None:
        self.tree.move_requested.connect(self.move_requested)
        self.tree.remove_requested.connect(self.remove_requested)
        self.tree.currentItemChanged.connect(self._on_tree_current_item_changed)
        self.earlier_button.clicked.connect(lambda: self._move_selected(-1))
        self.later_button.clicked.connect(lambda: self._move_selected(1))
        self.remove_button.clicked.connect(self._on_remove_button_clicked)
        self.send_back_button.clicked.connect(self._on_send_back_button_clicked)
        self.pause_button.clicked.connect(self._on_pause_button_clicked)
        self.order_button.clicked.connect(self.order_requested)
        self.use_order_button.clicked.connect(self.order_accepted)
        self.dismiss_button.clicked.connect(self.hide_proposal)

    def _on_tree_current_item_changed(self) -> None:
        self._show_detail()
        self._update_actions()

    def _move_selected(self, places: int) -> None:
        car = selected_car(self.tree)
        if car is not None:
            self.move_requested.emit(car.task_id, places)

    def _on_remove_button_clicked(self) -> None:
        if (car := selected_car(self.tree)) is not None:
            self.remove_requested.emit(car.task_id)

    def _on_send_back_button_clicked(self) -> None:
        if (car := selected_car(self.tree)) is not None:
            self.send_back_requested.emit(car.task_id)

    def _on_pause_button_clicked(self) -> None:
        train = self._selected_train()
        if train is not None:
            signal = self.resume_requested if train.paused else self.pause_requested
            signal.emit(train.target)


def paused_text(reason: str | None) -> str:
    """Return what a train's row adds when it is paused: why (once "paused")."""
    if not reason:
        return ""
    return f"  —  {reason}" if reason.startswith("paused") else f"  —  paused: {reason}"


def time_text(car: Car, estimates: dict[int, float], now: float) -> str:
    """Return a car's Time cell: how long it is under test, when it should land, or left."""
    if car.state is CarState.LANDED:
        return f"landed {age_label(now - car.updated_at)} ago".replace("now ago", "just now")
    if car.state is CarState.EJECTED:
        return f"left {age_label(now - car.updated_at)} ago".replace("now ago", "just now")
    guess = estimates.get(car.id)
    eta = f"lands in {about(guess)}" if guess is not None else ""
    if car.state is CarState.TESTING:
        return f"testing {_clock(now - car.updated_at)}" + (f" · {eta}" if eta else "")
    return eta or "waiting"


def detail_text(car: Car) -> str:
    """Return what the pane under the cars says of one: why it left, or how its proof goes."""
    if car.state is CarState.EJECTED:
        lines = [f"Left the train to {car.target}: {car.reason}."]
        if car.sent_back_turns is not None:
            lines.append("Sent back to its agent; it rejoins the train when its fix succeeds.")
        if car.output.strip():
            lines.append("The test command's output ended with:")
        return "\n".join(lines)
    if car.state is CarState.TESTING:
        on = f" on {car.proven_on[:10]}" if car.proven_on else ""
        so_far = " Its output so far:" if car.output.strip() else ""
        return (
            f"Being proven{on}: its change applied on {car.target} with every car ahead of it, "
            f"and the project's test command running in a scratch worktree.{so_far}"
        )
    if car.state is CarState.LANDED:
        landed = f" as {car.landed_commit[:10]}" if car.landed_commit else ""
        return f"Landed on {car.target}{landed}."
    return f"Waiting to be proven on {car.target}."


def _clock(seconds: float) -> str:
    secs = max(int(seconds), 0)
    return f"{secs // 60}:{secs % 60:02d}"
