# `make serve` and `make test` set everything up on first use: a virtualenv with the pinned
# Python packages (requirements.lock) and the pinned KaTeX (package-lock.json).
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed
export NO_MKDOCS_2_WARNING := 1
export DISABLE_MKDOCS_2_WARNING := true

.PHONY: install serve free-port build test check bench clean

install: $(STAMP)

$(STAMP): pyproject.toml requirements.lock package.json package-lock.json
	@$(PYTHON) -c 'import sys; sys.exit(sys.version_info < (3, 11) and "Python 3.11 or newer is needed")'
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --disable-pip-version-check -c requirements.lock -e ".[test]"
	$(BIN)/python -m derivations assets
	touch $@

# Dirty builds rebuild only what an edit reaches (derivations/site/serve_hook.py); while serving, an error or
# a missing translation shows on the page instead of stopping the server. The port is checked before any build.
PORT ?= 8000
serve: free-port install
	MKDOCS_STRICT=false $(BIN)/mkdocs serve --dirty --dev-addr 127.0.0.1:$(PORT)

# Build into a fresh folder and swap it in, so an interrupted build never leaves a half-written site/.
# Dates in the sitemap come from the last commit, so two builds of one commit are identical.
free-port:
	@$(PYTHON) -c 'import socket, sys; socket.create_server(("127.0.0.1", int(sys.argv[1])))' $(PORT) 2>/dev/null \
	  || { echo "make serve: port $(PORT) is taken; choose another with: make serve PORT=8001" >&2; exit 1; }

build: install
	rm -rf site.tmp
	SOURCE_DATE_EPOCH=$$(git log -1 --format=%ct 2>/dev/null || date +%s) $(BIN)/mkdocs build --strict -d site.tmp
	rm -rf site && mv site.tmp site

check: install
	$(BIN)/python -m derivations check

# One pytest-xdist worker per core; the workers share one build of the real site.
test: install
	$(BIN)/python -m pytest -n auto

# Every benchmark, median of 5 runs, as a table; the figures go to benchmarks/results.json, which the
# Performance page shows. About 15 minutes on two cores, most of it the timed test suite.
bench: install
	$(BIN)/python -m benchmarks

clean:
	rm -rf site site.tmp .cache docs/assets/katex
