"""Unit strings in configs (``"30 mg/kg"``, ``"22 h"``, ``"10 uM"``) parsed with pint.

Configs carry quantities as strings with units. Each config field names the
*kind* of quantity it expects; :func:`parse_quantity` checks the dimension and
returns the magnitude in the canonical unit of that kind, so that the model
layers work with plain floats in documented units (time in hours, doses in
mg/kg, concentrations in µM, ...). Inside the Brian2 circuits Brian2's own
units take over.
"""

from __future__ import annotations

import math
import re
from dataclasses import dataclass
from functools import lru_cache

import pint

from ketasim.messages import describe

__all__ = ["KINDS", "QuantityKind", "UnitError", "convert_to", "format_quantity", "parse_quantity"]


class UnitError(ValueError):
    """A quantity string that is malformed or of the wrong dimension."""


@lru_cache(maxsize=1)
def _registry() -> pint.UnitRegistry:
    ureg: pint.UnitRegistry = pint.UnitRegistry(autoconvert_offset_to_baseunit=True)
    # Spellings people type in configs; pint knows "µM" but not "uM".
    ureg.define("micromolar = micromole / liter = uM")
    ureg.define("nanomolar = nanomole / liter = nM")
    ureg.define("millimolar = millimole / liter = mM")
    return ureg


@dataclass(frozen=True)
class QuantityKind:
    """A kind of quantity a config field accepts.

    Attributes
    ----------
    name : str
        Human-readable kind, used in error messages.
    canonical : str
        pint unit the value is converted to.
    examples : str
        Example strings shown to the user when the input is wrong.
    """

    name: str
    canonical: str
    examples: str


KINDS: dict[str, QuantityKind] = {
    "time": QuantityKind("a time", "hour", "'22 h', '40 min', '7 d', '500 ms'"),
    "dose": QuantityKind("a dose per body mass", "mg/kg", "'30 mg/kg', '0.5 mg/kg'"),
    "concentration": QuantityKind("a molar concentration", "uM", "'10 uM', '50 nM', '1 mM'"),
    "frequency": QuantityKind("a frequency", "Hz", "'100 Hz', '5 Hz'"),
}


def parse_quantity(value: object, kind: str) -> float:
    """Parse a unit string into a float in the canonical unit of ``kind``.

    Results are cached (pint parsing dominates validating large sweeps: a
    10,000-point grid repeats a few strings thousands of times); errors are
    not cached, and unhashable inputs are parsed without the cache.

    Parameters
    ----------
    value : str
        Text such as ``"30 mg/kg"``. A bare ``0`` (number or string) is
        accepted for every kind, since zero needs no unit.
    kind : str
        One of :data:`KINDS` (``time`` → hours, ``dose`` → mg/kg,
        ``concentration`` → µM, ``frequency`` → Hz).

    Returns
    -------
    float
        Magnitude in the canonical unit.

    Raises
    ------
    UnitError
        If the text is not a number with a unit of the right dimension.
    """
    try:
        hash(value)
    except TypeError:
        return _parse_quantity(value, kind)
    return _parse_quantity_cached(value, kind)


def _parse_quantity(value: object, kind: str) -> float:
    spec = KINDS[kind]
    expected = f"{spec.name} with a unit, e.g. {spec.examples}"
    if isinstance(value, bool) or value is None:
        raise UnitError(f"expected {expected}; got {describe(value)}")
    if isinstance(value, int | float):
        if value == 0:
            return 0.0
        raise UnitError(f"missing unit in {describe(value)}; expected {expected}")
    if not isinstance(value, str):
        raise UnitError(f"expected {expected}; got {describe(value)}")
    return _parse_text(value, kind)


@lru_cache(maxsize=4096)
def _parse_text(value: str, kind: str) -> float:
    """The string case of :func:`parse_quantity`, memoised (sweeps parse the same few strings many times)."""
    spec = KINDS[kind]
    expected = f"{spec.name} with a unit, e.g. {spec.examples}"
    text = value.strip().replace("µ", "u").replace("μ", "u")
    ureg = _registry()
    if not _readable(text):
        raise UnitError(f"cannot read {describe(value)}; expected {expected}")
    try:
        quantity: pint.Quantity = ureg.Quantity(text)
    except Exception:
        raise UnitError(f"cannot read {describe(value)}; expected {expected}") from None
    try:
        if not isinstance(quantity, pint.Quantity):  # a bare number
            if float(quantity) == 0:
                return 0.0
            raise UnitError(f"missing unit in {describe(value)}; expected {expected}")
        if not dict(quantity.unit_items()):  # a number with no unit at all
            if quantity.magnitude == 0:
                return 0.0
            raise UnitError(f"missing unit in {describe(value)}; expected {expected}")
        target = ureg.Quantity(1, spec.canonical)
        # mg/kg is dimensionless to pint, so a ratio such as "30 %" would convert;
        # compare the dimensions of numerator and denominator instead.
        if _dimension_signature(quantity) != _dimension_signature(target):
            raise UnitError(f"wrong unit in {describe(value)} ({quantity.units:~}); expected {expected}")
        magnitude = float(quantity.to(spec.canonical).magnitude)
    except UnitError:
        raise
    except (OverflowError, ArithmeticError, TypeError, ValueError):  # e.g. an integer too large for a float
        magnitude = math.inf
    if not math.isfinite(magnitude):
        raise UnitError(f"{describe(value)} is not a finite number; expected {expected}")
    return magnitude


