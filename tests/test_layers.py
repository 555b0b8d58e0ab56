"""The package's floor plan: four wings that import one way, no import circle, small modules, a lean top level."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import grimp
import pytest

from course import paths

PACKAGE = paths.PACKAGE_DIR


def test_the_import_linter_contracts_in_pyproject_are_kept():
    """Do lessons -> evidence -> document and grading -> evidence -> document hold, with only the CLI importing grading?"""
    lint_imports = Path(sys.executable).with_name("lint-imports")
    result = subprocess.run([str(lint_imports), "--no-cache"], cwd=paths.REPO_ROOT,
                            capture_output=True, text=True, timeout=120)
    assert "0 broken" in result.stdout and result.returncode == 0, result.stdout[-3000:] + result.stderr[-2000:]


def _cycles(graph) -> list[list[str]]:
    """Strongly connected components of more than one module (Tarjan), i.e. import circles."""
    index, low, stack, on_stack, found = {}, {}, [], set(), []

    def visit(node):
        index[node] = low[node] = len(index)
        stack.append(node)
        on_stack.add(node)
        for target in graph.find_modules_directly_imported_by(node):
            if target not in index:
                visit(target)
                low[node] = min(low[node], low[target])
            elif target in on_stack:
                low[node] = min(low[node], index[target])
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

    for module in sorted(graph.modules):
        if module not in index:
            visit(module)
    return found


def test_no_module_of_the_package_imports_itself_back_through_another():
    """Is the import graph of course/ free of circles (counting imports inside functions)?"""
    graph = grimp.build_graph("course", include_external_packages=False)
    assert _cycles(graph) == []


def test_the_cycle_finder_sees_a_circle():
    """Would the check above notice a circle? (A tiny graph with one.)"""
    graph = grimp.ImportGraph()
    for name in ("a", "a.x", "a.y", "a.z"):
        graph.add_module(name)
    graph.add_import(importer="a.x", imported="a.y")
    graph.add_import(importer="a.y", imported="a.x")
    graph.add_import(importer="a.z", imported="a.x")
    assert _cycles(graph) == [["a.x", "a.y"]]


def test_the_top_level_holds_only_the_command_line_errors_and_paths():
    """Does course/ keep only the command line, errors and paths at the top, the rest in the four wings and the build?"""
    top = sorted(p.name for p in PACKAGE.glob("*.py"))
    assert top == ["__init__.py", "__main__.py", "cli.py", "errors.py", "paths.py"]
    rooms = sorted(p.name for p in PACKAGE.iterdir() if p.is_dir() and (p / "__init__.py").exists())
    assert rooms == ["build", "document", "evidence", "grading", "lessons"]


@pytest.mark.parametrize("module", sorted(str(p.relative_to(PACKAGE)) for p in PACKAGE.rglob("*.py")))
def test_every_module_stays_under_500_lines(module):
    """Is each module short enough to hold one idea (aim 400, limit 500)?"""
    lines = len((PACKAGE / module).read_text(encoding="utf-8").splitlines())
    assert lines <= 500, f"course/{module} has {lines} lines"


def test_docs_architecture_shows_every_module_as_the_code_has_it():
    """Does docs/architecture.md's module tree match the package, module for module (the build's module-tree step)?"""
    from course.build import moduletree

    tree = moduletree.tree()
    doc = moduletree.doc_path().read_text(encoding="utf-8")
    block = doc.split(moduletree.START, 1)[1].split(moduletree.END, 1)[0]
    assert block.strip() == f"```text\n{tree}\n```", "run: python -m course build"
    for module in PACKAGE.rglob("*.py"):
        if module.name != "__init__.py":
            assert f" {module.name} " in f" {tree} ".replace("\n", " \n "), module


def test_pyproject_lists_every_package_the_wheel_must_carry():
    """Is every folder of course/ with an __init__.py in pyproject's hand-written package list (or the wheel lacks it)?"""
    import tomllib

    listed = set(tomllib.loads((paths.REPO_ROOT / "pyproject.toml").read_text())["tool"]["setuptools"]["packages"])
    on_disk = {".".join(("course", *p.parent.relative_to(PACKAGE).parts)).rstrip(".")
               for p in PACKAGE.rglob("__init__.py")}
    assert on_disk <= listed, sorted(on_disk - listed)
