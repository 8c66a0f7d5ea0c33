# darkfigure — every target works on a fresh machine that has only python3 and make.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed
SRC := $(shell find src -name '*.py' -o -name '*.yaml' -o -name '*.j2' 2>/dev/null)

.PHONY: install demo test bench lint lock clean

install: $(STAMP)

# Re-install only when the lock or the package metadata changed: `make install` is quick otherwise.
$(STAMP): requirements.lock pyproject.toml
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade "pip>=24"
	$(BIN)/python -m pip install --quiet -r requirements.lock
	$(BIN)/python -m pip install --quiet --no-deps --no-build-isolation -e .
	touch $(STAMP)

demo: install
	$(BIN)/darkfigure demo

test: install
	$(BIN)/python -m pytest -n 2 -q

bench: install
	$(BIN)/python -m benchmarks

lint: install
	$(BIN)/ruff check src tests benchmarks
	$(BIN)/ruff format --check src tests benchmarks
	$(BIN)/mypy

# Regenerate requirements.lock from pyproject.toml (needs network; commit the result).
lock:
	$(PYTHON) -m pip install --quiet --target .lock-tools "uv==0.13.8"
	PYTHONPATH=.lock-tools .lock-tools/bin/uv pip compile pyproject.toml --extra dev \
		--python-version 3.11 --no-header -o requirements.lock
	rm -rf .lock-tools

clean:
	rm -rf $(VENV) .pytest_cache .mypy_cache .ruff_cache build src/*.egg-info
