"""The layers stay layers: pure code never loads Flask, and claims/ has no import cycle."""

from __future__ import annotations

import ast
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
PACKAGE = ROOT / "claims"
# Layers that must work without Flask: a job, the CLI's services, a benchmark or a test can
# call them with a session, an embedder and an index and nothing else.
PURE = ("claims.text", "claims.search", "claims.services", "claims.intake")
PURE_MODULES = ("claims.models", "claims.schemas", "claims.config", "claims.db", "claims.errors")
WEB_PACKAGES = ("flask", "flask_login", "flask_wtf", "claims.web", "claims.cli")


def module_name(path: Path) -> str:
    """Return the dotted name of a module file under the project root."""
    parts = path.relative_to(ROOT).with_suffix("").parts
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def modules() -> dict[str, Path]:
    """Return every module of the claims package by dotted name."""
    return {module_name(path): path for path in sorted(PACKAGE.rglob("*.py"))}


def _under_type_checking(node: ast.AST, parents: dict[ast.AST, ast.AST]) -> bool:
    """Tell whether an import sits in an `if TYPE_CHECKING:` block (never run)."""
    while node in parents:
        node = parents[node]
        if isinstance(node, ast.If) and "TYPE_CHECKING" in ast.unparse(node.test):
            return True
    return False


def imports_of(path: Path, known: set[str]) -> set[str]:
    """Return what a module imports, functions' own imports included: modules, not names."""
    tree = ast.parse(path.read_text(encoding="utf-8"))
    parents = {child: node for node in ast.walk(tree) for child in ast.iter_child_nodes(node)}
    found: set[str] = set()
    for node in ast.walk(tree):
        if _under_type_checking(node, parents):
            continue
        if isinstance(node, ast.Import):
            found |= {alias.name for alias in node.names}
        elif isinstance(node, ast.ImportFrom) and node.module and not node.level:
            # `from claims.web import auth` needs the module claims.web.auth; a name that is no
            # module (`from claims.web.api import bp`) comes from the package's __init__.
            names = {f"{node.module}.{alias.name}" for alias in node.names}
            found |= names & known
            if names - known:
                found.add(node.module)
    return found


def graph() -> dict[str, set[str]]:
    """Return the import graph between the modules of the claims package."""
    known = modules()
    return {name: imports_of(path, set(known)) & set(known) for name, path in known.items()}


def cycles(edges: dict[str, set[str]]) -> list[list[str]]:
    """Return the strongly connected groups of more than one module, or with a self-import."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    found: list[list[str]] = []

    def visit(node: str) -> None:
        index[node] = low[node] = len(index)
        stack.append(node)
        for target in sorted(edges.get(node, ())):
            if target not in index:
                visit(target)
                low[node] = min(low[node], low[target])
            elif target in stack:
                low[node] = min(low[node], index[target])
        if low[node] == index[node]:
            group = []
            while True:
                member = stack.pop()
                group.append(member)
                if member == node:
                    break
            if len(group) > 1 or node in edges.get(node, ()):
                found.append(sorted(group))

    for node in sorted(edges):
        if node not in index:
            visit(node)
    return found


def test_the_cycle_finder_finds_a_cycle():
    """The check below can fail: a two-module loop and a self-import are reported."""
    edges = {"a": {"b"}, "b": {"a", "c"}, "c": set(), "d": {"d"}}
    assert cycles(edges) == [["a", "b"], ["d"]]


def test_no_module_of_claims_imports_in_a_cycle():
    """Every import inside claims/ points one way, so any module can be read and loaded alone."""
    assert cycles(graph()) == []


def test_pure_layers_do_not_import_flask_or_the_web_layer():
    """text, search, services and intake name neither Flask nor claims.web / claims.cli."""
    known = modules()
    offenders = {}
    for name, path in known.items():
        if not name.startswith(PURE) and name not in PURE_MODULES:
            continue
        bad = {
            imported
            for imported in imports_of(path, set(known))
            if imported.split(".")[0] in WEB_PACKAGES[:3] or imported.startswith(WEB_PACKAGES[3:])
        }
        if bad:
            offenders[name] = sorted(bad)
    assert offenders == {}


def test_loading_every_pure_module_leaves_flask_unloaded():
    """At run time too: importing all of the pure layers never loads Flask."""
    pure = sorted(name for name in modules() if name.startswith(PURE) or name in PURE_MODULES)
    code = (
        "import importlib, sys\n"
        f"for name in {pure!r}:\n"
        "    importlib.import_module(name)\n"
        "print(sorted(m for m in sys.modules if m.split('.')[0] in ('flask', 'flask_login')))\n"
    )
    done = subprocess.run(
        [sys.executable, "-c", code], cwd=ROOT, capture_output=True, text=True, check=True
    )
    assert done.stdout.strip() == "[]"


def test_reading_the_configuration_loads_neither_the_database_nor_faiss():
    """claims.config is cheap: FAISS changes a global thread setting when it loads."""
    code = (
        "import sys, claims.config\n"
        "print(sorted(m for m in ('faiss', 'sqlmodel', 'torch', 'flask') if m in sys.modules))\n"
    )
    done = subprocess.run(
        [sys.executable, "-c", code], cwd=ROOT, capture_output=True, text=True, check=True
    )
    assert done.stdout.strip() == "[]"
