"""``python -m course check``: validate everything under ``data/``.

Each check is a function that yields :class:`Problem` records instead of
raising, so one run reports every problem at once. :func:`run_checks` runs
them all; the CLI prints the report and exits non-zero on any problem.
"""

from __future__ import annotations

from typing import Callable, Iterable, Iterator

from course import paths
from course.evidence.problems import Problem


def check_primary_document() -> Iterator[Problem]:
    """The document is present, unaltered, and parses into sections 1-7 with citations."""
    from course.document.citations import find_citations
    from course.document.dates import MalformedDateError
    from course.document import DocumentError, parse_document, read_document_text

    where = paths.display(paths.primary_document_path())
    try:
        document = parse_document(read_document_text())
    except DocumentError as exc:
        yield Problem(where, str(exc))
        return
    numbers = [s.number for s in document.sections]
    if numbers != list(range(1, 8)):
        yield Problem(where, f"expected sections 1-7, found {numbers}")
    try:
        found = find_citations(document)
    except MalformedDateError as exc:
        yield Problem(where, str(exc))
        return
    if len(found) < 13:
        yield Problem(where, f"expected at least 13 citations, found {len(found)}")


def all_checks() -> list[Callable[[], Iterable[Problem]]]:
    """Every check, in the order the report lists them: the document first, then the tables."""
    from course.evidence.rules import DATA_CHECKS  # noqa: PLC0415 -- frictionless loads only when checks run

    return [check_primary_document, *DATA_CHECKS]


def run_checks() -> list[Problem]:
    """Run every check and return all problems found (an empty list means valid).

    When the document itself is broken, the table checks (which anchor into
    it) are skipped: one clear problem beats fifty derived ones.
    """
    problems: list[Problem] = list(check_primary_document())
    if problems:
        return problems
    for check in all_checks()[1:]:
        try:
            problems.extend(check())
        except Exception as exc:  # a crashing check is itself a problem to report, not a traceback
            problems.append(Problem(check.__name__, f"check crashed: {type(exc).__name__}: {exc}"))
    return problems


def format_report(problems: list[Problem], limit: int = 60) -> str:
    """The text the CLI prints (at most ``limit`` problems listed)."""
    if not problems:
        return f"data OK: {len(all_checks())} checks passed on {paths.display(paths.data_dir())}"
    lines = [f"{len(problems)} problem(s) in {paths.display(paths.data_dir())}:"]
    lines += [f"  - {problem}" for problem in problems[:limit]]
    if len(problems) > limit:
        lines.append(f"  … and {len(problems) - limit} more (fix these first; one broken file often causes many)")
    return "\n".join(lines)
