"""The lesson manifest (``notebooks/lessons.toml``) and the anatomy every lesson shares.

Every lesson notebook has the same anatomy, in this order: a title, then
``## Objectives``, ``## Questions`` and ``## Time`` (teaching and exercise
minutes, as in the manifest), the body, and ``## Key points`` at the end.
:func:`anatomy_problems` checks a notebook against it, title and minutes
included; the tests run it on every lesson.

Lesson titles and minutes are kept once, in the manifest. The notebooks keep
their own heading and "Time" lines, checked against it rather than drawn by a
code cell, because lessons are stored with outputs cleared: a heading printed
by code would be blank until the student runs the cell, and JupyterLab's
table of contents and the HTML export read Markdown headings. The syllabus
table in ``notebooks/README.md`` is generated (:func:`render_syllabus`).
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path

from course.lessons import content
from course.lessons.content import NOTEBOOKS_DIR

MANIFEST = NOTEBOOKS_DIR / "lessons.toml"
def required_headings() -> tuple[str, ...]:
    """The sections every lesson has, in order (``## Objectives``, ``## Questions``, ``## Time``, ``## Key points``):
    lessons.toml's ``[notebook] sections``."""
    return tuple(_manifest()["notebook"]["sections"])


@dataclass(frozen=True)
class Lesson:
    """One lesson as the manifest lists it."""

    id: str
    file: str
    title: str
    teaching_minutes: int
    exercise_minutes: int
    assignment: str
    outcomes: str = ""
    graded_work: str = ""

    @property
    def path(self) -> Path:
        return NOTEBOOKS_DIR / self.file


def _manifest() -> dict:
    """lessons.toml, parsed once and again only when it changes."""
    return content.load(MANIFEST.name, MANIFEST.parent)


def lessons() -> list[Lesson]:
    """The lessons in teaching order."""
    return [Lesson(**entry) for entry in _manifest()["lesson"]]


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
    required = required_headings()
    positions = [markdown.find(heading) for heading in required]
    for heading, position in zip(required, positions):
        if position < 0:
            problems.append(f"{item.file}: no '{heading}' section")
    found = [p for p in positions if p >= 0]
    if found != sorted(found):
        problems.append(f"{item.file}: sections out of order (expected {', '.join(required)})")
    words = _manifest()["notebook"]
    heading = words["heading"].format(id=item.id, title=item.title)
    first_line = notebook.cells[0].source.splitlines()[0] if notebook.cells and notebook.cells[0].source else ""
    if first_line.strip() != heading:
        problems.append(f"{item.file}: its first line must be the manifest's title, {heading!r} (found {first_line!r})")
    time_section = markdown[positions[2]:] if positions[2] >= 0 else ""
    for kind, minutes in (("teaching", item.teaching_minutes), ("exercises", item.exercise_minutes)):
        said = words[kind].format(minutes=minutes)
        if not re.search(rf"(?<!\d){re.escape(said)}", time_section):
            problems.append(f"{item.file}: '## Time' must say '{said}'")
    if notebook.metadata.get("kernelspec", {}).get("name") != "python3":
        problems.append(f"{item.file}: kernelspec must be python3")
    for index, cell in enumerate(notebook.cells):
        if cell.cell_type == "code" and (cell.get("outputs") or cell.get("execution_count")):
            problems.append(f"{item.file}: cell {index} has stored outputs; clear them before committing")
    return problems


def syllabus():
    """The manifest as a table: id, title, minutes and the graded work each lesson leads to."""
    import pandas as pd

    column = _manifest()["syllabus"]["table_columns"]
    return pd.DataFrame(
        [
            {
                column["lesson"]: item.id,
                column["title"]: item.title,
                column["teaching"]: item.teaching_minutes,
                column["exercises"]: item.exercise_minutes,
                column["graded_work"]: item.assignment or "-",
                column["notebook"]: item.file,
            }
            for item in lessons()
        ]
    ).set_index(column["lesson"])


SYLLABUS_START, SYLLABUS_END = "<!-- syllabus:start -->", "<!-- syllabus:end -->"
#: The notebooks' README, whose syllabus block :func:`render_syllabus` generates.
README = NOTEBOOKS_DIR / "README.md"


def syllabus_markdown() -> str:
    """The syllabus table and its total, in the words of ``lessons.toml``'s ``[syllabus]``."""
    words = _manifest()["syllabus"]
    items = lessons()
    rows = ["| " + " | ".join(words["header"]) + " |", "|" + "---|" * len(words["header"])]
    for item in items:
        minutes = words["minutes"].format(teaching=item.teaching_minutes, exercises=item.exercise_minutes)
        cells = (item.id, item.title, item.outcomes, minutes, item.graded_work or words["no_graded_work"])
        rows.append("| " + " | ".join(cells) + " |")
    teaching = sum(item.teaching_minutes for item in items)
    exercises = sum(item.exercise_minutes for item in items)
    total = words["total"].format(teaching=teaching, exercises=exercises,
                                  hour_sessions=-(-(teaching + exercises) // 60),
                                  long_sessions=-(-(teaching + exercises) // 90))
    return "\n".join(rows) + "\n\n" + total


def render_syllabus(readme: Path | None = None) -> dict[Path, str]:
    """``notebooks/README.md`` with its syllabus block made from the manifest, as {path: text} (writes nothing).

    Raises ValueError when the block's markers are missing.
    """
    readme = Path(readme or README)
    text = readme.read_text(encoding="utf-8")
    if SYLLABUS_START not in text or SYLLABUS_END not in text:
        raise ValueError(f"{readme.name} has no {SYLLABUS_START} ... {SYLLABUS_END} block")
    head, rest = text.split(SYLLABUS_START, 1)
    _, tail = rest.split(SYLLABUS_END, 1)
    return {readme: f"{head}{SYLLABUS_START}\n{syllabus_markdown()}\n{SYLLABUS_END}{tail}"}


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
