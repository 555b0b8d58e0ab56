"""What a data check reports: a :class:`Problem` names where the data is wrong and how.

Its own module so that ``check`` (which runs the checks) and ``rules`` (which
defines them) both import it without importing each other.
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Problem:
    """One thing wrong with the data: where, and what."""

    where: str
    message: str

    def __str__(self) -> str:
        return f"{self.where}: {self.message}"
