"""The practice set: built like the problem sets, never graded, and checked in the learner's own notebook.

Self-study learners (issue 20, item 4) get full feedback on a separate practice
set. Its items are nbgrader cells like the problem sets' (one skill per item,
answers as values, the kit's one answer checker,
:mod:`course.grading.keys.check`), but the key ships with the learner's copy
(``assignments/<id>/key.toml``, like the answers at the back of a textbook):
every item uses teaching rows only, so it gives no graded answer away.

Each item's check cell is *generated* from the key (:func:`check_cell_source`)
and calls :func:`feedback`, which runs the same form check as a problem set's
visible test, then says right or wrong and prints the item's explanation.
Every sentence comes from ``notebooks/checker.toml`` (``[form]`` and
``[practice]``) or the key file, so an edition in another language translates
data, not code. The manifest marks the set ``"kind": "practice"``:
:func:`course.grading.classdir.assignment_ids` leaves it out, so release,
autograde, the demo, the gradebook and the item analysis never see it.

``python -m course.grading.keys.practice --write`` rewrites the check cells from
the keys; ``--check`` (default, and the tests) reports differences.
"""

from __future__ import annotations

import sys
import tomllib
from pathlib import Path

from course.grading.keys import check
from course.grading.keys.keyfile import SPEC_FIELDS, spec  # one description of each kind's visible fields

KEY_FILE = "key.toml"
#: The written questions' model answers and mark schemes, shown to the learner once they have written (practice only).
WRITTEN_FILE = "written.toml"
REQUIRED = ("grade_id", "answer", "task_type", "skill", "kind", "accepted_form", "accepted", "near_misses",
            "explanation", "rows")
HEADER = "# Practice check (never graded): the form of your answer, then whether it is right, and why."


def practice_ids() -> list[str]:
    """The practice sets of the manifest (``"kind": "practice"``), in course order."""
    from course.grading import classdir

    return [entry["id"] for entry in classdir.manifest() if entry.get("kind") == "practice"]


def notebook_path(practice_id: str) -> Path:
    from course import paths

    return paths.assignments_dir() / practice_id / f"{practice_id}.ipynb"


def key_path(practice_id: str, folder: Path | str | None = None) -> Path:
    """The key beside the notebook: in ``folder`` (a learner's copy) when it has one, else the kit's assignments."""
    if folder is not None and (Path(folder) / KEY_FILE).is_file():
        return Path(folder) / KEY_FILE
    return notebook_path(practice_id).parent / KEY_FILE


def load(practice_id: str, folder: Path | str | None = None) -> dict[str, dict]:
    """The items of one practice key by grade id; ValueError names a missing field."""
    data = tomllib.loads(key_path(practice_id, folder).read_text(encoding="utf-8"))
    items = {}
    for grade_id, item in data.items():
        item = {"grade_id": grade_id, **item}
        missing = [f for f in REQUIRED if f not in item]
        if missing or item["kind"] not in SPEC_FIELDS or not item["accepted"]:
            raise ValueError(f"{practice_id} {grade_id}: missing {', '.join(missing) or 'accepted answers'} or bad kind")
        items[grade_id] = item
    return items


def check_cell_source(practice_id: str, item: dict) -> str:
    """The check cell of ``item``: one call to :func:`feedback` with the answer's name and the item's id."""
    return "\n".join([
        HEADER,
        "from course.grading.keys.practice import feedback",
        f"feedback({item['answer']}, {practice_id!r}, {item['grade_id']!r})",
    ])


def course_metadata(item: dict) -> dict:
    meta = {"answer": item["answer"], "kind": item["kind"], "skill": item["skill"], "task_type": item["task_type"],
            "accepted_form": item["accepted_form"], "track": "practice"}
    if "choices" in item:
        meta["choices"] = list(item["choices"])
    return dict(sorted(meta.items()))


def _entry(value, entries: list[dict], item: dict) -> dict | None:
    """The key entry (accepted answer or near miss) that ``value`` matches, if any."""
    for entry in entries:
        if check.accepts(value, item["kind"], [entry["value"]], **spec(item)):
            return entry
    return None


