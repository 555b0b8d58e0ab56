"""Every generated file of the kit: the one list of build steps, in the order they run.

A new generator is one entry in :data:`STEPS`: a name, a sentence, what it
reads, what it writes, and a ``render`` function returning {output path: text}
that reads its inputs and writes nothing (the wing that owns the work keeps the
function; this module only lists it). Put it after every step that writes one
of its inputs. The render functions below adapt the wings' own generators to
that shape; they import inside, so ``python -m course --help`` stays fast.
"""

from __future__ import annotations

from pathlib import Path

from course.build.runner import Step


def notebook_text(nb) -> str:
    """A notebook as ``nbformat.write`` puts it on disk (JSON, one final newline), so a render compares byte for byte."""
    import nbformat

    text = nbformat.writes(nb)
    return text if text.endswith("\n") else text + "\n"


def _desk_notes() -> dict[Path, str]:
    from course.evidence import desknotes

    return desknotes.render()


def _data_dictionary() -> dict[Path, str]:
    from course.evidence import datadoc

    return datadoc.render()


def _packets() -> dict[Path, str]:
    from course.grading.release import packets

    return {packets.packet_path(a): packets.render(a) for a in packets.spec()}


def _diagnostic() -> dict[Path, str]:
    from course.grading.release import diagnostic

    return {path: notebook_text(nb) for nb, path in map(diagnostic.build, diagnostic.FORMS)}


def _answer_keys() -> dict[Path, str]:
    """Every keyed notebook's test cells from ``bank/keys`` (the diagnostic's forms are the diagnostic step's)."""
    import nbformat

    from course import paths
    from course.grading.release import diagnostic
    from course.grading.keys import keyfile

    out = {}
    for assignment_id in keyfile.assignments_with_keys():
        if assignment_id not in diagnostic.FORMS:
            path = paths.assignments_dir() / assignment_id / f"{assignment_id}.ipynb"
            out[path] = notebook_text(keyfile.sync(nbformat.read(path, as_version=4), keyfile.load(assignment_id)))
    return out


def _practice_keys() -> dict[Path, str]:
    import nbformat

    from course.grading.keys import practice

    out = {}
    for practice_id in practice.practice_ids():
        path = practice.notebook_path(practice_id)
        out[path] = notebook_text(practice.sync(nbformat.read(path, as_version=4), practice_id, practice.load(practice_id)))
    return out


def _syllabus() -> dict[Path, str]:
    from course.lessons import manifest

    return manifest.render_syllabus()


def _module_tree() -> dict[Path, str]:
    from course.build import moduletree

    return moduletree.render()


STEPS: list[Step] = [
    Step("desk-notes", "the evidence tables from the fact-check desk's notes (pages only assessed rows cite go to bank/)",
         ("data/research/*.jsonl", "data/research/source_map.csv", "bank/evidence.csv"),
         ("data/evidence.csv", "data/evidence_facts.csv", "bank/evidence.csv", "bank/evidence_facts.csv"), _desk_notes),
    Step("data-dictionary", "the column dictionary and row counts in data/README.md",
         ("data/datapackage.json", "data/*.csv"), ("data/README.md",), _data_dictionary),
    Step("packets", "the source packets released with each problem set",
         ("bank/packets.toml", "bank/evidence.csv", "bank/evidence_facts.csv", "data/*.csv"),
         ("assignments/*/packets.json",), _packets),
    Step("diagnostic", "the diagnostic's two forms: setup, question and test cells",
         ("data/diagnostic_*.csv", "bank/keys/diagnostic-*.toml"), ("assignments/diagnostic-*/diagnostic-*.ipynb",),
         _diagnostic),
    Step("answer-keys", "the problem sets' test cells from their answer keys",
         ("bank/keys/*.toml",), ("assignments/*/*.ipynb",), _answer_keys),
    Step("practice-keys", "the practice set's check cells from its key", ("assignments/practice-*/key.toml",),
         ("assignments/practice-*/practice-*.ipynb",), _practice_keys),
    Step("syllabus", "the syllabus table in notebooks/README.md, from the lessons' manifest",
         ("notebooks/lessons.toml",), ("notebooks/README.md",), _syllabus),
    Step("module-tree", "the module tree in docs/architecture.md, from each module's docstring",
         ("course/**/*.py",), ("docs/architecture.md",), _module_tree),
]
