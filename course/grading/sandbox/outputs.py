"""course.grading.sandbox.outputs: the byte caps on what a student notebook prints.

nbgrader's own ``LimitOutput`` counts lines only, so one long line or one huge
image would be stored whole (and pass through the grader's memory). Every
output is capped here twice: while it arrives (:class:`OutputBudget`, bounding
the grader's memory) and once more precisely before nbgrader stores anything
(:func:`truncate_outputs`). Every trimmed or removed output says so with text
that starts with :data:`TRUNCATION_MARKER`. Also here: the one error output
the grader adds to a cell (:func:`error_output`).
"""

from __future__ import annotations

import json
from typing import Any

from nbformat.v4 import new_output

#: Every trimmed or removed output says so with text that starts like this.
TRUNCATION_MARKER = "[output truncated by the grader"


def error_output(ename: str, evalue: str) -> Any:
    """An error output written by the grader (a NotebookNode: nbgrader reads outputs by attribute)."""
    return new_output("error", ename=ename, evalue=evalue, traceback=[f"{ename}: {evalue}"])


def _as_text(value: Any) -> str:
    if isinstance(value, list):
        return "".join(map(str, value))
    if isinstance(value, str):
        return value
    return json.dumps(value)


def _nbytes(value: Any) -> int:
    return len(_as_text(value).encode("utf-8", "replace"))


def _head(text: str, max_bytes: int) -> str:
    """The longest start of ``text`` that fits in ``max_bytes`` of UTF-8."""
    return text.encode("utf-8", "replace")[: max(max_bytes, 0)].decode("utf-8", "ignore")


def output_size(output: dict) -> int:
    """Bytes of text an output carries (stream text, mime payloads, or error text)."""
    kind = output.get("output_type")
    if kind == "stream":
        return _nbytes(output.get("text", ""))
    if kind in ("execute_result", "display_data"):
        # Metadata counts: display(obj, metadata=...) stores whatever the student passes.
        metadata = output.get("metadata") or {}
        return sum(_nbytes(v) for v in output.get("data", {}).values()) + (_nbytes(metadata) if metadata else 0)
    if kind == "error":
        return (_nbytes(output.get("ename", "")) + _nbytes(output.get("evalue", ""))
                + sum(_nbytes(line) for line in output.get("traceback", [])))
    return _nbytes(dict(output))


def _marker(what: str, size: int, limit: int) -> str:
    return f"\n{TRUNCATION_MARKER}: {what} was {size:,} bytes, the limit is {limit:,} bytes]\n"


