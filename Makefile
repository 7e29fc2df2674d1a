# Quick start: `make demo` (set up + main job: the quick reproduction), `make test` (set up + tests).
# `make reproduce` is the full reproduction into figures/; `make reproduce-robust` adds the robustness column (about 130 min on 2 cores).
PYTHON ?= python3
VENV   ?= .venv
BIN    := $(VENV)/bin
STAMP  := $(VENV)/.installed-stamp

.PHONY: demo reproduce reproduce-robust test test-slow lint citation wheel-check docs clean

$(STAMP): pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e '.[dev,docs]'
	touch $(STAMP)

demo: $(STAMP)
	$(BIN)/ketasim reproduce --quick --out out/reproduce-quick

reproduce: $(STAMP)
	$(BIN)/ketasim reproduce --strict --out figures

# The committed figures/REPORT.md: the full reproduction with its robustness column (8 draws, 2 workers).
reproduce-robust: $(STAMP)
	$(BIN)/ketasim reproduce --workers 2 --robustness 8 --out figures

test: $(STAMP)
	$(BIN)/python -m pytest -n 2 -q

test-slow: $(STAMP)
	$(BIN)/python -m pytest -q -m slow

lint: $(STAMP) citation
	$(BIN)/ruff check ketasim tests benchmarks experiments docs
	$(BIN)/lint-imports
	$(BIN)/mypy ketasim

# CITATION.cff against the Citation File Format schema; cffconvert pins an old jsonschema,
# so it lives in a venv of its own.
CFF_VENV := .venv-cff
$(CFF_VENV)/bin/cffconvert:
	$(PYTHON) -m venv $(CFF_VENV)
	$(CFF_VENV)/bin/python -m pip install --quiet 'cffconvert==2.0.0'

citation: $(CFF_VENV)/bin/cffconvert
	$(CFF_VENV)/bin/cffconvert --validate -i CITATION.cff

# The built wheel, installed into a fresh venv, run from an empty directory.
wheel-check: $(STAMP)
	PYTHON=$(BIN)/python .ci/check-wheel

# The parameter table, then the site (mkdocs.yml) into site/; strict: any warning fails the build.
# The two variables only silence upstream banners about MkDocs' future.
docs: $(STAMP)
	$(BIN)/ketasim parameters --markdown > docs/parameters.md
	NO_MKDOCS_2_WARNING=1 DISABLE_MKDOCS_2_WARNING=true $(BIN)/mkdocs build --strict --site-dir site

clean:
	rm -rf $(VENV) $(CFF_VENV) out ketasim-out .pytest_cache site