def feedback_text(value, practice_id: str, grade_id: str, folder: Path | str | None = None) -> str:
    """What the learner reads for ``value``: not answered yet, a form hint, or right/wrong with the why."""
    item = load(practice_id, folder)[grade_id]
    words = check.messages()["practice"]
    if value is None:
        return words["blank"].format(accepted_form=item["accepted_form"])
    try:
        check.check_form(value, item["kind"], **spec(item))
    except AssertionError as problem:
        return words["form"].format(message=str(problem))
    shown = check.canonical(value, item["kind"], **spec(item))
    found = _entry(value, item["accepted"], item)
    if found is not None:
        verdict = words["right"].format(value=found["value"], why=found["why"])
    else:
        miss = _entry(value, item["near_misses"], item)
        verdict = (words["wrong"].format(value=miss["value"], why=miss["why"]) if miss is not None
                   else words["wrong_no_reason"].format(value=shown))
    return verdict + "\n\n" + words["explain"].format(explanation=item["explanation"])


def feedback(value, practice_id: str, grade_id: str) -> None:
    """Print the full feedback on one practice answer (the key is read beside the notebook, else from the kit)."""
    print(feedback_text(value, practice_id, grade_id, folder=Path.cwd()))


def outcome(text: str) -> str:
    """Which of "right", "wrong", "blank" or "form" a check cell's printed feedback says (from its first words)."""
    words = check.messages()["practice"]
    for kind in ("right", "wrong", "blank", "form"):
        if text.startswith(words[kind].split("{")[0]):
            return kind
    return "form"


def run_notebook(path: Path, practice_id: str, timeout: int = 120) -> dict[str, str]:
    """Run a learner's copy of a practice set top to bottom, in its own folder; return what each check cell printed.

    The learner's own notebook on their own machine, never graded: it runs as their Run All would, with the
    interpreter that runs this (so the kernel imports this ``course``, whichever way Python was called).
    A cell that fails stops the run: ValueError, with a reason in plain words.
    """
    import copy
    import os
    import subprocess

    import nbformat
    from nbclient import NotebookClient
    from nbclient.exceptions import CellExecutionError, CellTimeoutError

    from course import paths

    notebook = copy.deepcopy(nbformat.read(path, as_version=4))
    items = load(practice_id, path.parent)
    saved = os.environ.get("PYTHONPATH")
    os.environ["PYTHONPATH"] = os.pathsep.join(filter(None, [str(paths.PACKAGE_DIR.parent), saved]))
    try:
        client = NotebookClient(notebook, timeout=timeout, kernel_name="python3", allow_errors=False,
                                resources={"metadata": {"path": str(path.parent)}})
        client.execute(stderr=subprocess.DEVNULL)  # the kernel's own start-up warnings are not for the learner
    except CellTimeoutError:
        raise ValueError("a cell ran for too long") from None
    except CellExecutionError:
        raise ValueError("a cell stopped with an error") from None
    finally:
        if saved is None:
            os.environ.pop("PYTHONPATH", None)
        else:
            os.environ["PYTHONPATH"] = saved
    printed = {}
    for cell in notebook.cells:
        grade_id = cell.metadata.get("nbgrader", {}).get("grade_id")
        if grade_id in items:
            printed[grade_id] = "".join(o.get("text", "") for o in cell.get("outputs", []) if o.get("name") == "stdout").strip()
    return printed


def written_answers(path: Path) -> dict[str, bool]:
    """The grade id of each written question's answer-box cell -> whether the learner has written an answer there.

    The box (:func:`course.lessons.exercises.exercise`) keeps answers in ``my-answers.json`` beside the notebook,
    by exercise id; the cell names its exercise id in its call.
    """
    import json
    import re

    import nbformat

    try:
        kept = json.loads((path.parent / "my-answers.json").read_text(encoding="utf-8"))
    except (OSError, ValueError):
        kept = {}
    found = {}
    for cell in nbformat.read(path, as_version=4).cells:
        call = re.search(r'exercise\("([^"]+)", specs="%s"\)' % re.escape(WRITTEN_FILE), cell.source)
        if call and cell.cell_type == "code":
            found[cell.metadata.get("nbgrader", {}).get("grade_id", call.group(1))] = bool(str(kept.get(call.group(1), "")).strip())
    return found


