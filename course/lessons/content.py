"""The lessons' content files: questions, labels and titles kept as data, not Python.

They sit beside the notebooks in ``notebooks/`` (found through
:mod:`course.paths`), one TOML file per kind of content:

=====================  ====================================================
``lessons.toml``       the lessons: ids, files, titles, minutes (the only
                       source of lesson titles; :mod:`course.lessons.manifest`)
``practice.toml``      the check-yourself questions and their answer labels
                       (:mod:`course.lessons.practice`)
``sorter.toml``        the claim sorter's labels, reasons and default claims
                       (:mod:`course.lessons.widgets.sorter`)
``vocabulary.toml``    every coded value's label and explanation (verdicts,
                       relations, skills...; :mod:`course.evidence.vocabulary`)
``words.toml``         the words of widgets, charts and views: labels,
                       titles, axis labels, alt-text templates
                       (:func:`words`)
=====================  ====================================================

Facts never live here: a question names the rows it is about and the
builders read the facts from the data package.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping, Sequence
from pathlib import Path

from course import paths

#: Where the lesson notebooks and their content files live.
NOTEBOOKS_DIR = paths.notebooks_dir()


def load(name: str, folder: Path | None = None) -> dict:
    """The parsed TOML file ``name`` (e.g. ``"practice.toml"``) from ``notebooks/``; re-read when it changes.

    Raises FileNotFoundError naming the file, or ``tomllib.TOMLDecodeError``.
    """
    path = Path(folder or NOTEBOOKS_DIR) / name
    if not path.exists():
        raise FileNotFoundError(f"content file {paths.display(path)} is missing")
    return paths.read_toml(path)


class Computed(Mapping):
    """A mapping that ``build()`` makes afresh on each access, so it follows the content files as they change."""

    def __init__(self, build):
        self._build = build

    def __getitem__(self, key: str):
        return self._build()[key]

    def __iter__(self) -> Iterator[str]:
        return iter(self._build())

    def __len__(self) -> int:
        return len(self._build())


class Section(Computed):
    """One table of a content file (e.g. ``practice.toml``'s ``[labels.citation_kind]``), read on first access."""

    def __init__(self, name: str, *keys: str):
        super().__init__(self._table)
        self.name = name
        self.keys_path = keys

    def _table(self) -> dict:
        table = load(self.name)
        for key in self.keys_path:
            table = table[key]
        return table

    def __repr__(self) -> str:
        return f"Section({self.name!r}, {', '.join(map(repr, self.keys_path))})"


class Listing(Sequence):
    """One list of a content file (e.g. ``sorter.toml``'s ``labels``), read on first access."""

    def __init__(self, name: str, *keys: str):
        self.section = Section(name, *keys[:-1])
        self.key = keys[-1]

    def __getitem__(self, index):
        return self.section[self.key][index]

    def __len__(self) -> int:
        return len(self.section[self.key])

    def __repr__(self) -> str:
        return f"Listing({self.section.name!r}, {self.key!r})"


def text(section: str, key: str, /, **fields) -> str:
    """One string of ``notebooks/words.toml``, its ``{fields}`` filled: ``text("exercise", "model_heading", model="…")``.

    ``section`` may name a nested table with dots (``"charts.verdicts"``).
    """
    template = words(*section.split("."), key)
    return template.format(**fields) if fields else template


#: Which plural form a count takes, per language (CLDR's rules for the kit's languages): English uses
#: ``one`` for 1 only, French for 0 and 1. ``words.toml``'s ``[meta] language`` chooses.
PLURAL_RULES = {"en": lambda count: "one" if count == 1 else "other",
                "fr": lambda count: "one" if count in (0, 1) else "other"}


def counted(noun: str, count: int) -> str:
    """``count`` and a noun in the right form, from ``words.toml``'s ``[counts.<noun>]``: ``counted("event", 2)``."""
    language = load("words.toml").get("meta", {}).get("language", "en")
    forms = words("counts", noun)
    return forms[PLURAL_RULES[language](count)].format(count=count)


def joined(items) -> str:
    """'a', 'a and b', 'a, b and c', in the words of ``words.toml``'s ``[common.lists]``."""
    items = [str(item) for item in items]
    if len(items) <= 1:
        return "".join(items)
    lists = words("common", "lists")
    return lists["list_separator"].join(items[:-1]) + lists["list_last"] + items[-1]


def words(*keys: str):
    """Words from ``notebooks/words.toml``: ``words("reader", "mode_label")`` is a string or a table.

    Each student-visible string of a widget, chart or view lives there, keyed by
    the module that shows it; templates use ``str.format`` fields (``{count}``)
    so a translation can reorder the words.
    """
    table = load("words.toml")
    for key in keys:
        table = table[key]
    return table
