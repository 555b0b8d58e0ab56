"""course.grading.patches: every change the kit makes to a library's behaviour, in one place.

Each patch was measured against one exact version of the library it touches
(:data:`MEASURED_WITH`) and is applied only when that version is installed;
on any other version the library's stock behaviour is kept (and
:func:`active_patches` says so). ``COURSE_STOCK_LIBRARIES=1`` turns every
patch off, to compare against stock behaviour. Each patch gives the same
answers as the code it replaces, only faster.
"""

from __future__ import annotations

import importlib
import importlib.util
import os
import sys
import types
from importlib.metadata import PackageNotFoundError, version

#: Patch name -> (distribution, the exact version it was measured with).
MEASURED_WITH = {
    "defer_rfc3987_syntax": ("rfc3987-syntax", "1.1.0"),
    "share_gradebook_engines": ("nbgrader", "0.9.6"),
    "cache_schema_checks": ("jsonschema", "4.26.0"),
    "remember_alembic_head": ("nbgrader", "0.9.6"),
}
#: Set to anything to run every library as shipped.
STOCK_ENV = "COURSE_STOCK_LIBRARIES"

RFC3987_SYNTAX = "rfc3987_syntax"


def patch_applies(name: str) -> bool:
    """Whether patch ``name`` may run: patches are on and the installed version is the measured one."""
    if os.environ.get(STOCK_ENV):
        return False
    distribution, measured = MEASURED_WITH[name]
    try:
        return version(distribution) == measured
    except PackageNotFoundError:
        return False


def active_patches() -> dict[str, bool]:
    """Each patch and whether it would be applied here."""
    return {name: patch_applies(name) for name in MEASURED_WITH}


# --------------------------------------------------------------------------
# rfc3987_syntax: imported on first use
# --------------------------------------------------------------------------


def defer_rfc3987_syntax() -> bool:
    """Make ``import rfc3987_syntax`` cheap until the module is used; True if a stand-in was installed.

    ``jsonschema`` (imported by nbformat and nbgrader) imports
    ``rfc3987_syntax`` when it is installed, to check the "iri" formats of
    draft 7 and later schemas; importing it builds about 25 Earley parsers
    from a grammar: measured with rfc3987-syntax 1.1.0, 1.9 s of the 3.8 s
    ``import nbgrader.apps`` takes, paid by every grading command. Nothing
    the kit does checks those formats (nbformat's and nbgrader's schemas are
    draft 4), so a stand-in in ``sys.modules`` imports the real module the
    first time anything is asked of it: the same answers, later or never.
    Does nothing when the module is not installed or already imported, or
    on another version. Must run before ``jsonschema`` is imported.
    """
    if RFC3987_SYNTAX in sys.modules or not patch_applies("defer_rfc3987_syntax"):
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


# --------------------------------------------------------------------------
# nbgrader's Gradebook: one SQLAlchemy engine per database URL
# --------------------------------------------------------------------------

_engines: dict = {}


def share_gradebook_engines() -> bool:
    """Let nbgrader's Gradebook reuse one SQLAlchemy engine per URL in this process; True if patched.

    nbgrader 0.9.6 opens the gradebook about ten times per submission, each
    time with a new engine (new connections): measured 40 ms per open on
    PostgreSQL, 11 ms on SQLite; with one engine per URL the connections are
    pooled (20 ms and 5 ms). Each open also runs ``Base.metadata.create_all``,
    which asks the database about every table (1-1.6 ms CPU per open, 10-16 ms
    per submission); with the engine shared, checking once per engine is
    enough, since nbgrader never drops a table. Undone by
    :func:`unshare_gradebook_engines`, so no pooled connection is ever
    inherited by a forked worker.
    """
    import nbgrader.api as nbgrader_api

    if not patch_applies("share_gradebook_engines"):
        return False
    if getattr(nbgrader_api.create_engine, "course_original", None) is not None:
        return True
    original = nbgrader_api.create_engine

    def create_engine(url, **kwargs):
        key = (str(url), tuple(sorted(kwargs.items())))
        if key not in _engines:
            _engines[key] = original(url, **kwargs)
        return _engines[key]

    create_engine.course_original = original
    nbgrader_api.create_engine = create_engine
    metadata = nbgrader_api.Base.metadata
    create_all = metadata.create_all
    checked: set[int] = set()

    def create_all_once(bind=None, tables=None, checkfirst=True):
        shared = any(engine is bind for engine in _engines.values())
        if shared and tables is None and checkfirst and id(bind) in checked:
            return
        create_all(bind=bind, tables=tables, checkfirst=checkfirst)
        if shared and tables is None and checkfirst:
            checked.add(id(bind))

    create_all_once.course_original = create_all
    metadata.create_all = create_all_once
    return True


