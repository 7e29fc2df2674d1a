"""Shared fixtures: quick-profile scenarios, memoised per test session."""

from __future__ import annotations

import json
from functools import cache

import pytest

from ketasim.config import validate_scenario
from ketasim.scenario import ScenarioResult, simulate
from ketasim.settings import overridden, settings


@cache
def _simulate_json(config_json: str) -> ScenarioResult:
    return simulate(validate_scenario(json.loads(config_json)), quick=True)


@pytest.fixture(scope="session")
def run_quick():
    """Run a scenario given as a plain dict in the quick profile (memoised)."""

    def run(config: dict) -> ScenarioResult:
        return _simulate_json(json.dumps(config, sort_keys=True))

    return run


@pytest.fixture(scope="module")
def standalone_dir():
    """A persistent directory for compiled networks (test modules that build binaries share it across runs)."""
    root = settings().cache_root / "test-standalone"
    with overridden(standalone_dir=root):
        yield root
