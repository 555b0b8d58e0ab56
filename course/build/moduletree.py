"""The module tree in docs/architecture.md: one line per module, its name and the first line of its docstring.

The doc holds :func:`tree`'s output between its ``<!-- tree:start -->`` and
``<!-- tree:end -->`` markers; the build writes it and ``build --check`` fails
when the two differ, so the picture cannot drift from the code.
"""

from __future__ import annotations

import ast
import re
from pathlib import Path

from course import paths

START, END = "<!-- tree:start -->", "<!-- tree:end -->"
#: Where a module's name ends and its docstring's first line starts.
NAME_WIDTH = 34


def _first_line(module: Path) -> str:
    doc = ast.get_docstring(ast.parse(module.read_text(encoding="utf-8"))) or ""
    line = doc.splitlines()[0] if doc else ""
    return re.sub(r"^course\.[\w.]+: ", "", line).rstrip(".")


def _walk(folder: Path, depth: int) -> list[str]:
    lines = []
    for module in sorted(p for p in folder.iterdir() if p.suffix == ".py" and p.name != "__init__.py"):
        lines.append(f"{'    ' * depth}{module.name:<{NAME_WIDTH - 4 * depth}} {_first_line(module)}")
    for package in sorted(p for p in folder.iterdir() if p.is_dir() and (p / "__init__.py").exists()):
        lines.append(f"{'    ' * depth}{package.name + '/':<{NAME_WIDTH - 4 * depth}} {_first_line(package / '__init__.py')}")
        lines += _walk(package, depth + 1)
    return lines


def tree(package_dir: Path | None = None) -> str:
    """The tree of ``course/`` (or ``package_dir``), every package with its modules under it."""
    package_dir = package_dir or paths.PACKAGE_DIR
    head = f"course/{'':{NAME_WIDTH - 7}} {_first_line(package_dir / '__init__.py')}"
    return "\n".join([head, *_walk(package_dir, 1)])


def doc_path() -> Path:
    return paths.REPO_ROOT / "docs" / "architecture.md"


def render() -> dict[Path, str]:
    """docs/architecture.md with the block between the markers replaced by a fresh tree."""
    text = doc_path().read_text(encoding="utf-8")
    head, rest = text.split(START, 1)
    _, tail = rest.split(END, 1)
    return {doc_path(): f"{head}{START}\n```text\n{tree()}\n```\n{END}{tail}"}
