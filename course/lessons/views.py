"""Readable views of the kit's tables: full text, wrapped to the page, values written for a reader.

Pandas shows a DataFrame cut to 50 characters a cell and as wide as its
longest line, and Python objects as their reprs (``datetime.date(2020, 9, 1)``,
lists of tuples, ``Name: count, dtype: int64``). The lesson notebooks show
tables through this module instead:

>>> from course.lessons import views
>>> views.say(views.format_value(__import__("datetime").date(2020, 9, 1)))   # doctest: +SKIP

* :func:`table` renders a DataFrame (or chosen columns) as a wrapped HTML
  table with every word shown; dates read "1 September 2020", booleans
  "yes"/"no", id lists "CIT001, BAC002", vocabulary words without
  underscores, verdicts with their symbol. Nothing is wider than its cell.
* :func:`counts` shows how many rows have each value of a column.
* :func:`links` lists evidence pages as links; :func:`say` shows one sentence.

Every function returns an object whose last-line display is HTML (with a
plain-text form for terminals), so notebooks stay one call per cell.
"""

from __future__ import annotations

import datetime as dt
import re

from course.lessons import content
from course.lessons.shown import Shown  # noqa: F401 -- views.Shown is what lessons and tests name
from course.lessons.widgets.common import STYLE, VERDICT_DISPLAY, escape_text, evidence_list_html, verdict_html


_VOCABULARY_WORD = re.compile(r"^[a-z]+(?:_[a-z]+)+$")
_LIST_SEPARATOR = re.compile(r";(?=\S)")  # "a;b" lists in the data read "a; b"
_ID_LIST = re.compile(r"^[A-Z]{1,4}\d{2,4}(?:;[A-Z]{1,4}\d{2,4})+$")


def format_value(value) -> str:
    """A cell value as a reader would write it (plain text, not escaped).

    >>> format_value(dt.date(2020, 9, 1)), format_value(True), format_value("partly_accurate"), format_value("K01;K02")
    ('1 September 2020', 'yes', 'partly accurate', 'K01, K02')
    """
    if value is None or (isinstance(value, float) and value != value):
        return "–"
    try:
        import pandas as pd

        if value is pd.NA or value is pd.NaT:
            return "–"
        if isinstance(value, pd.Timestamp):
            value = value.date()
    except ImportError:  # pragma: no cover - pandas is a dependency
        pass
    if isinstance(value, bool) or type(value).__name__ == "bool_":
        return content.text("views", "yes" if value else "no")
    if isinstance(value, dt.datetime):
        value = value.date()
    if isinstance(value, dt.date):
        return f"{value.day} {value:%B %Y}"
    if isinstance(value, int) or type(value).__name__.startswith("int"):
        return f"{int(value):,}" if abs(int(value)) >= 10_000 else str(int(value))
    if isinstance(value, (list, tuple)):
        return ", ".join(format_value(v) for v in value)
    text = str(value)
    if text == "":
        return "–"
    if _VOCABULARY_WORD.match(text):
        return text.replace("_", " ")
    if ";" in text and all(_VOCABULARY_WORD.match(part) or part.isalpha() and part.islower() for part in text.split(";")):
        return text.replace("_", " ").replace(";", ", ")  # "cherry_picking;post_hoc" -> "cherry picking, post hoc"
    if _ID_LIST.match(text):
        return text.replace(";", ", ")
    return _LIST_SEPARATOR.sub("; ", text)


def weakness_names(value: str) -> str:
    """Reasoning weaknesses ("cherry_picking;post_hoc") by the names students learn them by
    (``notebooks/vocabulary.toml``, ``[weakness]``): "Cherry-picking, Post hoc"."""
    from course.evidence import data, vocabulary

    return ", ".join(vocabulary.label("weakness", w, format_value(w)) for w in data.split_ids(value))


def _cell_html(column: str, value) -> str:
    if column == "verdict" and isinstance(value, str) and value in VERDICT_DISPLAY:
        return verdict_html(value)
    if column in ("evidence_ids", "alternative_evidence_ids") and isinstance(value, str) and value:
        return evidence_list_html(value)
    if column == "reasoning_weaknesses" and isinstance(value, str) and value:
        return escape_text(weakness_names(value))
    if column.endswith("personnel") and format_value(value).isdigit():
        return escape_text(f"{int(value):,}")  # troop figures with thousands separators, as in the charts
    return escape_text(format_value(value))


def header(column: str) -> str:
    """A column name as a heading: 'record_personnel' -> 'Record personnel'."""
    text = column.replace("_", " ").strip()
    return text[:1].upper() + text[1:]


