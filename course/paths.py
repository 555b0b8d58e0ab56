"""Where the kit's files live.

One resolver for every path, so no notebook or test builds a relative path of
its own. The data folder is ``data/`` beside the package in a checkout, and
``course/_data`` inside an installed wheel (the build maps ``data/`` there, see
``pyproject.toml``); the lessons' folder ``notebooks/`` likewise ships as
``course/_notebooks``. Set ``COURSE_DATA_DIR`` to point the kit at another copy
(for instance a fixture in a test, or a class directory elsewhere).

Every reader of the kit's words (``notebooks/*.toml``) parses them through
one cache here, :func:`read_toml`.
"""

from __future__ import annotations

import os
import tomllib
from functools import lru_cache
from pathlib import Path

PACKAGE_DIR = Path(__file__).resolve().parent
REPO_ROOT = PACKAGE_DIR.parent

PRIMARY_DOCUMENT_NAME = "primary-document.txt"
#: Where a wheel carries the data package (data/ of the repository, mapped at build time).
INSTALLED_DATA_DIR = PACKAGE_DIR / "_data"
#: Where a wheel carries the lessons and their content files (notebooks/ of the repository).
INSTALLED_NOTEBOOKS_DIR = PACKAGE_DIR / "_notebooks"


def data_dir() -> Path:
    """Return the folder that holds the data package: ``data/`` beside the package, else the wheel's copy."""
    override = os.environ.get("COURSE_DATA_DIR")
    if override:
        return Path(override).resolve()
    beside = REPO_ROOT / "data"
    if not beside.is_dir() and INSTALLED_DATA_DIR.is_dir():
        return INSTALLED_DATA_DIR
    return beside


def notebooks_dir() -> Path:
    """Return the folder of the lesson notebooks and their content files (``lessons.toml``, ``practice.toml``...):
    ``notebooks/`` beside the package, else the wheel's copy."""
    beside = REPO_ROOT / "notebooks"
    if not beside.is_dir() and INSTALLED_NOTEBOOKS_DIR.is_dir():
        return INSTALLED_NOTEBOOKS_DIR
    return beside


@lru_cache(maxsize=32)
def _parsed(path: str, mtime_ns: int) -> dict:
    return tomllib.loads(Path(path).read_text(encoding="utf-8"))


def read_toml(path: Path) -> dict:
    """The parsed TOML file at ``path``, parsed again only when the file changes (one cache, keyed by the
    file and its modification time). The dict is shared by every caller: never change it.

    Raises FileNotFoundError (the operating system's) when the file is missing, or ``tomllib.TOMLDecodeError``.
    """
    return _parsed(str(path), Path(path).stat().st_mtime_ns)


def is_checkout() -> bool:
    """Whether the package sits in a checkout of the repository (not in an installed site-packages)."""
    return (REPO_ROOT / "pyproject.toml").is_file() and (REPO_ROOT / "course").resolve() == PACKAGE_DIR


def data_file(name: str) -> Path:
    """Return the path of a file in the data folder, e.g. ``data_file("claims.csv")``."""
    return data_dir() / name


def primary_document_path() -> Path:
    """Return the path of the primary document shipped as data."""
    return data_file(PRIMARY_DOCUMENT_NAME)


def assignments_dir() -> Path:
    """The nbgrader source folder: one folder per assignment, with solutions and hidden tests."""
    return REPO_ROOT / "assignments"


def bank_dir() -> Path:
    """The instructor-only assessment bank (``bank/`` of a checkout): the findings graded work asks for.

    Only the grader's side reads it (checks, the answer keys, exports for instructors); no wheel, student
    install or grading kernel carries it, so in an installed kit the folder does not exist."""
    return REPO_ROOT / "bank"


def default_class_dir() -> Path:
    """The class folder nbgrader works in when ``COURSE_CLASS_DIR`` names no other (git-ignored)."""
    return REPO_ROOT / "class"


def demo_class_dir() -> Path:
    """Where ``python -m course demo`` builds its synthetic class (never the real class folder)."""
    return default_class_dir() / "demo"


def display(path: Path) -> str:
    """A path as people should read it: relative to the repository when inside it."""
    path = Path(path).resolve()
    return str(path.relative_to(REPO_ROOT)) if path.is_relative_to(REPO_ROOT) else str(path)
