"""The lesson notebooks: ordered by the manifest, same anatomy, thin, and they run top to bottom."""

from __future__ import annotations

import ast
import functools
import re

import nbformat
import pytest

from course.lessons import manifest as lessons

LESSONS = lessons.lessons()


def test_manifest_orders_the_lessons_and_every_file_exists():
    """Are the lessons (nine or more) numbered 00, 01, ... in manifest order, each file named after its id?"""
    assert len(LESSONS) >= 9
    assert [item.id for item in LESSONS] == [f"{i:02d}" for i in range(len(LESSONS))]
    for item in LESSONS:
        assert item.path.exists(), item.file
        assert item.file.startswith(item.id + "-")
    on_disk = sorted(p.name for p in lessons.NOTEBOOKS_DIR.glob("*.ipynb"))
    assert on_disk == sorted(item.file for item in LESSONS)


def test_unknown_lesson_names_the_valid_ids():
    with pytest.raises(KeyError, match="00, 01"):
        lessons.lesson("99")


@pytest.mark.parametrize("item", LESSONS, ids=[l.id for l in LESSONS])
def test_anatomy_is_identical_and_outputs_are_cleared(item):
    assert lessons.anatomy_problems(item) == []


def test_anatomy_check_catches_a_broken_lesson(tmp_path, monkeypatch):
    item = LESSONS[1]
    notebook = nbformat.read(item.path, as_version=4)
    notebook.cells[0].source = notebook.cells[0].source.replace("## Questions", "## Things to ask").replace(f"Teaching: {item.teaching_minutes} min", "Teaching: 999 min").replace(item.title, "An old title")
    notebook.cells.append(nbformat.v4.new_code_cell("1 + 1", execution_count=3, outputs=[nbformat.v4.new_output("execute_result", {"text/plain": "2"}, execution_count=3)]))
    monkeypatch.setattr(lessons, "NOTEBOOKS_DIR", tmp_path)
    nbformat.write(notebook, tmp_path / item.file)
    problems = " | ".join(lessons.anatomy_problems(item))
    assert "'## Questions'" in problems and "Teaching:" in problems and "stored outputs" in problems
    assert f"the manifest's title, '# {item.id} · {item.title}'" in problems


def _syllabus_up_to_date(readme=None) -> bool:
    (path, wanted), = lessons.render_syllabus(readme).items()
    return wanted == path.read_text(encoding="utf-8")


def test_syllabus_in_the_readme_is_generated_from_the_manifest(tmp_path):
    """Is notebooks/README.md's syllabus block what lessons.toml gives, and does a hand edit make the check fail?"""
    assert _syllabus_up_to_date(), "run python -m course build"
    stale = tmp_path / "README.md"
    stale.write_text(lessons.README.read_text(encoding="utf-8").replace("| 15 / 20 |", "| 15 / 99 |", 1), encoding="utf-8")
    assert not _syllabus_up_to_date(stale)
    (path, wanted), = lessons.render_syllabus(stale).items()
    path.write_text(wanted, encoding="utf-8")
    assert _syllabus_up_to_date(stale)
    assert stale.read_text(encoding="utf-8") == lessons.README.read_text(encoding="utf-8")


@pytest.mark.parametrize("item", LESSONS, ids=[l.id for l in LESSONS])
def test_notebooks_stay_thin(item):
    """Logic lives in course/: no notebook defines a function or class longer than a few lines."""
    notebook = nbformat.read(item.path, as_version=4)
    for cell in notebook.cells:
        if cell.cell_type != "code":
            continue
        tree = ast.parse(cell.source)
        for node in ast.walk(tree):
            if isinstance(node, (ast.FunctionDef, ast.ClassDef, ast.AsyncFunctionDef)):
                assert node.end_lineno - node.lineno < 8, f"{item.file}: {node.name} belongs in the course package"
        assert len(cell.source.splitlines()) <= 12, f"{item.file}: a code cell of {len(cell.source.splitlines())} lines"


def test_practice_questions_used_by_lessons_exist():
    from course.lessons import practice

    for item in LESSONS:
        source = "\n".join(c.source for c in nbformat.read(item.path, as_version=4).cells if c.cell_type == "code")
        for question_id in re.findall(r'ask\("([^"]+)"\)', source):
            assert question_id in practice.QUESTIONS, f"{item.file} asks for unknown question {question_id}"
            assert question_id.startswith(item.id + "-")


