"""course.grading.patches: each library patch gives stock answers, and only runs on the version it was measured with."""

from __future__ import annotations

import subprocess
import sys

import pytest

from course.grading import classdir, patches

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


def test_every_patch_is_gated_on_an_installed_exact_version_and_off_on_any_other(monkeypatch):
    """Does a patch run only on the measured version, and fall back to stock behaviour otherwise?"""
    import jsonschema

    from course.grading import patches as module

    assert all(module.active_patches().values()), module.active_patches()  # this environment is the measured one
    monkeypatch.setitem(module.MEASURED_WITH, "cache_schema_checks", ("jsonschema", "0.0.1"))
    monkeypatch.setitem(module.MEASURED_WITH, "share_gradebook_engines", ("nbgrader", "0.0.1"))
    stock_validate = jsonschema.validate
    assert module.apply_worker_patches() == {"share_gradebook_engines": False, "cache_schema_checks": False}
    assert jsonschema.validate is stock_validate
    import nbgrader.api as nbgrader_api

    assert not hasattr(nbgrader_api.create_engine, "course_original")


def test_the_stock_switch_turns_every_patch_off(monkeypatch):
    monkeypatch.setenv(patches.STOCK_ENV, "1")
    assert patches.active_patches() == {name: False for name in patches.MEASURED_WITH}


def test_the_cached_schema_check_raises_what_jsonschema_validate_raises(monkeypatch):
    """Workers check nbgrader's metadata schema once; every answer stays jsonschema.validate's."""
    import jsonschema
    from nbgrader.nbgraderformat.v3 import MetadataValidatorV3

    schema = MetadataValidatorV3().schema
    good = {"grade": True, "grade_id": "q1", "locked": True, "points": 2.0, "schema_version": 3,
            "solution": False, "task": False}
    bad = dict(good, points="two")
    checks = []
    original_check = jsonschema.Draft4Validator.check_schema.__func__
    monkeypatch.setattr(jsonschema.Draft4Validator, "check_schema",
                        classmethod(lambda cls, s, **kw: checks.append(1) or original_check(cls, s, **kw)))
    try:
        assert patches.cache_schema_checks()
        assert jsonschema.validate is patches._cached_schema_validate
        for _ in range(3):
            jsonschema.validate(good, schema)
        with pytest.raises(jsonschema.ValidationError) as cached:
            jsonschema.validate(bad, schema)
        with pytest.raises(jsonschema.SchemaError):
            jsonschema.validate(good, {"$schema": schema["$schema"], "type": "no-such-type"})
    finally:
        patches.uncache_schema_checks()
    assert len(checks) == 2  # once for nbgrader's schema, once for the broken one
    assert jsonschema.validate is not patches._cached_schema_validate
    with pytest.raises(jsonschema.ValidationError) as stock:
        jsonschema.validate(bad, schema)
    assert (cached.value.message, list(cached.value.path)) == (stock.value.message, list(stock.value.path))


def test_shared_engines_create_the_gradebook_tables_once_and_still_create_them(tmp_path, monkeypatch):
    """Workers skip nbgrader's per-open table check once it has passed for the shared engine."""
    import nbgrader.api as nbgrader_api
    from sqlalchemy import MetaData

    calls = []
    real = MetaData.create_all
    monkeypatch.setattr(MetaData, "create_all", lambda self, *a, **kw: calls.append(1) or real(self, *a, **kw))
    url = f"sqlite:///{tmp_path / 'gradebook.db'}"
    classdir.scripts_on_path()  # a new gradebook asks the alembic command for its version, as in workers
    assert patches.share_gradebook_engines()
    try:
        for _ in range(3):
            with nbgrader_api.Gradebook(url) as book:
                book.add_student("s1") if not book.students else None
        with nbgrader_api.Gradebook(url) as book:
            assert [s.id for s in book.students] == ["s1"]
    finally:
        patches.unshare_gradebook_engines()
    assert len(calls) == 1  # the tables were created (first open) and not checked again
    assert "create_all" not in vars(nbgrader_api.Base.metadata)  # undone
    with nbgrader_api.Gradebook(f"sqlite:///{tmp_path / 'other.db'}") as book:
        assert book.students == []
    assert len(calls) == 2  # unshared: nbgrader's own behaviour again


def test_the_remembered_alembic_head_is_the_commands_own_and_is_read_once_without_it(tmp_path, monkeypatch):
    """Does every new gradebook get the stamp `alembic heads` gives: read once, in process, and by the command when stock?"""
    import nbgrader.api as nbgrader_api
    from sqlalchemy import create_engine, text

    classdir.scripts_on_path()
    stock = getattr(nbgrader_api.get_alembic_version, "course_original", nbgrader_api.get_alembic_version)
    runs = []  # what each run of the command itself (nbgrader's own function) answered

    def counted():
        runs.append(stock())
        return runs[-1]

    reads = []
    here = patches._alembic_head_here
    monkeypatch.setattr(patches, "_alembic_head_here", lambda: reads.append(here()) or reads[-1])
    monkeypatch.setattr(nbgrader_api, "get_alembic_version", counted)  # restored afterwards
    monkeypatch.setattr(patches, "_alembic_head", [])
    assert patches.remember_alembic_head()
    stamps = []
    for name in ("a.db", "b.db", "c.db"):
        if name == "c.db":
            monkeypatch.setenv(patches.STOCK_ENV, "1")
        with nbgrader_api.Gradebook(f"sqlite:///{tmp_path / name}"):
            pass
        engine = create_engine(f"sqlite:///{tmp_path / name}")
        with engine.connect() as db:
            stamps.append(db.execute(text("SELECT version_num FROM alembic_version")).scalar())
        engine.dispose()
    assert len(reads) == 1 and len(runs) == 1  # read once for a.db and b.db; the command for c.db, every patch off
    assert runs[0] and stamps == [runs[0]] * 3
