"""Fixtures of the JupyterHub tests: the hub's dependencies (installed by a project script), root."""

from __future__ import annotations

import os
import sys
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).resolve().parent))

import harness  # noqa: E402


@pytest.fixture(scope="session")
def hub_cache() -> Path:
    """The hub's Python environment and proxy, installed by scripts/install-hub-deps.sh (fails, never skips)."""
    if os.geteuid() != 0:
        pytest.fail("the hub tests create Unix users and start JupyterHub as root: run them as root (CI does)")
    try:
        return harness.install_deps()
    except RuntimeError as exc:
        pytest.fail(str(exc))
