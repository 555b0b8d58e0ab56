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
