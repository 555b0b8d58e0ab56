"""The lessons' content files: questions, labels and titles kept as data, not Python.

They sit beside the notebooks in ``notebooks/`` (found through
:mod:`course.paths`), one TOML file per kind of content:

=====================  ====================================================
``lessons.toml``       the lessons: ids, files, titles, minutes (the only
                       source of lesson titles; :mod:`course.lessons.manifest`)
``practice.toml``      the check-yourself questions and their answer labels
                       (:mod:`course.lessons.practice`)
``sorter.toml``        the claim sorter's labels, reasons and default claims
                       (:mod:`course.lessons.widgets.sorter`)
=====================  ====================================================

Facts never live here: a question names the rows it is about and the
builders read the facts from the data package.
"""

from __future__ import annotations

import tomllib
from functools import lru_cache
from pathlib import Path

from course import paths

#: Where the lesson notebooks and their content files live.
NOTEBOOKS_DIR = paths.notebooks_dir()


@lru_cache(maxsize=16)
def _load(path: str, mtime_ns: int) -> dict:
    return tomllib.loads(Path(path).read_text(encoding="utf-8"))


def load(name: str, folder: Path | None = None) -> dict:
    """The parsed TOML file ``name`` (e.g. ``"practice.toml"``) from ``notebooks/``; re-read when it changes.

    Raises FileNotFoundError naming the file, or ``tomllib.TOMLDecodeError``.
    """
    path = Path(folder or NOTEBOOKS_DIR) / name
    if not path.exists():
        raise FileNotFoundError(f"content file {paths.display(path)} is missing")
    return _load(str(path), path.stat().st_mtime_ns)
