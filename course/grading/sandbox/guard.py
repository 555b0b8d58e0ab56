"""course.grading.sandbox.guard: the builtins guard that keeps hidden tests honest.

Hidden tests run in the student's kernel, after the student's code. They call
``builtins.type`` and friends (through ``import builtins``) so that a name the
notebook redefines cannot fool them, but a notebook can replace the builtins
themselves. Before the first cell, a snapshot of the builtins is taken; before
every test cell, anything replaced or deleted since is put back (and named in
the test's output). Code in the same interpreter can still find and replace
the guard itself; the grader then cannot vouch for the tests, and the test
cell gets an error (zero points) instead of a trusted pass.
"""

from __future__ import annotations

import ast

BUILTINS_GUARD_NAME = "__course_builtins_guard__"
#: Built-in names the kernel itself swaps while it works (IPython's builtin trap, ipykernel's stdin
#: forwarding, the displayhook's last results): never snapshotted, never restored.
KERNEL_MANAGED_BUILTINS = ("_", "__", "___", "get_ipython", "exit", "quit", "input", "raw_input", "getpass")


def builtins_guard_install(token: str) -> str:
    """The code that installs the guard in a fresh kernel. ``token`` (new for every notebook, never shown
    to the student) is the first item of every answer, so a stand-in that just returns "nothing restored"
    is told apart from the guard."""
    return f"""
def _course_make_guard():
    import builtins
    namespace = builtins.__dict__
    pristine = dict(namespace)
    for name in {KERNEL_MANAGED_BUILTINS!r}:
        pristine.pop(name, None)

    # Everything the guard calls is bound now, while the builtins are still the real ones.
    def guard(_items=pristine.items, _get=namespace.get, _put=namespace.__setitem__, _missing=object()):
        restored = [{token!r}]
        for name, value in _items():
            if _get(name, _missing) is not value:
                _put(name, value)
                restored.append(name)
        return restored
    return guard


{BUILTINS_GUARD_NAME} = _course_make_guard()
del _course_make_guard
"""


def parse_guard_answer(status: str, text: str, token: str) -> list[str] | None:
    """The names the guard restored, from its answer; None when the answer is not the guard's own."""
    try:
        restored = ast.literal_eval(text) if status == "ok" else None
    except (ValueError, SyntaxError):
        return None
    if (not isinstance(restored, list) or not restored or restored[0] != token
            or not all(isinstance(name, str) for name in restored)):
        return None
    return restored[1:]


# --- the answer checker, re-installed from the grader's own copy before every test cell that uses it ----------

CHECKER_MODULE = "course.grading.keys.check"


def uses_checker(source: str) -> bool:
    """True when a test cell calls the answer checker (``course.grading.keys.check``)."""
    return CHECKER_MODULE in source


def checker_install() -> str:
    """The code that puts a fresh answer checker into the kernel's ``sys.modules``, built from the grader's files.

    A notebook can replace ``judge`` (or the whole module) in an earlier cell;
    the test cell's ``from course.grading.keys.check import judge`` then finds
    this fresh module instead. The checker's source, its messages and the
    document travel as literals, so the kernel reads no file and imports no
    module the notebook could have changed (the judging code uses only
    builtins, which the builtins guard has just restored).
    """
    from pathlib import Path

    from course.grading.keys import check

    source = Path(check.__file__).read_text(encoding="utf-8")
    return f"""
def _course_install_checker(source={source!r}, messages={check.messages()!r}, document={check.document()!r}):
    import sys
    module = type(sys)({CHECKER_MODULE!r})
    module.__dict__.update(__file__="<grader's copy of course/grading/keys/check.py>",
                           PRESET_MESSAGES=messages, PRESET_DOCUMENT=document)
    exec(compile(source, module.__file__, "exec"), module.__dict__)
    sys.modules[module.__name__] = module
    parent = sys.modules.get({CHECKER_MODULE.rsplit('.', 1)[0]!r})
    if parent is not None:
        setattr(parent, "check", module)


_course_install_checker()
del _course_install_checker
"""
