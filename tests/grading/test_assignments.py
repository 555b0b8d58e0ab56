"""The graded assignments: nbgrader conventions, answers as values, one skill per grade cell, full marks for the
solutions, zero for the release and for a submission copied from the student's tables, no leaks."""

from __future__ import annotations

import ast
import json
import re
import shutil

import nbformat
import pytest

from course.evidence.skills import DATA_SKILLS, SKILLS, is_known
from course.grading.keys import answers
from course.grading import classdir
from course.grading.release.leaks import find_leaks, notebook_text, secret_lines

ASSIGNMENTS = classdir.assignment_ids()
MANIFEST = {a["id"]: a for a in json.loads((classdir.ASSIGNMENTS_DIR / "manifest.json").read_text(encoding="utf-8"))["assignments"]}
DIAGNOSTICS = [a for a in ASSIGNMENTS if MANIFEST[a].get("kind") == "diagnostic"]
UNIT = [a for a in ASSIGNMENTS if a not in DIAGNOSTICS]
REQUIRED_KEYS = {"grade", "solution", "locked", "grade_id", "schema_version"}
#: Modules a notebook may import: every import costs seconds per submission at grading time.
ALLOWED_IMPORTS = {"course", "course.evidence", "course.document", "course.document.anchors", "course.lessons.packets",
                   "course.grading.keys.check", "re", "datetime", "builtins"}
#: Words that would mock or endorse the document rather than study it.
LOADED_WORDS = re.compile(r"\b(propaganda|lying|liars?|ridiculous|absurd|nonsense|fanatic\w*|extremist rant|truthful|brave)\b", re.I)


def source(assignment_id):
    return nbformat.read(classdir.source_notebook(assignment_id), as_version=4)


#: Assignments with automatic points (the final memo has none since issue 21: every part is read by the instructor).
AUTOGRADED = [a for a in ASSIGNMENTS if any(c.cell_type == "code" and c.metadata.get("nbgrader", {}).get("grade")
                                            and c.metadata["nbgrader"].get("points") for c in source(a).cells)]


def nbgrader_meta(cell):
    return cell.metadata.get("nbgrader", {})


def hidden_region(text):
    match = re.search(r"### BEGIN HIDDEN TESTS\n(.*?)### END HIDDEN TESTS", text, re.S)
    return match.group(1) if match else ""


def test_manifest_lists_exactly_the_assignment_folders():
    """Does assignments/manifest.json name every assignment folder, each with its notebook, and nothing else?"""
    folders = sorted(p.name for p in classdir.ASSIGNMENTS_DIR.iterdir() if p.is_dir())
    practice = [a for a, entry in MANIFEST.items() if entry.get("kind") == classdir.PRACTICE_KIND]
    assert practice and not set(practice) & set(ASSIGNMENTS), "practice sets are in the manifest, never graded"
    assert sorted(ASSIGNMENTS + practice) == folders
    assert len(UNIT) >= 5 and UNIT[-1] == "final-source-memo"
    assert DIAGNOSTICS == [ASSIGNMENTS[0], ASSIGNMENTS[-1]], "the diagnostic's form A opens the course and form B closes it"
    for assignment_id in ASSIGNMENTS:
        assert classdir.source_notebook(assignment_id).is_file()


@pytest.mark.parametrize("assignment_id", ASSIGNMENTS)
def test_cells_follow_nbgrader_conventions(assignment_id):
    """Does every nbgrader cell carry complete schema-3 metadata, with solution and hidden-test regions where they belong?"""
    nb = source(assignment_id)
    assert nb.metadata["kernelspec"]["name"] == "python3"
    ids = []
    for cell in nb.cells:
        meta = nbgrader_meta(cell)
        if not meta:
            continue
        assert REQUIRED_KEYS <= set(meta), (meta, cell.source[:60])
        assert meta["schema_version"] == 3
        ids.append(meta["grade_id"])
        track = cell.metadata.get("course", {}).get("track")
        if meta["grade"]:
            assert (meta["points"] == 0) == (track == "data-skills"), "only the optional data-skills track is worth no points"
        if meta["solution"] and cell.cell_type == "code":
            assert "### BEGIN SOLUTION" in cell.source and "### END SOLUTION" in cell.source
            assert not meta["grade"] and not meta["locked"]
        if meta.get("task"):  # a rubric point of a written answer, graded on its own
            assert cell.cell_type == "markdown" and meta["grade"] and meta["locked"] and not meta["solution"]
        elif meta["grade"] and not meta["solution"]:
            assert cell.cell_type == "code" and meta["locked"]
            assert "### BEGIN HIDDEN TESTS" in cell.source and "### END HIDDEN TESTS" in cell.source
        if cell.cell_type == "markdown" and meta["grade"] and not meta.get("task"):
            assert meta["solution"], "a written answer must be solution and grade"
    assert len(ids) == len(set(ids)), "grade ids must be unique"