def _shrink(output: dict, limit: int) -> None:
    """Make one output fit in ``limit`` bytes (plus a marker of ~100 bytes at most), in place."""
    size = output_size(output)
    kind = output.get("output_type")
    if kind == "stream":
        marker = _marker("this output", size, limit)
        output["text"] = _head(_as_text(output.get("text", "")), limit - len(marker)) + marker
    elif kind in ("execute_result", "display_data"):
        data, metadata = output.setdefault("data", {}), output.get("metadata", {})
        sizes = {mime: _nbytes(value) for mime, value in data.items()}
        total, dropped = size, []
        if metadata and total > limit:  # display hints (image sizes) go first: they are never the content
            dropped.append(f"metadata ({_nbytes(metadata):,} bytes)")
            total -= _nbytes(metadata)
            metadata.clear()
        # Structured payloads (images, HTML, JSON) cannot be cut: drop the largest first.
        for mime in sorted(sizes, key=sizes.get, reverse=True):
            if total <= limit:
                break
            if mime != "text/plain":
                del data[mime]
                metadata.pop(mime, None)
                dropped.append(f"{mime} ({sizes[mime]:,} bytes)")
                total -= sizes[mime]
        what = ("removed " + ", ".join(dropped)) if dropped else "this output"
        marker = _marker(what, size, limit)
        plain = _as_text(data.get("text/plain", ""))
        data["text/plain"] = _head(plain, limit - len(marker)) + marker
    elif kind == "error":
        marker = _marker("this error", size, limit)
        budget = max(limit - len(marker), 0)
        output["evalue"] = _head(_as_text(output.get("evalue", "")), budget // 4)
        budget -= _nbytes(output["evalue"]) + _nbytes(output.get("ename", ""))
        kept: list[str] = []
        for line in reversed([_as_text(line) for line in output.get("traceback", [])]):
            if _nbytes(line) > budget:  # keep the end: that is where the error is
                if not kept:
                    kept.append(_head(line, budget))
                break
            kept.append(line)
            budget -= _nbytes(line)
        output["traceback"] = [marker.strip()] + kept[::-1]
    else:
        output.clear()
        output.update({"output_type": "stream", "name": "stderr", "text": _marker("an output", size, limit)})


def _removed_outputs_note(count: int, limit: int) -> Any:
    # A NotebookNode, not a dict: nbgrader's preprocessors read outputs by attribute (output.output_type).
    return new_output("stream", name="stderr",
                      text=f"\n{TRUNCATION_MARKER}: {count} output(s) removed, the notebook's outputs "
                           f"reached the limit of {limit:,} bytes]\n")


def truncate_outputs(nb: dict, max_bytes_per_output: int, max_total_bytes: int) -> int:
    """Trim a notebook's outputs in place; return how many outputs were changed or removed.

    Each output keeps at most ``max_bytes_per_output`` bytes: stream and plain
    text keep their start, errors keep the end of the traceback, and payloads
    that cannot be cut (images, HTML, JSON) are dropped. Once the notebook's
    outputs reach ``max_total_bytes`` the rest of each cell's outputs are
    replaced by one note. Every change carries a marker starting with
    ``TRUNCATION_MARKER`` so a reader (and a grader) sees what happened.
    nbgrader's own ``LimitOutput`` counts lines only, so one long line or one
    huge image would otherwise be stored whole.
    """
    for name, value in (("max_bytes_per_output", max_bytes_per_output), ("max_total_bytes", max_total_bytes)):
        if isinstance(value, bool) or not isinstance(value, int) or value <= 0:
            raise ValueError(f"{name} must be a positive integer, got {value!r}")
    remaining, changed = max_total_bytes, 0
    for cell in nb.get("cells", []):
        outputs = cell.get("outputs")
        if not outputs:
            continue
        kept = []
        for position, output in enumerate(outputs):
            if remaining < 256:  # not enough room for anything useful: note it once per cell
                removed = len(outputs) - position
                kept.append(_removed_outputs_note(removed, max_total_bytes))
                changed += removed
                break
            limit = min(max_bytes_per_output, remaining)
            if output_size(output) > limit:
                _shrink(output, limit)
                changed += 1
            remaining -= output_size(output)
            kept.append(output)
        cell["outputs"] = kept
    return changed



def dropped_outputs_note(count: int, limit: int) -> Any:
    """The note a cell gets for outputs :class:`OutputBudget` dropped while they arrived."""
    return new_output("stream", name="stderr",
                      text=f"\n{TRUNCATION_MARKER}: {count} output(s) dropped while collecting, "
                           f"the cell's outputs reached the limit of {limit:,} bytes]\n")


class OutputBudget:
    """Caps outputs while a cell's messages arrive, so a flood never sits whole in the grader's memory.

    :meth:`admit` is called with each output nbclient has just appended to a
    cell: the output is cut to what is left of the cell's budget, or dropped
    (and counted) once nothing useful fits. :func:`truncate_outputs` still
    trims the whole notebook precisely afterwards.
    """

    def __init__(self, per_output: int, per_cell: int) -> None:
        self.per_output, self.per_cell = per_output, per_cell
        self.used: dict[int, int] = {}
        self.dropped: dict[int, int] = {}
        self.capped = 0

    def reset(self, cell_index: int) -> None:
        """The cell's outputs were cleared: its budget is whole again."""
        self.used[cell_index] = 0

    def admit(self, outs: list, out: Any, display_id: Any, cell_index: int) -> Any:
        """Return ``out`` (cut to fit) or None when it was dropped from ``outs``."""
        used = self.used.get(cell_index, 0)
        room = self.per_cell - used
        if output_size(out) > min(self.per_output, room):
            self.capped += 1
            if room < 256 and display_id is None and outs and outs[-1] is out:
                outs.pop()
                self.dropped[cell_index] = self.dropped.get(cell_index, 0) + 1
                return None
            truncate_outputs({"cells": [{"outputs": [out]}]}, self.per_output, max(room, 256))
        self.used[cell_index] = used + output_size(out)
        return out

    def add_notes(self, cells: list) -> None:
        """Tell each cell that lost outputs how many."""
        for index, count in self.dropped.items():
            cells[index].outputs.append(dropped_outputs_note(count, self.per_cell))
