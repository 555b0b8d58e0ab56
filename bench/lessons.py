"""Run All time of each lesson against its floor, and the kernel's peak memory (not a test).

The floor of a lesson is what no lesson can avoid: a fresh kernel that imports
the libraries this lesson ends up using (the third-party ones found in the
kernel's ``sys.modules`` after the lesson ran, e.g. pandas, matplotlib,
ipywidgets) and runs the lesson's own import lines. The lesson's time is a
fresh kernel running every cell. Both run in a fresh process (nbclient,
python3 kernel), three times each, and the best time counts; the ratio is
lesson / floor (target: at most 2). Peak memory is the largest resident set
of the kernel process, read from getrusage after it exits.

Run: ``.venv/bin/python bench/lessons.py [LESSON_ID ...] [--repeat N]``.
"""

from __future__ import annotations

import argparse
import json
import re
import subprocess
import sys

#: Third-party libraries whose import a lesson may need (the floor imports the ones it used).
LIBRARIES = ("pandas", "numpy", "matplotlib", "matplotlib.figure", "matplotlib.backends.backend_agg", "ipywidgets",
             "IPython.display", "nbformat", "frictionless")

RUNNER = r'''
import json, resource, sys, tempfile, time
import nbformat
from nbclient import NotebookClient
nb = nbformat.reads(sys.stdin.read(), as_version=4)
start = time.perf_counter()
with tempfile.TemporaryDirectory() as scratch:
    NotebookClient(nb, timeout=300, kernel_name="python3", resources={"metadata": {"path": scratch}}).execute()
seconds = time.perf_counter() - start
last = nb.cells[-1].get("outputs", [])
loaded = json.loads(last[0]["text"]) if last and last[0].get("name") == "stdout" else []
print(json.dumps({"seconds": seconds, "kernel_peak_mib": resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024,
                  "loaded": loaded}))
'''

PROBE = "import json, sys\nprint(json.dumps([m for m in {libraries!r} if m in sys.modules]))"


def _run(notebook) -> dict:
    import nbformat

    result = subprocess.run([sys.executable, "-c", RUNNER], input=nbformat.writes(notebook), capture_output=True, text=True, check=True)
    return json.loads(result.stdout.strip().splitlines()[-1])


def import_lines(notebook) -> list[str]:
    """The lesson's own import statements (single-line ``import``/``from ... import``), in order, without repeats."""
    lines: list[str] = []
    for cell in notebook.cells:
        if cell.cell_type == "code":
            for line in cell.source.splitlines():
                if re.match(r"(from\s+\S+\s+)?import\s", line) and line not in lines:
                    lines.append(line)
    return lines


def measure(item, repeat: int) -> dict:
    import nbformat

    lesson = nbformat.read(item.path, as_version=4)
    lesson.cells.append(nbformat.v4.new_code_cell(PROBE.format(libraries=LIBRARIES)))
    runs = [_run(lesson) for _ in range(repeat)]
    used = runs[0]["loaded"]
    floor_source = "\n".join([f"import {name}" for name in used] + import_lines(lesson))
    floor = nbformat.v4.new_notebook(cells=[nbformat.v4.new_code_cell(floor_source), nbformat.v4.new_code_cell("pass")],
                                     metadata=lesson.metadata)
    floors = [_run(floor) for _ in range(repeat)]
    best, best_floor = min(r["seconds"] for r in runs), min(r["seconds"] for r in floors)
    return {"lesson": item.file, "seconds": best, "floor": best_floor, "ratio": best / best_floor,
            "kernel_peak_mib": max(r["kernel_peak_mib"] for r in runs), "libraries": used}


def main(argv: list[str] | None = None) -> None:
    from course.lessons import manifest as lessons

    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("lessons", nargs="*", help="lesson ids (default: all)")
    parser.add_argument("--repeat", type=int, default=3, help="runs of each notebook; the best counts (default: %(default)s)")
    args = parser.parse_args(argv)
    selected = [lessons.lesson(i) for i in args.lessons] if args.lessons else lessons.lessons()
    print(f"{'lesson':<36} {'Run All s':>9} {'floor s':>8} {'ratio':>6} {'kernel MiB':>11}")
    for item in selected:
        row = measure(item, args.repeat)
        flag = "" if row["ratio"] <= 2 else "  (over 2x)"
        print(f"{row['lesson']:<36} {row['seconds']:>9.2f} {row['floor']:>8.2f} {row['ratio']:>6.2f} {row['kernel_peak_mib']:>11.0f}{flag}")


if __name__ == "__main__":
    main()
