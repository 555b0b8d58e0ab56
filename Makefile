# Build glue. The README's first two commands are `make demo` and `make test`;
# both create (or reuse) the virtual environment in .venv themselves.

PYTHON ?= python3
VENV   := .venv
BIN    := $(VENV)/bin
STAMP  := $(VENV)/.installed-stamp

.PHONY: demo test test-fast check build document install clean bench lab

$(STAMP): pyproject.toml
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --disable-pip-version-check -e '.[test]'
	touch $(STAMP)

install: $(STAMP)

## The main job: the instructor pipeline on the bundled demo class.
demo: $(STAMP)
	$(BIN)/python -m course demo

## JupyterLab on the class (the demo class after `make demo`), Formgrader and Assignment List working.
## LAB_ARGS passes options, e.g. make lab LAB_ARGS="--port 8899 --no-browser --ServerApp.token=secret".
lab: $(STAMP)
	scripts/lab.sh $(LAB_ARGS)

## The whole test suite (what CI runs). First, in seconds, that no generated file is stale (one line each, with
## the fix); then pytest, which exits 5 when it runs no test (make fails on it).
test: $(STAMP)
	scripts/install-test-deps.sh
	$(BIN)/python -m course build --check
	$(BIN)/python -m pytest

## Everyday work: the suite without the tests that run notebooks, nbgrader or a browser (under a minute).
test-fast: $(STAMP)
	$(BIN)/python -m pytest -m "not slow"

check: $(STAMP)
	$(BIN)/python -m course check

## Regenerate every generated file (evidence tables, data dictionary, packets, test cells, module tree).
build: $(STAMP)
	$(BIN)/python -m course build

document: $(STAMP)
	$(BIN)/python -m course document

bench: $(STAMP)
	$(BIN)/python bench/startup.py

clean:
	rm -rf $(VENV) .pytest_cache build *.egg-info
