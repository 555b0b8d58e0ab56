"""Shared fixtures: the shipped document, and a private copy of data/ to break."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from course import paths
from course.document import load_document

REPO_ROOT = paths.REPO_ROOT
SEED = REPO_ROOT.parent / "shared" / "seeds" / "000_adb982db65b87a25.txt"


@pytest.fixture(scope="session")
def document():
    return load_document()


@pytest.fixture
def data_copy(tmp_path, monkeypatch) -> Path:
    """A copy of data/ that a test may alter; COURSE_DATA_DIR points the kit at it."""
    target = tmp_path / "data"
    shutil.copytree(paths.data_dir(), target)
    monkeypatch.setenv("COURSE_DATA_DIR", str(target))
    return target
