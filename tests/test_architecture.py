"""The house's rules: layers point down, no import circles, features entered by their front door.

`uv run python -m tests.importgraph` prints the graph these tests read.
"""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

from tests.importgraph import APP, Graph, Import, cycles, lazy_table

FORBIDDEN = ("PySide6", "qasync", "app.qt", "shiboken6")
# A module imports from a lower rank, or from its own layer; never up, never sideways.
RANKS = {
    "app": 0,
    "app.exports": 0,
    "app.installation": 0,
    "app.localsocket": 0,  # where the service and its clients meet; both import it
    "app.core": 0,
    "app.demo_agent": 1,  # started as its own process; uses app.installation and its script
    "app.services": 1,
    "app.server": 2,  # the background service's process
    "app.progress": 2,
    "app.client": 3,
    "app.commands": 4,
    "app.qt": 4,
    "app.main": 5,
    "app.cli": 6,
    "app.launch": 7,
    "app.__main__": 8,
}
# The client reaches the service only through the local API: it imports neither the service's
# process nor the services it runs, so a command that only reads starts fast.
CLIENT_MAY_IMPORT = (
    *("app.client", "app.localsocket", "app.installation", "app.exports", "app"),
    "app.core",  # pure and cheap: a task read back from JSON, and how the CLI prints it
)
# The window reaches its home only through the client: operations, the service's streams and
# the log files. An exception would be listed here with why it needs no service.
WINDOW_EXCEPTIONS: set[tuple[str, str]] = set()
# Commands change the home only through operations; these still read it in place (a list,
# a forecast, a log) or touch what is the machine's, not the home's (desktop entries, secrets).
COMMANDS_MAY_READ = {
    "app.commands.compare": {"app.services.land"},  # runs tests in worktrees, prints the board
    "app.commands.desktop": {"app.services.desktop"},  # the user's desktop entry
    "app.commands.forecast": {"app.services.land"},  # reads git, writes nothing
    "app.commands.land": {"app.services.land"},  # lists and purges archive refs
    "app.commands.secret": {"app.services.config"},  # the user's keyring or secrets file
}
MAX_LOOSE = 12  # modules beside the feature packages in services or qt
MIN_FEATURES = 4


@pytest.fixture(scope="module")
def graph() -> Graph:
    return Graph()


