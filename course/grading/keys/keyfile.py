"""The instructor-only answer keys (``bank/keys/<assignment>.toml``) and the test cells generated from them.

One key file per assignment; one table per autograded value item, named by its grade id (``[q1-tests]``), the
shape ``course.grading.release.keyleaks`` reads too:

``answer``          the name the student assigns
``task_type``       what the item asks a student to do; every task type maps to one skill
``skill``           that skill (``course.evidence.skills``)
``kind``            the answer's kind (``course.grading.keys.check.KINDS``)
``accepted_form``   the form, in the words the answer cell shows
``choices`` / ``prefixes`` + ``example`` / ``section`` + ``max_chars``
                    the kind's visible fields (labels; id prefixes; a span's section and length)
``hint``            what a student reads when the value is wrong (never the answer)
``accepted``        ``[{value, why}]``: every accepted answer, each with a one-line rationale
``near_misses``     ``[{value, why}]``: values the key rejects, and why
``decision``        where experts could disagree: what was decided, and why
``identifiers``     words or ids that identify the item (read by the bank's leak test)
``giveaways``       facts that settle the item without judgement (read by the bank's leak test)

The test cells are *generated* from the key (:func:`grade_cell_source`), so a hidden
test and its key cannot disagree: ``python -m course.grading.keys.keyfile
--write`` rewrites the notebooks' test cells, ``--check`` (and the tests) fail
when a notebook differs from its key.
"""

from __future__ import annotations

import sys
import tomllib
from pathlib import Path

from course import paths

#: The bank's key folder: instructor-only, never released, never in a student image.
KEYS_DIR = paths.REPO_ROOT / "bank" / "keys"
REQUIRED = ("grade_id", "answer", "task_type", "skill", "kind", "accepted_form", "hint", "accepted", "near_misses",
            "identifiers", "giveaways")
#: The visible fields of each kind, passed to the checker by both halves of the test cell.
SPEC_FIELDS = {"label": ("choices",), "id": ("prefixes", "example"), "date": (), "number": (), "bool": (),
               "span": ("section", "max_chars")}
VISIBLE_HEADER = "# Visible checks: the form of your answer (the value itself is checked when you submit)."


class KeyError_(ValueError):
    """A key file is missing a field or disagrees with itself."""


def key_path(assignment_id: str) -> Path:
    return KEYS_DIR / f"{assignment_id}.toml"


def assignments_with_keys() -> list[str]:
    return sorted(p.stem for p in KEYS_DIR.glob("*.toml"))


def load(assignment_id: str) -> dict[str, dict]:
    """The items of one key file by grade id; KeyError_ names a missing field or a bad value."""
    data = tomllib.loads(key_path(assignment_id).read_text(encoding="utf-8"))
    items = {}
    for grade_id, item in data.items():
        item = {"grade_id": grade_id, **item}
        missing = [f for f in REQUIRED if f not in item]
        if missing:
            raise KeyError_(f"{assignment_id} {item.get('grade_id')}: missing {', '.join(missing)}")
        if item["kind"] not in SPEC_FIELDS:
            raise KeyError_(f"{assignment_id} {item['grade_id']}: unknown kind {item['kind']!r}")
        for entry in item["accepted"] + item["near_misses"]:
            if "value" not in entry or not str(entry.get("why", "")).strip():
                raise KeyError_(f"{assignment_id} {item['grade_id']}: every accepted value and near miss needs a why")
        if not item["accepted"] or not item["identifiers"] or not item["giveaways"]:
            raise KeyError_(f"{assignment_id} {item['grade_id']}: accepted, identifiers and giveaways must not be empty")
        items[item["grade_id"]] = item
    return items


def spec(item: dict) -> dict:
    """The checker's keyword arguments for ``item`` (its visible fields), in a fixed order."""
    out = {"accepted_form": item["accepted_form"]}
    for field in SPEC_FIELDS[item["kind"]]:
        if field in item:
            out[field] = item[field]
    return out


def accepted_values(item: dict) -> list:
    return [entry["value"] for entry in item["accepted"]]


def _call(name: str, item: dict, extra: dict) -> str:
    arguments = {**extra, **spec(item)}
    rendered = ", ".join(f"{key}={value!r}" for key, value in arguments.items())
    return f"{name}({item['answer']}, {item['kind']!r}, {rendered})"


def grade_cell_source(item: dict) -> str:
    """The test cell of ``item``: the visible form check and the hidden value check, one checker for both."""
    return "\n".join([
        VISIBLE_HEADER,
        "from course.grading.keys.check import check_form",
        _call("check_form", item, {}),
        "### BEGIN HIDDEN TESTS",
        "from course.grading.keys.check import judge as _judge",
        _call("_judge", item, {"accepted": accepted_values(item), "hint": item["hint"]}),
        "### END HIDDEN TESTS",
    ])


def course_metadata(item: dict, old: dict) -> dict:
    """The grade cell's ``metadata.course`` for ``item``: the key's fields over the notebook's own (assesses, lookup...)."""
    meta = {k: v for k, v in old.items() if k not in ("choices", "prefixes", "example", "section", "max_chars")}
    meta.update(answer=item["answer"], kind=item["kind"], skill=item["skill"], task_type=item["task_type"],
                accepted_form=item["accepted_form"])
    if "choices" in item:
        meta["choices"] = list(item["choices"])
    return dict(sorted(meta.items()))


def differences(nb, items: dict[str, dict]) -> list[str]:
    """Where the notebook's test cells differ from the keys (empty when they agree)."""
    found, problems = set(), []
    for cell in nb.cells:
        grade_id = cell.metadata.get("nbgrader", {}).get("grade_id")
        if grade_id not in items:
            if cell.cell_type == "code" and cell.metadata.get("nbgrader", {}).get("grade") \
                    and cell.metadata.get("course", {}).get("answer"):
                problems.append(f"{grade_id}: a value item without a key")
            continue
        found.add(grade_id)
        item = items[grade_id]
        if cell.source != grade_cell_source(item):
            problems.append(f"{grade_id}: the test cell is not the one its key generates")
        if cell.metadata.get("course") != course_metadata(item, cell.metadata.get("course", {})):
            problems.append(f"{grade_id}: metadata.course differs from the key")
    problems += [f"{g}: in the key but not in the notebook" for g in sorted(set(items) - found)]
    return problems


def sync(nb, items: dict[str, dict]):
    """Rewrite ``nb``'s keyed test cells (source and course metadata) from ``items``; return ``nb``."""
    for cell in nb.cells:
        grade_id = cell.metadata.get("nbgrader", {}).get("grade_id")
        if grade_id in items:
            cell.source = grade_cell_source(items[grade_id])
            cell.metadata["course"] = course_metadata(items[grade_id], cell.metadata.get("course", {}))
    return nb


def main(argv: list[str] | None = None) -> int:
    """``--write`` rewrites the notebooks' test cells from the keys; ``--check`` (default) reports differences."""
    import nbformat

    argv = list(sys.argv[1:] if argv is None else argv)
    write = "--write" in argv
    chosen = [a for a in argv if not a.startswith("--")] or assignments_with_keys()
    status = 0
    for assignment_id in chosen:
        path = paths.assignments_dir() / assignment_id / f"{assignment_id}.ipynb"
        nb = nbformat.read(path, as_version=4)
        items = load(assignment_id)
        if write:
            nbformat.write(sync(nb, items), path)
            print(f"{assignment_id}: {len(items)} test cells written from bank/keys")
            continue
        for problem in differences(nb, items):
            print(f"{assignment_id} {problem}")
            status = 1
    return status


if __name__ == "__main__":
    raise SystemExit(main())
