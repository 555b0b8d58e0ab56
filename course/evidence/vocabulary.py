"""The kit's one vocabulary of labels: verdicts, relations, comparisons, claim types, weaknesses and skills.

Every coded value a student or instructor reads (``partly_accurate``,
``summary_as_quote``, ``lateral-reading``...) has its words in one data file,
``notebooks/vocabulary.toml``: a label, an explanation and, for verdicts, a
symbol, so that a translation changes one file. This module is the only
reader of that file, and reads it on first use, never at import:

>>> from course.evidence import vocabulary
>>> vocabulary.label("verdict", "partly_accurate")
'Partly accurate'
>>> vocabulary.shown("comparison", "faithful")
'Faithful: the words or facts match the original'

:class:`Terms` is a read-only mapping of one kind (value -> :class:`Term`),
so ``VERDICTS["accurate"].label`` and ``for value in SKILLS`` work as they
did when these were Python dicts, without reading anything at import.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from typing import NamedTuple

from course import paths

#: The data file (beside the lessons: notebooks/ is the one folder of words).
FILE_NAME = "vocabulary.toml"


class Term(NamedTuple):
    """One coded value's words. ``label`` and ``explanation`` come first so ``term[0]`` is the label."""

    label: str
    explanation: str
    symbol: str = ""
    in_sentence: str = ""


def _kinds() -> dict:
    path = paths.notebooks_dir() / FILE_NAME
    if not path.exists():
        raise FileNotFoundError(f"vocabulary file {paths.display(path)} is missing")
    return paths.read_toml(path)


def _kind(kind: str) -> dict:
    kinds = _kinds()
    if kind not in kinds:
        raise KeyError(f"no vocabulary kind {kind!r} in {FILE_NAME}; kinds are {', '.join(kinds)}")
    return kinds[kind]


def kinds() -> tuple[str, ...]:
    """The kinds of value the vocabulary covers (``verdict``, ``relation``...)."""
    return tuple(kind for kind, table in _kinds().items() if "terms" in table)


def phrase(table: str, key: str, /, **fields) -> str:
    """A label of the evidence wing's own views (``[record]``: the record's column and row names), fields filled."""
    template = _kinds()[table][key]
    return template.format(**fields) if fields else template


#: kind -> (the parsed ``terms`` table it was built from, the built {value: Term}): built once per version of the file.
_BUILT: dict[str, tuple[dict, dict[str, Term]]] = {}


class Terms(Mapping):
    """One kind's terms, value -> :class:`Term`, in the file's order; the file is read on first access."""

    def __init__(self, kind: str):
        self.kind = kind

    def _terms(self) -> dict[str, Term]:
        # The parsed table is a new object whenever the file changes (paths.read_toml), so the identity check rebuilds then.
        table = _kind(self.kind)["terms"]
        built = _BUILT.get(self.kind)
        if built is None or built[0] is not table:
            built = _BUILT[self.kind] = (table, {value: Term(**fields) for value, fields in table.items()})
        return built[1]

    def __getitem__(self, value: str) -> Term:
        return self._terms()[value]

    def __iter__(self) -> Iterator[str]:
        return iter(self._terms())

    def __len__(self) -> int:
        return len(self._terms())

    def __repr__(self) -> str:
        return f"Terms({self.kind!r})"


class Projection(Mapping):
    """One kind's values, each mapped through ``words(value)``; computed on access, so nothing is read at import.

    For the names older code uses: ``VERDICT_DISPLAY`` (symbol and label), ``RELATION_LABELS`` (words shown)...
    """

    def __init__(self, kind: str, words):
        self.kind = kind
        self.words = words

    def __getitem__(self, value: str):
        if value not in Terms(self.kind):
            raise KeyError(value)
        return self.words(value)

    def __iter__(self) -> Iterator[str]:
        return iter(Terms(self.kind))

    def __len__(self) -> int:
        return len(Terms(self.kind))

    def __repr__(self) -> str:
        return f"Projection({self.kind!r})"


def shown_words(kind: str) -> Projection:
    """Every value of a kind -> its words on screen (a lazy mapping)."""
    return Projection(kind, lambda value: shown(kind, value))


def terms(kind: str) -> Terms:
    """The terms of one kind (a mapping; nothing is read until it is used)."""
    return Terms(kind)


def label(kind: str, value: str, default: str | None = None) -> str:
    """The label of ``value``; ``default`` (or ``KeyError``) for a value the vocabulary lacks."""
    found = _kind(kind)["terms"].get(value)
    if found is None:
        if default is not None:
            return default
        raise KeyError(f"{value!r} is not a {kind} in {FILE_NAME}")
    return found["label"]


def shown(kind: str, value: str) -> str:
    """The words on screen for ``value``: the kind's ``shown`` template filled with the term's fields."""
    term = terms(kind)[value]
    return _kind(kind)["shown"].format(**term._asdict())


#: The kinds the kit uses most, by name (mappings read on first use).
VERDICTS = Terms("verdict")
RELATIONS = Terms("relation")
COMPARISONS = Terms("comparison")
CLAIM_TYPES = Terms("claim_type")
WEAKNESSES = Terms("weakness")
SKILLS = Terms("skill")
OPTIONAL_SKILLS = Terms("optional_skill")
