"""One place per constant: shared values are defined once and imported, never re-typed.

Read from the source with ``ast`` (no imports), so a module that defines its own copy of a
shared constant, or returns a bare exit status, is caught before it drifts from the others.
"""

from __future__ import annotations

import ast
from collections import defaultdict
from pathlib import Path

from support.paths import REPO_ROOT

PACKAGES = ("takopi_core", "takopi_tui", "takopi")
#: Names every built-in plugin module defines for itself, by the plugin contract (the
#: entry point's object) or by the engines' shared shape; their values differ per plugin.
PER_PLUGIN = {"BACKEND", "ENGINE", "RESUME_RE"}
#: The exit statuses `takopi` reports; cli/__init__.py names each of them once.
EXIT_STATUSES = {0, 1, 2, 130, 141}


def _modules(*packages: str) -> dict[str, ast.Module]:
    found: dict[str, ast.Module] = {}
    for package in packages:
        for path in sorted((REPO_ROOT / package).rglob("*.py")):
            found[path.relative_to(REPO_ROOT).as_posix()] = ast.parse(path.read_text("utf-8"))
    return found


def _public_constants(tree: ast.Module) -> list[tuple[str, int]]:
    """Module-level ``NAME = ...`` assignments of public, upper-case names."""
    names: list[tuple[str, int]] = []
    for node in tree.body:
        if isinstance(node, ast.Assign):
            targets = [t for t in node.targets if isinstance(t, ast.Name)]
        elif isinstance(node, ast.AnnAssign) and node.value is not None:
            targets = [node.target] if isinstance(node.target, ast.Name) else []
        else:
            continue
        names += [
            (t.id, node.lineno) for t in targets if t.id.isupper() and not t.id.startswith("_")
        ]
    return names


def test_no_public_constant_is_defined_in_two_modules() -> None:
    where: dict[str, list[str]] = defaultdict(list)
    for module, tree in _modules(*PACKAGES).items():
        for name, line in _public_constants(tree):
            if name in PER_PLUGIN and module.startswith("takopi_core/builtins/"):
                continue
            where[name].append(f"{module}:{line}")
    repeated = {name: places for name, places in where.items() if len(places) > 1}
    assert repeated == {}, "define these once (base ones in takopi_core/ids.py) and import them"


def test_cli_handlers_return_named_exit_statuses() -> None:
    bare: list[str] = []
    for module, tree in _modules("takopi_core/cli").items():
        for node in ast.walk(tree):
            if (
                isinstance(node, ast.Return)
                and isinstance(node.value, ast.Constant)
                and type(node.value.value) is int
                and node.value.value in EXIT_STATUSES
            ):
                bare.append(f"{module}:{node.lineno}: return {node.value.value}")
    assert bare == [], "use the EXIT_* names from takopi_core.cli"


def test_the_fallback_transport_id_is_written_once() -> None:
    """`takopi run`, doctor and setup fall back to the same transport: ids.FALLBACK_TRANSPORT.

    builtins/ may spell it: there it is the built-in transport's own id.
    """
    spelled: list[str] = []
    for module, tree in _modules("takopi_core", "takopi_tui").items():
        if module in ("takopi_core/ids.py",) or module.startswith("takopi_core/builtins/"):
            continue
        spelled += [
            f"{module}:{node.lineno}"
            for node in ast.walk(tree)
            if isinstance(node, ast.Constant) and node.value == "terminal"
        ]
    assert spelled == [], "import FALLBACK_TRANSPORT from takopi_core.ids"


def test_the_sources_were_read() -> None:
    """The checks above pass vacuously if the packages moved: make sure they did not."""
    modules = _modules(*PACKAGES)
    assert "takopi_core/ids.py" in modules and "takopi_core/cli/__init__.py" in modules
    assert Path(REPO_ROOT / "takopi_core" / "cli" / "run.py").is_file()
