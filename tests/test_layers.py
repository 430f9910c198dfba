"""The import graph of our two packages: floors that only go down.

Read with ``ast`` (nothing is imported, so no side effect can hide an edge), every import
counts: at the top, inside functions and under ``TYPE_CHECKING`` alike. ``retrieval`` never
imports ``bot``, and neither package has a cycle.
"""

from __future__ import annotations

import ast
from pathlib import Path

from .conftest import ROOT

PACKAGES = ("retrieval", "bot")


def module_name(path: Path) -> str:
    parts = path.relative_to(ROOT).with_suffix("").parts
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def imports_of(path: Path, modules: set[str]) -> set[str]:
    """Our modules that ``path`` imports, resolved to module names."""
    name = module_name(path)
    package = name if path.name == "__init__.py" else name.rpartition(".")[0]
    found: set[str] = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            targets = [alias.name for alias in node.names]
        elif isinstance(node, ast.ImportFrom):
            base = node.module or ""
            if node.level:
                anchor = package.split(".")[: len(package.split(".")) - (node.level - 1)]
                base = ".".join([*anchor, base] if base else anchor)
            targets = [base, *(f"{base}.{alias.name}" for alias in node.names)]
        else:
            continue
        found.update(t for t in targets if t in modules)
    found.discard(name)
    return found


def import_graph() -> dict[str, set[str]]:
    files = [p for package in PACKAGES for p in sorted((ROOT / package).rglob("*.py"))]
    modules = {module_name(p) for p in files}
    return {module_name(p): imports_of(p, modules) for p in files}


def cycles(graph: dict[str, set[str]]) -> list[list[str]]:
    """Every strongly connected group of more than one module (Tarjan), as sorted lists."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on_stack: set[str] = set()
    groups: list[list[str]] = []

    def visit(node: str) -> None:
        index[node] = low[node] = len(index)
        stack.append(node)
        on_stack.add(node)
        for nxt in sorted(graph[node]):
            if nxt not in index:
                visit(nxt)
                low[node] = min(low[node], low[nxt])
            elif nxt in on_stack:
                low[node] = min(low[node], index[nxt])
        if low[node] == index[node]:
            group = []
            while True:
                member = stack.pop()
                on_stack.discard(member)
                group.append(member)
                if member == node:
                    break
            if len(group) > 1:
                groups.append(sorted(group))

    for node in sorted(graph):
        if node not in index:
            visit(node)
    return groups


def floors(graph: dict[str, set[str]]) -> dict[str, int]:
    """Each module's floor: 0 imports none of ours, otherwise one above the highest it imports."""
    floor: dict[str, int] = {}

    def of(node: str) -> int:
        if node not in floor:
            floor[node] = 1 + max((of(n) for n in graph[node]), default=-1)
        return floor[node]

    for node in graph:
        of(node)
    return floor


def test_the_graph_sees_relative_absolute_and_function_level_imports() -> None:
    graph = import_graph()
    assert "retrieval.text" in graph["retrieval.models"]  # imported inside a method
    assert "retrieval.library" in graph["bot.service"]  # absolute
    assert "bot.worker" in graph["bot.service"]  # relative
    assert {"bot.app", "bot.config"} <= graph["bot.__main__"]


def test_no_import_cycle() -> None:
    assert cycles(import_graph()) == []


def test_a_cycle_would_be_found() -> None:
    assert cycles({"a": {"b"}, "b": {"c"}, "c": {"a"}, "d": {"a"}}) == [["a", "b", "c"]]


def test_retrieval_never_imports_bot() -> None:
    graph = import_graph()
    wrong = {m: sorted(i for i in imports if i.startswith("bot")) for m, imports in graph.items()
             if m.startswith("retrieval")}
    assert {m: i for m, i in wrong.items() if i} == {}


def test_storage_sits_below_the_service_and_the_loops_above_it() -> None:
    floor = floors(import_graph())
    for table in ("bot.chats", "bot.subscriptions", "bot.outbox", "bot.feedstore", "bot.refs", "bot.replies"):
        assert floor[table] < floor["bot.matching"] < floor["bot.service"], table
    for loop in ("bot.delivery", "bot.poller", "bot.inbox"):
        assert floor["bot.service"] < floor[loop] < floor["bot.background"] < floor["bot.app"], loop
    assert floor["bot.formatting"] < floor["bot.handlers"] < floor["bot.app"] < floor["bot.__main__"]
