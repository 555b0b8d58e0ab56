"""The column dictionary and row counts in data/README.md, generated from datapackage.json.

The README's block between the ``<!-- dictionary:start -->`` and
``<!-- dictionary:end -->`` markers is :func:`render_dictionary`'s output; a
build step writes it (``python -m course build``) and ``build --check`` fails
when the two drift apart.
"""

from __future__ import annotations

import re
from pathlib import Path

from course import paths
from course.evidence import data

START, END = "<!-- dictionary:start -->", "<!-- dictionary:end -->"


def _constraint_note(field: dict) -> str:
    constraints = field.get("constraints", {})
    notes = []
    if constraints.get("required"):
        notes.append("required")
    if constraints.get("unique"):
        notes.append("unique")
    if "enum" in constraints:
        notes.append("one of: " + ", ".join(f"`{v}`" for v in constraints["enum"]))
    return "; ".join(notes)


def render_dictionary() -> str:
    """Markdown: for each table, its row count and a table of its columns."""
    parts = []
    for resource in data.descriptor()["resources"]:
        if "schema" not in resource:  # a file that is not a table (the map's country outlines)
            parts.append(f"### `{resource['path']}` ({resource.get('format', 'file')}, not a table)\n")
            parts.append(resource.get("description", "") + "\n")
            continue
        frame = data.table(resource["name"])
        parts.append(f"### `{resource['path']}` ({len(frame)} rows)\n")
        if resource.get("description"):
            parts.append(resource["description"] + "\n")
        parts.append("| column | type | meaning | constraints |")
        parts.append("|---|---|---|---|")
        for field in resource["schema"]["fields"]:
            meaning = field.get("description", "").replace("|", "\\|")
            parts.append(f"| `{field['name']}` | {field.get('type', 'string')} | {meaning} | {_constraint_note(field)} |")
        parts.append("")
    return "\n".join(parts).rstrip() + "\n"


def readme_block() -> str:
    """The dictionary block currently in data/README.md."""
    text = paths.data_file("README.md").read_text(encoding="utf-8")
    match = re.search(re.escape(START) + r"\n(.*?)" + re.escape(END), text, re.S)
    if not match:
        raise ValueError(f"data/README.md has no {START} … {END} block")
    return match.group(1)


def render() -> dict[Path, str]:
    """data/README.md with the dictionary block replaced by a fresh rendering (the build writes it)."""
    path = paths.data_file("README.md")
    text = path.read_text(encoding="utf-8")
    block = f"{START}\n{render_dictionary()}{END}"
    return {path: re.sub(re.escape(START) + r".*?" + re.escape(END), lambda _: block, text, flags=re.S)}
