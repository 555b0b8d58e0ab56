"""The lesson manifest (``notebooks/lessons.toml``) and the anatomy every lesson shares.

Every lesson notebook has the same anatomy, in this order: a title, then
``## Objectives``, ``## Questions`` and ``## Time`` (teaching and exercise
minutes, as in the manifest), the body, and ``## Key points`` at the end.
:func:`anatomy_problems` checks a notebook against it; the tests run it on
every lesson.
"""

from __future__ import annotations

import re
import tomllib
from dataclasses import dataclass
from pathlib import Path

from course.lessons.content import NOTEBOOKS_DIR

MANIFEST = NOTEBOOKS_DIR / "lessons.toml"
REQUIRED_HEADINGS = ("## Objectives", "## Questions", "## Time", "## Key points")


@dataclass(frozen=True)
class Lesson:
    """One lesson as the manifest lists it."""

    id: str
    file: str
    title: str
    teaching_minutes: int
    exercise_minutes: int
    assignment: str

    @property
    def path(self) -> Path:
        return NOTEBOOKS_DIR / self.file


def lessons() -> list[Lesson]:
    """The lessons in teaching order."""
    entries = tomllib.loads(MANIFEST.read_text(encoding="utf-8"))["lesson"]
    return [Lesson(**entry) for entry in entries]


def lesson(lesson_id: str) -> Lesson:
    """One lesson by id ('00'..'08'); KeyError names the valid ids."""
    for item in lessons():
        if item.id == lesson_id:
            return item
    raise KeyError(f"no lesson {lesson_id!r}; lessons are {', '.join(l.id for l in lessons())}")


def anatomy_problems(item: Lesson) -> list[str]:
    """What is missing or out of order in a lesson notebook's anatomy (empty list: fine)."""
    import nbformat

    notebook = nbformat.read(item.path, as_version=4)
    markdown = "\n".join(cell.source for cell in notebook.cells if cell.cell_type == "markdown")
    problems = []
    positions = [markdown.find(heading) for heading in REQUIRED_HEADINGS]
    for heading, position in zip(REQUIRED_HEADINGS, positions):
        if position < 0:
            problems.append(f"{item.file}: no '{heading}' section")
    found = [p for p in positions if p >= 0]
    if found != sorted(found):
        problems.append(f"{item.file}: sections out of order (expected {', '.join(REQUIRED_HEADINGS)})")
    time_section = markdown[positions[2]:] if positions[2] >= 0 else ""
    teaching = re.search(r"Teaching:\s*(\d+)\s*min", time_section)
    exercises = re.search(r"Exercises:\s*(\d+)\s*min", time_section)
    if not teaching or int(teaching.group(1)) != item.teaching_minutes:
        problems.append(f"{item.file}: '## Time' must say 'Teaching: {item.teaching_minutes} min'")
    if not exercises or int(exercises.group(1)) != item.exercise_minutes:
        problems.append(f"{item.file}: '## Time' must say 'Exercises: {item.exercise_minutes} min'")
    if notebook.metadata.get("kernelspec", {}).get("name") != "python3":
        problems.append(f"{item.file}: kernelspec must be python3")
    for index, cell in enumerate(notebook.cells):
        if cell.cell_type == "code" and (cell.get("outputs") or cell.get("execution_count")):
            problems.append(f"{item.file}: cell {index} has stored outputs; clear them before committing")
    return problems


def syllabus():
    """The manifest as a table: id, title, minutes and the graded work each lesson leads to."""
    import pandas as pd

    return pd.DataFrame(
        [
            {
                "lesson": item.id,
                "title": item.title,
                "teaching (min)": item.teaching_minutes,
                "exercises (min)": item.exercise_minutes,
                "graded work": item.assignment or "-",
                "notebook": item.file,
            }
            for item in lessons()
        ]
    ).set_index("lesson")


#: Added to every static lesson page. nbconvert's ``lab`` page drew its "In [1]:" prompts in #b0b0b0 on white
#: (contrast 2.2:1), links in Markdown in blue without an underline (1.9:1 against the text), and code comments
#: and numbers a shade too light on the grey code background: 145 serious axe-core nodes over the nine pages.
#: The pages leave the prompts out (a reader has no cells to run), underline links, so a link is told from its
#: sentence by more than colour, and darken comments and numbers to 4.5:1 or more.
PAGE_CSS = """<style>
.jp-RenderedHTMLCommon a:link, .jp-RenderedHTMLCommon a:visited { text-decoration: underline; }
.highlight .c, .highlight .c1, .highlight .ch, .highlight .cm, .highlight .cp, .highlight .cpf, .highlight .cs { color: #2e5e5e; }
.highlight .m, .highlight .mb, .highlight .mf, .highlight .mh, .highlight .mi, .highlight .il, .highlight .mo { color: #006400; }
</style>"""


def html_exporter():
    """The exporter of the static lesson pages: nbconvert's ``lab`` template, light theme, without cell prompts."""
    from nbconvert import HTMLExporter

    return HTMLExporter(template_name="lab", theme="light", exclude_input_prompt=True, exclude_output_prompt=True)


def static_page(notebook) -> str:
    """One executed lesson as a static HTML page (:func:`html_exporter` and :data:`PAGE_CSS`)."""
    body, _ = html_exporter().from_notebook_node(notebook)
    return body.replace("</head>", PAGE_CSS + "\n</head>", 1)


def export_html(output_dir, lesson_ids=None, progress: bool = True) -> list[Path]:
    """Execute lessons and write static HTML pages that read well without a kernel or widget JavaScript.

    The saved widget state is dropped before export so that each interactive
    view falls back to its static HTML rendering (nbconvert would otherwise
    emit widget views that need JavaScript from a CDN). Returns the pages written.
    """
    import tempfile

    import nbformat
    from nbclient import NotebookClient

    selected = lessons() if lesson_ids is None else [lesson(i) for i in lesson_ids]
    output_dir = Path(output_dir)
    output_dir.mkdir(parents=True, exist_ok=True)
    written = []
    iterator = selected
    if progress:
        from tqdm import tqdm

        iterator = tqdm(selected, desc="exporting lessons", unit="lesson")
    for item in iterator:
        notebook = nbformat.read(item.path, as_version=4)
        with tempfile.TemporaryDirectory() as scratch:
            NotebookClient(notebook, timeout=300, kernel_name="python3", resources={"metadata": {"path": scratch}}).execute()
        notebook.metadata.pop("widgets", None)
        target = output_dir / item.file.replace(".ipynb", ".html")
        target.write_text(static_page(notebook), encoding="utf-8")
        written.append(target)
    return written
