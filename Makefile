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
	$(BIN)/python -m pip install --quiet -e '.[dev,docs]'
	touch $(STAMP)

demo: $(STAMP)
	$(BIN)/ketasim reproduce --quick --out out/reproduce-quick

reproduce: $(STAMP)
	$(BIN)/ketasim reproduce --strict

test: $(STAMP)
	$(BIN)/python -m pytest -n 2 -q

test-slow: $(STAMP)
	$(BIN)/python -m pytest -q -m slow

lint: $(STAMP)
	$(BIN)/ruff check ketasim tests benchmarks experiments
	$(BIN)/lint-imports

# The parameter table, then the site (mkdocs.yml) into site/; strict: any warning fails the build.
# The two variables only silence upstream banners about MkDocs' future.
docs: $(STAMP)
	$(BIN)/ketasim parameters --markdown > docs/parameters.md
	NO_MKDOCS_2_WARNING=1 DISABLE_MKDOCS_2_WARNING=true $(BIN)/mkdocs build --strict --site-dir site

clean:
	rm -rf $(VENV) out ketasim-out .pytest_cache site
