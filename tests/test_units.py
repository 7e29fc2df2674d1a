import math

import pytest

from ketasim.units import UnitError, parse_quantity


@pytest.mark.parametrize(
    ("text", "kind", "expected"),
    [
        ("30 mg/kg", "dose", 30.0),
        ("0.03 g/kg", "dose", 30.0),
        ("22 h", "time", 22.0),
        ("40 min", "time", 40 / 60),
        ("7 d", "time", 168.0),
        ("500 ms", "time", 0.5 / 3600),
        ("10 uM", "concentration", 10.0),
        ("10 µM", "concentration", 10.0),
        ("50 nM", "concentration", 0.05),
        ("1 mM", "concentration", 1000.0),
        ("100 Hz", "frequency", 100.0),
        (0, "dose", 0.0),
        ("0", "time", 0.0),
    ],
)
def test_parses_to_canonical_unit(text, kind, expected):
    assert math.isclose(parse_quantity(text, kind), expected, rel_tol=1e-12)


@pytest.mark.parametrize(
    ("text", "kind", "fragment"),
    [
        ("30", "dose", "missing unit"),
        (30, "dose", "missing unit"),
        ("30 mg", "dose", "wrong unit"),
        ("30 %", "dose", "wrong unit"),
        ("3 h", "dose", "wrong unit"),
        ("10 uM", "time", "wrong unit"),
        ("soon", "time", "cannot read"),
        ("nan h", "time", "not a finite number"),
        (True, "time", "expected a time"),
        (None, "dose", "expected a dose"),
    ],
)
def test_rejects_with_a_reason(text, kind, fragment):
    with pytest.raises(UnitError, match=fragment):
        parse_quantity(text, kind)


def test_parse_quantity_cache_keeps_types_and_errors_apart():
    assert parse_quantity(0, "dose") == 0.0
    with pytest.raises(UnitError):
        parse_quantity(False, "dose")  # equal to 0 as a cache key, still refused
    assert parse_quantity("30 mg/kg", "dose") == parse_quantity("30 mg/kg", "dose") == 30.0
    assert parse_quantity("30 min", "time") == 0.5
    for _ in range(2):  # errors are raised every time, not cached as values
        with pytest.raises(UnitError):
            parse_quantity("30 mg/kg", "time")
    with pytest.raises(UnitError):
        parse_quantity(["30 mg/kg"], "dose")  # unhashable: parsed (and refused) without the cache
