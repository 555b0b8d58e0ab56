"""environment.yml (conda-forge) and pyproject.toml list the same runtime dependencies."""

from __future__ import annotations

import re
import tomllib

import yaml

from course import paths


def _split(requirement: str) -> tuple[str, str]:
    name, spec = re.match(r"^([A-Za-z0-9_.\-]+)\s*(.*)$", requirement.strip()).groups()
    return name.lower().replace("_", "-"), spec.replace(" ", "")


def pyproject_dependencies() -> dict[str, str]:
    project = tomllib.loads((paths.REPO_ROOT / "pyproject.toml").read_text())["project"]
    return dict(_split(r) for r in project["dependencies"])


def conda_dependencies() -> dict[str, str]:
    environment = yaml.safe_load((paths.REPO_ROOT / "environment.yml").read_text())
    assert environment["channels"] == ["conda-forge"]
    entries = [d for d in environment["dependencies"] if isinstance(d, str)]
    return {name: spec for name, spec in map(_split, entries) if name not in {"python", "pip"}}


def test_same_packages_and_bounds():
    assert conda_dependencies() == pyproject_dependencies()


def test_same_python_floor():
    project = tomllib.loads((paths.REPO_ROOT / "pyproject.toml").read_text())["project"]
    environment = yaml.safe_load((paths.REPO_ROOT / "environment.yml").read_text())
    assert "python" + project["requires-python"] in environment["dependencies"]


def test_stack_named_by_the_user_is_declared():
    assert {"jupyterlab", "nbgrader", "ipywidgets", "matplotlib"} <= set(pyproject_dependencies())
