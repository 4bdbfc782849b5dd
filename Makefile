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

.PHONY: setup report test check lab sample clean help browser-deps java-deps lock
.DEFAULT_GOAL := help

help:
	@echo "make report  - set up, generate sample data, run the latest quarter, print the index path"
	@echo "make test    - set up, run the checks (make check) and the whole test suite"
	@echo "make check   - ruff, mypy and the import layers (docs/architecture.md)"
	@echo "make browser-deps - install Chromium and CJK fonts for the browser tests (Debian, root or sudo)"
	@echo "make java-deps - install a Java runtime (17+) for the Spark tests when there is none (Debian, root or sudo)"
	@echo "make lab     - JupyterLab on notebooks/"
	@echo "make clean   - remove outputs, sample data and the virtualenv"

# Installs from the committed lock (requirements-lock.txt, exact versions, as pip constraints): a fresh
# machine gets the packages the tests were run with, so the byte-identical outputs hold there too.
$(STAMP): pyproject.toml requirements-lock.txt
	@$(PYTHON) -c 'import sys; sys.exit(0 if sys.version_info >= (3, 11) else "tagkit needs Python 3.11 or newer; set PYTHON=python3.11 (or newer)")'
	test -x $(PY) || $(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade pip
	$(PY) -m pip install --quiet -c requirements-lock.txt -e '.[dev,lab,spark]'
	$(TAGKIT) install-kernel >/dev/null
	touch $(STAMP)

setup: $(STAMP)

$(DATA)/customers.csv: | $(STAMP)
	$(TAGKIT) sample-data --out $(DATA)

sample: $(DATA)/customers.csv

report: setup sample
	@$(TAGKIT) --quiet run --data $(DATA) --quarter $(QUARTER) --out $(OUT)

# the notebooks are cleaned first (tagkit.nbclean): one saved from JupyterLab keeps only the outputs nbval checks
test: setup sample java-deps check
	$(PY) -m tagkit.nbclean notebooks/*.ipynb
	$(PY) -m pytest $(PYTEST_ARGS)

# The house's checks, before the tests (docs/architecture.md "Checks"): style and likely bugs, types, layers
check: setup
	$(VENV)/bin/ruff check src tests benchmarks
	$(VENV)/bin/mypy
	$(VENV)/bin/lint-imports

# The browser tests (pytest -m browser) drive Debian's Chromium through Playwright (Playwright's own
# browser download is not used) and need CJK fonts to render Chinese. Installs them when missing
# (root, or sudo); without them `make test` skips those tests on a developer machine, and fails in CI.
BROWSER_PACKAGES := chromium fonts-noto-cjk
browser-deps:
	@missing=""; for p in $(BROWSER_PACKAGES); do dpkg -s $$p >/dev/null 2>&1 || missing="$$missing $$p"; done; \
	if [ -n "$$missing" ]; then \
	  sudo=""; [ "$$(id -u)" -eq 0 ] || sudo="sudo"; \
	  echo "installing$$missing"; \
	  $$sudo apt-get update && $$sudo env DEBIAN_FRONTEND=noninteractive apt-get install -y $$missing; \
	else echo "browser test packages present: $(BROWSER_PACKAGES)"; fi

# The Spark tests (pytest -m spark) start a local Spark, which needs Java 17 or newer (Spark 4). The system's
# Java is used when it is 17+; otherwise Debian's openjdk-17-jre-headless is installed (root, or sudo), or
# default-jre-headless where 17 is gone (Debian 13: Java 21). Without root or sudo it says so and the Spark
# tests skip on a developer machine (in CI they fail).
java-deps:
	@v=$$(java -XshowSettings:properties -version 2>&1 | sed -n 's/^ *java.specification.version = //p'); \
	if [ -n "$$v" ] && [ "$${v%%.*}" -ge 17 ] 2>/dev/null; then echo "java $$v present for the Spark tests"; \
	elif [ "$$(id -u)" -ne 0 ] && ! command -v sudo >/dev/null; then \
	  echo "no Java 17+ (found: $${v:-none}) and no root or sudo to install it: the Spark tests will skip"; \
	else \
	  sudo=""; [ "$$(id -u)" -eq 0 ] || sudo="sudo"; \
	  $$sudo apt-get update; pkg=openjdk-17-jre-headless; \
	  apt-cache show $$pkg >/dev/null 2>&1 || pkg=default-jre-headless; \
	  echo "installing $$pkg"; $$sudo env DEBIAN_FRONTEND=noninteractive apt-get install -y --no-install-recommends $$pkg; \
	fi

# requirements-lock.txt again from pyproject.toml: the newest versions it allows, resolved in a fresh
# virtualenv (never the working one, which may hold tools installed by hand); commit the result
lock:
	rm -rf .lock-venv && $(PYTHON) -m venv .lock-venv
	.lock-venv/bin/python -m pip install --quiet --upgrade pip
	.lock-venv/bin/python -m pip install --quiet -e '.[dev,lab,bench,spark]'
	{ sed -n '1,3p' requirements-lock.txt; .lock-venv/bin/python -m pip freeze --exclude-editable; } > requirements-lock.txt.new
	mv requirements-lock.txt.new requirements-lock.txt && rm -rf .lock-venv

# rooted at the project, so params/, data/ and out/ are reachable beside notebooks/, which it opens on
lab: setup
	$(VENV)/bin/jupyter lab --ServerApp.root_dir="$(CURDIR)" --LabApp.default_url=/lab/tree/notebooks

clean:
	rm -rf $(OUT) $(DATA) .pytest_cache .hypothesis test-artifacts $(VENV)
	find . -name __pycache__ -type d -prune -exec rm -rf {} +
