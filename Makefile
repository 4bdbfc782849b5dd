# tagkit — the two commands of the quickstart are `make report` and `make test`.
# Needs Python 3.11+ with venv and pip; everything else is installed into .venv.

PYTHON ?= python3
VENV   ?= .venv
PY     := $(VENV)/bin/python
TAGKIT := $(VENV)/bin/tagkit
STAMP  := $(VENV)/.tagkit-installed
DATA   ?= data/sample
OUT    ?= out
QUARTER ?= latest
PYTEST_ARGS ?=

.PHONY: setup report test lab sample clean help
.DEFAULT_GOAL := help

help:
	@echo "make report  - set up, generate sample data, run the latest quarter, print the index path"
	@echo "make test    - set up and run the whole test suite"
	@echo "make lab     - JupyterLab on notebooks/"
	@echo "make clean   - remove outputs, sample data and the virtualenv"

$(STAMP): pyproject.toml
	@$(PYTHON) -c 'import sys; sys.exit(0 if sys.version_info >= (3, 11) else "tagkit needs Python 3.11 or newer; set PYTHON=python3.11 (or newer)")'
	test -x $(PY) || $(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade pip
	$(PY) -m pip install --quiet -e '.[dev]'
	$(TAGKIT) install-kernel >/dev/null
	touch $(STAMP)

setup: $(STAMP)

$(DATA)/customers.csv: | $(STAMP)
	$(TAGKIT) sample-data --out $(DATA)

sample: $(DATA)/customers.csv

report: setup sample
	@$(TAGKIT) --quiet run --data $(DATA) --quarter $(QUARTER) --out $(OUT)

test: setup
	$(PY) -m pytest $(PYTEST_ARGS)

lab: setup
	$(VENV)/bin/jupyter lab notebooks/

clean:
	rm -rf $(OUT) $(DATA) .pytest_cache .hypothesis test-artifacts $(VENV)
	find . -name __pycache__ -type d -prune -exec rm -rf {} +