@pytest.mark.parametrize("assignment_id", UNIT)
def test_every_written_question_has_a_mark_scheme_and_one_graded_cell_per_rubric_point(assignment_id):
    """Can a student see how each written question is marked, is each rubric point its own graded answer cell, and do the points add up?"""
    cells = source(assignment_id).cells
    schemes = [i for i, c in enumerate(cells) if nbgrader_meta(c).get("grade_id", "").endswith("-rubric")]
    assert schemes
    for index in schemes:
        rubric = cells[index]
        assert nbgrader_meta(rubric).get("locked") and not nbgrader_meta(rubric).get("grade") and "Mark scheme" in rubric.source
        parts = []
        follow = index + 1
        while follow < len(cells) and cells[follow].cell_type == "markdown" and nbgrader_meta(cells[follow]).get("grade"):
            parts.append(cells[follow])
            follow += 1
        assert len(parts) >= 2 == min(len(parts), 2), "a written question has at least two rubric points"
        assert [p.metadata["course"]["rubric_point"] for p in parts] == list(range(1, len(parts) + 1))
        assert all(not nbgrader_meta(p).get("task") for p in parts), "no task cells: nbgrader 0.9 counts their points twice"
        assert f"({sum(nbgrader_meta(p)['points'] for p in parts):g} points)" in rubric.source
        assert rubric.source.count("* Point ") == len(parts)


def _is_value(node) -> bool:
    try:
        ast.literal_eval(node)
    except ValueError:
        return False
    return True


@pytest.mark.parametrize("assignment_id", ASSIGNMENTS)
def test_required_answers_are_one_value_and_functions_only_in_the_optional_track(assignment_id):
    """Is every required answer a cell assigning one literal value (None as released), and every function answer in the data-skills track?"""
    cells = source(assignment_id).cells
    for index, cell in enumerate(cells):
        meta = nbgrader_meta(cell)
        if not (meta.get("solution") and cell.cell_type == "code"):
            continue
        test = cells[index + 1]
        track = test.metadata.get("course", {}).get("track")
        body = ast.parse(cell.source).body
        if track == "data-skills":
            assert all(isinstance(n, ast.FunctionDef) for n in body), meta["grade_id"]
            assert all(ast.get_docstring(n) for n in body), "a function keeps its docstring, so the stubbed release still parses"
            continue
        assert track == "core" and all(isinstance(n, ast.Assign) and _is_value(n.value) for n in body), meta["grade_id"]
        names = {t.id for n in body for t in n.targets}
        assert names == {test.metadata["course"]["answer"]}, meta["grade_id"]
        assert isinstance(body[0].value, ast.Constant) and body[0].value.value is None, "the released cell starts at None"


def _checker_calls(code: str, function: str) -> list[ast.Call]:
    return [n for n in ast.walk(ast.parse(code)) if isinstance(n, ast.Call) and isinstance(n.func, ast.Name)
            and n.func.id == function]


@pytest.mark.parametrize("assignment_id", ASSIGNMENTS)
def test_every_value_item_checks_its_form_visibly_in_plain_words(assignment_id):
    """Does each value item's test cell first check, in the open, that the answer was given and has the asked-for
    form, with the checker's plain words (course.grading.keys.check, whose sentences say which form is wanted)?
    Asserts written in the cell itself, each with a literal message, are the older form (the diagnostic's)."""
    from course.grading.keys import check

    for cell in source(assignment_id).cells:
        meta = cell.metadata.get("course", {})
        if not (cell.cell_type == "code" and nbgrader_meta(cell).get("grade") and meta.get("answer")):
            continue
        visible = cell.source.split("### BEGIN HIDDEN TESTS")[0]
        calls = _checker_calls(visible, "check_form")
        if calls:
            assert len(calls) == 1 and calls[0].args[0].id == meta["answer"] and calls[0].args[1].value == meta["kind"]
            assert "from course.grading.keys.check import check_form" in visible
            with pytest.raises(AssertionError, match="The answer has not been written yet: replace None"):
                check.check_form(None, meta["kind"], accepted_form=meta["accepted_form"])
            continue
        asserts = [n for n in ast.walk(ast.parse(visible)) if isinstance(n, ast.Assert)]
        assert len(asserts) >= 2 and all(isinstance(a.msg, ast.Constant) and len(a.msg.value) > 20 for a in asserts), meta["answer"]
        assert "The answer has not been written yet: replace None" in visible


