"""No import cycles, TYPE_CHECKING imports included, except the ones a contract documents.

The import graph comes from grimp (the library under import-linter) with type-checking
imports kept. Cycles are looked for at three grains: modules; packages (every module counts
as its package, root-level modules as themselves); and the distributions' root packages.
The exceptions are exactly the ``ignore_imports`` of the import-linter contracts in
pyproject.toml, each with its reason beside it, and none of them may run at import time.
"""

from __future__ import annotations

import ast
import tomllib
from collections.abc import Callable, Iterable, Mapping

import grimp
import pytest
from support.paths import REPO_ROOT

ROOTS = ("takopi_core", "takopi_tui", "takopi")
Edges = Mapping[str, set[str]]


def _documented_exceptions() -> set[tuple[str, str]]:
    config = tomllib.loads((REPO_ROOT / "pyproject.toml").read_text("utf-8"))
    found: set[tuple[str, str]] = set()
    for contract in config["tool"]["importlinter"]["contracts"]:
        for line in contract.get("ignore_imports", []):
            importer, _, imported = line.partition(" -> ")
            found.add((importer.strip(), imported.strip()))
    return found


@pytest.fixture(scope="module")
def graph() -> grimp.ImportGraph:
    # No cache: a cached graph can lag behind files edited within the same second.
    return grimp.build_graph(*ROOTS, exclude_type_checking_imports=False, cache_dir=None)


def _module_edges(graph: grimp.ImportGraph, skip: set[tuple[str, str]]) -> dict[str, set[str]]:
    modules = set(graph.modules)
    return {
        m: {
            i
            for i in graph.find_modules_directly_imported_by(m)
            if i in modules and (m, i) not in skip
        }
        for m in modules
    }


def _collapse(edges: Edges, node: Callable[[str], str]) -> dict[str, set[str]]:
    collapsed: dict[str, set[str]] = {}
    for importer, imported in edges.items():
        targets = collapsed.setdefault(node(importer), set())
        targets.update(node(i) for i in imported if node(i) != node(importer))
    return collapsed


def _cycles(edges: Edges) -> list[list[str]]:
    """The strongly connected components with more than one node (Tarjan, iterative)."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on_stack: set[str] = set()
    found: list[list[str]] = []
    for start in sorted(edges):
        if start in index:
            continue
        work: list[tuple[str, Iterable[str]]] = [(start, iter(sorted(edges.get(start, ()))))]
        index[start] = low[start] = len(index)
        stack.append(start)
        on_stack.add(start)
        while work:
            node, successors = work[-1]
            for succ in successors:
                if succ not in index:
                    index[succ] = low[succ] = len(index)
                    stack.append(succ)
                    on_stack.add(succ)
                    work.append((succ, iter(sorted(edges.get(succ, ())))))
                    break
                if succ in on_stack:
                    low[node] = min(low[node], index[succ])
            else:
                work.pop()
                if work:
                    parent = work[-1][0]
                    low[parent] = min(low[parent], low[node])
                if low[node] == index[node]:
                    component = []
                    while True:
                        member = stack.pop()
                        on_stack.discard(member)
                        component.append(member)
                        if member == node:
                            break
                    if len(component) > 1:
                        found.append(sorted(component))
    return found


def _package_node(graph: grimp.ImportGraph) -> Callable[[str], str]:
    def node(module: str) -> str:
        if module in ROOTS or graph.find_children(module):
            return module  # a package stands for itself
        parent = module.rpartition(".")[0]
        return module if parent in ROOTS else parent

    return node


def test_cycle_finder_finds_a_cycle() -> None:
    """The checks below pass on any acyclic graph: make sure the finder is not blind."""
    assert _cycles({"a": {"b"}, "b": {"c"}, "c": {"a"}, "d": {"a"}}) == [["a", "b", "c"]]
    assert _cycles({"a": {"b"}, "b": set()}) == []


def test_graph_holds_type_checking_imports(graph: grimp.ImportGraph) -> None:
    # The plugin contract's backends name run types only under TYPE_CHECKING: the graph
    # must hold such imports, or every check here would miss the cycles they make.
    assert graph.direct_import_exists(
        importer="takopi_core.plugins.backends", imported="takopi_core.run.runner"
    )


def test_no_module_cycles(graph: grimp.ImportGraph) -> None:
    assert _cycles(_module_edges(graph, skip=set())) == []


def test_no_package_cycles_beyond_the_documented_imports(graph: grimp.ImportGraph) -> None:
    edges = _module_edges(graph, skip=_documented_exceptions())
    assert _cycles(_collapse(edges, _package_node(graph))) == []


def test_no_cycles_between_the_root_packages_beyond_the_documented_imports(
    graph: grimp.ImportGraph,
) -> None:
    edges = _module_edges(graph, skip=_documented_exceptions())
    assert _cycles(_collapse(edges, lambda m: m.partition(".")[0])) == []


def _runs_at_import_time(path: str, line: int) -> bool:
    """True when the import statement on ``line`` runs when the module is imported: it is
    neither inside a function nor under ``if TYPE_CHECKING:``."""
    tree = ast.parse((REPO_ROOT / path).read_text("utf-8"))

    def visit(node: ast.AST, deferred: bool) -> bool | None:
        for child in ast.iter_child_nodes(node):
            here = deferred or isinstance(child, ast.FunctionDef | ast.AsyncFunctionDef)
            if isinstance(child, ast.If) and ast.unparse(child.test).endswith("TYPE_CHECKING"):
                here = True
            if isinstance(child, ast.Import | ast.ImportFrom) and child.lineno <= line <= (
                child.end_lineno or child.lineno
            ):
                return not here
            result = visit(child, here)
            if result is not None:
                return result
        return None

    result = visit(tree, False)
    assert result is not None, f"no import statement at {path}:{line}"
    return result


def test_documented_exceptions_are_real_and_never_run_at_import_time(
    graph: grimp.ImportGraph,
) -> None:
    exceptions = _documented_exceptions()
    assert exceptions  # the contracts' exceptions were read
    for importer, imported in sorted(exceptions):
        details = graph.get_import_details(importer=importer, imported=imported)
        assert details, f"{importer} -> {imported} is documented but no longer exists: drop it"
        path = importer.replace(".", "/") + ".py"
        if not (REPO_ROOT / path).is_file():
            path = importer.replace(".", "/") + "/__init__.py"
        for detail in details:
            assert not _runs_at_import_time(path, detail["line_number"]), (
                f"{path}:{detail['line_number']} imports {imported} at import time"
            )
