"""The instructor's grading round trip, one plain function per ``python -m course`` verb.

============  =====================================================================
``release``   build the student version of an assignment and put it in the exchange
``collect``   copy the students' submissions from the exchange into ``submitted/``
``autograde`` run every submission and record its scores in the gradebook
``feedback``  write HTML feedback (hidden tests removed) and release it to students
``grades``    export the gradebook for an LMS, print a table, draw the distribution
============  =====================================================================

Every step is nbgrader's own, called through one long-lived
:class:`nbgrader.apps.NbGraderAPI` (see :func:`course.grading.classdir.open_api`), so
nbgrader's start-up cost is paid once per run, not once per student. The class
folder comes from ``nbgrader_config.py``; each function takes ``class_dir`` to
work on another one, and ``api`` to reuse an API object between steps.

Every step can run twice: release replaces the student version, collect takes
only newer submissions, autograde regrades (nbgrader keeps manual grades and
comments), feedback and grades rewrite their files. Bad input raises
:class:`~course.grading.classdir.GradingError` with a one-line message and changes
nothing it was not asked to change.
"""

from __future__ import annotations

import datetime as dt
import warnings
from pathlib import Path

from course.grading.classdir import GradingError, open_api, require_class_dir, resolve_assignments
from course.grading.intake.ids import is_safe_id


def _progress(items, description: str, enabled: bool):
    """A tqdm progress bar on stderr (a plain iterator when disabled)."""
    if not enabled or not items:
        return items
    from tqdm import tqdm

    return tqdm(items, desc=description, unit="submission", leave=False)


def _release_feedback(api, assignment_id: str, student_id: str) -> list[str]:
    """Release one student's feedback through nbgrader; the problem (one line), if any."""
    with warnings.catch_warnings():
        # nbgrader 0.9 misspells a keyword (`authentictor`) when it releases feedback; harmless.
        warnings.simplefilter("ignore", DeprecationWarning)
        result = api.release_feedback(assignment_id, student_id)
    if result["success"]:
        return []
    return [f"{student_id}/{assignment_id}: feedback not released: {_first_error_line(result)}"]


def _first_error_line(result: dict) -> str:
    """The most useful line of a failed nbgrader call: its last error or log line."""
    for text in (result.get("error", ""), result.get("log", "")):
        lines = [line.strip() for line in text.splitlines() if line.strip()]
        if lines:
            return lines[-1]
    return "nbgrader reported a failure without a message"


def parse_due(due: str | dt.datetime | None) -> dt.datetime | None:
    """A due date as nbgrader stores it (naive UTC); strings are ISO 8601, naive means UTC."""
    if due is None or (isinstance(due, dt.datetime) and due.tzinfo is None):
        return due
    if isinstance(due, str):
        try:
            due = dt.datetime.fromisoformat(due)
        except ValueError:
            raise GradingError(f"due date {due!r} is not ISO 8601, e.g. 2025-03-14T17:00 (UTC) or 2025-03-14T17:00+01:00") from None
        if due.tzinfo is None:
            return due
    return due.astimezone(dt.timezone.utc).replace(tzinfo=None)


def release(assignment: str | list[str] = "all", *, due=None, class_dir: Path | None = None, api=None) -> list[str]:
    """Generate the student version of each assignment and release it to the exchange.

    ``due`` (ISO 8601 string or datetime; naive means UTC) is stored in the
    gradebook: submissions timestamped after it are reported late. Without
    ``due`` an existing due date is kept. Returns the released assignment ids.
    """
    ids = resolve_assignments(assignment)
    due = parse_due(due)
    api = api or open_api(class_dir, create=True)
    for assignment_id in ids:
        result = api.generate_assignment(assignment_id, force=True, create=True)
        if not result["success"]:
            raise GradingError(f"could not generate {assignment_id}: {_first_error_line(result)}")
        if due is not None:
            with api.gradebook as book:
                book.update_or_create_assignment(assignment_id, duedate=due)
        result = api.release_assignment(assignment_id)
        if not result["success"]:
            raise GradingError(f"could not release {assignment_id}: {_first_error_line(result)}")
    return ids