@pytest.mark.parametrize("assignment_id", ASSIGNMENTS)
def test_every_grade_cell_carries_exactly_one_skill_from_the_vocabulary(assignment_id):
    """Does each grade cell (test, written answer, rubric point) name one known skill, and only data-skills items the optional one?"""
    for cell in source(assignment_id).cells:
        if not nbgrader_meta(cell).get("grade"):
            continue
        meta = cell.metadata.get("course", {})
        skill = meta.get("skill")
        assert isinstance(skill, str) and is_known(skill), (nbgrader_meta(cell)["grade_id"], skill)
        assert (skill == DATA_SKILLS) == (meta.get("track") == "data-skills")


def test_each_skill_is_assessed_at_least_twice_across_the_unit_and_once_per_diagnostic_form():
    """Does every skill of the vocabulary get at least two graded items in the unit, and does each diagnostic form reach every skill?"""
    counts = {skill: 0 for skill in SKILLS}
    for assignment_id in UNIT:
        for cell in source(assignment_id).cells:
            skill = cell.metadata.get("course", {}).get("skill")
            if nbgrader_meta(cell).get("grade") and skill in counts:
                counts[skill] += 1
    assert min(counts.values()) >= 2, counts
    for assignment_id in DIAGNOSTICS:
        seen = {c.metadata["course"]["skill"] for c in source(assignment_id).cells if nbgrader_meta(c).get("grade")}
        assert seen == set(SKILLS), assignment_id


def test_the_two_diagnostic_forms_are_parallel():
    """Do forms A and B have 10-15 items each, with the same skill, kind and points at every position, on different cases?"""
    forms = []
    for assignment_id in DIAGNOSTICS:
        items = answers.value_items(source(assignment_id))
        assert 10 <= len(items) <= 15
        forms.append(items)
    a, b = forms
    assert [(i["skill"], i["kind"], i["points"]) for i in a] == [(i["skill"], i["kind"], i["points"]) for i in b]
    assert not set(sum((i["assesses"]["diagnostic_items"] for i in a), [])) & set(sum((i["assesses"]["diagnostic_items"] for i in b), []))


@pytest.mark.parametrize("assignment_id", ASSIGNMENTS)
def test_notebooks_import_only_light_modules(assignment_id):
    """Do the notebooks avoid heavy imports (matplotlib, ipywidgets, pandas directly) that slow grading?"""
    for cell in source(assignment_id).cells:
        if cell.cell_type != "code":
            continue
        for node in ast.walk(ast.parse(cell.source)):
            if isinstance(node, ast.Import):
                names = [a.name for a in node.names]
            elif isinstance(node, ast.ImportFrom):
                names = [node.module]
            else:
                continue
            for name in names:
                assert name in ALLOWED_IMPORTS, f"{assignment_id} imports {name}"