def test_syllabus_lists_every_lesson():
    syllabus = (lessons.NOTEBOOKS_DIR / "README.md").read_text(encoding="utf-8")
    for item in LESSONS:
        assert item.title in syllabus
        assert f"| {item.id} |" in syllabus
    table = lessons.syllabus()
    assert list(table.index) == [item.id for item in LESSONS]


@functools.cache
def executed(lesson_id: str):
    """The lesson run top to bottom in a fresh kernel (in a scratch folder), once per test session."""
    import tempfile

    from nbclient import NotebookClient

    item = lessons.lesson(lesson_id)
    notebook = nbformat.read(item.path, as_version=4)
    with tempfile.TemporaryDirectory() as scratch:
        NotebookClient(notebook, timeout=120, kernel_name="python3", resources={"metadata": {"path": scratch}}).execute()
    return notebook


def output_texts(cell) -> list[str]:
    """What a cell's outputs show as text: HTML when there is some, else plain text or the stream."""
    texts = []
    for output in cell.get("outputs", []):
        bundle = output.get("data", {})
        texts.append(bundle.get("text/html") or bundle.get("text/plain") or output.get("text", ""))
    return texts


@pytest.mark.slow
@pytest.mark.parametrize("item", LESSONS, ids=[l.id for l in LESSONS])
def test_lesson_executes_and_every_figure_has_alt_text(item):
    notebook = executed(item.id)
    images = 0
    for cell in notebook.cells:
        for output in cell.get("outputs", []):
            assert output.get("output_type") != "error", f"{item.file}: {output.get('ename')}: {output.get('evalue')}"
            bundle = output.get("data", {})
            assert "image/png" not in bundle, f"{item.file}: a bare image output has no alt text; use course.lessons.charts.show()"
            html = bundle.get("text/html", "")
            for tag in re.findall(r"<img\b[^>]*>", html):
                images += 1
                alt = re.search(r'alt="([^"]*)"', tag)
                assert alt and len(alt.group(1)) > 30, f"{item.file}: image without a real alt text"
    if item.id in {"03", "04", "06", "07", "08"}:
        assert images >= 1, f"{item.file} should show at least one figure"


@pytest.mark.slow
def test_static_html_export_shows_the_reader_without_widget_javascript(tmp_path):
    """Where widgets cannot run (a static HTML page), the reader degrades to its readable static rendering."""
    (page,) = lessons.export_html(tmp_path, ["01"], progress=False)
    html = page.read_text(encoding="utf-8")
    assert "application/vnd.jupyter.widget-view+json" not in html
    assert "course-document-reader-static" in html
    assert "Bobo Cisse" in html  # the document's text itself is on the page


@pytest.mark.slow
@pytest.mark.parametrize("item", LESSONS, ids=[l.id for l in LESSONS])
def test_no_answer_is_on_screen_before_its_question(item):
    """Predict, then reveal: does any output above a check-yourself question, or the model answer of an exercise
    above it (which the student may have opened), show its finding about its item?"""
    from course.lessons import practice
    from course.lessons.exercises import exercises, model_answer_html
    from course.lessons.practice.findings import leaks

    notebook = executed(item.id)
    models = exercises()
    above: list[str] = []
    asked = 0
    for cell in notebook.cells:
        if cell.cell_type != "code":
            continue
        for question_id in re.findall(r'ask\("([^"]+)"\)', cell.source):
            asked += 1
            found = leaks(practice.QUESTIONS[question_id], above)
            assert not found, f"{item.file}: {question_id} is answered on screen above it: {found[:3]}"
        above.extend(output_texts(cell))
        above.extend(model_answer_html(models[e]) for e in re.findall(r'exercise\("([^"]+)"\)', cell.source))
    assert asked >= 2, f"{item.file} asks fewer than two check-yourself questions"


