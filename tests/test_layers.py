"""The package's layers: imports only point down (face -> jobs -> edges -> core), never in a circle.

Every import counts, including those inside functions, so a cycle cannot hide in a lazy import.
"""

from __future__ import annotations

import ast
from pathlib import Path

from tests.conftest import ROOT

PACKAGE = ROOT / "summarizer"
RANK = {"core": 0, "edges": 1, "jobs": 2, "face": 3, "demo": 3}


def _module_name(path: Path) -> str:
    parts = list(path.relative_to(ROOT).with_suffix("").parts)
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def _imports() -> dict[str, set[str]]:
    modules = {_module_name(p): p for p in PACKAGE.rglob("*.py")}
    graph: dict[str, set[str]] = {}
    for name, path in modules.items():
        found: set[str] = set()
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, ast.ImportFrom) and node.module and node.module.startswith("summarizer"):
                found.add(node.module)
                found.update(f"{node.module}.{a.name}" for a in node.names if f"{node.module}.{a.name}" in modules)
            elif isinstance(node, ast.Import):
                found.update(a.name for a in node.names if a.name.startswith("summarizer"))
        graph[name] = {m for m in found if m in modules and m != name}
    return graph


def _layer(module: str) -> str | None:
    parts = module.split(".")
    return parts[1] if len(parts) > 1 and parts[1] in RANK else None


def test_every_module_sits_in_a_layer() -> None:
    # summarizer.data only holds data files (the price table, arXiv's taxonomy)
    loose = [m for m in _imports() if _layer(m) is None
             and m not in ("summarizer", "summarizer.__main__", "summarizer.data")]
    assert loose == []


def test_imports_point_down() -> None:
    wrong = [(a, b) for a, deps in _imports().items() for b in deps
             if _layer(a) and _layer(b) and RANK[_layer(b)] > RANK[_layer(a)]]  # type: ignore[index]
    assert wrong == []


def test_no_import_cycles() -> None:
    graph = _imports()
    state: dict[str, int] = {}
    cycles: list[list[str]] = []

    def visit(node: str, stack: list[str]) -> None:
        state[node] = 1
        for dep in graph.get(node, ()):
            if state.get(dep) == 1:
                cycles.append(stack[stack.index(dep):] + [dep] if dep in stack else [node, dep])
            elif dep not in state:
                visit(dep, stack + [dep])
        state[node] = 2

    for module in graph:
        if module not in state:
            visit(module, [module])
    assert cycles == []


def test_folders_stay_small_enough_to_show_the_architecture() -> None:
    # past about 15 modules a layer's folder is grouped by capability (jobs/translate/, edges/llm/)
    crowded = {str(d.relative_to(ROOT)): n for d in PACKAGE.rglob("*") if d.is_dir()
               and (n := len([p for p in d.glob("*.py") if p.name != "__init__.py"])) > 16}
    assert crowded == {}


def test_the_wheel_lists_every_package() -> None:
    import tomllib

    listed = set(tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))["tool"]["setuptools"]["packages"])
    found = {_module_name(p) for p in PACKAGE.rglob("__init__.py")}
    assert found - listed == set()
