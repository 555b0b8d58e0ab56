"""The command line: ``python -m course VERB`` (also installed as ``course``).

Thin by design: each verb parses its options and calls one documented
function of the package, the same function notebooks and tests call. Heavy
libraries are imported inside the verbs so that ``--help`` stays fast.
"""

from __future__ import annotations

import argparse
import sys

from course import __version__


def _cmd_check(args: argparse.Namespace) -> int:
    from course.evidence.check import format_report, run_checks

    problems = run_checks()
    print(format_report(problems), file=sys.stderr if problems else sys.stdout)
    return 1 if problems else 0


def _cmd_document(args: argparse.Namespace) -> int:
    from course.document.summary import document_summary

    print(document_summary())
    return 0


def _cmd_export(args: argparse.Namespace) -> int:
    if args.format == "lessons-html":
        from course.lessons.manifest import export_html

        pages = export_html(args.output or "lessons-html")
        print(f"wrote {len(pages)} lesson pages to {args.output or 'lessons-html'}", file=sys.stderr)
        return 0
    from course.evidence.claimreview import write_claim_reviews

    count, text = write_claim_reviews(args.output, base_url=args.base_url, include_assessed=args.include_assessed)
    if args.output is None:
        print(text)
    else:
        print(f"wrote {count} ClaimReview records to {args.output}", file=sys.stderr)
    return 0


def _cmd_build(args: argparse.Namespace) -> int:
    from course import paths
    from course.build import runner
    from course.build.steps import STEPS

    if args.list:
        for step in STEPS:
            print(f"{step.name:16} {step.what}\n{'':16} reads {', '.join(step.inputs)}; writes {', '.join(step.outputs)}")
        return 0
    if args.check:
        stale = runner.check(STEPS, args.steps)
        for line in stale:
            print(line, file=sys.stderr)
        print(f"{len(stale)} generated file(s) stale" if stale else "every generated file is up to date",
              file=sys.stderr if stale else sys.stdout)
        return 1 if stale else 0
    written = runner.build(STEPS, args.steps)
    for step_name, path in written:
        print(f"{step_name}: wrote {paths.display(path)}")
    print(f"{len(written)} file(s) rewritten; the rest were up to date")
    return 0


# --- grading verbs: thin wrappers over course.grading.run.verbs, course.grading.run.demo and course.grading.selfcheck ---------------------

def _grading(run):
    """Run a grading verb; a GradingError becomes one line on stderr and exit status 2."""

    def wrapper(args: argparse.Namespace) -> int:
        from course.grading.classdir import GradingError

        try:
            return run(args)
        except GradingError as exc:
            print(f"course {args.verb}: error: {exc}", file=sys.stderr)
            return 2

    return wrapper


def _class_dir(args: argparse.Namespace):
    from pathlib import Path

    return Path(args.class_dir) if args.class_dir else None


@_grading
def _cmd_release(args: argparse.Namespace) -> int:
    from course.grading.run.verbs import release

    released = release(args.assignment, due=args.due, class_dir=_class_dir(args))
    print(f"released {len(released)} assignment(s): {', '.join(released)}")
    return 0


@_grading
def _cmd_collect(args: argparse.Namespace) -> int:
    from course.grading.run.verbs import collect

    refused: list[str] = []
    for assignment_id, students in collect(args.assignment, class_dir=_class_dir(args), refused=refused,
                                           trust_student_timestamps=args.trust_timestamps).items():
        print(f"{assignment_id}: {len(students)} submission(s) collected")
    for line in refused:
        print(f"REFUSED: {line}", file=sys.stderr)
    return 1 if refused else 0


@_grading
def _cmd_autograde(args: argparse.Namespace) -> int:
    from course.grading.run.verbs import autograde

    def show(result) -> None:  # one line per submission as it completes (logs, and a killed run's record)
        print(result.line(), flush=True)

    class_dir = _class_dir(args)
    report = autograde(args.assignment, student=args.student, class_dir=class_dir, jobs=args.jobs,
                       sandbox=args.sandbox, scheduler=args.scheduler, resume=not args.no_resume, force=args.force,
                       backup=not args.no_backup, db_url=args.db_url, cell_timeout=args.cell_timeout,
                       notebook_timeout=args.notebook_timeout, progress=False, on_result=show)
    print()
    print(report.table())
    return 1 if report.failed() or report.refused else 0


@_grading
def _cmd_feedback(args: argparse.Namespace) -> int:
    from course.grading.run.verbs import feedback

    files = feedback(args.assignment, student=args.student, class_dir=_class_dir(args))
    print(f"wrote and released {len(files)} feedback file(s)")
    return 0


@_grading
def _cmd_grades(args: argparse.Namespace) -> int:
    from course.grading.run.verbs import grades

    report = grades(args.assignment, class_dir=_class_dir(args), csv_path=args.csv, figure_path=args.figure)
    print(f"LMS import (Canvas CSV): {report.csv_path}\nfigure: {report.figure_path} (alt text: {report.alt_text_path})\n")
    print(report.table())
    return 0


