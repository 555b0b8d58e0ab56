"""Generate the syllabus table in notebooks/README.md from notebooks/lessons.toml.

    python scripts/syllabus.py --write    (rewrite the block between the syllabus markers)
    python scripts/syllabus.py --check    (exit 1 when the README is stale; the tests run this check)
"""

import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from course.lessons import manifest  # noqa: E402

if __name__ == "__main__":
    if "--write" in sys.argv:
        manifest.write_syllabus()
    elif not manifest.write_syllabus(check=True):
        sys.exit("notebooks/README.md's syllabus is stale: run python scripts/syllabus.py --write")
