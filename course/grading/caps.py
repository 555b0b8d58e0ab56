"""course.grading.caps: size limits on what a submission brings in, before any of it is graded.

* A submitted notebook over :data:`MAX_NOTEBOOK_BYTES` is not graded at all:
  the report and the student's feedback give the size and the limit.
* Markdown cell attachments and images embedded in markdown (``data:`` URIs)
  are capped like outputs (:class:`CapAttachments`, a sanitize step): each
  over :data:`MAX_ATTACHMENT_BYTES`, or past :data:`MAX_ATTACHMENTS_TOTAL` in
  a notebook, is replaced by a note, so neither the autograded copy nor the
  feedback carries megabytes of pasted pictures.
"""

from __future__ import annotations

import json
import re

from nbgrader.preprocessors import NbGraderPreprocessor

MiB = 1024 * 1024
#: A submitted notebook larger than this is refused (20 MiB: ten times the biggest honest submission seen).
MAX_NOTEBOOK_BYTES = 20 * MiB
MAX_ATTACHMENT_BYTES = 1 * MiB
MAX_ATTACHMENTS_TOTAL = 5 * MiB
CAP_NOTE = "[attachment removed by the grader: {size:,} bytes, the limit is {limit:,} bytes]"
DATA_URI = re.compile(r"data:[\w/+.-]+;base64,[A-Za-z0-9+/=\s]+")


def oversize_reason(size: int, name: str) -> str | None:
    """Why a notebook of ``size`` bytes is refused, or None."""
    if size <= MAX_NOTEBOOK_BYTES:
        return None
    return (f"{name} is {size / MiB:.1f} MB, over the {MAX_NOTEBOOK_BYTES // MiB} MB limit for a submitted notebook; "
            "clear large outputs and pasted images, save, and submit again")


class CapAttachments(NbGraderPreprocessor):
    """Sanitize step: markdown attachments and embedded data URIs capped like outputs (see the module docstring)."""

    def preprocess(self, nb, resources):
        budget = MAX_ATTACHMENTS_TOTAL
        for cell in nb.cells:
            if cell.cell_type != "markdown":
                continue
            for name, bundle in list(cell.get("attachments", {}).items()):
                size = len(json.dumps(bundle))
                if size > min(MAX_ATTACHMENT_BYTES, budget):
                    del cell.attachments[name]
                    cell.source = cell.source.replace(f"attachment:{name}", "#removed-by-grader")
                    cell.source += "\n\n" + CAP_NOTE.format(size=size, limit=min(MAX_ATTACHMENT_BYTES, budget))
                else:
                    budget -= size

            def cap(match, cell=cell):
                nonlocal budget
                size = len(match.group(0))
                if size > min(MAX_ATTACHMENT_BYTES, budget):
                    return "#" + CAP_NOTE.format(size=size, limit=min(MAX_ATTACHMENT_BYTES, budget))
                budget -= size
                return match.group(0)

            if "data:" in cell.source:
                cell.source = DATA_URI.sub(cap, cell.source)
        return nb, resources
