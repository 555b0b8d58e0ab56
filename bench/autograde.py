"""Autograding throughput: ``python -m course autograde`` against stock ``nbgrader autograde`` and a bare floor.

Not a test: it prints a table to read against the targets in bench/README.md.
One run, on this machine:

1. builds a synthetic class of N submissions (default 50) of one assignment
   from the released notebook and the source's solutions (mostly perfect
   and partial answers, some that raise, one in ten empty; no hostile ones);
2. grades one copy with stock ``nbgrader autograde ASSIGNMENT`` (one CLI
   process, one submission after the other) and another copy with
   ``python -m course autograde ASSIGNMENT --jobs CORES``, checks that every
   score in the two gradebooks is identical, and prints the throughput ratio;
3. measures the floor: the same graded notebooks (hidden tests restored, as
   nbgrader ran them) executed with nbclient alone, a fresh kernel each, with
   as many worker processes as the course run had jobs, no nbgrader, no sandbox;
4. with ``--scaling``, grades fresh classes of 50, 200 and 1000 submissions
   with ``python -m course autograde`` and prints seconds per submission.

Run: ``python bench/autograde.py [--students N] [--jobs J] [--scaling] [--keep]``.
"""

from __future__ import annotations

import argparse
import datetime as dt
import os
import platform
import shutil
import subprocess
import sys
import tempfile
import time
from concurrent.futures import ProcessPoolExecutor
from pathlib import Path

REPO_ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO_ROOT))

ASSIGNMENT = "ps1-provenance-and-citations"
#: Behaviours of course.grading.run.demo, cycled over the synthetic students: mostly perfect and partial work.
MIX = ("perfect", "partial", "perfect", "partial", "partial", "perfect", "raises", "partial", "syntax-error", "empty")
SCALING_SIZES = (50, 200, 1000)


# --- the machine -------------------------------------------------------------------------------------------

def machine() -> str:
    """Cores, CPU model, memory, Python, nbgrader, and whether the sandbox works here."""
    from importlib.metadata import version

    from course.grading.sandbox.bwrap import sandbox_available

    model = "unknown CPU"
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                model = line.split(":", 1)[1].strip()
                break
        memory = next(line.split()[1] for line in Path("/proc/meminfo").read_text().splitlines() if line.startswith("MemTotal"))
        memory = f"{int(memory) / 2**20:.0f} GiB RAM"
    except (OSError, StopIteration):
        memory = "unknown RAM"
    works, why = sandbox_available()
    return (f"{os.cpu_count()} cores ({model}), {memory}, {platform.system()} {platform.release()}; "
            f"Python {platform.python_version()}, nbgrader {version('nbgrader')}; "
            f"sandbox: {'bubblewrap' if works else 'NOT available: ' + why}")


# --- the synthetic class -----------------------------------------------------------------------------------

def clean_env(**extra: str) -> dict[str, str]:
    """The environment for a grading subprocess: no shared database, the environment's bin/ on PATH."""
    env = {k: v for k, v in os.environ.items() if k not in ("COURSE_DB_URL", "COURSE_CLASS_DIR")}
    env["PATH"] = str(Path(sys.executable).parent) + os.pathsep + env.get("PATH", "")
    env.update(extra)
    return env


def release_template(folder: Path) -> Path:
    """A class folder with the assignment released and a private SQLite gradebook; no submissions yet."""
    from course.grading.run import demo, verbs
    from course.grading.classdir import open_api

    api = open_api(folder, create=True, private_gradebook=True)
    verbs.release(ASSIGNMENT, due=demo.DUE, api=api)
    return folder


def make_class(template: Path, target: Path, count: int) -> dict[str, int]:
    """Copy the template and put ``count`` submissions in ``submitted/`` (nbgrader's layout, with timestamps).

    Returns how many submissions of each behaviour were written.
    """
    import nbformat

    from course.grading.run import demo
    from course.grading.classdir import source_notebook

    shutil.copytree(template, target)
    source_nb = nbformat.read(source_notebook(ASSIGNMENT), as_version=4)
    release_nb = nbformat.read(template / "release" / ASSIGNMENT / f"{ASSIGNMENT}.ipynb", as_version=4)
    built = {behaviour: demo.build_submission(source_nb, release_nb, behaviour)[0] for behaviour in set(MIX)}
    counts: dict[str, int] = {}
    for index in range(count):
        behaviour = MIX[index % len(MIX)]
        counts[behaviour] = counts.get(behaviour, 0) + 1
        folder = target / "submitted" / f"bench-{index:04d}" / ASSIGNMENT
        folder.mkdir(parents=True)
        nbformat.write(built[behaviour], folder / f"{ASSIGNMENT}.ipynb")
        when = demo.DUE - dt.timedelta(days=1, seconds=index)
        (folder / "timestamp.txt").write_text(when.strftime("%Y-%m-%d %H:%M:%S.%f %Z"), encoding="utf-8")
    return counts