def _imports(path: Path) -> set[str]:
    tree = ast.parse(path.read_text(), str(path))
    names: set[str] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            names.update(a.name for a in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module:
            names.add(node.module)
    return names


def layer_of(module: str) -> str:
    """Return the layer `module` belongs to: the longest RANKS key it falls under."""
    keys = [k for k in RANKS if module == k or module.startswith(k + ".")]
    return max(keys, key=len)


def layer_offences(graph: Graph) -> list[str]:
    """Return each import that points up or sideways between layers."""
    found = []
    for imp in graph.imports:
        mine, theirs = layer_of(imp.importer), layer_of(imp.target)
        if mine != theirs and RANKS[theirs] >= RANKS[mine]:
            found.append(f"{_where(graph, imp)}: {mine} may not import {imp.target} ({theirs})")
    return found


def entry_offences(graph: Graph) -> list[str]:
    """Return each import that enters another feature package other than by its public names."""
    found = []
    for imp in graph.imports:
        feature = graph.feature_of(imp.target)
        if feature is None or feature == graph.feature_of(imp.importer):
            continue
        if imp.source != feature or imp.name is None:
            found.append(
                f"{_where(graph, imp)}: imports {imp.target} from inside {feature}; "
                f"import it from {feature} (add it to that package's exports)"
            )
        elif imp.name not in graph.public_names(feature):
            found.append(
                f"{_where(graph, imp)}: {imp.name} is not one of {feature}'s public names "
                "(its __init__'s exports)"
            )
    return found


def self_entry_offences(graph: Graph) -> list[str]:
    """Return each module that imports a sibling's name through its own package's __init__."""
    found = []
    for imp in graph.imports:
        own = graph.feature_of(imp.importer)
        if own is None or imp.importer == own or imp.target != own:
            continue
        found.append(
            f"{_where(graph, imp)}: imports {imp.name} through its own package {own}; "
            "import it from the module that defines it"
        )
    return found


def export_offences(graph: Graph) -> list[str]:
    """Return lazily exported packages whose names differ from what mypy sees, or shadow."""
    found = []
    for feature in graph.features():
        path = graph.paths[feature]
        calls = [
            n
            for n in ast.walk(ast.parse(path.read_text(encoding="utf-8")))
            if isinstance(n, ast.Call) and getattr(n.func, "id", "") == "lazy_exports"
        ]
        if not calls:
            continue
        lazy, typed = lazy_table(calls[0]), graph.type_checking_names(feature)
        if lazy != typed:
            found.append(
                f"{feature}: lazy_exports and the TYPE_CHECKING imports differ: "
                f"{sorted(lazy ^ typed)}"
            )
        modules = {m.rpartition(".")[2] for m in graph.paths if m.startswith(feature + ".")}
        shadowed = modules & lazy_table(calls[0], modules=False)
        if shadowed:
            found.append(
                f"{feature}: {sorted(shadowed)} name both a module and a name inside it; "
                "once the module is imported the package's attribute is the module"
            )
    return found


def _where(graph: Graph, imp: Import) -> str:
    return f"{graph.paths[imp.importer].relative_to(graph.root.parent)}:{imp.line}"


def _fail_with(offences: list[str]) -> None:
    assert not offences, "\n" + "\n".join(offences)


def client_offences(graph: Graph) -> list[str]:
    """Return each import by the client of anything of Orchard but the API's meeting point."""
    return [
        f"{_where(graph, imp)}: the client may not import {imp.target}; ask the service"
        for imp in graph.imports
        if layer_of(imp.importer) == "app.client" and layer_of(imp.target) not in CLIENT_MAY_IMPORT
    ]


def window_offences(graph: Graph) -> list[str]:
    """Return each import by the window of the service's process or the services it runs."""
    return [
        f"{_where(graph, imp)}: the window may not import {imp.target}; ask through app.client"
        for imp in graph.imports
        if layer_of(imp.importer) == "app.qt"
        and layer_of(imp.target) in ("app.services", "app.server")
        and (imp.importer, _feature(imp.target)) not in WINDOW_EXCEPTIONS
    ]


def command_offences(graph: Graph) -> list[str]:
    """Return each import by a command of the service's process or services it may not use."""
    return [
        f"{_where(graph, imp)}: the command may not import {imp.target}; use its operations"
        for imp in graph.imports
        if layer_of(imp.importer) == "app.commands"
        and layer_of(imp.target) in ("app.services", "app.server")
        and _feature(imp.target) not in COMMANDS_MAY_READ.get(imp.importer, set())
        and imp.target != "app.services.orchard"  # the handlers' type: the home's context
    ]


def _feature(module: str) -> str:
    return ".".join(module.split(".")[:3])


@pytest.mark.parametrize("package", ["core", "services"])
def test_lower_layers_import_no_qt(package: str) -> None:
    offenders = {
        f"{path.relative_to(APP)}: {name}"
        for path in (APP / package).rglob("*.py")
        for name in _imports(path)
        if name.startswith(FORBIDDEN)
    }
    assert not offenders


def test_core_does_no_io_or_asyncio() -> None:
    io_modules = ("asyncio", "subprocess", "sqlite3", "sqlmodel", "app.services", "os")
    offenders = {
        f"{path.name}: {name}"
        for path in (APP / "core").rglob("*.py")
        for name in _imports(path)
        if name.split(".")[0] in io_modules or name.startswith("app.services")
    }
    assert not offenders


def test_layers_point_down(graph: Graph) -> None:
    _fail_with(layer_offences(graph))


def test_the_client_talks_to_the_service_only_through_the_api(graph: Graph) -> None:
    _fail_with(client_offences(graph))


def test_the_window_talks_to_its_home_only_through_the_client(graph: Graph) -> None:
    _fail_with(window_offences(graph))


def test_commands_change_the_home_only_through_operations(graph: Graph) -> None:
    _fail_with(command_offences(graph))


def test_no_import_circles(graph: Graph) -> None:
    _fail_with([" -> ".join(c) for c in cycles(graph.edges())])


def test_features_are_entered_through_their_public_names(graph: Graph) -> None:
    _fail_with(entry_offences(graph))


def test_modules_of_a_package_import_each_other_directly(graph: Graph) -> None:
    _fail_with(self_entry_offences(graph))


def test_lazy_exports_are_what_mypy_sees(graph: Graph) -> None:
    _fail_with(export_offences(graph))


@pytest.mark.parametrize("layer", ["app.services", "app.qt"])
def test_each_layer_is_grouped_by_feature(graph: Graph, layer: str) -> None:
    features = [f for f in graph.features() if f.startswith(layer + ".")]
    loose = [m for m in graph.paths if m.rpartition(".")[0] == layer and m not in graph.packages]
    assert len(features) >= MIN_FEATURES, features
    assert len(loose) <= MAX_LOOSE, loose
    for feature in features:
        doc = ast.get_docstring(ast.parse(graph.paths[feature].read_text(encoding="utf-8")))
        assert doc and "\n" not in doc, f"{feature}/__init__.py needs a one-line docstring"


def test_check_would_catch_a_violation(tmp_path: Path) -> None:
    bad = tmp_path / "bad.py"
    bad.write_text("from PySide6.QtCore import QObject\n")
    assert any(n.startswith(FORBIDDEN) for n in _imports(bad))


def test_rules_catch_what_they_forbid(tmp_path: Path) -> None:
    root = tmp_path / "app"
    files = {
        "__init__.py": "",
        "core/__init__.py": "",
        "core/pure.py": "from app.services.land import helper\n",  # up a layer
        "services/__init__.py": "",
        "services/land/__init__.py": (
            '"""Land."""\nfrom typing import TYPE_CHECKING\n'
            "if TYPE_CHECKING:\n    from app.services.land.merge import merge as merge\n"
            "else:\n"
            '    __getattr__ = lazy_exports(__name__, names={"merge": ("merge", "helper")})\n'
        ),
        "services/land/merge.py": "from app.services.land import tidy\ndef merge(): ...\n",
        "services/land/helper.py": "def helper(): ...\n",
        "services/triage/__init__.py": '"""Triage."""\n',
        "services/triage/reports.py": (
            "from app.services.land.merge import merge\nfrom app.services.land import secret\n"
        ),
        "services/a.py": "from app.services import b\n",
        "client/__init__.py": "",
        "client/link.py": "from app.services.land import merge\n",  # past the API
        "qt/__init__.py": "",
        "qt/board.py": "from app.services.land import merge\n",  # the window past the client
        "commands/__init__.py": "",
        "commands/land.py": "from app.server import api\n",  # a command past its operations
        "services/b.py": "def f():\n    from app.services import a\n",
    }
    for name, text in files.items():
        (root / name).parent.mkdir(parents=True, exist_ok=True)
        (root / name).write_text(text)
    graph = Graph(root)
    assert any("app.core may not import" in o for o in layer_offences(graph))
    assert any("the client may not import app.services.land" in o for o in client_offences(graph))
    assert any("the window may not import app.services.land" in o for o in window_offences(graph))
    assert any("the command may not import app.server" in o for o in command_offences(graph))
    assert "app.services.a -> app.services.b" in [" -> ".join(c) for c in cycles(graph.edges())]
    entries = entry_offences(graph)
    assert any("from inside app.services.land" in o for o in entries)
    assert any("secret is not one of" in o for o in entries)
    assert any("through its own package" in o for o in self_entry_offences(graph))
    exports = export_offences(graph)
    assert any("differ" in o for o in exports) and any("name both" in o for o in exports)
