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
    from course.check import format_report, run_checks

    problems = run_checks()
    print(format_report(problems), file=sys.stderr if problems else sys.stdout)
    return 1 if problems else 0


def _cmd_document(args: argparse.Namespace) -> int:
    from course.summary import document_summary

    print(document_summary())
    return 0


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
    return parser


def main(argv: list[str] | None = None) -> int:
    """Run the command line; return the exit status."""
    parser = build_parser()
    args = parser.parse_args(argv)
    try:
        return args.run(args)
    except KeyboardInterrupt:
        print("interrupted", file=sys.stderr)
        return 130
    except Exception as exc:  # one readable line instead of a traceback; --debug-free by design
        from course.errors import is_user_error

        if not is_user_error(exc):
            raise
        print(f"course {args.verb}: error: {exc}", file=sys.stderr)
        return 2