@pytest.mark.parametrize("assignment_id", ASSIGNMENTS)
def test_hidden_tests_check_exact_types_and_use_nothing_a_student_could_redefine(assignment_id):
    """Do hidden tests check types through builtins, and avoid names defined in cells a student could shadow?"""
    cells = source(assignment_id).cells
    setup_names = set()
    for cell in cells:
        meta = nbgrader_meta(cell)
        if cell.cell_type == "code" and meta.get("locked") and not meta.get("grade"):
            for node in ast.parse(cell.source).body:
                if isinstance(node, (ast.FunctionDef, ast.ClassDef)):
                    setup_names.add(node.name)
                elif isinstance(node, ast.Assign):
                    setup_names.update(t.id for t in node.targets if isinstance(t, ast.Name))
                elif isinstance(node, (ast.Import, ast.ImportFrom)):
                    setup_names.update((a.asname or a.name).split(".")[0] for a in node.names)
    for cell in cells:
        meta = nbgrader_meta(cell)
        if not (meta.get("grade") and cell.cell_type == "code"):
            continue
        hidden = hidden_region(cell.source)
        judged = _checker_calls(hidden, "_judge")
        if judged:  # the one answer checker, re-installed by the grader before the cell; every argument a literal
            assert "from course.grading.keys.check import judge as _judge" in hidden and len(judged) == 1
            assert all(_is_value(k.value) for k in judged[0].keywords) and all(_is_value(a) for a in judged[0].args[1:])
        else:
            assert "import builtins as _b" in hidden and "_b.type(" in hidden
        used = {n.id for n in ast.walk(ast.parse(hidden)) if isinstance(n, ast.Name)}
        assert not used & setup_names, f"{meta['grade_id']} uses {used & setup_names} from a setup cell"
        # every message a student may see is a plain literal (no formatted values)
        for node in ast.walk(ast.parse(hidden)):
            if isinstance(node, ast.Assert) and node.msg is not None:
                assert isinstance(node.msg, ast.Constant), f"{meta['grade_id']}: assertion messages must be literals"


@pytest.mark.parametrize("assignment_id", ASSIGNMENTS)
def test_header_points_match_the_cells(assignment_id):
    """Does the points line a student reads agree with the points nbgrader will award?"""
    nb = source(assignment_id)
    auto = sum(nbgrader_meta(c)["points"] for c in nb.cells if nbgrader_meta(c).get("grade") and c.cell_type == "code")
    written = sum(nbgrader_meta(c)["points"] for c in nb.cells if nbgrader_meta(c).get("grade") and c.cell_type == "markdown")
    assert f"Points: **{auto:g}** checked automatically and **{written:g}** read by your instructor" in nb.cells[0].source
    assert f"| `{assignment_id}` | {auto:g} | {written:g} |" in (classdir.ASSIGNMENTS_DIR / "README.md").read_text(encoding="utf-8")


def test_every_assignment_follows_lessons_that_name_it():
    """Does each assignment have lessons pointing at it, and does its introduction name those lessons?"""
    from course.lessons.manifest import lessons

    linked = {}
    for item in lessons():
        if item.assignment:
            assert item.assignment in ASSIGNMENTS, f"lesson {item.id} names an unknown assignment"
            linked.setdefault(item.assignment, []).append(item)
    assert sorted(linked) == sorted(UNIT), "every assignment of the unit (the diagnostic has no lessons) follows lessons"
    for assignment_id, items in linked.items():
        intro = source(assignment_id).cells[0].source
        for item in items:
            assert f"*{item.title}* ({item.id})" in intro, (assignment_id, item.title)


@pytest.mark.parametrize("assignment_id", ASSIGNMENTS)
def test_student_facing_text_is_neutral(assignment_id):
    """Does no instruction use words that mock or endorse the document?"""
    for cell in source(assignment_id).cells:
        assert not LOADED_WORDS.search(cell.source), cell.source[:80]


# --- the assignments through nbgrader ----------------------------------------------------------------------

@pytest.fixture(scope="module")
def graded_class(tmp_path_factory):
    """One class with every assignment released and three submissions each: the source itself, the untouched release,
    and every answer copied from the tables a student's kernel loads (the student edition)."""
    from course.grading.run import demo
    from course.grading.run import verbs

    root = tmp_path_factory.mktemp("assignments-class")
    api = classdir.open_api(root, create=True, private_gradebook=True)
    verbs.release("all", api=api)
    for assignment_id in ASSIGNMENTS:
        for student, notebook in (("source", classdir.source_notebook(assignment_id)),
                                  ("release", root / "release" / assignment_id / f"{assignment_id}.ipynb")):
            folder = root / "submitted" / student / assignment_id
            folder.mkdir(parents=True)
            shutil.copy(notebook, folder / f"{assignment_id}.ipynb")
        src, released = demo.source_and_release(assignment_id)
        folder = root / "submitted" / "lookup" / assignment_id
        folder.mkdir(parents=True)
        nbformat.write(answers.lookup_submission(src, released, "student"), folder / f"{assignment_id}.ipynb")
        folder = root / "submitted" / "grading-time-lookup" / assignment_id
        folder.mkdir(parents=True)
        nbformat.write(answers.grading_time_lookup_submission(src, released), folder / f"{assignment_id}.ipynb")
    verbs.autograde("all", api=api, progress=False, sandbox="required")
    return root, api


