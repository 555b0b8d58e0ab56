"""Load on the course hub: 30 students (real Unix users) submit at once; collect, autograde, feedback.

    sudo .venv/bin/python bench/hub_load.py [--students 30] [--assignment ps2-claims-and-evidence]

Builds a throwaway deployment with the recipe in deploy/ (tests/hub/harness.py; users, folders and
processes are removed at the end), runs tests/hub/load.py and prints the time of each phase and the
peak memory (resident memory of the students' and grader's processes, and extra memory in use on the
machine). The figures in deploy/README.md's sizing section come from this script.
"""

from __future__ import annotations

import argparse
import json
import sys
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE.parent / "tests" / "hub"))

import harness  # noqa: E402
from hubload import run_load  # noqa: E402


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--students", type=int, default=30)
    parser.add_argument("--assignment", default="ps2-claims-and-evidence")
    parser.add_argument("--json", help="also write the figures to this file")
    args = parser.parse_args()
    cache = harness.install_deps()
    started = time.monotonic()
    hub = harness.Deployment(cache, students=[f"b{i:02d}" for i in range(args.students)], instructors=["inst"])
    try:
        hub.install()
        hub.start_hub()
        hub.wait_for_service()
        setup = time.monotonic() - started
        result = run_load(hub, args.assignment)
    finally:
        leftovers = hub.close()
    ok = (result.collected == sorted(hub.student_users) and result.graded == result.expected
          and set(result.feedback_scores) == set(hub.student_users))
    figures = {"students": args.students, "assignment": args.assignment, "setup_seconds": round(setup, 1),
               "seconds": result.seconds, "submit_timestamp_spread_seconds": result.submit_spread_seconds,
               "peak_memory_mb": result.memory, "all_collected_graded_returned_once": ok,
               "leftover_processes_killed": leftovers}
    print(json.dumps(figures, indent=2))
    if args.json:
        Path(args.json).write_text(json.dumps(figures, indent=2))
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
