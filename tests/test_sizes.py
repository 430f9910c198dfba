"""No hub where every change lands: no function over 60 lines, no class over 400, anywhere in
the tree (retrieval, bot, bench, tests). Read with ``ast``: a definition's lines run from its
``def`` or ``class`` line (decorators not counted) to its last statement, docstring included.
"""

from __future__ import annotations

import ast

from .conftest import ROOT

FOLDERS = ("retrieval", "bot", "bench", "tests")
MOST_LINES = {"function": 60, "class": 400}


def oversized(source: str, where: str) -> list[str]:
    """Each function or class of ``source`` longer than :data:`MOST_LINES` allows, as
    ``where:line name (n lines)``."""
    found = []
    for node in ast.walk(ast.parse(source)):
        if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef):
            kind = "function"
        elif isinstance(node, ast.ClassDef):
            kind = "class"
        else:
            continue
        lines = (node.end_lineno or node.lineno) - node.lineno + 1
        if lines > MOST_LINES[kind]:
            found.append(f"{where}:{node.lineno} {kind} {node.name} ({lines} lines)")
    return found


def test_no_function_over_60_lines_and_no_class_over_400() -> None:
    files = [path for folder in FOLDERS for path in sorted((ROOT / folder).rglob("*.py"))]
    assert len(files) > 100, "the tree was not found"
    found = [hit for path in files
             for hit in oversized(path.read_text(encoding="utf-8"), str(path.relative_to(ROOT)))]
    assert not found, "split these into parts that each say what they do:\n" + "\n".join(found)


def test_a_long_function_or_class_would_be_found() -> None:
    body = "".join(f"    x{n} = {n}\n" for n in range(60))
    assert oversized(f"def long():\n{body}", "f.py") == ["f.py:1 function long (61 lines)"]
    assert oversized(f"def short():\n{body[: -len('    x59 = 59')- 1]}", "f.py") == []
    methods = "".join(f"    def m{n}(self):\n        return {n}\n\n" for n in range(134))
    assert oversized(f"class Hub:\n{methods}", "c.py") == ["c.py:1 class Hub (402 lines)"]