@_grading
def _cmd_demo(args: argparse.Namespace) -> int:
    from course.grading.run.demo import run_demo

    from course.grading.run.demo import CLASS

    result = run_demo(class_dir=_class_dir(args), assignment=args.assignment, students=CLASS)
    seconds = result.seconds
    students = len({i.student_id for i in result.intents})
    print(f"Demo class: {result.class_dir} ({students} synthetic students, {result.submissions} submissions)")
    print(f"feedback: {len(result.feedback_files)} HTML files under {result.class_dir / 'feedback'}")
    print(f"LMS import (Canvas CSV): {result.report.csv_path}")
    print(f"figure: {result.report.figure_path} (alt text: {result.report.alt_text_path})")
    print(f"time: {seconds['total']:.0f} s in all; autograde {seconds['autograde']:.0f} s "
          f"({seconds['autograde'] / max(1, result.submissions):.1f} s per submission)\n")
    print(result.report.table())
    if result.item_report is not None:
        print(f"\nitem analysis: {result.item_report.csv_path}; figure: {result.item_report.figure_path}\n")
        print(result.item_report.table())
    return 0


@_grading
def _cmd_report(args: argparse.Namespace) -> int:
    from course.grading.reports.itemreport import report

    result = report(args.assignment, class_dir=_class_dir(args))
    print(f"item analysis: {result.csv_path}\nfigure: {result.figure_path} (alt text: {result.alt_text_path})")
    # The count first, so an instructor knows before the tables whether anything needs a look.
    print(f"items to review: {len(result.to_review())} of {len(result.items)}\n")
    print(result.table())
    return 0


@_grading
def _cmd_selfcheck(args: argparse.Namespace) -> int:
    from course.grading.selfcheck import run_selfcheck

    print(run_selfcheck(args.notebook).table())
    return 0


def _cmd_start(args: argparse.Namespace) -> int:
    from pathlib import Path

    from course.grading.keys.practice import copy_to
    from course.lessons.workspace import DEFAULT_WORKSPACE, start

    root = Path(args.workspace or DEFAULT_WORKSPACE).resolve()
    if not root.is_file():
        copied = copy_to(root, assignments=args.assignments)
        if copied:
            print(f"Copied into {root}: {', '.join(copied)} (each in its own folder)")
    extra = (("--no-browser",) if args.no_browser else ()) + ((f"--ServerApp.port={args.port}",) if args.port else ())
    return start(args.workspace, open_lab=not args.no_lab, extra_args=extra)