def collect(assignment: str | list[str] = "all", *, class_dir: Path | None = None, api=None,
            trust_student_timestamps: bool = False, refused: list[str] | None = None) -> dict[str, list[str]]:
    """Copy each student's latest acceptable submission from the exchange into ``submitted/``.

    Runs the exchange's collect step as ``nbgrader_config.py`` names it
    (:class:`course.grading.intake.collect.CourseCollect`): an entry is taken
    only from the account it names, at the time the file system saw it
    written, as regular files. Entries that fail are left where they are,
    replace nothing, and are listed one line each in ``refused`` (when a list
    is given) while the rest of the class is collected; without a list, any
    refusal is a :class:`GradingError` after the others were collected.
    ``trust_student_timestamps`` takes each ``timestamp.txt`` as the time (the
    demo class's made-up calendar). Returns, per assignment, the ids of the
    students with a collected submission.
    """
    from nbgrader.exchange import ExchangeError
    from nbgrader.utils import temp_attrs

    from course.grading.gradebook.store import require_released

    ids = resolve_assignments(assignment)
    api = api or open_api(class_dir)
    collected, problems = {}, []
    for assignment_id in ids:
        require_released(api.coursedir.db_url, api.course_id, [assignment_id])
        with temp_attrs(api.coursedir, assignment_id=assignment_id):
            step = api.exchange.Collect(coursedir=api.coursedir, authenticator=api.authenticator, parent=api)
            step.update = True
            if hasattr(step, "trust_student_timestamps"):
                step.trust_student_timestamps = trust_student_timestamps
            try:
                step.start()
            except ExchangeError as error:
                lines = list(getattr(step, "refused", []))
                if not lines:
                    raise GradingError(f"could not collect {assignment_id}: {str(error).splitlines()[0]}") from None
                problems.extend(lines)
        collected[assignment_id] = sorted(s for s in api.get_submitted_students(assignment_id) if is_safe_id(s))
    if refused is not None:
        refused.extend(problems)
    elif problems:
        raise GradingError(f"{len(problems)} inbound entr{'y' if len(problems) == 1 else 'ies'} not collected "
                           f"(the rest were): " + " | ".join(problems))
    return collected


def _submissions(class_dir, db_url: str, course_id: str, assignment_ids: list[str], student: str | None, *,
                 autograded: bool = False, allow_none: bool = False, refused: list[str] | None = None) -> list[tuple[str, str]]:
    """(assignment, student) pairs to work on (:func:`course.grading.intake.ids.submission_pairs`) of released
    assignments; an unknown student is a GradingError (unless ``allow_none``)."""
    from course.grading.gradebook.store import require_released
    from course.grading.intake.ids import submission_pairs

    pairs, everyone = submission_pairs(class_dir, assignment_ids, student,
                                       step="autograded" if autograded else "submitted", refused=refused)
    require_released(db_url, course_id, assignment_ids)
    if student is not None and not pairs and not allow_none:
        what = "an autograded submission" if autograded else "a submission"
        known = ", ".join(sorted(everyone)) or "none"
        raise GradingError(f"no student {student!r} with {what} of {', '.join(assignment_ids)}; students: {known}")
    return pairs


