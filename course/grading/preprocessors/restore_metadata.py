"""course.grading.preprocessors.restore_metadata: give cells whose nbgrader metadata was stripped their metadata back, where it is certain.

A tool that clears cell metadata (some editors and "clear all" extensions do)
leaves nbgrader nothing to grade: every test cell scores as missing. Before
nbgrader's own sanitizing, :class:`RestoreStrippedMetadata` matches each cell
without nbgrader metadata against the released notebook: first by nbformat
cell id, then (for locked cells, i.e. tests) by identical source; a match
gets the released cell's nbgrader metadata, and nbgrader then restores
locked cells from the gradebook as usual. Graded cells nothing matched are
reported by grade id. What happened travels in ``resources`` under
:data:`REMATCH_KEY`.
"""

from __future__ import annotations

import copy
import functools
from pathlib import Path

from nbgrader.coursedir import CourseDirectory
from nbgrader.preprocessors import NbGraderPreprocessor
from nbgrader.utils import is_grade, is_locked

#: Where the outcome travels in nbgrader's resources: {"restored": [...], "unmatched": [...]}.
REMATCH_KEY = "course_rematched"


def rematch_cells(nb, released) -> tuple[list[str], list[str]]:
    """Restore stripped nbgrader metadata in ``nb`` from ``released``; return (restored, unmatched grade ids)."""
    marked = [c for c in released.cells if "nbgrader" in c.metadata]
    by_id = {c.get("id"): c for c in marked if c.get("id")}
    by_locked_source = {c.source.strip(): c for c in marked if is_locked(c) and c.source.strip()}
    present = {c.metadata.nbgrader.get("grade_id") for c in nb.cells if "nbgrader" in c.metadata}
    restored = []
    for cell in nb.cells:
        if "nbgrader" in cell.metadata:
            continue
        match = by_id.get(cell.get("id"))
        if match is None or match.cell_type != cell.cell_type:
            match = by_locked_source.get(cell.source.strip()) if cell.source.strip() else None
        if match is None or match.metadata.nbgrader.get("grade_id") in present:
            continue
        cell.metadata["nbgrader"] = copy.deepcopy(match.metadata.nbgrader)
        present.add(match.metadata.nbgrader.get("grade_id"))
        restored.append(match.metadata.nbgrader.get("grade_id"))
    unmatched = [c.metadata.nbgrader["grade_id"] for c in marked
                 if is_grade(c) and c.metadata.nbgrader.get("grade_id") not in present]
    return restored, unmatched


@functools.lru_cache(maxsize=32)
def _released(path: str, mtime_ns: int):
    """The released notebook (read once per grading process and version of the file: reading validates it)."""
    import nbformat

    return nbformat.read(path, as_version=4)


class RestoreStrippedMetadata(NbGraderPreprocessor):
    """Sanitize step (before nbgrader's OverwriteCells): match cells that lost their nbgrader metadata again."""

    def preprocess(self, nb, resources):
        info = resources.get("nbgrader", {})
        if not any("nbgrader" not in cell.metadata for cell in nb.cells):
            return nb, resources
        coursedir = CourseDirectory(config=self.config)
        released = Path(coursedir.format_path(coursedir.release_directory, ".", info.get("assignment", ""))) / \
            f"{info.get('notebook', '')}.ipynb"
        if not released.is_file():
            return nb, resources
        restored, unmatched = rematch_cells(nb, copy.deepcopy(_released(str(released), released.stat().st_mtime_ns)))
        if restored or unmatched:
            resources[REMATCH_KEY] = {"notebook": info.get("notebook"), "restored": restored, "unmatched": unmatched}
        return nb, resources


def rematch_reasons(rematched: list[dict]) -> list[str]:
    """The report's words for what :class:`RestoreStrippedMetadata` did."""
    reasons = []
    for entry in rematched:
        if entry["restored"]:
            reasons.append(f"nbgrader metadata was missing from {len(entry['restored'])} cell(s); matched again by "
                           f"cell id or test source: {', '.join(entry['restored'])}")
        if entry["unmatched"]:
            reasons.append(f"graded cell(s) {', '.join(entry['unmatched'])} could not be matched (no cell with their "
                           "id, and no test cell with their source): scored as missing")
    return reasons
