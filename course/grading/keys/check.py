"""The one answer checker of every autograded value item: the visible and the hidden tests both call it.

Both halves of a test cell call it: the visible half calls :func:`check_form`
(is the answer there, and is it of the asked-for form?), the hidden half calls
:func:`judge` (the same form check, then the value against the item's accepted
answers, which the hidden cell carries as literals generated from the item's
key in ``bank/keys/``). So the visible and the hidden checks cannot disagree
about a form.

A right answer scores in any reasonable form:

=========  =====================================================================
``label``  capitals, spaces/hyphens for underscores, the words shown to students
           ("Altered meaning", also "Altered meaning: the rendering ...")
``id``     capitals, spaces, hyphens, missing leading zeros (``'s-8'`` is ``S008``)
``date``   ISO ``2020-08-21``, the document's ``21/8/2020`` (day first, an
           optional ``CE``), words (``21 August 2020``, ``Aug 21, 2020``), a
           ``datetime.date``
``number`` ``100``, ``100.0``, ``'100'``, ``'1,200'``
``bool``   ``True``/``False`` and the words ``'True'``, ``'false'``, ``'yes'``...
``span``   the document's words with straight or curly quotes, quote marks
           dropped, other capitals; any passage of the named section that
           contains one of the key spans whole, within ``max_chars``
=========  =====================================================================

A value of the wrong form fails with a sentence that says which form is
wanted. Every sentence comes from ``notebooks/checker.toml`` (so an edition
in another language translates data, not code), filled in only with the
item's own visible fields (its choices, an example id, its section).

The judging code uses only built-in functions and ``str`` methods, never a
module a notebook could change: the grader (``course.grading.preprocessors.sandboxed_execute``)
re-installs this module from its own copy before every test cell, with the
messages and the document preset (:data:`PRESET_MESSAGES`,
:data:`PRESET_DOCUMENT`), so a notebook that replaced ``judge`` earlier gets
the real one back.
"""

from __future__ import annotations

#: Set by the grader's re-install: the parsed ``checker.toml`` and the document (text, section spans).
PRESET_MESSAGES = globals().get("PRESET_MESSAGES")
PRESET_DOCUMENT = globals().get("PRESET_DOCUMENT")
_LOADED: dict = {}

#: Characters that mark a quotation, straight or curly; dropped before spans are compared.
QUOTE_MARKS = "\"'“”„‟«»‘’‚‛′″`"
KINDS = ("label", "id", "date", "number", "bool", "span")
CHECKER_NAME = "course.grading.keys.check"


# --- the words -----------------------------------------------------------------------------------------

def messages() -> dict:
    """The checker's sentences and words (``notebooks/checker.toml``), or the grader's preset copy."""
    if PRESET_MESSAGES is not None:
        return PRESET_MESSAGES
    if "messages" not in _LOADED:
        import tomllib

        from course import paths
        path = paths.notebooks_dir() / "checker.toml"
        _LOADED["messages"] = tomllib.loads(path.read_text(encoding="utf-8"))
    return _LOADED["messages"]


def document() -> dict:
    """``{"text": ..., "sections": {"1": [start, end], ...}}`` of the primary document, or the grader's preset."""
    if PRESET_DOCUMENT is not None:
        return PRESET_DOCUMENT
    if "document" not in _LOADED:
        from course.document import load_document
        doc = load_document()
        sections = {}
        number = 1
        while True:
            try:
                span = doc.section(number).span
            except (KeyError, IndexError, ValueError):
                break
            sections[str(number)] = [span.start, span.end]
            number += 1
        _LOADED["document"] = {"text": doc.text, "sections": sections}
    return _LOADED["document"]


def _fail(key: str, **fields):
    raise AssertionError(messages()["form"][key].format(**fields))


# --- one normaliser per kind: the canonical value, or a plain-words AssertionError ------------------------

def _squash(text: str) -> str:
    """Quote marks dropped, white space collapsed, no capitals, no closing punctuation."""
    for mark in QUOTE_MARKS:
        text = text.replace(mark, " " if mark in "“”«»" else "")
    text = " ".join(text.split()).casefold()
    return text.strip(" .,;:!?()[]")


