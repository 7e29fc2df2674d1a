"""Timeline events of the stress protocols: ``stress`` (acute or chronic) and ``forced_swim``.

Each event type is a pydantic model (see :mod:`ketasim.protocols.fields`);
``event.settings()`` gives the frozen description. The ``parse_*`` functions
take an event's own fields (``event`` and ``at`` excluded) or the event
itself; errors name the field and what is allowed.
"""

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Annotated, Any, Literal

from pydantic import model_validator

from ketasim.protocols.fields import (
    AS_HOURS,
    Choice,
    Event,
    EventFieldError,
    EventTime,
    Number,
    Whole,
    describe,
    parse_fields,
)

__all__ = [
    "FST_DURATION_H",
    "FST_SCORED_H",
    "ForcedSwim",
    "ForcedSwimEvent",
    "StressEvent",
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


class StressEvent(Event):
    """stress: `kind` acute (1 session) or chronic (21 daily sessions from `at`); `sessions`, `every`, `duration` (per session, default 2 h), `intensity` (0-3, default 1)"""

    event: Literal["stress"]
    kind: Annotated[str, Choice(KINDS)] = "acute"
    sessions: Annotated[int | None, Whole(1, MAX_SESSIONS)] = None  # None: the kind's default, filled in on validation
    every: Annotated[float, EventTime(1.0, 7 * 24.0, "h", 1.0), AS_HOURS] = 24.0
    duration: Annotated[float, EventTime(1.0 / 60.0, 12.0, "h", 1.0), AS_HOURS] = 2.0
    intensity: Annotated[float, Number(0.0, 3.0)] = 1.0

    @model_validator(mode="wrap")
    @classmethod
    def _sessions_fit(cls, data: Any, handler) -> "StressEvent":
        event = handler(data)
        if event.sessions is None:
            event.sessions = DEFAULT_SESSIONS[event.kind]
        if event.sessions > 1 and event.duration > event.every:
            written = data.get("duration", "2 h") if isinstance(data, Mapping) else f"{event.duration!r} h"
            raise EventFieldError("duration", f"{describe(written)} is longer than `every`; "
                                              "allowed: a session that ends before the next starts")
        return event

    def settings(self) -> StressProtocol:
        assert self.sessions is not None  # filled in on validation (_sessions_fit)
        return StressProtocol(self.kind, self.sessions, self.every, self.duration, self.intensity)

    def span_h(self) -> float:
        return self.settings().span_h()


class ForcedSwimEvent(Event):
    """forced-swim test at `at` (6 min, last 4 min scored): metric immobility_fst"""

    event: Literal["forced_swim"]

    def settings(self) -> ForcedSwim:
        return ForcedSwim()


def parse_stress(fields: Mapping[str, Any] | StressEvent) -> StressProtocol:
    """``stress``: ``kind`` (acute|chronic), ``sessions``, ``every``, ``duration``, ``intensity``.

    Raises
    ------
    EventFieldError
        Naming the first bad field and what is allowed.
    """
    return parse_fields(StressEvent, fields)


def parse_forced_swim(fields: Mapping[str, Any] | ForcedSwimEvent) -> ForcedSwim:
    """``forced_swim``: a 6-min forced-swim test at ``at``, the last 4 min scored; no fields."""
    return parse_fields(ForcedSwimEvent, fields)


def stress_span_h(fields: Mapping[str, Any] | StressEvent) -> float:
    """How long a ``stress`` event lasts after its ``at`` (h)."""
    return parse_stress(fields).span_h()


def stress_protocols(config) -> list[tuple[float, StressProtocol]]:
    """The scenario's stress events as (at, protocol), in time order."""
    return sorted(((e.at, e.settings()) for e in config.protocol if e.event == "stress"), key=lambda pair: pair[0])


def forced_swims(config) -> list[tuple[float, ForcedSwim]]:
    """The scenario's forced-swim tests as (at, test), in time order."""
    return sorted(((e.at, e.settings()) for e in config.protocol if e.event == "forced_swim"),
                  key=lambda pair: pair[0])