def autograde(assignment: str | list[str] = "all", *, student: str | None = None, class_dir: Path | None = None,
              api=None, progress: bool = True, jobs: int | None = None, sandbox: str = "auto", scheduler=None,
              resume: bool = True, force: bool = False, backup: bool = True, db_url: str | None = None,
              limits=None, cell_timeout: int | None = None, notebook_timeout: float | None = None, on_result=None):
    """Autograde every collected submission (or one student's) with nbgrader, in parallel and sandboxed.

    Each submission goes through nbgrader's own autograde pipeline and its
    scores land in the gradebook as stock ``nbgrader autograde`` writes them
    (see :mod:`course.grading.run.parallel` and :mod:`course.grading.preprocessors.sandboxed_execute`; the whole
    design, with measurements, is in ``docs/grading-at-scale.md``).

    ``jobs``: worker processes (None: one per CPU; 1: here, one after the
    other). ``sandbox``: "auto" runs student code in the bubblewrap sandbox
    when it works here and otherwise warns loudly (stderr and the report)
    and runs with resource limits only; "required" refuses to run without
    it; "off" is stock nbgrader execution. ``scheduler``: a Dask scheduler
    address or ``distributed.Client``, to grade on a cluster (needs a
    PostgreSQL gradebook). ``resume``: skip submissions already graded since
    they were last submitted (``force`` regrades everything). ``backup``:
    copy the gradebook to ``<class>/backups/`` first. ``db_url`` (or
    ``COURSE_DB_URL``) names the gradebook when no ``api`` is given.
    ``limits`` (:class:`course.grading.sandbox.bwrap.Limits`), ``cell_timeout`` and
    ``notebook_timeout`` (defaults: :mod:`course.grading.settings`)
    bound what one submission may use. ``on_result`` is called with each
    :class:`~course.grading.reports.autograde.SubmissionResult` as it completes.

    Regrading is safe: nbgrader overwrites only the automatic scores, so
    manual grades and comments stay. A submission that cannot be graded
    (unreadable notebook, ...) never stops the others: it is ``failed`` in
    the report with its reason, gets 0 in the gradebook flagged for a human,
    and its feedback says why. Returns an
    :class:`~course.grading.reports.autograde.AutogradeReport`; raises
    :class:`GradingError` (with the report as ``.report``) only when not one
    of the submissions asked for could be graded.
    """
    import sys
    import time

    from course.grading.gradebook import store
    from course.grading.reports.autograde import AutogradeReport, SubmissionResult
    from course.grading.run import parallel
    from course.grading.settings import run_settings

    if jobs is not None and (isinstance(jobs, bool) or not isinstance(jobs, int) or jobs < 1):
        raise GradingError(f"jobs must be a whole number of at least 1 (or None for one per CPU), got {jobs!r}")
    cpus = jobs or _cpu_count()
    # Worked out once, here; everything below (the gradebook, the workers, the sandbox) takes these settings.
    settings, warning = run_settings(class_dir, db_url=db_url, config=api.config if api is not None else None,
                                     sandbox=sandbox, cluster=scheduler is not None, limits=limits,
                                     cell_timeout=cell_timeout, notebook_timeout=notebook_timeout)
    ids = resolve_assignments(assignment)
    require_class_dir(Path(settings.class_dir))
    refused: list[str] = []
    pairs = _submissions(settings.class_dir, settings.db_url, settings.course_id, ids, student, refused=refused)
    store.check_writable(Path(settings.class_dir))
    warnings_ = [warning] if warning else []
    for line in warnings_:
        print(f"WARNING: {line}", file=sys.stderr, flush=True)

    started = time.perf_counter()
    backup_path = store.backup_gradebook(settings.db_url, Path(settings.class_dir)) if backup else None
    current = store.up_to_date(settings, pairs) if resume and not force else {}
    todo = [pair for pair in pairs if pair not in current]
    skipped = [SubmissionResult(a, s, "skipped", score=score, max_score=max_score, reason="already graded since it was submitted")
               for (a, s), (score, max_score) in sorted(current.items())]
    bar = None
    if progress and todo:
        from tqdm import tqdm

        bar = tqdm(total=len(todo), desc="autograde", unit="submission", leave=False)  # on stderr, counting completions

    finished: list = []

    def completed(result) -> None:
        finished.append(result)
        if bar is not None:
            bar.update(1)
        if on_result is not None:
            on_result(result)

    try:
        if scheduler is not None:
            results, workers = parallel.run_dask(settings, todo, scheduler, completed)
        else:
            workers = max(1, min(cpus, len(todo)))
            results = parallel.run_local(settings, todo, workers, completed)
    except KeyboardInterrupt:
        print(f"interrupted: {len(finished)} of {len(todo)} submission(s) graded, none left half-graded; "
              "run the same command again to grade the rest", file=sys.stderr, flush=True)
        raise
    finally:
        if bar is not None:
            bar.close()
    report = AutogradeReport(results=skipped + results, seconds=time.perf_counter() - started, jobs=workers,
                             sandboxed=settings.sandbox == "bubblewrap", backup_path=backup_path, warnings=warnings_,
                             refused=refused, scratch=settings.sandbox != "off")
    failed = report.failed()
    if failed and len(failed) == len(report.results):
        problems = "; ".join(f"{r.student}/{r.assignment}: {r.reason}" for r in failed)
        error = GradingError(f"{len(failed)} of {len(report.results)} submissions not graded (the others were): {problems}")
        error.report = report
        raise error
    return report


def _cpu_count() -> int:
    """CPUs this process may use (the default number of grading workers)."""
    import os

    try:
        return len(os.sched_getaffinity(0)) or 1
    except AttributeError:  # not Linux
        return os.cpu_count() or 1


def gradebook_integrity(class_dir: Path | None = None, db_url: str | None = None) -> list[str]:
    """Problems found in the gradebook (an empty list means none).

    Checks: SQLite's ``PRAGMA integrity_check`` and foreign keys (SQLite
    only); rows pointing at missing rows; scores below 0 or above the cell's
    maximum; every submitted notebook has exactly one grade row per grade
    cell, and the gradebook's grade cells match the source notebook; every
    autograded folder is in the gradebook. ``db_url`` defaults to the class's
    gradebook (``COURSE_DB_URL`` or ``<class>/gradebook.db``).
    """
    from course.grading.classdir import nbgrader_config
    from course.grading.gradebook.integrity import check_integrity

    config = nbgrader_config(class_dir, db_url=db_url)
    root = Path(config.CourseDirectory.root)
    autograded = config.CourseDirectory.get("autograded_directory", "autograded")
    return check_integrity(config.CourseDirectory.db_url, source_dir=Path(config.CourseDirectory.source_directory),
                           autograded_root=root / autograded)


