"""Every key binding of the window, in one table: the menus are built from it, F1 shows it.

Keys are written as QKeySequence reads them ("Ctrl+Shift+F"); a binding with a `menu` is an
action of the main window's menu bar, named `name` (the key of MainWindow.actions).
"""

from __future__ import annotations

from dataclasses import dataclass

WINDOW, BOARD, INBOX, LOG, SEARCH, REVIEW, TRAIN, TRIAGE, DIALOGS = (
    "Window",
    "Board and tasks",
    "Needs you",
    "Log",
    "Search all logs",
    "Review",
    "Land train",
    "Triage",
    "Dialogs",
)
AREAS = (
    WINDOW,
    BOARD,
    INBOX,
    LOG,
    SEARCH,
    REVIEW,
    TRAIN,
    TRIAGE,
    DIALOGS,
)  # the order F1 shows them in


@dataclass(frozen=True)
class KeyBinding:
    """What a key (or several keys) does, where; `menu` and `name` for the menu bar's actions."""

    area: str
    text: str
    keys: tuple[str, ...]
    name: str = ""
    menu: str = ""


def _menu(menu: str, area: str, name: str, text: str, *keys: str) -> KeyBinding:
    return KeyBinding(area, text, keys, name, menu)


def _key(area: str, text: str, *keys: str) -> KeyBinding:
    return KeyBinding(area, text, keys)