def differences(nb, practice_id: str, items: dict[str, dict]) -> list[str]:
    found, problems = set(), []
    for cell in nb.cells:
        grade_id = cell.metadata.get("nbgrader", {}).get("grade_id")
        if grade_id not in items:
            continue
        found.add(grade_id)
        if cell.source != check_cell_source(practice_id, items[grade_id]):
            problems.append(f"{grade_id}: the check cell is not the one its key generates")
        if cell.metadata.get("course") != course_metadata(items[grade_id]):
            problems.append(f"{grade_id}: metadata.course differs from the key")
    problems += [f"{g}: in the key but not in the notebook" for g in sorted(set(items) - found)]
    return problems


def sync(nb, practice_id: str, items: dict[str, dict]):
    for cell in nb.cells:
        grade_id = cell.metadata.get("nbgrader", {}).get("grade_id")
        if grade_id in items:
            cell.source = check_cell_source(practice_id, items[grade_id])
            cell.metadata["course"] = course_metadata(items[grade_id])
    return nb


def student_copy(practice_id: str):
    """The learner's edition of a practice set: solutions cleared by nbgrader's own preprocessor."""
    import copy

    import nbformat
    from nbgrader.preprocessors import ClearSolutions

    from course.grading.keys.answers import ANSWER_STUB

    release = copy.deepcopy(nbformat.read(notebook_path(practice_id), as_version=4))
    release, _ = ClearSolutions(code_stub=ANSWER_STUB).preprocess(release, {"language": "python"})
    return release


def main(argv: list[str] | None = None) -> int:
    import nbformat

    argv = list(sys.argv[1:] if argv is None else argv)
    status = 0
    for practice_id in [a for a in argv if not a.startswith("--")] or practice_ids():
        path = notebook_path(practice_id)
        nb = nbformat.read(path, as_version=4)
        items = load(practice_id)
        if "--write" in argv:
            nbformat.write(sync(nb, practice_id, items), path)
            print(f"{practice_id}: {len(items)} check cells written from {KEY_FILE}")
            continue
        for problem in differences(nb, practice_id, items):
            print(f"{practice_id} {problem}")
            status = 1
    return status


if __name__ == "__main__":
    raise SystemExit(main())


def copy_to(root: Path | str, *, assignments: bool = False) -> list[str]:
    """Copy the learner's edition of each practice set (notebook, key, packets) into ``root/<id>/``; with
    ``assignments``, also the student edition of every graded assignment (solutions and hidden tests cleared, as
    nbgrader releases it). A folder that already holds its notebook is kept as the learner left it; returns the
    ids copied."""
    import shutil

    import nbformat

    from course import paths
    from course.grading import classdir

    def released(assignment_id):
        from course.grading.run import demo

        return demo.source_and_release(assignment_id)[1]

    try:
        if not classdir.MANIFEST.is_file():
            return []  # an installed kit (the wheel) ships no assignments: the lessons alone are copied
    except PermissionError:
        # A hub student: the kit's assignments/ is the graders' (solutions, hidden tests); their server must
        # still start, with the lessons (course-singleuser runs `course start --no-lab` before JupyterLab).
        return []
    copied = []
    editions = [(pid, student_copy) for pid in practice_ids()]
    if assignments:
        editions += [(aid, released) for aid in classdir.assignment_ids()]
    for assignment_id, edition in editions:
        folder = Path(root) / assignment_id
        target = folder / f"{assignment_id}.ipynb"
        if target.exists():
            continue
        folder.mkdir(parents=True, exist_ok=True)
        nbformat.write(edition(assignment_id), target)
        for name in (KEY_FILE, WRITTEN_FILE, "packets.json"):
            source = paths.assignments_dir() / assignment_id / name
            if source.is_file() and (name == "packets.json" or assignment_id in practice_ids()):
                shutil.copy(source, folder / name)
        copied.append(assignment_id)
    return copied