def _failed_submissions(api, assignment_ids: list[str], student: str | None) -> dict[tuple[str, str], dict]:
    """Submissions whose latest autograde failed (and that are still the submission that failed), with their records."""
    from course.grading.gradebook.store import failed_records, submission_fingerprint

    coursedir, found = api.coursedir, {}
    for assignment_id in assignment_ids:
        for student_id, record in failed_records(Path(coursedir.root), assignment_id).items():
            if student is not None and student_id != student:
                continue
            submitted = Path(coursedir.format_path(coursedir.submitted_directory, student_id, assignment_id))
            if record.get("fingerprint") and record["fingerprint"] == submission_fingerprint(submitted):
                found[(assignment_id, student_id)] = record
    return found


def feedback(assignment: str | list[str] = "all", *, student: str | None = None, class_dir: Path | None = None,
             api=None, progress: bool = True, release_to_students: bool = True) -> list[Path]:
    """Write HTML feedback for autograded submissions and release it to the exchange.

    The feedback shows each test cell's score and, for failed tests, the
    exception type and a hint; hidden tests are removed (see
    :mod:`course.grading.reports.feedback`). Each file is scanned for solution and hidden-test
    text before release and withheld if any is found. Returns the HTML files.
    """
    from course.grading.reports.feedback import withhold_leaking_feedback, write_failed_feedback

    ids = resolve_assignments(assignment)
    api = api or open_api(class_dir)
    failed = _failed_submissions(api, ids, student)
    written, problems = [], []
    pairs = [pair for pair in _submissions(api.coursedir.root, api.coursedir.db_url, api.course_id, ids, student,
                                           autograded=True, allow_none=bool(failed), refused=problems)
             if pair not in failed]
    for (assignment_id, student_id), record in sorted(failed.items()):
        html_file = write_failed_feedback(api, assignment_id, student_id, record.get("reason") or "unknown")
        written.append(html_file)
        if release_to_students:
            problems.extend(_release_feedback(api, assignment_id, student_id))
    for assignment_id, student_id in _progress(pairs, "feedback", progress):
        result = api.generate_feedback(assignment_id, student_id, force=True)
        if not result["success"]:
            problems.append(f"{student_id}/{assignment_id}: {_first_error_line(result)}")
            continue
        folder = Path(api.coursedir.format_path(api.coursedir.feedback_directory, student_id, assignment_id))
        html_files = sorted(folder.glob("*.html"))
        leak_problems = withhold_leaking_feedback(api, assignment_id, student_id, html_files)
        if leak_problems:
            problems.extend(leak_problems)
            continue
        written.extend(html_files)
        if release_to_students:
            problems.extend(_release_feedback(api, assignment_id, student_id))
    if problems:
        raise GradingError(f"{len(problems)} of {len(pairs)} feedback files not written or released: " + "; ".join(problems))
    return written


def grades(assignment: str | list[str] = "all", *, class_dir: Path | None = None, csv_path: Path | None = None,
           figure_path: Path | None = None, api=None):
    """Export grades for an LMS, and summarise them as a table and a figure.

    Writes a Canvas-style gradebook import CSV (see
    :func:`course.grading.reports.grades.write_lms_csv`), a grade-distribution PNG with
    its alt text in a ``.txt`` beside it, and returns a
    :class:`course.grading.reports.grades.GradeReport` whose ``table()`` is the printed
    summary. Defaults: ``<class>/grades/grades.csv`` and
    ``<class>/grades/grade-distribution.png``.
    """
    from course.grading.reports import grades as gradereport
    from course.grading.gradebook.store import check_gradebook

    ids = resolve_assignments(assignment)
    api = api or open_api(class_dir)
    check_gradebook(api.coursedir.db_url, must_exist=True)
    report = gradereport.collect_report(api, ids)
    out = Path(api.coursedir.root) / "grades"
    report.csv_path = gradereport.write_lms_csv(report, Path(csv_path) if csv_path else out / "grades.csv")
    report.figure_path, report.alt_text_path = gradereport.plot_distribution(
        report, Path(figure_path) if figure_path else out / "grade-distribution.png")
    return report