def _label_words(text: str) -> str:
    text = text.strip().strip(QUOTE_MARKS).strip()
    if ":" in text:  # "Altered meaning: the rendering draws ..." as the lessons show it
        text = text.split(":")[0]
    return " ".join(text.replace("_", " ").replace("-", " ").split()).casefold().strip(" .")


def _label(value, spec):
    choices = spec.get("choices") or []
    if type(value) is str:
        words = _label_words(value)
        for choice in choices:
            if _label_words(choice) == words:
                return choice
    _fail("label", choices=", ".join(choices))


def _id(value, spec):
    example = spec.get("example", "")
    if type(value) is str:
        text = "".join(value.split()).strip(QUOTE_MARKS).replace("-", "").replace("_", "").upper()
        letters = text.rstrip("0123456789")
        digits = text[len(letters):]
        prefixes = spec.get("prefixes") or []
        if letters.isalpha() and 0 < len(digits) <= 3 and (not prefixes or letters in prefixes):
            return letters + digits.zfill(3)
    _fail("id", example=example)


_DAYS = (31, 29, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31)


def _ymd(year, month, day):
    """ISO text of a valid calendar date, else None."""
    if not (1 <= month <= 12 and 1 <= day <= _DAYS[month - 1] and 1000 <= year <= 2999):
        return None
    if month == 2 and day == 29 and not (year % 4 == 0 and (year % 100 != 0 or year % 400 == 0)):
        return None
    return f"{year:04d}-{month:02d}-{day:02d}"


def _number_token(token: str):
    token = token.casefold()
    for suffix in ("st", "nd", "rd", "th", "er"):
        if token.endswith(suffix) and token[:-len(suffix)].isdigit():
            token = token[:-len(suffix)]
    return int(token) if token.isdigit() and token.isascii() else None


def _date_text(text: str):
    words = messages()["words"]
    text = text.strip().strip(QUOTE_MARKS).casefold().replace(",", " ").replace(".", " ")
    tokens = text.split()
    while tokens and tokens[-1] in words["date_suffixes"]:
        tokens.pop()
    if len(tokens) == 1:
        for sep in ("-", "/"):
            parts = tokens[0].split(sep)
            if len(parts) == 3 and all(p.isdigit() and p.isascii() for p in parts):
                a, b, c = (int(p) for p in parts)
                if len(parts[0]) == 4:
                    return _ymd(a, b, c)  # year first: 2020-08-21, 2020/8/21
                if len(parts[2]) == 4:
                    return _ymd(c, b, a)  # the document's style, day first: 21/8/2020
        return None
    months = words["months"]
    month = day = year = None
    for token in tokens:
        number = _number_token(token)
        if number is not None:
            if number >= 1000 and year is None:
                year = number
            elif number <= 31 and day is None:
                day = number
            else:
                return None
            continue
        found = [i + 1 for i, name in enumerate(months) if len(token) >= 3 and name.startswith(token.rstrip("."))]
        if len(found) != 1 or month is not None:
            return None
        month = found[0]
    if None in (month, day, year):
        return None
    return _ymd(year, month, day)


def _date(value, spec):
    if type(value) is str:
        iso = _date_text(value)
    else:  # a datetime.date (or anything with exact-int year, month, day)
        parts = [getattr(value, name, None) for name in ("year", "month", "day")]
        iso = _ymd(*parts) if all(type(p) is int for p in parts) else None
    if iso is None:
        _fail("date")
    return iso


def _number(value, spec):
    if type(value) is int:
        return value
    if type(value) is float and value == value and value not in (float("inf"), float("-inf")):
        return value
    if type(value) is str:
        text = "".join(value.replace(",", "").split()).strip(QUOTE_MARKS)
        if text and all(ch in "0123456789.-+" for ch in text):
            try:
                return float(text)
            except ValueError:
                pass
    _fail("number")