def table(frame, columns=None, *, headers: dict | None = None, caption: str | None = None, index: bool = False) -> Shown:
    """The rows of ``frame`` (chosen ``columns``) as a wrapped HTML table with every word shown.

    ``headers`` renames columns for display; ``index`` adds the frame's index
    as the first column. Evidence id columns become lists of links.
    """
    if index:
        frame = frame.reset_index()
    columns = list(columns) if columns is not None else list(frame.columns)
    missing = [c for c in columns if c not in frame.columns]
    if missing:
        raise KeyError(f"no column(s) {', '.join(missing)}; the table has {', '.join(map(str, frame.columns))}")
    headers = headers or {}
    names = [headers.get(c, header(c)) for c in columns]
    head = "".join(f'<th scope="col">{escape_text(n)}</th>' for n in names)
    records = frame[columns].to_dict("records")
    rows = []
    for record in records:
        rows.append("<tr>" + "".join(f"<td>{_cell_html(c, record[c])}</td>" for c in columns) + "</tr>")
    cap = f"<caption>{escape_text(caption)}</caption>" if caption else ""
    markup = (f'{STYLE}<div class="course-doc course-table-wrap"><table class="course-table">{cap}'
              f'<thead><tr>{head}</tr></thead><tbody>{"".join(rows)}</tbody></table></div>')
    text_rows = [" | ".join(names)] + [" | ".join(format_value(r[c]) for c in columns) for r in records]
    return Shown(markup, "\n".join(text_rows))


def counts(frame, column: str, *, label: str | None = None, caption: str | None = None) -> Shown:
    """How many rows have each value of ``column``, most frequent first, as a small table."""
    import pandas as pd

    tally = frame[column].value_counts()
    shown = pd.DataFrame({label or header(column): [format_value(v) for v in tally.index], "Rows": [int(n) for n in tally]})
    return table(shown, caption=caption)


def links(evidence_ids, *, caption: str | None = None) -> Shown:
    """Evidence pages (outlet linked to its URL, with the evidence id) for a ';'-separated id list or a list."""
    from course.evidence import data

    ids = ";".join(evidence_ids) if isinstance(evidence_ids, (list, tuple)) else str(evidence_ids)
    cap = f"<p><strong>{escape_text(caption)}</strong></p>" if caption else ""
    text = "\n".join(f"{eid}: {outlet} <{url}>" for eid, outlet, url in data.evidence_links(ids))
    return Shown(f'{STYLE}<div class="course-doc">{cap}{evidence_list_html(ids)}</div>', text)


def say(text: str) -> Shown:
    """One paragraph of text (for a value computed from the data)."""
    return Shown(f'{STYLE}<div class="course-doc"><p>{escape_text(text)}</p></div>', text)


def fields(row, names, *, headers: dict | None = None) -> Shown:
    """One record as a card: each chosen field as a heading and its full text (for long explanations)."""
    headers = headers or {}
    items = "".join(f"<dt><strong>{escape_text(headers.get(n, header(n)))}</strong></dt><dd>{_cell_html(n, row[n])}</dd>" for n in names)
    text = "\n".join(f"{headers.get(n, header(n))}: {format_value(row[n])}" for n in names)
    return Shown(f'{STYLE}<div class="course-doc"><dl class="course-card">{items}</dl></div>', text)


def after_answer(shown) -> Shown:
    """``shown`` (a table, a card, a chart: anything with ``_repr_html_``) folded away until the student opens it:
    the kit's finding for the question just above.

    Predict, then reveal: a finding shown open below its question shares the student's screen with it. Folded in
    a ``<details>``, it waits for the student (the words of its summary are in ``notebooks/practice.toml``).
    """
    summary = content.load("practice.toml")["labels"]["screen"]["finding_summary"]
    return Shown(f'{STYLE}<div class="course-doc"><details class="course-after-answer"><summary>{escape_text(summary)}</summary>'
                 f"{shown._repr_html_()}</details></div>", f"{summary}\n{getattr(shown, 'text', '')}")


def weakness_vocabulary() -> Shown:
    """The reasoning weaknesses students name, each with its meaning, as a folded list (``notebooks/vocabulary.toml``)."""
    from course.evidence import vocabulary

    summary = content.load("practice.toml")["labels"]["screen"]["weakness_vocabulary"]
    meanings = [vocabulary.shown("weakness", w) for w in vocabulary.WEAKNESSES]
    items = "".join(f"<li>{escape_text(text)}</li>" for text in meanings)
    return Shown(f'{STYLE}<div class="course-doc"><details class="course-terms"><summary>{escape_text(summary)}</summary>'
                 f"<ul>{items}</ul></details></div>", "\n".join([summary, *meanings]))
