"""Timeline events of the stress protocols: ``stress`` (acute or chronic) and ``forced_swim``.

Each parser turns an event's extra fields (``event`` and ``at`` excluded)
into a frozen description; errors name the field and what is allowed.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from ketasim.protocols.fields import (
    EventFieldError,
    _choice,
    _integer,
    _number,
    _quantity,
    _reject_unknown,
)

__all__ = [
    "FST_DURATION_H",
    "FST_SCORED_H",
    "ForcedSwim",
    "StressProtocol",
    "forced_swims",
    "parse_forced_swim",
    "parse_stress",
    "stress_protocols",
    "stress_span_h",
]

KINDS = ("acute", "chronic")
DEFAULT_SESSIONS = {"acute": 1, "chronic": 21}
MAX_SESSIONS = 120
# Porsolt forced-swim test as run in mice: 6 min in the water, the last 4 min scored
# (Porsolt et al. 1977 Arch Int Pharmacodyn 229:327; Can et al. 2012 J Vis Exp 59:e3638).
FST_DURATION_H = 6.0 / 60.0
FST_SCORED_H = 4.0 / 60.0


@dataclass(frozen=True)
class StressProtocol:
    """A stress schedule: ``sessions`` sessions of ``duration_h`` every ``every_h``, from ``at``.

    Attributes
    ----------
    kind : str
        ``acute`` (one session by default) or ``chronic`` (21 daily sessions by default).
    sessions : int
    every_h : float
        Interval between session starts (h).
    duration_h : float
        Length of one session (h), e.g. 2 h of restraint.
    intensity : float
        Stressor strength relative to restraint/immobilisation (1), 0-3.
    """

    kind: str = "acute"
    sessions: int = 1
    every_h: float = 24.0
    duration_h: float = 2.0
    intensity: float = 1.0

    def starts_h(self, at: float) -> list[float]:
        """Start times (h) of every session of an event at ``at``."""
        return [at + k * self.every_h for k in range(self.sessions)]

    def span_h(self) -> float:
        """From the first session's start to the last session's end (h)."""
        return (self.sessions - 1) * self.every_h + self.duration_h


@dataclass(frozen=True)
class ForcedSwim:
    """A forced-swim test: ``duration_h`` in the water, the last ``scored_h`` scored."""

    duration_h: float = FST_DURATION_H
    scored_h: float = FST_SCORED_H

    def scored_midpoint_h(self, at: float) -> float:
        """Middle of the scored period (h) of a test starting at ``at``."""
        return at + self.duration_h - 0.5 * self.scored_h


def parse_stress(fields: Mapping[str, Any]) -> StressProtocol:
    """``stress``: ``kind`` (acute|chronic), ``sessions``, ``every``, ``duration``, ``intensity``.

    Raises
    ------
    EventFieldError
        Naming the first bad field and what is allowed.
    """
    _reject_unknown(fields, ("kind", "sessions", "every", "duration", "intensity"))
    kind = _choice(fields, "kind", KINDS) if "kind" in fields else "acute"
    sessions = _integer(fields, "sessions", 1, MAX_SESSIONS) if "sessions" in fields else DEFAULT_SESSIONS[kind]
    every = _quantity(fields, "every", "time", 1.0, 7 * 24.0, "h", 1.0) if "every" in fields else 24.0
    duration = _quantity(fields, "duration", "time", 1.0 / 60.0, 12.0, "h", 1.0) if "duration" in fields else 2.0
    intensity = _number(fields, "intensity", 0.0, 3.0) if "intensity" in fields else 1.0
    if sessions > 1 and duration > every:
        raise EventFieldError("duration", f"{fields.get('duration', '2 h')!r} is longer than `every`; "
                                          "allowed: a session that ends before the next starts")
    return StressProtocol(kind, sessions, every, duration, intensity)


def parse_forced_swim(fields: Mapping[str, Any]) -> ForcedSwim:
    """``forced_swim``: a 6-min forced-swim test at ``at``, the last 4 min scored; no fields."""
    _reject_unknown(fields, ())
    return ForcedSwim()


def stress_span_h(fields: Mapping[str, Any]) -> float:
    """How long a ``stress`` event lasts after its ``at`` (h)."""
    return parse_stress(fields).span_h()


def stress_protocols(config) -> list[tuple[float, StressProtocol]]:
    """The scenario's stress events as (at, protocol), in time order."""
    return sorted(((e.at, parse_stress(dict(e.model_extra or {}))) for e in config.protocol if e.event == "stress"),
                  key=lambda pair: pair[0])


def forced_swims(config) -> list[tuple[float, ForcedSwim]]:
    """The scenario's forced-swim tests as (at, test), in time order."""
    return sorted(((e.at, parse_forced_swim(dict(e.model_extra or {}))) for e in config.protocol
                   if e.event == "forced_swim"), key=lambda pair: pair[0])