def _positive_int(text: str) -> int:
    try:
        value = int(text)
    except ValueError:
        value = 0
    if value < 1:
        raise argparse.ArgumentTypeError(f"expected a whole number of at least 1, got {text!r}")
    return value


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="course",
        description="Course kit: source evaluation through a primary document on the 2020 coup in Mali.",
    )
    parser.add_argument("--version", action="version", version=f"%(prog)s {__version__}")
    verbs = parser.add_subparsers(dest="verb", metavar="VERB")
    verbs.required = True

    check = verbs.add_parser("check", help="validate everything under data/ and report every problem")
    check.set_defaults(run=_cmd_check)

    document = verbs.add_parser("document", help="print the document's sections, word counts and citations")
    document.set_defaults(run=_cmd_document)

    export = verbs.add_parser("export", help="export the verdicts as ClaimReview JSON-LD, or the lessons as static HTML")
    export.add_argument("format", choices=["claimreview", "lessons-html"],
                        help="claimreview: schema.org ClaimReview JSON-LD, one record per checkable claim; "
                             "lessons-html: every lesson executed and saved as a static HTML page")
    export.add_argument("-o", "--output", help="claimreview: file to write (default: stdout); lessons-html: folder (default: lessons-html)")
    export.add_argument("--base-url", default="claims.csv", help="where the reviews are published; each record's url is BASE#claim_id (default: %(default)s)")
    export.add_argument("--include-assessed", action="store_true",
                        help="claimreview: also publish the verdicts graded work assesses (the answer key; left out by default)")
    export.set_defaults(run=_cmd_export)

    build = verbs.add_parser("build", help="regenerate every generated file (evidence tables, data dictionary, packets, "
                                           "test cells, module tree), or --check that none is stale")
    build.add_argument("steps", nargs="*", metavar="STEP", help="only these steps (default: all, in order; see --list)")
    build.add_argument("--check", action="store_true", help="write nothing; print one line per stale output and exit 1")
    build.add_argument("--list", action="store_true", help="print the steps, what each reads and writes")
    build.set_defaults(run=_cmd_build)

    def grading_verb(name: str, help_text: str, run, *, student: bool = False, class_default: str = "class/, or $COURSE_CLASS_DIR"):
        verb = verbs.add_parser(name, help=help_text)
        verb.add_argument("assignment", nargs="?", default="all", help="an assignment id from assignments/, or 'all' (default)")
        if student:
            verb.add_argument("--student", help="only this student id (default: every student)")
        verb.add_argument("--class-dir", help=f"the class folder (default: {class_default})")
        verb.set_defaults(run=run)
        return verb

    release = grading_verb("release", "build the student version of assignments and release it to the exchange", _cmd_release)
    release.add_argument("--due", help="due date, ISO 8601 (e.g. 2025-03-14T17:00; no offset means UTC)")
    collect = grading_verb("collect", "collect submissions from the exchange into class/submitted", _cmd_collect)
    collect.add_argument("--trust-timestamps", action="store_true",
                         help="take each timestamp.txt as the submission time (an exchange restored from a backup, whose "
                              "files all carry the restore's time); otherwise the time the files were written counts")
    from course.grading.settings import CELL_TIMEOUT, NOTEBOOK_TIMEOUT  # the defaults, declared once

    autograde = grading_verb("autograde", "autograde collected submissions in parallel, sandboxed (manual grades are kept)",
                             _cmd_autograde, student=True)
    autograde.add_argument("--jobs", type=_positive_int, help="worker processes (default: one per CPU; 1: no workers)")
    autograde.add_argument("--sandbox", choices=["auto", "required", "off"], default="auto",
                           help="auto: bubblewrap sandbox if it works here, else resource limits only with a loud warning; "
                                "required: refuse without it; off: stock nbgrader execution (default: %(default)s)")
    autograde.add_argument("--scheduler", help="a Dask scheduler address (tcp://HOST:8786): grade on the cluster "
                                               "(needs a PostgreSQL gradebook and the class folder on shared storage)")
    autograde.add_argument("--db-url", help="the gradebook, e.g. postgresql://grader@db/course (default: $COURSE_DB_URL, "
                                            "else <class>/gradebook.db)")
    autograde.add_argument("--force", action="store_true", help="regrade every submission, even those already graded")
    autograde.add_argument("--no-resume", action="store_true",
                           help="regrade submissions already graded since they were submitted (same as --force)")
    autograde.add_argument("--no-backup", action="store_true", help="do not copy the gradebook to <class>/backups first")
    autograde.add_argument("--cell-timeout", type=_positive_int, help=f"seconds per cell (default: {CELL_TIMEOUT})")
    autograde.add_argument("--notebook-timeout", type=_positive_int, default=NOTEBOOK_TIMEOUT,
                           help="seconds per notebook before its kernel is killed (default: %(default)s)")
    grading_verb("feedback", "write HTML feedback without hidden tests and release it to students", _cmd_feedback, student=True)
    grades = grading_verb("grades", "export grades (Canvas CSV), print a summary table and draw the distribution", _cmd_grades)
    grades.add_argument("--csv", help="where to write the LMS CSV (default: <class>/grades/grades.csv)")
    grades.add_argument("--figure", help="where to write the PNG (default: <class>/grades/grade-distribution.png)")
    grading_verb("report", "item analysis: facility and discrimination per item, skills per student and class; CSV and figure",
                 _cmd_report)
    grading_verb("demo", "the whole round trip on a generated class of synthetic students", _cmd_demo,
                 class_default="class/demo, rebuilt on every run")
    selfcheck = verbs.add_parser("selfcheck", help="check your own copy of an assignment: which answers are missing or in the wrong form (never whether they are right)")
    selfcheck.add_argument("notebook", help="path of your saved notebook")
    selfcheck.set_defaults(run=_cmd_selfcheck)
    start = verbs.add_parser("start", help="students: copy the lessons into your own workspace and open JupyterLab there")
    start.add_argument("workspace", nargs="?", help="the workspace folder (default: my-work/ in the kit's checkout, "
                       "~/course-workspace for an installed kit)")
    start.add_argument("--no-lab", action="store_true", help="create or top up the workspace only")
    start.add_argument("--no-browser", action="store_true", help="start JupyterLab without opening a browser (open the printed link)")
    start.add_argument("--port", type=_positive_int, help="the port JupyterLab listens on (default: 8888, or the next free one)")
    start.add_argument("--assignments", action="store_true", help="self-study: also copy the student edition of every "
                       "problem set (the practice set is always copied)")
    start.set_defaults(run=_cmd_start)
    return parser


def main(argv: list[str] | None = None) -> int:
    """Run the command line; return the exit status."""
    parser = build_parser()
    args = parser.parse_args(argv)
    from course.grading.patches import defer_rfc3987_syntax

    defer_rfc3987_syntax()  # 1.9 s of every grading command's start-up, for checks nothing here makes
    try:
        return args.run(args)
    except BrokenPipeError:  # e.g. `python -m course export claimreview | head`
        import os

        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
        return 0
    except KeyboardInterrupt:
        print("interrupted", file=sys.stderr)
        return 130
    except Exception as exc:  # one readable line instead of a traceback; --debug-free by design
        from course.errors import is_user_error

        if not is_user_error(exc):
            raise
        print(f"course {args.verb}: error: {exc}", file=sys.stderr)
        return 2