def scores(api, assignment_id, student):
    with api.gradebook as book:
        sub = book.find_submission(assignment_id, student)
        return sub.code_score, sub.max_code_score, sub.written_score


@pytest.mark.slow
@pytest.mark.parametrize("assignment_id", ASSIGNMENTS)
def test_source_notebook_scores_full_marks_on_the_autograded_parts(graded_class, assignment_id):
    """Do the model solutions pass every visible and hidden test (so the hidden values agree with the data)?"""
    _, api = graded_class
    code, max_code, _ = scores(api, assignment_id, "source")
    assert code == max_code and (max_code > 0) == (assignment_id in AUTOGRADED)


@pytest.mark.slow
@pytest.mark.parametrize("assignment_id", ASSIGNMENTS)
def test_released_notebook_runs_and_scores_zero(graded_class, assignment_id):
    """Does the student version run to the end (errors only in test cells) and earn nothing as released?"""
    root, api = graded_class
    code, max_code, written = scores(api, assignment_id, "release")
    assert (code, written) == (0, 0) and (max_code > 0) == (assignment_id in AUTOGRADED)
    graded = nbformat.read(root / "autograded" / "release" / assignment_id / f"{assignment_id}.ipynb", as_version=4)
    for cell in graded.cells:
        if cell.cell_type == "code" and not nbgrader_meta(cell).get("grade"):
            assert not [o for o in cell.outputs if o.output_type == "error"], cell.source[:80]


@pytest.mark.slow
@pytest.mark.parametrize("assignment_id", ASSIGNMENTS)
def test_answers_copied_from_the_students_tables_score_zero(graded_class, assignment_id):
    """Does a submission that answers every item from what the student's kernel loads earn nothing (the findings are held back)?"""
    _, api = graded_class
    code, max_code, _ = scores(api, assignment_id, "lookup")
    assert code == 0 and (max_code > 0) == (assignment_id in AUTOGRADED)


@pytest.mark.slow
@pytest.mark.parametrize("assignment_id", ASSIGNMENTS)
def test_answers_looked_up_in_the_full_tables_while_graded_score_zero(graded_class, assignment_id):
    """A submission that switches its grading kernel to the full edition (COURSE_DATA_EDITION=full) or reads the
    table files, and copies each finding from where the kit records it: the grading kernel sees only the student
    edition, so it earns nothing. (Before: 40 of the 48 automatic points of these assignments scored.)"""
    _, api = graded_class
    code, max_code, _ = scores(api, assignment_id, "grading-time-lookup")
    assert code == 0 and (max_code > 0) == (assignment_id in AUTOGRADED)


@pytest.mark.slow
def test_nbgrader_validate_agrees(graded_class):
    """Does `nbgrader validate` pass every source notebook and fail every released one?"""
    from nbgrader.validator import Validator

    root, api = graded_class
    validator = Validator(config=api.config)
    for assignment_id in ASSIGNMENTS:
        assert validator.validate(str(classdir.source_notebook(assignment_id))) == {}, assignment_id
        released = validator.validate(str(root / "release" / assignment_id / f"{assignment_id}.ipynb"))
        assert released.get("failed"), assignment_id  # a failed test, or (the final memo) a written part left blank


@pytest.mark.slow
@pytest.mark.parametrize("assignment_id", ASSIGNMENTS)
def test_released_notebook_holds_no_solution_or_hidden_test_text(graded_class, assignment_id):
    """Does no line of a solution region or hidden test survive into what students receive?"""
    root, _ = graded_class
    nb = source(assignment_id)
    secrets = secret_lines(nb)
    assert secrets and find_leaks(notebook_text(nb), secrets), "the scan must find the secrets in the source itself"
    released = nbformat.read(root / "release" / assignment_id / f"{assignment_id}.ipynb", as_version=4)
    assert find_leaks(notebook_text(released), secrets) == []
    # the exchange copy students fetch is the same file
    exchange = root / "exchange" / graded_class[1].course_id / "outbound" / assignment_id / f"{assignment_id}.ipynb"
    assert json.loads(exchange.read_text()) == json.loads((root / "release" / assignment_id / f"{assignment_id}.ipynb").read_text())
