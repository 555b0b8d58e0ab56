"""Dates as the document writes them.

The document writes dates day first, ``D/M/YYYY`` (``18/8/2020`` is 18 August
2020), sometimes followed by ``CE``. Reading them month first is a classic
error, so every date goes through :func:`parse_document_date`.
"""

from __future__ import annotations

import datetime as dt
import re
from course.errors import CourseError

DOCUMENT_DATE = re.compile(r"\b(\d{1,2})/(\d{1,2})/(\d{4})\b")


class MalformedDateError(CourseError, ValueError):
    """A date in the document (or a citation) that is not a real D/M/YYYY date."""


def parse_document_date(text: str) -> dt.date:
    """Parse a day-first ``D/M/YYYY`` date.

    >>> parse_document_date("18/8/2020")
    datetime.date(2020, 8, 18)
    >>> parse_document_date("24/3/2012 CE")
    datetime.date(2012, 3, 24)

    Raises :class:`MalformedDateError` naming the text for anything else,
    including impossible dates such as ``31/2/2020``.
    """
    cleaned = text.strip().removesuffix("CE").strip()
    match = re.fullmatch(r"(\d{1,2})/(\d{1,2})/(\d{4})", cleaned)
    if not match:
        raise MalformedDateError(f"{text!r} is not a D/M/YYYY date")
    day, month, year = (int(g) for g in match.groups())
    try:
        return dt.date(year, month, day)
    except ValueError as exc:
        raise MalformedDateError(f"{text!r} is not a real date (day {day}, month {month}, year {year}): {exc}") from None