def gradebook_scores(class_dir: Path) -> dict[str, tuple]:
    """student -> (total score, ((grade cell, score), ...)) for every submission in the class's gradebook."""
    from nbgrader.api import Gradebook

    scores = {}
    with Gradebook(f"sqlite:///{class_dir / 'gradebook.db'}") as book:
        for submission in book.find_assignment(ASSIGNMENT).submissions:
            grades = tuple(sorted((g.name, g.score) for nb in submission.notebooks for g in nb.grades))
            scores[submission.student.id] = (submission.score, grades)
    return scores


# --- the three ways to run the same notebooks ----------------------------------------------------------------

def timed(command: list[str], log: Path, **kwargs) -> float:
    """Run a command to completion, keep its output in ``log``, and return its wall-clock seconds.

    Stops the benchmark with the output if the command fails badly.
    """
    start = time.perf_counter()
    result = subprocess.run(command, capture_output=True, text=True, **kwargs)
    seconds = time.perf_counter() - start
    log.write_text(result.stdout + "\n--- stderr ---\n" + result.stderr, encoding="utf-8")
    if result.returncode not in (0, 1):  # course autograde exits 1 when some submission failed: still a result
        sys.exit(f"{' '.join(command)} failed ({result.returncode}):\n{result.stdout[-2000:]}\n{result.stderr[-2000:]}")
    return seconds


def stock_autograde(class_dir: Path) -> float:
    """Stock nbgrader: one CLI process, sequential, reading nbgrader_config.py pointed at class_dir."""
    # nbgrader_config.py sandboxes plain nbgrader; the baseline is nbgrader as shipped.
    return timed([sys.executable, "-m", "nbgrader", "autograde", ASSIGNMENT], class_dir / "bench-stock.log",
                 cwd=REPO_ROOT, env=clean_env(COURSE_CLASS_DIR=str(class_dir), COURSE_UNSANDBOXED_GRADING="I-understand"))


def course_autograde(class_dir: Path, jobs: int) -> float:
    """The kit: ``python -m course autograde`` with ``jobs`` workers (sandbox: auto)."""
    return timed([sys.executable, "-m", "course", "autograde", ASSIGNMENT, "--class-dir", str(class_dir),
                  "--jobs", str(jobs)], class_dir / "bench-course.log", cwd=REPO_ROOT, env=clean_env())


def course_failures(class_dir: Path) -> list[str]:
    """Lines of the kit's printed table for submissions that were not graded."""
    text = (class_dir / "bench-course.log").read_text(encoding="utf-8").split("--- stderr ---")[0]
    return [line for line in text.splitlines() if f" {ASSIGNMENT} " in line and " failed " in line]


def _noop(_):
    return None


def execute_bare(path: str) -> None:
    """The floor for one submission: a fresh kernel runs the graded notebook (outputs cleared) with nbclient alone."""
    import nbformat
    from nbclient import NotebookClient

    nb = nbformat.read(path, as_version=4)
    for cell in nb.cells:
        if cell.cell_type == "code":
            cell.outputs, cell.execution_count = [], None
    with tempfile.TemporaryDirectory(prefix="bench-floor-") as scratch:
        NotebookClient(nb, timeout=60, kernel_name="python3", allow_errors=True,
                       extra_arguments=["--IPKernelApp.log_level=ERROR"],
                       resources={"metadata": {"path": scratch}}).execute()


def floor(notebooks: list[Path], jobs: int) -> float:
    """Seconds to execute every notebook with ``jobs`` worker processes (pool started and warmed first)."""
    with ProcessPoolExecutor(max_workers=jobs) as pool:
        list(pool.map(_noop, range(jobs)))
        start = time.perf_counter()
        list(pool.map(execute_bare, [str(p) for p in notebooks]))
        return time.perf_counter() - start


# --- the report --------------------------------------------------------------------------------------------

def row(label: str, jobs: int, seconds: float, count: int) -> str:
    return f"{label:<44} {jobs:>4} {seconds:>9.1f} {seconds / count:>13.2f} {count / seconds:>14.2f}"


