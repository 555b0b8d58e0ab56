"""A build step (what it reads, what it writes, how it renders), and running or checking a list of them.

A step never writes by itself: its ``render`` returns the text every output
should have, computed from the inputs as they are on disk. :func:`build` writes
the outputs that differ (and only those, so an up-to-date tree keeps its
timestamps); :func:`check` compares and writes nothing. One way to render for
both, so a check cannot pass on a tree the build would change.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path

from course import paths
from course.errors import CourseError

FIX = "python -m course build"


class BuildError(CourseError):
    """A step name the build does not have."""


@dataclass(frozen=True)
class Step:
    """One generator: ``render()`` returns {output path: its text}, built from ``inputs`` without writing."""

    name: str
    what: str
    inputs: tuple[str, ...]   # repository-relative paths or globs, for the reader and the stale message
    outputs: tuple[str, ...]  # the same, for what it writes
    render: Callable[[], dict[Path, str]]

    def _differing(self) -> dict[Path, str]:
        """The outputs that are missing or differ from a fresh rendering, each with the text it should have."""
        return {path: text for path, text in self.render().items()
                if not path.is_file() or path.read_text(encoding="utf-8") != text}

    def stale(self) -> list[Path]:
        """The outputs that are missing or differ from a fresh rendering."""
        return list(self._differing())

    def write(self) -> list[Path]:
        """Write the outputs that differ; return them."""
        differing = self._differing()
        for path, text in differing.items():
            path.parent.mkdir(parents=True, exist_ok=True)
            path.write_text(text, encoding="utf-8")
        return list(differing)


def select(steps: Sequence[Step], names: Iterable[str] | None) -> list[Step]:
    """The steps named (all of them when none is), in build order; BuildError names an unknown one."""
    names = list(names or [])
    unknown = [n for n in names if n not in {s.name for s in steps}]
    if unknown:
        raise BuildError(f"no build step {', '.join(unknown)}; the steps are {', '.join(s.name for s in steps)}")
    return [s for s in steps if not names or s.name in names]


def _forget_tables() -> None:
    """Drop the cached tables, so a later step reads what an earlier one wrote."""
    from course.evidence import bank, data

    data.clear_cache()
    bank.clear_cache()


def build(steps: Sequence[Step], names: Iterable[str] | None = None) -> list[tuple[str, Path]]:
    """Run the chosen steps in order; return (step name, path) for every file written."""
    written = []
    for step in select(steps, names):
        paths_written = step.write()
        if paths_written:
            _forget_tables()
        written += [(step.name, path) for path in paths_written]
    return written


def check(steps: Sequence[Step], names: Iterable[str] | None = None) -> list[str]:
    """One line per stale output, naming its step, its inputs and the fix; empty when the tree is built."""
    return [f"{paths.display(path)} is stale: the '{step.name}' step makes it from {', '.join(step.inputs)}; run: {FIX}"
            for step in select(steps, names) for path in step.stale()]