BINDINGS: tuple[KeyBinding, ...] = (
    _menu("File", BOARD, "new_task", "New task…", "Ctrl+N"),
    _menu("File", WINDOW, "add_repository", "Add a repository…", "Ctrl+O"),
    _menu("File", WINDOW, "try_demo", "Try the demo"),
    _menu("File", WINDOW, "settings", "Settings…", "Ctrl+,"),
    _menu("File", WINDOW, "quit", "Quit", "Ctrl+Q"),
    _menu("Task", BOARD, "stop", "Stop", "Ctrl+."),
    _menu("Task", BOARD, "retry", "Retry", "Ctrl+Shift+R"),
    _menu("Task", BOARD, "review", "Review…", "Ctrl+R"),
    _menu("Task", BOARD, "followup", "Follow up…", "Ctrl+Shift+U"),
    _menu("Task", BOARD, "merge", "Merge…", "Ctrl+Shift+M"),
    _menu("Task", BOARD, "train_add", "Add to land train", "Ctrl+Shift+A"),
    _menu("Task", BOARD, "pull_request", "Push and open PR…"),
    _menu("Task", BOARD, "compare", "Compare attempts…", "Ctrl+Shift+B"),
    _menu("Task", BOARD, "discard", "Discard…", "Del"),
    _menu("Task", BOARD, "restore", "Restore"),
    _menu("Task", BOARD, "open_folder", "Open folder", "Ctrl+Shift+O"),
    _menu("Task", BOARD, "open_terminal", "Open terminal here", "Ctrl+Shift+T"),
    _menu("Task", BOARD, "open_editor", "Open in editor", "Ctrl+Shift+E"),
    _menu("Triage", TRIAGE, "triage_capture", "Quick capture…", "Ctrl+Shift+N"),
    _menu("Triage", TRIAGE, "triage_paste", "Paste a list…"),
    _menu("Triage", TRIAGE, "triage_import_file", "Import a CSV or JSON file…"),
    _menu("Triage", TRIAGE, "triage_import_github", "Import from GitHub…"),
    _menu("Triage", TRIAGE, "triage_refresh", "Refresh from GitHub live"),
    _menu("Triage", TRIAGE, "triage_suggest", "Suggest (model)"),
    _menu("Triage", TRIAGE, "triage_dispatch", "Send to agents…", "Ctrl+Shift+D"),
    _menu("Triage", TRIAGE, "triage_export_csv", "Export CSV…"),
    _menu("Triage", TRIAGE, "triage_export_github", "Export to GitHub…"),
    _menu("View", WINDOW, "show_tasks", "Tasks tab", "Ctrl+1"),
    _menu("View", WINDOW, "show_triage", "Triage tab", "Ctrl+2"),
    _menu("View", TRAIN, "show_train", "Land train tab", "Ctrl+3"),
    _menu("View", INBOX, "show_inbox", "Needs you tab", "Ctrl+4"),
    _menu("View", LOG, "raw_log", "Raw log", "Ctrl+Shift+L"),
    _menu("View", LOG, "jump_latest", "Jump to latest", "Ctrl+End"),
    _menu("View", LOG, "find", "Find in log (Ctrl+F in the log)"),
    _menu("View", BOARD, "filter", "Filter tasks", "/"),
    _menu("View", SEARCH, "search_logs", "Search all logs…", "Ctrl+Shift+F"),
    _menu("Help", WINDOW, "shortcuts", "Keyboard shortcuts", "F1"),
    _menu("Help", WINDOW, "about", "About Orchard"),
    _key(BOARD, "Next / previous task", "J", "K", "Down", "Up"),
    _key(BOARD, "Open the task's log", "Return"),
    _key(BOARD, "Leave the filter, or clear it", "Esc"),
    _key(INBOX, "Next / previous request", "J", "K", "Down", "Up"),
    _key(INBOX, "Select several", "Shift+Up", "Shift+Down", "Ctrl+A"),
    _key(INBOX, "Select the commands that match a pattern", "M", "Ctrl+F"),
    _key(INBOX, "Allow once", "A"),
    _key(INBOX, "Allow for this task", "T"),
    _key(INBOX, "Always allow in this project", "P"),
    _key(INBOX, "Deny with a message", "D"),
    _key(INBOX, "Reply to a question", "R"),
    _key(INBOX, "Pick a question's option", "1", "2", "3", "4", "5", "6", "7", "8", "9"),
    _key(INBOX, "Raise the budget and continue", "+"),
    _key(INBOX, "Stop the task (its work kept)", "S"),
    _key(INBOX, "Send the message or reply; cancel it", "Return", "Esc"),
    _key(LOG, "Find in the log", "Ctrl+F"),
    _key(LOG, "Next / previous match", "F3", "Shift+F3"),
    _key(LOG, "Fold or unfold the event", "Space", "Return"),
    _key(SEARCH, "Go to the results", "Down"),
    _key(SEARCH, "Jump to the hit in its task's log", "Return", "Enter"),
    _key(REVIEW, "Next file", "]", "Alt+Down", "N"),
    _key(REVIEW, "Previous file", "[", "Alt+Up", "P"),
    _key(REVIEW, "Next hunk", "J", "."),
    _key(REVIEW, "Previous hunk", "K", ","),
    _key(REVIEW, "Unified or side by side", "U"),
    _key(REVIEW, "Ignore whitespace", "W"),
    _key(REVIEW, "Show comment threads", "T"),
    _key(REVIEW, "Move in the diff", "Up", "Down", "PgUp", "PgDown"),
    _key(REVIEW, "Old or new side", "Left", "Right"),
    _key(REVIEW, "Comment on the line", "C", "Return"),
    _key(REVIEW, "Send the comment", "Ctrl+Return"),
    _key(REVIEW, "Delete the selected comment", "Del"),
    _key(REVIEW, "Close the review", "Esc", "Ctrl+W", "Ctrl+F4"),  # the desktop's Close
    _key(TRAIN, "Move the car earlier / later", "Alt+Up", "Alt+Down"),
    _key(TRAIN, "Take the car off its train", "Del"),
    _key(TRIAGE, "Next / previous report", "J", "K"),
    _key(TRIAGE, "Priority", "0", "1", "2", "3"),
    _key(TRIAGE, "Category, owner, duplicate", "C", "O", "D"),
    _key(TRIAGE, "Won't fix", "X"),
    _key(TRIAGE, "Accept", "A"),
    _key(TRIAGE, "Open the report", "Return"),
    _key(DIALOGS, "New task: launch", "Ctrl+Return", "Ctrl+Enter"),
    _key(DIALOGS, "New task: earlier or later prompts", "Ctrl+Up", "Ctrl+Down"),
    _key(DIALOGS, "Quick capture: save and clear", "Ctrl+Return", "Ctrl+Enter"),
    _key(DIALOGS, "Pickers: choose, or close", "Return", "Esc"),
    _key(DIALOGS, "Close a dialog", "Esc"),
)


def menu_bindings() -> list[KeyBinding]:
    """Return the bindings of the menu bar's actions, in menu order."""
    return [b for b in BINDINGS if b.menu]


def keys_of(area: str, text: str) -> tuple[str, ...]:
    """Return the keys of the binding in `area` that does `text`."""
    return next(b.keys for b in BINDINGS if b.area == area and b.text == text)
