# Quick start: `make demo` (set up + main job: the quick reproduction), `make test` (set up + tests).
# `make reproduce` is the full reproduction into figures/.
PYTHON ?= python3
VENV   ?= .venv
BIN    := $(VENV)/bin
STAMP  := $(VENV)/.installed-stamp

.PHONY: demo reproduce test test-slow lint docs clean

$(STAMP): pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e '.[dev]'
	touch $(STAMP)

demo: $(STAMP)
	$(BIN)/ketasim reproduce --quick --out out/reproduce-quick

reproduce: $(STAMP)
	$(BIN)/ketasim reproduce --strict --out figures

test: $(STAMP)
	$(BIN)/python -m pytest -n 2 -q

test-slow: $(STAMP)
	$(BIN)/python -m pytest -q -m slow

lint: $(STAMP)
	$(BIN)/ruff check ketasim tests benchmarks experiments
	$(BIN)/lint-imports

docs: $(STAMP)
	$(BIN)/ketasim parameters --markdown > docs/parameters.md

clean:
	rm -rf $(VENV) out ketasim-out .pytest_cache