def test_the_scan_counts_a_revealed_model_answer():
    """The model answer of lesson 06's exercise once named R03's weaknesses just above the question that asks them:
    the scan must see a model answer as what it is, an answer on screen."""
    from course.lessons import practice
    from course.lessons.practice.findings import leaks

    revealed = "<p><strong>Model answer.</strong> Argument R03 shows cherry picking: the French statements are read alone.</p>"
    assert leaks(practice.QUESTIONS["06-weaknesses"] | {"argument_id": "R03"}, [revealed])
    assert not leaks(practice.QUESTIONS["06-weaknesses"] | {"argument_id": "R03"}, [revealed.replace("R03", "R04")])


REPRS = (r"datetime\.date\(", r"dtype: \w+", r"Name: \w+, dtype", r"^\[\('", r"\[\(\'", r"<pandas\.", r"^\s*\d+\s{2,}\S.*…")


@pytest.mark.slow
@pytest.mark.parametrize("item", LESSONS, ids=[l.id for l in LESSONS])
def test_outputs_are_written_for_a_reader(item):
    """No Python reprs, no pandas tables cut with an ellipsis, no bare text/plain DataFrames."""
    notebook = executed(item.id)
    for index, cell in enumerate(notebook.cells):
        for output in cell.get("outputs", []):
            bundle = output.get("data", {})
            shown = bundle.get("text/html") or bundle.get("text/plain") or output.get("text", "")
            for pattern in REPRS:
                assert not re.search(pattern, shown, re.M), f"{item.file} cell {index} shows a Python repr ({pattern}): {shown[:200]!r}"
            assert 'class="dataframe"' not in shown, f"{item.file} cell {index} shows a raw pandas table; use course.lessons.views.table"


def test_every_open_exercise_has_an_answer_box_with_a_model_answer():
    """Each exercise or discussion heading is followed by an exercise() box whose spec exists and fills from the data."""
    from course.lessons.exercises import exercises, fill

    known = exercises()
    used = []
    for item in LESSONS:
        cells = nbformat.read(item.path, as_version=4).cells
        for index, cell in enumerate(cells):
            if cell.cell_type == "markdown" and re.search(r"^### (Exercise|Discussion)", cell.source, re.M):
                following = "\n".join(c.source for c in cells[index + 1:index + 3] if c.cell_type == "code")
                match = re.search(r'exercise\("([^"]+)"\)', following)
                assert match, f"{item.file}: '{cell.source.splitlines()[0]}' has no answer box after it"
                used.append(match.group(1))
    assert sorted(used) == sorted(known), "every exercise in exercises.toml is used exactly once"
    for spec in known.values():
        assert "{" not in fill(spec["model"]) and len(spec["points"]) >= 3


@pytest.mark.slow
def test_a_table_filtered_on_a_finding_does_not_list_held_back_rows():
    """Lesson 02 lists the citations the document renders differently (comparison != "faithful"). A held-back
    citation's comparison was empty and it was listed too, telling the student that the citation graded work asks
    about is not faithful. The assessed citations are in the bank now; the lesson lists none of them."""
    from course.evidence import bank

    notebook = executed("02")
    [cell] = [c for c in notebook.cells if c.cell_type == "code" and "rendered_differently" in c.source]
    shown = "\n".join(output_texts(cell))
    assert "C08" in shown  # not assessed, and misattributed: the table is not empty
    held = bank.banked_ids()["citations"]
    assert {"C05", "C07"} <= held
    listed = re.findall(r"<tr><td>(C\d+)</td>", shown)  # the table's rows (other notes may name a citation)
    assert "C08" in listed and [c for c in listed if c in held] == []


@pytest.mark.slow
def test_no_lesson_output_gives_a_graded_answer_away(tmp_path):
    """Every lesson as executed (the outputs a student sees): no unit names a graded item beside its answer."""
    from course import paths
    from course.grading import classdir
    from course.grading.release import keyleaks

    sources = {a: classdir.source_notebook(a) for a in classdir.assignment_ids() if a.startswith("ps")}
    items = keyleaks.items_from_sources(sources, paths.bank_dir() / "keys")
    for item in LESSONS:
        nbformat.write(executed(item.id), tmp_path / f"{item.id}.ipynb")
    hits = keyleaks.scan(tmp_path, items)
    assert hits == [], [(h.item, h.path, h.found, h.unit[:100]) for h in hits[:10]]
