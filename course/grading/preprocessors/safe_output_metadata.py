"""SafeOutputMetadata: the HTMLExporter step that keeps a student's output metadata from becoming markup.

Part of the kit's inert-HTML configuration
(``_inert_html`` in :mod:`course.grading.pipeline`), for Formgrader's
grading page and every feedback file alike.
"""

from __future__ import annotations

import re

from nbconvert.preprocessors import Preprocessor
from traitlets import Bool

#: Numbers only: nbconvert writes width= and height= without quotes (classic template), so
#: "1 onerror=alert(1)" from a student's display(..., metadata=...) would be an event handler.
_DIMENSION = re.compile(r"\d{1,5}(\.\d{1,3})?(px|%)?")


class SafeOutputMetadata(Preprocessor):
    """HTMLExporter step: image sizes that are not numbers, output file names and odd grade ids removed.

    Runs on the copy nbconvert renders (Formgrader's page, the feedback), never on the graded file.
    """

    enabled = Bool(True).tag(config=True)

    def preprocess_cell(self, cell, resources, cell_index):
        for output in cell.get("outputs", []):
            metadata = output.get("metadata")
            if not isinstance(metadata, dict):
                continue
            metadata.pop("filenames", None)  # nbconvert would use them as image addresses
            for holder in [metadata, *(v for v in metadata.values() if isinstance(v, dict))]:
                for key in ("width", "height"):
                    if key in holder and not _DIMENSION.fullmatch(str(holder[key])):
                        del holder[key]
        grade = cell.metadata.get("nbgrader")
        # nbgrader's templates print grade_id unescaped (anchors, labels); a student may add a cell of their own.
        if isinstance(grade, dict) and "grade_id" in grade and not re.fullmatch(r"[\w.-]+", str(grade["grade_id"])):
            grade["grade_id"] = re.sub(r"[^\w.-]", "_", str(grade["grade_id"]))
        return cell, resources
