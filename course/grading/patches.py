"""Third-party import costs the kit's commands do not pay up front.

``jsonschema`` (imported by nbformat and nbgrader) imports ``rfc3987_syntax``
when it is installed, to check the "iri" and "iri-reference" formats of
draft 7 and later schemas; importing it builds about 25 Earley parsers from a
grammar: measured 1.9 s of the 3.8 s ``import nbgrader.apps`` takes, paid by
every ``python -m course`` command that grades (a third of the fixed cost of
``python -m course autograde``). Nothing the kit does checks those formats
(nbformat's and nbgrader's schemas are draft 4), so :func:`defer_rfc3987_syntax`
puts a stand-in in ``sys.modules`` that imports the real module the first
time anything is asked of it: the same answers, later or never.
"""

from __future__ import annotations

import importlib
import importlib.util
import sys
import types

RFC3987_SYNTAX = "rfc3987_syntax"


def defer_rfc3987_syntax() -> bool:
    """Make ``import rfc3987_syntax`` cheap until the module is used; True if a stand-in was installed.

    Does nothing when the module is not installed or already imported.
    Must run before ``jsonschema`` is imported to have any effect.
    """
    if RFC3987_SYNTAX in sys.modules:
        return False
    try:
        if importlib.util.find_spec(RFC3987_SYNTAX) is None:
            return False
    except (ImportError, ValueError):
        return False
    stand_in = types.ModuleType(RFC3987_SYNTAX, "Stand-in: imports the real rfc3987_syntax on first use.")

    def real() -> types.ModuleType:
        if sys.modules.get(RFC3987_SYNTAX) is stand_in:
            del sys.modules[RFC3987_SYNTAX]
            try:
                importlib.import_module(RFC3987_SYNTAX)
            except BaseException:
                sys.modules[RFC3987_SYNTAX] = stand_in  # try again on the next use
                raise
        return sys.modules[RFC3987_SYNTAX]

    def is_valid_syntax(term: str, value: str):
        # jsonschema binds this name at import ("from rfc3987_syntax import is_valid_syntax").
        return real().is_valid_syntax(term, value)

    def __getattr__(name: str):
        if name.startswith("__") and name.endswith("__"):
            # The import system asks for __path__ and the like on "from ... import": not a use.
            raise AttributeError(name)
        return getattr(real(), name)  # any other name: the real module's

    stand_in.is_valid_syntax = is_valid_syntax
    stand_in.__getattr__ = __getattr__
    sys.modules[RFC3987_SYNTAX] = stand_in
    return True
