"""The package's folders follow the flow: each imports only the folders below it (the table here, the
picture in docs/design.md), the data layer imports nothing that talks to a server, the rules nothing
that sends a request, and no module imports one that imports it back."""

from __future__ import annotations

import ast
import subprocess
import sys
from pathlib import Path

import pytest

import conformance

PACKAGE = Path(conformance.__file__).parent

SENDING = ("conformance.crawl", "conformance.run", "conformance.plugin", "conformance.mock", "conformance.actions.engine",
           "conformance.actions.wire", "conformance.actions.machine", "hypothesis", "starlette", "uvicorn")
"""Modules that send requests or serve them, and the libraries only they need."""


def imported_by(*modules: str) -> set[str]:
    """Every module a fresh interpreter holds after importing these."""
    code = f"import sys\nimport {', '.join(modules)}\nprint('\\n'.join(sys.modules))"
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True,
                         cwd=PACKAGE.parent)
    return set(out.stdout.split())


@pytest.mark.parametrize("modules, forbidden", [
    (("conformance.model.snapshot", "conformance.model.records"), (*SENDING, "conformance.actions")),
    (("conformance.rules",), SENDING),
], ids=["snapshot and records", "rules"])
def test_the_data_layer_and_the_rules_import_nothing_that_talks_to_a_server(modules, forbidden):
    loaded = imported_by(*modules)
    assert not {m for m in loaded if m.startswith(forbidden)}


def _name(path: Path) -> str:
    parts = path.relative_to(PACKAGE.parent).with_suffix("").parts
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def _type_checking(node: ast.AST) -> bool:
    return isinstance(node, ast.If) and "TYPE_CHECKING" in ast.unparse(node.test)


def _imports(tree: ast.AST, module: str, is_package: bool) -> list[str]:
    """The modules an import statement anywhere in the file names (inside functions too: an import
    deferred to run time is a circle all the same), except those only a type checker reads."""
    names: list[str] = []
    stack = [tree]
    while stack:
        node = stack.pop()
        if _type_checking(node):
            continue
        stack.extend(ast.iter_child_nodes(node))
        if isinstance(node, ast.ImportFrom):
            base = module.split(".")[: None if is_package else -1]
            if node.level:
                base = base[: len(base) - node.level + 1]
                target = ".".join(base + ([node.module] if node.module else []))
            else:
                target = node.module or ""
            names += [target, *(f"{target}.{alias.name}" for alias in node.names)]
        elif isinstance(node, ast.Import):
            names += [alias.name for alias in node.names]
    return names


def import_graph() -> dict[str, set[str]]:
    """Module -> the package modules importing it runs: the one named, and every package it enters
    on the way (importing `a.b.c` from outside `a.b` runs `a/b/__init__.py` first)."""
    files = {_name(path): path for path in PACKAGE.rglob("*.py")}
    graph: dict[str, set[str]] = {}
    for module, path in files.items():
        is_package = path.name == "__init__.py"
        here = module if is_package else module.rpartition(".")[0]
        edges: set[str] = set()
        for target in _imports(ast.parse(path.read_text(encoding="utf-8")), module, is_package):
            if target not in files:
                continue
            parts = target.split(".")
            entered = {".".join(parts[:i]) for i in range(1, len(parts))}
            edges |= {target} | {p for p in entered if p in files and not (here + ".").startswith(p + ".")}
        graph[module] = edges - {module}
    return graph


