PYTHON ?= $(shell command -v python3.11 || command -v python3)
VENV := .venv
PY := $(VENV)/bin/python

.PHONY: run test lint messages bench clean

$(VENV)/.installed: pyproject.toml
	test -x $(PY) || $(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade pip
	$(PY) -m pip install --quiet -e '.[dev]'
	touch $@

## make run: start the portal with its demo data (Ctrl-C stops everything)
run: $(VENV)/.installed
	$(PY) -m portal.stack run

## make test: the whole suite
test: $(VENV)/.installed
	$(PY) -m portal.stack test $(PYTEST_ARGS)

## make lint: ruff on everything, mypy on the services (the files are listed in pyproject.toml)
lint: $(VENV)/.installed
	$(VENV)/bin/ruff check .
	$(VENV)/bin/mypy

## make messages: refresh and compile the French catalogue
messages: $(VENV)/.installed
	$(PY) manage.py makemessages -l fr --ignore '.venv/*' --ignore '.data/*' --no-obsolete
	$(PY) manage.py compilemessages -l fr --ignore '.venv/*'

bench: $(VENV)/.installed
	$(PY) -m portal.stack bench

clean:
	rm -rf $(VENV) .data
