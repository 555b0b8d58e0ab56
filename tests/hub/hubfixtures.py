"""The JupyterHub tests' shared fixture: the hub's dependencies (installed by a project script), root.

Not a conftest.py: the suite's modules import the top-level tests/conftest.py as `conftest`
(`from conftest import free_port`), and a second conftest.py would take that name. Test modules
here import the fixture: `from hubfixtures import hub_cache`.
"""

from __future__ import annotations

import os
from pathlib import Path

import pytest

import harness


@pytest.fixture(scope="session")
def hub_cache() -> Path:
    """The hub's Python environment and proxy, installed by scripts/install-hub-deps.sh (fails, never skips)."""
    if os.geteuid() != 0:
        pytest.fail("the hub tests create Unix users and start JupyterHub as root: run them as root (CI does)")
    try:
        return harness.install_deps()
    except RuntimeError as exc:
        pytest.fail(str(exc))