def unshare_gradebook_engines() -> None:
    """nbgrader's own ``create_engine`` and ``create_all`` again; every shared engine disposed."""
    nbgrader_api = sys.modules.get("nbgrader.api")
    original = getattr(getattr(nbgrader_api, "create_engine", None), "course_original", None)
    if original is not None:
        nbgrader_api.create_engine = original
    metadata = getattr(getattr(nbgrader_api, "Base", None), "metadata", None)
    if getattr(metadata, "create_all", None) is not None and hasattr(metadata.create_all, "course_original"):
        del metadata.create_all  # the class's own method again
    while _engines:
        _engines.popitem()[1].dispose()


# --------------------------------------------------------------------------
# nbgrader's new gradebook: the alembic head asked for once per process
# --------------------------------------------------------------------------

_alembic_head: list[str] = []


def _alembic_head_here() -> str | None:
    """What ``alembic heads`` prints first, read in this process from the same alembic.ini; None unless one head."""
    from alembic.config import Config
    from alembic.script import ScriptDirectory
    from nbgrader.dbutil import _temp_alembic_ini

    with _temp_alembic_ini("sqlite:////tmp/gradebook.db") as alembic_ini:  # the ini nbgrader writes for the command
        heads = ScriptDirectory.from_config(Config(alembic_ini)).get_heads()
    return heads[0] if len(heads) == 1 else None


def remember_alembic_head() -> bool:
    """Let nbgrader read its alembic head once per process, without a new process; True if patched.

    nbgrader 0.9.6 stamps every gradebook it creates with the head revision of
    its own migrations, read by running the ``alembic heads`` command: a new
    Python process that imports alembic, SQLAlchemy and nbgrader, measured
    1.5-2.5 s (13 s and more on a loaded machine) for every class folder and
    every self-check's scratch class. The patch reads the same migration
    scripts, through the same alembic.ini, with alembic's own ScriptDirectory
    in this process (the command's answer when there is one head; otherwise
    the command runs), and keeps the answer: the head is fixed by the
    installed nbgrader. With ``COURSE_STOCK_LIBRARIES`` set the command runs
    every time, as shipped.
    """
    import nbgrader.api as nbgrader_api

    if not patch_applies("remember_alembic_head"):
        return False
    if getattr(nbgrader_api.get_alembic_version, "course_original", None) is not None:
        return True
    original = nbgrader_api.get_alembic_version

    def get_alembic_version() -> str:
        if not patch_applies("remember_alembic_head"):
            return original()
        if not _alembic_head:
            _alembic_head.append(_alembic_head_here() or original())
        return _alembic_head[0]

    get_alembic_version.course_original = original
    nbgrader_api.get_alembic_version = get_alembic_version
    return True


# --------------------------------------------------------------------------
# jsonschema.validate: each schema checked against its metaschema once
# --------------------------------------------------------------------------

_validators: dict = {}
_validate_original: list = []


def _cached_schema_validate(instance, schema, cls=None, *args, **kwargs):
    """``jsonschema.validate`` that builds (and checks) each schema's validator once, not on every call.

    Same result and same exception as ``jsonschema.validate``: the validator
    is built once per schema content, and the best-matching error is raised.
    """
    import json

    import jsonschema

    if cls is not None or args or kwargs:  # anything unusual: jsonschema's own code path
        return _validate_original[0](instance, schema, cls, *args, **kwargs)
    try:
        key = json.dumps(schema, sort_keys=True)  # by content: a changed schema is a new entry
    except (TypeError, ValueError):  # not plain JSON: no safe key, do it jsonschema's way
        return _validate_original[0](instance, schema)
    validator = _validators.get(key)
    if validator is None:
        validator_class = jsonschema.validators.validator_for(schema)
        validator_class.check_schema(schema)  # raises SchemaError exactly as validate would
        validator = _validators[key] = validator_class(schema)
    error = jsonschema.exceptions.best_match(validator.iter_errors(instance))
    if error is not None:
        raise error


def cache_schema_checks() -> bool:
    """Install the cached ``jsonschema.validate`` in this process; True if patched.

    nbgrader validates every cell's nbgrader metadata with
    ``jsonschema.validate(metadata, schema)``, which first re-validates the
    schema itself, for each of the 17 cells, twice per submission: measured
    with jsonschema 4.26.0, 0.28 -> 0.22 CPU-s of the worker's share per
    submission. Undone by :func:`uncache_schema_checks`.
    """
    import jsonschema

    if not patch_applies("cache_schema_checks"):
        return False
    if not _validate_original:
        _validate_original.append(jsonschema.validate)
        jsonschema.validate = _cached_schema_validate
    return True


def uncache_schema_checks() -> None:
    jsonschema = sys.modules.get("jsonschema")
    if _validate_original and jsonschema is not None:
        jsonschema.validate = _validate_original.pop()
    _validators.clear()


def apply_worker_patches() -> dict[str, bool]:
    """The patches a grading worker runs with (each only on its measured version); what was applied."""
    return {"share_gradebook_engines": share_gradebook_engines(), "cache_schema_checks": cache_schema_checks()}


def undo_worker_patches() -> None:
    unshare_gradebook_engines()
    uncache_schema_checks()
