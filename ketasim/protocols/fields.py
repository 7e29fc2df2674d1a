"""Parsing helpers for event fields, shared by every layer's protocol events.

Errors are :class:`EventFieldError` naming the field; the config validator
turns them into ``protocol.N.<field>: ...`` one-line errors.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from ketasim.units import UnitError, parse_quantity

__all__ = ["EventFieldError"]


class EventFieldError(ValueError):
    """A bad event field: ``field`` names it, the message says what is allowed."""

    def __init__(self, field: str, message: str):
        super().__init__(message)
        self.field, self.message = field, message


def _quantity(fields: Mapping[str, Any], name: str, kind: str, lo: float, hi: float, unit: str, scale: float):
    """Parse ``fields[name]`` as ``kind`` and return it in ``unit`` (canonical × scale), range-checked."""
    try:
        value = parse_quantity(fields[name], kind) * scale
    except UnitError as exc:
        raise EventFieldError(name, str(exc)) from None
    if not lo <= value <= hi:
        raise EventFieldError(name, f"{fields[name]!r} is out of range; allowed: {lo:g} to {hi:g} {unit}")
    return value


def _integer(fields: Mapping[str, Any], name: str, lo: int, hi: int) -> int:
    value = fields[name]
    if isinstance(value, bool) or not isinstance(value, int) or not lo <= value <= hi:
        raise EventFieldError(name, f"expected a whole number from {lo} to {hi}; got {value!r}")
    return value


def _number(fields: Mapping[str, Any], name: str, lo: float, hi: float) -> float:
    value = fields[name]
    if isinstance(value, bool) or not isinstance(value, int | float) or not lo <= value <= hi:
        raise EventFieldError(name, f"expected a number from {lo:g} to {hi:g}; got {value!r}")
    return float(value)


def _choice(fields: Mapping[str, Any], name: str, allowed: tuple[str, ...]) -> str:
    value = fields[name]
    if value not in allowed:
        raise EventFieldError(name, f"unknown value {value!r}; allowed: {', '.join(allowed)}")
    return value


def _reject_unknown(fields: Mapping[str, Any], allowed: tuple[str, ...]) -> None:
    for key in fields:
        if key not in allowed:
            raise EventFieldError(key, f"unknown key; allowed: {', '.join(allowed)}")
