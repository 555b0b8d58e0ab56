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


def new_deployment(cache: Path, **kwargs):
    """A Deployment that is up (users, kit, gradebook, course, hub, Formgrader service), or a failure with the hub's log."""
    deployment = harness.Deployment(cache, **kwargs)
    try:
        deployment.install()
        deployment.start_hub()
        deployment.wait_for_service()
    except Exception:
        log = deployment.log_tail()
        deployment.close()
        raise RuntimeError(f"the course hub did not come up; hub log:\n{log}")
    return deployment


def close_deployment(deployment) -> None:
    """Stop and remove everything; fail if the users could not be removed."""
    users = list(deployment.created_users)
    leftovers = deployment.close()
    import pwd

    remaining = [u for u in users if _exists(pwd, u)]
    assert not remaining, f"users not removed: {remaining}"
    assert not deployment.root.exists(), f"{deployment.root} not removed"
    # Processes the hub should have stopped but did not were killed by close(); say so.
    assert not leftovers, f"processes still running after the hub stopped (killed): {leftovers}"


def _exists(pwd, user: str) -> bool:
    try:
        pwd.getpwnam(user)
        return True
    except KeyError:
        return False
