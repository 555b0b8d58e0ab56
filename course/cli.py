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


def _cmd_export(args: argparse.Namespace) -> int:
    from course.claimreview import write_claim_reviews

    count, text = write_claim_reviews(args.output, base_url=args.base_url)
    if args.output is None:
        print(text)
    else:
        print(f"wrote {count} ClaimReview records to {args.output}", file=sys.stderr)
    return 0


def _cmd_datadoc(args: argparse.Namespace) -> int:
    from course.datadoc import readme_block, render_dictionary, write_readme_block

    if args.write:
        write_readme_block()
        print("data/README.md dictionary updated", file=sys.stderr)
        return 0
    current = render_dictionary()
    if readme_block() != current:
        print("data/README.md dictionary is out of date; run: python -m course datadoc --write", file=sys.stderr)
        return 1
    print("data/README.md dictionary is up to date")
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

    export = verbs.add_parser("export", help="export the kit's verdicts in a public format")
    export.add_argument("format", choices=["claimreview"], help="claimreview: schema.org ClaimReview JSON-LD, one record per checkable claim")
    export.add_argument("-o", "--output", help="file to write (default: print to stdout)")
    export.add_argument("--base-url", default="claims.csv", help="where the reviews are published; each record's url is BASE#claim_id (default: %(default)s)")
    export.set_defaults(run=_cmd_export)

    datadoc = verbs.add_parser("datadoc", help="check (or --write) the column dictionary in data/README.md")
    datadoc.add_argument("--write", action="store_true", help="regenerate the block from datapackage.json")
    datadoc.set_defaults(run=_cmd_datadoc)
    return parser


def main(argv: list[str] | None = None) -> int:
    """Run the command line; return the exit status."""
    parser = build_parser()
    args = parser.parse_args(argv)
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