_POWER = re.compile(r"\*\*|\^")
# A power of a unit by a short number (h**2, kg^-1), not chained: pint evaluates
# 9**9**9 exactly, which never ends.
_UNIT_POWER = re.compile(r"[A-Za-z_]\s*(?:\*\*|\^)\s*[-+]?\d{1,2}(?:\.\d{1,3})?(?!\s*(?:\*\*|\^|\d|\.))")
MAX_QUANTITY_TEXT = 200


def _readable(text: str) -> bool:
    """Whether pint may evaluate ``text``: short, and its only powers are small powers of units."""
    if len(text) > MAX_QUANTITY_TEXT:
        return False
    return len(_POWER.findall(text)) == len(_UNIT_POWER.findall(text))


# typed: 0, 0.0 and False are equal as keys but not as inputs (False is refused).
_parse_quantity_cached = lru_cache(maxsize=1 << 16, typed=True)(_parse_quantity)


def _dimension_signature(quantity: pint.Quantity) -> dict[str, float]:
    """Dimensions of a quantity's units before cancellation (mg/kg → mass¹ mass⁻¹)."""
    ureg = _registry()
    positive: dict[str, float] = {}
    negative: dict[str, float] = {}
    for name, power in quantity.unit_items():
        for dim, exponent in ureg.get_dimensionality(name).items():
            # pint types exponents as any scalar (complex, Decimal, ...); a unit's are real numbers.
            product: float = exponent * power  # type: ignore[assignment,operator]
            side = positive if product > 0 else negative
            side[dim] = side.get(dim, 0.0) + abs(product)
    return {**{f"+{k}": v for k, v in positive.items()}, **{f"-{k}": v for k, v in negative.items()}}


def format_quantity(magnitude: float, kind: str) -> str:
    """Inverse of :func:`parse_quantity`: a canonical-unit string such as ``'22 h'``."""
    unit = {"time": "h", "dose": "mg/kg", "concentration": "uM", "frequency": "Hz"}[kind]
    return f"{magnitude:g} {unit}"


def _unit_text(text: str) -> str:
    """Spellings pint does not read: ``cm2`` → ``cm**2``, ``µ``/``μ`` → ``u``."""
    text = text.strip().replace("µ", "u").replace("μ", "u")
    return re.sub(r"(?<=[A-Za-z])(\d+)", r"**\1", text)


def convert_to(value: object, unit: str) -> float:
    """A quantity (``"5 d"``, ``"0.3 mM"``; a bare number if ``unit`` is ``"1"``) as a float in ``unit``.

    Parameters
    ----------
    value : str or number
        Text with a unit of the right dimension; a bare number only for a
        dimensionless ``unit``, or zero.
    unit : str
        A unit pint reads (``cm2`` is read as ``cm**2``), ``"1"`` for dimensionless.

    Raises
    ------
    UnitError
        If the value is not a number with a unit of ``unit``'s dimension.
    """
    ureg = _registry()
    target = ureg.Quantity(1, _unit_text(unit)) if unit != "1" else ureg.Quantity(1, "")
    expected = f"a value in {unit}" if unit != "1" else "a plain number (dimensionless)"
    if isinstance(value, bool) or value is None or not isinstance(value, str | int | float):
        raise UnitError(f"expected {expected}; got {value!r}")
    if isinstance(value, int | float):
        if unit == "1" or value == 0:
            magnitude = float(value)
            if not math.isfinite(magnitude):
                raise UnitError(f"{value!r} is not a finite number; expected {expected}")
            return magnitude
        raise UnitError(f"missing unit in {value!r}; expected {expected}, e.g. '{value} {unit}'")
    try:
        if not _readable(_unit_text(value)):
            raise ValueError(value)
        quantity: pint.Quantity = ureg.Quantity(_unit_text(value))
        if not isinstance(quantity, pint.Quantity):
            quantity = ureg.Quantity(float(quantity), "")
    except Exception:
        raise UnitError(f"cannot read {describe(value)}; expected {expected}") from None
    if not dict(quantity.unit_items()) and unit != "1" and quantity.magnitude != 0:
        raise UnitError(f"missing unit in {value!r}; expected {expected}, e.g. '{value} {unit}'")
    if dict(quantity.unit_items()) and _dimension_signature(quantity) != _dimension_signature(target):
        raise UnitError(f"wrong unit in {value!r} ({quantity.units:~}); expected {expected}")
    try:
        magnitude = float(quantity.to(target.units).magnitude) if dict(quantity.unit_items()) else float(
            quantity.magnitude)
    except Exception:
        raise UnitError(f"wrong unit in {value!r}; expected {expected}") from None
    if not math.isfinite(magnitude):
        raise UnitError(f"{value!r} is not a finite number; expected {expected}")
    return magnitude