def circles(graph: dict[str, set[str]]) -> list[list[str]]:
    """The strongly connected groups of more than one module (Tarjan)."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    found: list[list[str]] = []

    def visit(node: str) -> None:
        index[node] = low[node] = len(index)
        stack.append(node)
        for nxt in graph[node]:
            if nxt not in index:
                visit(nxt)
                low[node] = min(low[node], low[nxt])
            elif nxt in stack:
                low[node] = min(low[node], index[nxt])
        if low[node] == index[node]:
            group = []
            while True:
                member = stack.pop()
                group.append(member)
                if member == node:
                    break
            if len(group) > 1:
                found.append(sorted(group))

    for node in sorted(graph):
        if node not in index:
            visit(node)
    return found


def test_no_module_imports_one_that_imports_it_back():
    graph = import_graph()
    assert "conformance.model.snapshot" in graph and graph["conformance.mock.responses"]  # the graph was read
    assert circles(graph) == []


def test_a_circle_is_found_where_there_is_one():
    # the snapshot once loaded probe records from the probes, which import the snapshot
    graph = import_graph()
    graph["conformance.model.snapshot"] = graph["conformance.model.snapshot"] | {"conformance.crawl.probes"}
    assert any({"conformance.model.snapshot", "conformance.crawl.probes"} <= set(group) for group in circles(graph))


MAY_IMPORT = {
    "process": set(),
    "model": set(),
    "contract": {"process", "model"},
    "crawl": {"process", "model", "contract"},
    "recording": {"model", "contract", "crawl"},
    "mock": {"process", "model", "contract", "crawl", "recording"},
    "actions": {"process", "model", "contract", "crawl"},
    "rules": {"model", "contract", "actions"},
    "report": {"model", "contract", "crawl", "rules"},
    "run": {"process", "model", "contract", "crawl", "recording", "mock", "actions", "rules", "report"},
    "plugin": {"process", "model", "rules", "report", "run"},
    "cli": {"contract", "recording", "mock", "rules", "report", "run", "plugin"},
}
"""Folder -> the folders its modules may import, in the order of the flow (docs/design.md). Every
module may import the package itself and `conformance.errors`, the errors every stage raises."""

SHARED = {"conformance", "conformance.errors", "conformance.__main__"}


def folder_of(module: str) -> str:
    return module.split(".")[1] if module not in SHARED else ""


def folder_edges(graph: dict[str, set[str]]) -> set[tuple[str, str, str, str]]:
    """(folder, folder it imports, a module, the module it imports) for every import across folders."""
    return {(folder_of(module), folder_of(target), module, target)
            for module, targets in graph.items() for target in targets
            if folder_of(module) and folder_of(target) and folder_of(module) != folder_of(target)}


def forbidden(graph: dict[str, set[str]]) -> list[str]:
    return sorted(f"{module} imports {target} ({source} may import {sorted(MAY_IMPORT[source]) or 'nothing'})"
                  for source, dest, module, target in folder_edges(graph) if dest not in MAY_IMPORT[source])


def test_every_folder_of_the_package_has_its_place_in_the_flow():
    folders = {path.name for path in PACKAGE.iterdir() if (path / "__init__.py").is_file()}
    loose = {path.stem for path in PACKAGE.glob("*.py")} - {"__init__", "__main__", "errors"}
    assert folders == set(MAY_IMPORT) and not loose


def test_each_folder_imports_only_the_folders_below_it():
    assert forbidden(import_graph()) == []


def test_an_import_against_the_flow_is_found():
    # the snapshot reading a crawl's client, say to fetch a link's target on demand
    graph = import_graph()
    graph["conformance.model.snapshot"] = graph["conformance.model.snapshot"] | {"conformance.crawl.client"}
    assert forbidden(graph) == ["conformance.model.snapshot imports conformance.crawl.client "
                                "(model may import nothing)"]


def test_the_design_draws_the_folders_in_the_order_they_may_import_one_another():
    design = (PACKAGE.parent / "docs" / "design.md").read_text(encoding="utf-8")
    picture = design.split("## Data flow", 1)[1].split("```")[1]
    drawn = [line.split()[0].rstrip("/") for line in picture.splitlines() if line[2:3].isalpha()]
    assert drawn == list(MAY_IMPORT)
    assert all(MAY_IMPORT[folder] <= set(drawn[:at]) for at, folder in enumerate(drawn))
