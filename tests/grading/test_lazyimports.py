"""course.grading.patches: start-up costs deferred without changing any answer."""

from __future__ import annotations

import subprocess
import sys

import pytest

PROBE = """
import sys
from course.grading.patches import defer_rfc3987_syntax
print(defer_rfc3987_syntax())
import nbgrader.apps, jsonschema
print("lark" in sys.modules)  # the grammar was not built by importing nbgrader
checker = jsonschema.Draft202012Validator.FORMAT_CHECKER
validator = jsonschema.Draft202012Validator({"format": "iri"}, format_checker=checker)
print(validator.is_valid("http://example.org/caf\\u00e9"), validator.is_valid("no iri :: at all"))
print(type(sys.modules["rfc3987_syntax"].syntax_parser).__name__)  # the real module, now imported
"""


def test_the_iri_grammar_is_built_only_when_a_format_check_needs_it():
    pytest.importorskip("rfc3987_syntax")
    done = subprocess.run([sys.executable, "-c", PROBE], capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, done.stderr
    assert done.stdout.split() == ["True", "False", "True", "False", "Lark"]


def test_nothing_is_deferred_once_the_module_is_imported():
    pytest.importorskip("rfc3987_syntax")
    done = subprocess.run([sys.executable, "-c", "import rfc3987_syntax\nfrom course.grading.patches import defer_rfc3987_syntax\n"
                           "print(defer_rfc3987_syntax())"], capture_output=True, text=True, timeout=120)
    assert done.stdout.split() == ["False"], done.stderr
