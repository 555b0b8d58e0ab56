"""course.grading.preprocessors.cap_attachments: size limits on what a submission brings in, before any of it is graded.

* A submitted notebook over :data:`MAX_NOTEBOOK_BYTES` is not graded at all:
  the report and the student's feedback give the size and the limit.
* Markdown cell attachments and images embedded in markdown (``data:`` URIs)
  are capped like outputs (:class:`CapAttachments`, a sanitize step): each
  over :data:`MAX_ATTACHMENT_BYTES`, or past :data:`MAX_ATTACHMENTS_TOTAL` in
  a notebook, is replaced by a note, so neither the autograded copy nor the
  feedback carries megabytes of pasted pictures.
* However a student spells an embedded picture (``DATA:``, whitespace and line
  breaks, extra parameters, percent-encoding, HTML entities, a ``data:`` URI
  inside an HTML attribute, an attachment under any MIME type, in a markdown or
  a raw cell), the bytes still count: :data:`DATA_URI` finds the spellings a
  browser reads as a data URI, and any markdown or raw cell whose text is still
  over :data:`MAX_ATTACHMENT_BYTES`, or past the notebook's remaining budget, is
  cut there with a note. A written answer is never that long honestly.
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
CUT_NOTE = "\n\n[text removed by the grader: this cell was {size:,} bytes, the limit is {limit:,} bytes]\n"
#: A data URI as a browser reads it: any case, whitespace anywhere (browsers drop it in URLs), a
#: media type with any parameters, then the payload, base64 or percent-encoded, up to a quote,
#: bracket or parenthesis. Spellings it misses still count against the per-cell cap.
DATA_URI = re.compile(r"d\s*a\s*t\s*a\s*:[\w\s/+.;=-]*,[\w\s+/=%.~!$*:@&#-]*", re.IGNORECASE)


def oversize_reason(size: int, name: str) -> str | None:
    """Why a notebook of ``size`` bytes is refused, or None."""
    if size <= MAX_NOTEBOOK_BYTES:
        return None
    return (f"{name} is {size / MiB:.1f} MB, over the {MAX_NOTEBOOK_BYTES // MiB} MB limit for a submitted notebook; "
            "clear large outputs and pasted images, save, and submit again")


def _size(text: str) -> int:
    return len(text.encode("utf-8", "replace"))


class CapAttachments(NbGraderPreprocessor):
    """Sanitize step: attachments, embedded data URIs and oversized markdown capped (see the module docstring)."""

    def preprocess(self, nb, resources):
        budget = MAX_ATTACHMENTS_TOTAL
        for cell in nb.cells:
            # Markdown and raw cells may carry attachments (nbformat 4); a code cell's source is code.
            attachments = cell.get("attachments")
            if attachments is not None and not isinstance(attachments, dict):
                del cell["attachments"]
            for name, bundle in list((cell.get("attachments") or {}).items()):
                size = _size(str(name)) + _size(json.dumps(bundle))  # every MIME type; the name counts too
                if size > min(MAX_ATTACHMENT_BYTES, budget):
                    del cell.attachments[name]
                    cell.source = cell.source.replace(f"attachment:{name}", "#removed-by-grader")
                    cell.source += "\n\n" + CAP_NOTE.format(size=size, limit=min(MAX_ATTACHMENT_BYTES, budget))
                else:
                    budget -= size
            if cell.cell_type not in ("markdown", "raw"):
                continue

            kept_uris = 0

            def cap(match):
                nonlocal budget, kept_uris
                size = _size(match.group(0))
                if size > min(MAX_ATTACHMENT_BYTES, budget):
                    return "#" + CAP_NOTE.format(size=size, limit=min(MAX_ATTACHMENT_BYTES, budget))
                budget -= size
                kept_uris += size
                return match.group(0)

            cell.source = DATA_URI.sub(cap, cell.source)
            # Whatever the spelling, no cell's text (beside the pictures counted above) keeps more
            # than one attachment's worth, and all of them together no more than the notebook's budget.
            size = _size(cell.source) - kept_uris
            limit = max(min(MAX_ATTACHMENT_BYTES, budget), 0)
            if size > limit:
                note = CUT_NOTE.format(size=size, limit=limit)
                kept = cell.source.encode("utf-8")[:max(limit - _size(note), 0)].decode("utf-8", "ignore")
                cell.source = kept + note
            budget -= min(size, limit)
        return nb, resources
