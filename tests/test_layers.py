"""The import graph of our two packages: floors that only go down, stages seen by their faces.

Read with ``ast`` (nothing is imported, so no side effect can hide an edge), every import
counts: at the top, inside functions and under ``TYPE_CHECKING`` alike. ``retrieval`` never
imports ``bot``, and neither package has a cycle. ``retrieval/`` is cut into stages (subpackages);
a stage imports only the public faces (``__init__.py`` and its ``__all__``) of stages below it,
and ``bot/`` only the public faces of any stage: this file is the list of what may import what.
"""

from __future__ import annotations

import ast
from pathlib import Path

from .conftest import ROOT

PACKAGES = ("retrieval", "bot")
# retrieval's stages, bottom first: a stage imports only those on lower floors (same floor: neither
# imports the other); ``retrieval.errors`` is the ground, ``retrieval.__main__`` (the CLI) the roof.
STAGES = {"errors": 0, "text": 1, "articles": 2, "store": 3, "index": 3, "archive": 4, "answer": 4,
          "library": 5, "tools": 6, "__main__": 7}


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
            # ``from package import module`` imports the module, not the package's face
            named = [f"{base}.{alias.name}" for alias in node.names]
            targets = named if all(t in modules for t in named) else [base, *named]
        else:
            continue
        found.update(t for t in targets if t in modules)
    found.discard(name)
    return found


def named_imports(path: Path) -> list[tuple[str, str | None]]:
    """(module, name) for each ``from module import name`` of ``path``, (module, None) for ``import
    module``, with relative modules resolved; only those of our packages."""
    name = module_name(path)
    package = name if path.name == "__init__.py" else name.rpartition(".")[0]
    found: list[tuple[str, str | None]] = []
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            found += [(alias.name, None) for alias in node.names]
        elif isinstance(node, ast.ImportFrom):
            base = node.module or ""
            if node.level:
                anchor = package.split(".")[: len(package.split(".")) - (node.level - 1)]
                base = ".".join([*anchor, base] if base else anchor)
            found += [(base, alias.name) for alias in node.names]
    return [(m, n) for m, n in found if m.split(".")[0] in PACKAGES]


def face(stage: str) -> set[str]:
    """The names ``retrieval/<stage>/__init__.py`` lists in ``__all__`` (a module stage: all of it)."""
    init = ROOT / "retrieval" / stage / "__init__.py"
    if not init.exists():
        return {"*"}
    for node in ast.parse(init.read_text(encoding="utf-8")).body:
        if isinstance(node, ast.Assign) and any(isinstance(t, ast.Name) and t.id == "__all__" for t in node.targets):
            return set(ast.literal_eval(node.value))
    return set()


def stage_of(module: str) -> str | None:
    parts = module.split(".")
    return parts[1] if parts[0] == "retrieval" and len(parts) > 1 else None


def layer_faults(importer: str, imports: list[tuple[str, str | None]]) -> list[str]:
    """What ``importer`` imports from ``retrieval`` against the stage rules, one line each."""
    faults = []
    mine = stage_of(importer)
    for module, name in imports:
        theirs = stage_of(module)
        if theirs is None or (mine is not None and mine == theirs):
            continue  # not retrieval's, or a module of the importer's own stage
        if theirs not in STAGES:
            faults.append(f"{importer} imports {module}, which belongs to no stage")
        elif mine is not None and mine in STAGES and STAGES[theirs] >= STAGES[mine]:
            faults.append(f"{importer} ({mine}) imports {module} ({theirs}): not a stage below")
        elif module != f"retrieval.{theirs}" and (ROOT / "retrieval" / theirs / "__init__.py").exists():
            faults.append(f"{importer} imports {module}: a module of {theirs}, not its face")
        elif name is not None and "*" not in face(theirs) and name not in face(theirs):
            faults.append(f"{importer} imports {name} from retrieval.{theirs}, whose __all__ does not list it")
    return faults


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
    assert "retrieval.text.wordseg" in graph["retrieval.text.vietnamese"]  # imported inside a function
    assert "retrieval.text" in graph["retrieval.articles.article"]  # relative, two dots
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


def test_stages_import_only_the_faces_of_stages_below_and_bot_only_faces() -> None:
    files = [p for package in PACKAGES for p in sorted((ROOT / package).rglob("*.py"))]
    faults = [f for p in files if module_name(p) not in {"retrieval", *(f"retrieval.{s}" for s in STAGES)}
              for f in layer_faults(module_name(p), named_imports(p))]
    assert faults == []


def test_every_stage_is_listed_and_its_face_names_what_it_holds() -> None:
    folders = {p.parent.name for p in (ROOT / "retrieval").glob("*/__init__.py")}
    modules = {p.stem for p in (ROOT / "retrieval").glob("*.py")} - {"__init__"}
    assert folders | modules == set(STAGES)
    for stage in folders:
        init = ROOT / "retrieval" / stage / "__init__.py"
        imported = {n for m, n in named_imports(init) if n is not None}
        assert face(stage) == imported, stage


def stage_edges() -> set[tuple[str, str]]:
    """(importer, imported) between retrieval's stages and from ``bot``; ``errors``, which every
    stage imports, left out; the CLI (``retrieval.__main__``) as ``cli``."""
    edges = set()
    for module, imports in import_graph().items():
        mine = "bot" if module.startswith("bot") else stage_of(module)
        for imported in imports:
            theirs = stage_of(imported)
            if mine and theirs and theirs not in (mine, "errors"):
                edges.add((mine.replace("__main__", "cli"), theirs))
    return edges


def test_the_picture_in_the_design_notes_is_the_import_graph() -> None:
    design = (ROOT / "docs" / "design.md").read_text(encoding="utf-8")
    picture = design.split("```mermaid", 1)[1].split("```", 1)[0]
    drawn = {tuple(line.split(" --> ")) for line in map(str.strip, picture.splitlines()) if " --> " in line}
    assert drawn == stage_edges()
    floor = {"cli": 8, "bot": 8, **STAGES}
    assert all(floor[a] > floor[b] for a, b in drawn), "every arrow points down"


def test_a_private_import_or_an_upward_one_would_be_found() -> None:
    assert layer_faults("bot.service", [("retrieval.answer.candidates", "features")]) == [
        "bot.service imports retrieval.answer.candidates: a module of answer, not its face"]
    assert layer_faults("bot.service", [("retrieval.answer", "_private")]) == [
        "bot.service imports _private from retrieval.answer, whose __all__ does not list it"]
    assert layer_faults("retrieval.store.ingest", [("retrieval.answer", "Answer")]) == [
        "retrieval.store.ingest (store) imports retrieval.answer (answer): not a stage below"]
    assert layer_faults("retrieval.archive.embedded", [("retrieval.answer", "Answer")]) == [
        "retrieval.archive.embedded (archive) imports retrieval.answer (answer): not a stage below"]
    assert layer_faults("retrieval.answer.plain", [("retrieval.answer.records", "Answer"), ("retrieval.text", "fold")]) == []


def test_storage_sits_below_the_service_and_the_loops_above_it() -> None:
    floor = floors(import_graph())
    for table in ("bot.chats", "bot.subscriptions", "bot.outbox", "bot.feedstore", "bot.refs", "bot.replies"):
        assert floor[table] < floor["bot.matching"] < floor["bot.service"], table
    for loop in ("bot.delivery", "bot.poller", "bot.inbox"):
        assert floor["bot.service"] < floor[loop] < floor["bot.background"] < floor["bot.app"], loop
    assert floor["bot.formatting"] < floor["bot.handlers"] < floor["bot.app"] < floor["bot.__main__"]
