"""The layout is the architecture: module imports form no cycle, packages depend downward only, and no function
hides an import (except of an optional dependency, which must stay optional)."""

from __future__ import annotations

import ast
from pathlib import Path

from conftest import REPO

PACKAGE = REPO / "scripts" / "detente"
OPTIONAL_IMPORTS_IN_FUNCTIONS = {"spacy", "gliner"}  # bench/baselines adapters: models a user may have installed
# schemas.py imports the validators' packages when a validator is first built: they take ~0.1 s to import, and a
# cleaning process (`detente clean`, the benchmark's timed runs) reads labels from the schemas without validating.
DEFERRED_FOR_STARTUP = {"jsonschema", "referencing", "fastjsonschema"}
# Which subpackage may import which. "" is the shared top-level modules (errors, io, schemas, ...): every package
# may use them and they use no package. cli sits on top and names every stage.
ALLOWED = {
    "": set(),
    "lines": {""},
    "pipeline": {"", "lines"},
    "bench": {"", "lines", "pipeline"},
    "publish": {"", "pipeline", "bench", "site"},
    "growth": {"", "lines", "pipeline"},
    "scale": {"", "pipeline"},
    "site": {"", "pipeline"},
}


def _modules() -> dict[str, Path]:
    modules = {}
    for path in sorted(PACKAGE.rglob("*.py")):
        if "schema" in path.relative_to(PACKAGE).parts:
            continue
        parts = list(path.relative_to(PACKAGE).with_suffix("").parts)
        if parts[-1] == "__init__":
            parts = parts[:-1]
        modules[".".join(["detente", *parts])] = path
    return modules


def _imports(tree: ast.AST) -> list[tuple[str, int, bool]]:
    """(module imported, line, inside a function)."""
    found = []

    def visit(node: ast.AST, in_function: bool) -> None:
        for child in ast.iter_child_nodes(node):
            inside = in_function or isinstance(child, ast.FunctionDef | ast.AsyncFunctionDef)
            if isinstance(child, ast.Import):
                found.extend((alias.name, child.lineno, in_function) for alias in child.names)
            elif isinstance(child, ast.ImportFrom) and child.module and child.level == 0:
                found.append((child.module, child.lineno, in_function))
            visit(child, inside)

    visit(tree, False)
    return found


def _graph() -> dict[str, set[str]]:
    modules = _modules()
    graph: dict[str, set[str]] = {}
    for name, path in modules.items():
        targets = set()
        for imported, _, _ in _imports(ast.parse(path.read_text(encoding="utf-8"))):
            while imported and imported not in modules:
                imported = imported.rpartition(".")[0]
            if imported.startswith("detente") and imported != name:
                targets.add(imported)
        graph[name] = targets
    return graph


def test_no_import_inside_a_function_except_optional_dependencies():
    hidden = [
        f"{path.relative_to(REPO)}:{line} imports {module}"
        for path in _modules().values()
        for module, line, in_function in _imports(ast.parse(path.read_text(encoding="utf-8")))
        if in_function and module.split(".")[0] not in OPTIONAL_IMPORTS_IN_FUNCTIONS
        and not (path.name == "schemas.py" and module.split(".")[0] in DEFERRED_FOR_STARTUP)
    ]
    assert hidden == []


def test_module_imports_form_no_cycle():
    graph, state, cycles = _graph(), {}, []

    def walk(node: str, stack: list[str]) -> None:
        state[node] = "open"
        for target in sorted(graph[node]):
            if state.get(target) == "open":
                cycles.append(" -> ".join([*stack[stack.index(target):], target]))
            elif target not in state:
                walk(target, [*stack, target])
        state[node] = "done"

    for module in sorted(graph):
        if module not in state:
            walk(module, [module])
    assert cycles == []


def _package(module: str) -> str:
    parts = module.split(".")
    return parts[1] if len(parts) > 2 else ""


def test_packages_depend_downward_only():
    wrong = sorted(
        f"{module} imports {target}"
        for module, targets in _graph().items()
        for target in targets
        if _package(target) != _package(module) and _package(target) not in ALLOWED[_package(module)]
        and not (module == "detente.cli")  # the command line sits on top and names every stage
    )
    assert wrong == []


def test_the_checks_see_the_whole_package():
    graph = _graph()
    assert {"detente.pipeline.build", "detente.site.render", "detente.growth.labelstudio.review", "detente.scale.datatrove"} <= set(graph)
    assert "detente.pipeline.clean" in graph["detente.pipeline.build"]
