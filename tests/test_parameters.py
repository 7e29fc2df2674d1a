"""Every parameter has a source, and docs/parameters.md is current."""

from pathlib import Path

from ketasim.parameters import registry, render_table

DOC = Path(__file__).resolve().parents[1] / "docs" / "parameters.md"


def test_every_parameter_has_a_source_or_says_what_it_was_fitted_to():
    params = registry()
    assert len(params) > 40
    for p in params:
        assert p.source.strip(), p.name
        if p.fitted:
            assert len(p.source) > len("fitted: ") + 10, f"{p.layer}.{p.name} must say what it was fitted to"


def test_parameter_table_is_current():
    assert DOC.read_text(encoding="utf-8") == render_table(), (
        "docs/parameters.md is out of date: run `make docs` (python -m ketasim.parameters > docs/parameters.md)"
    )