def compare(students: int, jobs: int, work: Path) -> None:
    """Part (a) and (b): stock vs the kit, scores identical, and the floor."""
    template = release_template(work / "template")
    counts = {}
    for name in ("stock", "course"):
        counts = make_class(template, work / name, students)
    mix = ", ".join(f"{n} {b}" for b, n in sorted(counts.items(), key=lambda item: -item[1]))
    print(f"class: {students} submissions of {ASSIGNMENT} ({mix})\n")

    stock = stock_autograde(work / "stock")
    course = course_autograde(work / "course", jobs)
    graded = sorted((work / "stock" / "autograded").glob(f"*/{ASSIGNMENT}/{ASSIGNMENT}.ipynb"))
    bare = floor(graded, jobs)

    stock_scores, course_scores = gradebook_scores(work / "stock"), gradebook_scores(work / "course")
    differing = sorted(s for s in set(stock_scores) | set(course_scores) if stock_scores.get(s) != course_scores.get(s))
    print(f"{'run':<44} {'jobs':>4} {'seconds':>9} {'s/submission':>13} {'submissions/s':>14}")
    print(row("stock `nbgrader autograde` (sequential)", 1, stock, students))
    print(row("`python -m course autograde`", jobs, course, students))
    print(row("floor: nbclient only, same notebooks", jobs, bare, len(graded)))
    print()
    same = not differing and len(stock_scores) == students
    print(f"scores identical:              {'yes' if same else 'NO'} ({len(stock_scores)} stock, {len(course_scores)} course"
          f"{f'; {len(differing)} differ' if differing else ''})")
    for student in differing[:5]:
        print(f"  {student}: stock {stock_scores.get(student, ('-',))[0]}, course {course_scores.get(student, ('-',))[0]}")
    failures = course_failures(work / "course")
    if failures:
        print(f"  the kit did not grade {len(failures)}; first: {failures[0].strip()}")
    print(f"throughput course / stock:     {stock / course:.2f}x   (target >= 3x, with identical scores)")
    print(f"s/submission course / floor:   {(course / students) / (bare / len(graded)):.2f}x   (target <= 1.3x)")


def scaling(jobs: int, work: Path) -> None:
    """Part (c): seconds per submission for 50, 200 and 1000 submissions, and the 1000-vs-50 ratio."""
    template = work / "template"
    if not template.exists():
        release_template(template)
    print(f"\nscaling: `python -m course autograde --jobs {jobs}` on fresh classes\n")
    print(f"{'submissions':>11} {'seconds':>9} {'s/submission':>13}")
    per = {}
    for size in SCALING_SIZES:
        folder = work / f"scale-{size}"
        make_class(template, folder, size)
        seconds = course_autograde(folder, jobs)
        per[size] = seconds / size
        failures = course_failures(folder)
        note = f"   ({len(failures)} not graded; first: {failures[0].strip()})" if failures else ""
        print(f"{size:>11} {seconds:>9.1f} {per[size]:>13.2f}{note}", flush=True)
        shutil.rmtree(folder)
    print(f"\n{SCALING_SIZES[-1]} vs {SCALING_SIZES[0]} (s/submission): {per[SCALING_SIZES[-1]] / per[SCALING_SIZES[0]]:.2f}x"
          f"   (target <= 1.10x)")


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--students", type=int, default=50, help="submissions in the compared class (default 50)")
    parser.add_argument("--jobs", type=int, default=os.cpu_count() or 1, help="workers for the kit and the floor (default: cores)")
    parser.add_argument("--scaling", action="store_true", help="also grade 50, 200 and 1000 submissions")
    parser.add_argument("--scaling-only", action="store_true", help="only the scaling part")
    parser.add_argument("--keep", action="store_true", help="keep the work folder (its path is printed)")
    args = parser.parse_args(argv)
    if args.students < 1 or args.jobs < 1:
        parser.error("--students and --jobs must be at least 1")

    work = Path(tempfile.mkdtemp(prefix="bench-autograde-"))
    print(f"machine: {machine()}")
    print(f"started {dt.datetime.now().isoformat(timespec='seconds')}; work folder {work}\n", flush=True)
    try:
        if not args.scaling_only:
            compare(args.students, args.jobs, work)
        if args.scaling or args.scaling_only:
            scaling(args.jobs, work)
    finally:
        if args.keep:
            print(f"\nkept {work}")
        else:
            shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    main()
