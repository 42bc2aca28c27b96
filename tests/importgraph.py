"""Orchard's import graph, read from the source: modules, feature packages and their imports.

Run `uv run python -m tests.importgraph` to see which package imports which (add
`--modules` for every module's imports); tests/test_architecture.py holds the rules.
Every import counts: those inside functions and under TYPE_CHECKING too.
"""

from __future__ import annotations

import ast
import sys
from dataclasses import dataclass
from functools import cached_property
from pathlib import Path

APP = Path(__file__).resolve().parent.parent / "app"
LAYER_PACKAGES = ("app.services", "app.qt")  # their sub-packages are features


@dataclass(frozen=True, slots=True)
class Import:
    """One name imported by one module: `from source import name`, or `import source`."""

    importer: str
    source: str
    name: str | None
    line: int
    target: str  # the module the import reaches: source.name if that is a module, else source


class Graph:
    """Every module under app/ and what each one imports from app."""

    def __init__(self, root: Path = APP) -> None:
        self.root = root
        self.paths = {_module_name(p, root): p for p in sorted(root.rglob("*.py"))}
        self.packages = {m for m, p in self.paths.items() if p.name == "__init__.py"}

    @cached_property
    def imports(self) -> list[Import]:
        """Return every import of an app module, in module and line order."""
        found: list[Import] = []
        for module, path in self.paths.items():
            found += self._imports_of(module, path)
        return found

    def _imports_of(self, module: str, path: Path) -> list[Import]:
        tree = ast.parse(path.read_text(encoding="utf-8"), str(path))
        package = module if module in self.packages else module.rpartition(".")[0]
        found: list[Import] = []
        for node in ast.walk(tree):
            if isinstance(node, ast.Import):
                found += [
                    Import(module, a.name, None, node.lineno, a.name)
                    for a in node.names
                    if a.name.split(".")[0] == "app"
                ]
            elif isinstance(node, ast.ImportFrom):
                source = _absolute(node, package)
                if source.split(".")[0] != "app":
                    continue
                for a in node.names:
                    full = f"{source}.{a.name}"
                    target = full if full in self.paths else source
                    found.append(Import(module, source, a.name, node.lineno, target))
        return found

    def edges(self) -> dict[str, set[str]]:
        """Return each module's imported modules."""
        out: dict[str, set[str]] = {m: set() for m in self.paths}
        for imp in self.imports:
            if imp.target in self.paths and imp.target != imp.importer:
                out[imp.importer].add(imp.target)
        return out

    def features(self) -> list[str]:
        """Return the feature packages: the sub-packages of services and qt."""
        return sorted(p for p in self.packages if p.rpartition(".")[0] in LAYER_PACKAGES)

    def feature_of(self, module: str) -> str | None:
        """Return the feature package that holds `module`, if any."""
        for feature in self.features():
            if module == feature or module.startswith(feature + "."):
                return feature
        return None

    def public_names(self, package: str) -> set[str]:
        """Return what a package offers others: its __all__ and lazily exported names."""
        tree = ast.parse(self.paths[package].read_text(encoding="utf-8"))
        names: set[str] = set()
        for node in ast.walk(tree):
            if isinstance(node, ast.Assign) and any(
                isinstance(t, ast.Name) and t.id == "__all__" for t in node.targets
            ):
                names |= set(ast.literal_eval(node.value))
            elif isinstance(node, ast.Call) and getattr(node.func, "id", "") == "lazy_exports":
                names |= lazy_table(node)
        return names

    def type_checking_names(self, package: str) -> set[str]:
        """Return the names a package's `if TYPE_CHECKING:` block imports (what mypy sees)."""
        tree = ast.parse(self.paths[package].read_text(encoding="utf-8"))
        names: set[str] = set()
        for node in tree.body:
            if isinstance(node, ast.If) and getattr(node.test, "id", "") == "TYPE_CHECKING":
                for stmt in node.body:
                    if isinstance(stmt, ast.ImportFrom):
                        names |= {a.asname or a.name for a in stmt.names}
        return names

    def package_edges(self) -> dict[str, set[str]]:
        """Return, for each feature package or loose module, the units it imports."""
        out: dict[str, set[str]] = {}
        for module, targets in self.edges().items():
            unit = self.unit_of(module)
            mine = out.setdefault(unit, set())
            mine |= {self.unit_of(t) for t in targets} - {unit}
        return out

    def unit_of(self, module: str) -> str:
        """Return the feature package that holds `module`, or the module itself."""
        feature = self.feature_of(module)
        if feature is not None:
            return feature
        if module.startswith("app.core.") or module.startswith("app.commands."):
            return module.rsplit(".", 1)[0]
        return module


def lazy_table(call: ast.Call, modules: bool = True) -> set[str]:
    """Return the names a `lazy_exports(__name__, modules=..., names=...)` call exports
    (without the exported modules themselves unless `modules`)."""
    names: set[str] = set()
    for keyword in call.keywords:
        value = ast.literal_eval(keyword.value)
        if keyword.arg == "modules" and modules:
            names |= set(value)
        elif keyword.arg == "names":
            names |= {n for attrs in value.values() for n in attrs}
    return names


def cycles(edges: dict[str, set[str]]) -> list[list[str]]:
    """Return each import circle (a strongly connected set of two or more), as a path."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    found: list[list[str]] = []

    def visit(v: str) -> None:  # Tarjan's algorithm; the graph is a few hundred modules
        index[v] = low[v] = len(index)
        stack.append(v)
        for w in sorted(edges.get(v, ())):
            if w not in index:
                visit(w)
                low[v] = min(low[v], low[w])
            elif w in stack:
                low[v] = min(low[v], index[w])
        if low[v] == index[v]:
            group = []
            while not group or group[-1] != v:
                group.append(stack.pop())
            if len(group) > 1:
                found.append(sorted(group))

    limit = sys.getrecursionlimit()
    sys.setrecursionlimit(max(limit, 10_000))
    try:
        for v in sorted(edges):
            if v not in index:
                visit(v)
    finally:
        sys.setrecursionlimit(limit)
    return found


def _module_name(path: Path, root: Path) -> str:
    parts = list(path.relative_to(root.parent).with_suffix("").parts)
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def _absolute(node: ast.ImportFrom, package: str) -> str:
    if not node.level:
        return node.module or ""
    base = package.split(".")[: len(package.split(".")) - node.level + 1]
    return ".".join([*base, *([node.module] if node.module else [])])


def main(argv: list[str]) -> int:
    """Print the import graph: packages by default, every module with --modules."""
    graph = Graph()
    edges = graph.edges() if "--modules" in argv else graph.package_edges()
    for unit in sorted(edges):
        print(f"{unit} -> {', '.join(sorted(edges[unit])) or '(nothing)'}")
    circles = cycles(graph.edges())
    print(f"\n{len(circles)} import circle(s)" + "".join(f"\n  {' -> '.join(c)}" for c in circles))
    return 1 if circles else 0


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:]))