def _bool(value, spec):
    if type(value) is bool:
        return value
    if type(value) is str:
        words = messages()["words"]
        text = value.strip().strip(QUOTE_MARKS).strip().casefold()
        if text in words["true"]:
            return True
        if text in words["false"]:
            return False
    _fail("bool")


def _span(value, spec):
    """The squashed words, after checking they are the document's own and in the asked section."""
    max_chars = spec.get("max_chars", 200)
    section = str(spec.get("section", ""))
    if type(value) is not str:
        _fail("span_type")
    if not 0 < len(value.strip()) <= max_chars or not _squash(value):
        _fail("span_length", max_chars=max_chars)
    words = _squash(value)
    doc = document()
    if section:
        start, end = doc["sections"][section]
        if words in _squash(doc["text"][start:end]):
            return words
    if words in _squash(doc["text"]):
        _fail("span_section", section=section)
    _fail("span_not_found")


_FORMS = {"label": _label, "id": _id, "date": _date, "number": _number, "bool": _bool, "span": _span}


def canonical(value, kind: str, **spec):
    """The canonical form of ``value`` for an item of ``kind``; AssertionError (plain words) when its form is wrong."""
    if value is None:
        raise AssertionError(messages()["form"]["missing"].format(accepted_form=spec.get("accepted_form", "")))
    return _FORMS[kind](value, spec)


# --- what the test cells call ----------------------------------------------------------------------------

def check_form(value, kind: str, **spec) -> None:
    """The visible check: passes silently when the answer is there and of the asked-for form."""
    canonical(value, kind, **spec)


def matches(value, kind: str, accepted, **spec) -> bool:
    """True when ``value`` (already of the right form) is one of ``accepted`` (a span: contains one whole)."""
    got = canonical(value, kind, **spec)
    if kind == "span":
        return any(_squash(key) in got for key in accepted)
    if kind == "label":
        return any(got == _label(a, spec) for a in accepted)
    if kind == "number":
        return any(got == a for a in accepted)
    if kind == "bool":
        return any(got is a for a in accepted)
    return any(got == _FORMS[kind](a, spec) for a in accepted)


def judge(value, kind: str, accepted, hint: str = "", **spec) -> None:
    """The hidden check: the form (as :func:`check_form`), then the value; AssertionError(hint) when wrong."""
    if not matches(value, kind, accepted, **spec):
        raise AssertionError(hint or messages()["value"]["wrong"])


def accepts(value, kind: str, accepted, **spec) -> bool:
    """True when :func:`judge` would pass ``value`` (for tests and the fairness table)."""
    try:
        judge(value, kind, accepted, **spec)
    except AssertionError:
        return False
    return True


# --- for the grader's feedback: is a failed test's message the checker's own? ----------------------------

def authored_message(text: str, cell_source: str) -> bool:
    """True when ``text`` is the author's: a string literal of ``cell_source``, or one of the checker's sentences
    filled in only with words from ``cell_source``.

    Feedback and self-check show a failed test's message only when its words
    are the author's, never a value a hidden test computed. A literal written
    with escapes (``"e.g. \\"2020-08-18\\"."``) is not a substring of the
    source: before this checker, the date item's hint was replaced by "A test
    could not run to the end" for that reason.
    """
    import ast
    import re
    import string

    try:
        literals = {n.value for n in ast.walk(ast.parse(cell_source)) if isinstance(n, ast.Constant)}
    except SyntaxError:
        literals = set()
    if text in literals:
        return True
    if CHECKER_NAME not in cell_source:
        return False
    catalogue = messages()
    templates = list(catalogue["form"].values()) + list(catalogue["value"].values())
    for template in templates:
        pattern, names = "", []
        for literal, field, _, _ in string.Formatter().parse(template):
            pattern += re.escape(literal)
            if field is not None:
                pattern += "(.*?)"
                names.append(field)
        match = re.fullmatch(pattern, text, flags=re.S)
        if not match:
            continue
        filled = match.groups()
        if all(all(part.strip() in cell_source for part in group.split(", ")) for group in filled):
            return True
    return False
