"""Timeline events of fear protocols: conditioning, tests, extinction, reactivation.

Each event type is a pydantic model (see :mod:`ketasim.protocols.fields`);
``event.settings()`` gives the frozen :class:`FearSession`. The ``parse_*``
functions take an event's own fields (``event`` and ``at`` excluded) or the
event itself and return the same session; errors name the field and what is
allowed.
"""

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Annotated, Any, Literal

from pydantic import BeforeValidator

from ketasim.protocols.fields import Choice, Event, Number, Whole, describe, parse_fields

__all__ = [
    "CUES",
    "ConditioningEvent",
    "ExtinctionEvent",
    "FearSession",
    "ReactivationEvent",
    "TestEvent",
    "parse_conditioning",
    "parse_extinction",
    "parse_reactivation",
    "parse_test",
]

CONTEXTS = ("A", "B")
# Field order below is the order fields are checked (the first bad one is reported).
CUES = ("plus", "minus", "context")
CS = ("plus", "minus")
# What a conditioning or extinction session presents: a CS, or the context alone (unsignalled footshocks in
# it: contextual fear conditioning; exposure to it without shock: context extinction).
TRAINED = (*CS, "context")


@dataclass(frozen=True)
class FearSession:
    """One behavioural session of a fear protocol.

    Attributes
    ----------
    kind : str
        ``conditioning``, ``test``, ``extinction`` or ``reactivation``.
    context : str
        ``A`` (the conditioning context) or ``B`` (a novel one).
    cues : tuple of str
        What is presented, in order (``plus``, ``minus``, or ``context`` alone).
    trials : int
        Presentations of each cue.
    us_strength : float
        Footshock intensity relative to the default (conditioning only).
    """

    kind: str
    context: str = "A"
    cues: tuple[str, ...] = ("plus",)
    trials: int = 1
    us_strength: float = 1.0

    @property
    def learns(self) -> bool:
        """Tests probe without leaving a trace; the other sessions learn."""
        return self.kind != "test"


def _cues(value: Any) -> tuple[str, ...]:
    cues = [value] if isinstance(value, str) else value
    # A tuple is what model_dump() gives back (the field's type); YAML only ever gives lists.
    if not isinstance(cues, list | tuple) or not cues or any(not isinstance(c, str) or c not in CUES for c in cues):
        raise ValueError(f"expected a list of cues from {', '.join(CUES)}; got {describe(value)}")
    return tuple(cues)


Context = Annotated[str, Choice(CONTEXTS)]
Cs = Annotated[str, Choice(CS)]
Trained = Annotated[str, Choice(TRAINED)]


class ConditioningEvent(Event):
    """fear conditioning: `trials` CS-US pairings (default 5) in `context` (A|B); `cs: context` gives unsignalled footshocks (contextual fear conditioning)"""

    event: Literal["conditioning"]
    trials: Annotated[int, Whole(1, 50)] = 5
    cs: Trained = "plus"
    us_strength: Annotated[float, Number(0.0, 3.0)] = 1.0
    context: Context = "A"

    def settings(self) -> FearSession:
        return FearSession("conditioning", self.context, (self.cs,), self.trials, self.us_strength)


class TestEvent(Event):
    """fear test: `cues` (plus, minus, context), `trials` each, in `context`, no US"""

    __test__ = False  # not a pytest test class

    event: Literal["test"]
    cues: Annotated[tuple[str, ...], BeforeValidator(_cues)] = CUES
    trials: Annotated[int, Whole(1, 20)] = 2
    context: Context = "A"

    def settings(self) -> FearSession:
        return FearSession("test", self.context, tuple(self.cues), self.trials)


class ExtinctionEvent(Event):
    """extinction: `trials` CS-alone presentations (default 16) in `context`; `cs: context` exposes the context alone"""

    event: Literal["extinction"]
    trials: Annotated[int, Whole(1, 200)] = 16
    cs: Trained = "plus"
    context: Context = "A"

    def settings(self) -> FearSession:
        return FearSession("extinction", self.context, (self.cs,), self.trials)


class ReactivationEvent(Event):
    """reactivation: one brief CS-alone retrieval that makes the memory labile"""

    event: Literal["reactivation"]
    cs: Cs = "plus"
    context: Context = "A"

    def settings(self) -> FearSession:
        return FearSession("reactivation", self.context, (self.cs,), 1)


def parse_conditioning(fields: Mapping[str, Any] | ConditioningEvent) -> FearSession:
    """``conditioning``: ``trials`` CS–US pairings (default 5) of ``cs`` (default plus) in ``context``."""
    return parse_fields(ConditioningEvent, fields)


def parse_test(fields: Mapping[str, Any] | TestEvent) -> FearSession:
    """``test``: each cue of ``cues`` (default plus, minus, context) ``trials`` times (default 2), no US."""
    return parse_fields(TestEvent, fields)


def parse_extinction(fields: Mapping[str, Any] | ExtinctionEvent) -> FearSession:
    """``extinction``: ``trials`` CS-alone presentations (default 16) in ``context``."""
    return parse_fields(ExtinctionEvent, fields)


def parse_reactivation(fields: Mapping[str, Any] | ReactivationEvent) -> FearSession:
    """``reactivation``: one brief CS-alone retrieval trial that makes the memory labile."""
    return parse_fields(ReactivationEvent, fields)
