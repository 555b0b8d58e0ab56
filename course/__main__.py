"""``python -m course``: the instructor and author command line."""

from course.cli import main

raise SystemExit(main())
