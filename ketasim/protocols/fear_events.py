"""Timeline events of fear protocols: conditioning, tests, extinction, reactivation.

Each parser turns an event's extra fields (``event`` and ``at`` excluded)
into a frozen session description; errors name the field and what is allowed.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from ketasim.protocols.fields import EventFieldError, _choice, _integer, _number, _reject_unknown

__all__ = ["CUES", "FearSession", "parse_conditioning", "parse_extinction", "parse_reactivation", "parse_test"]

CONTEXTS = ("A", "B")
CUES = ("plus", "minus", "context")


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


def _context(fields: Mapping[str, Any]) -> str:
    return _choice(fields, "context", CONTEXTS) if "context" in fields else "A"


def parse_conditioning(fields: Mapping[str, Any]) -> FearSession:
    """``conditioning``: ``trials`` CS–US pairings (default 5) of ``cs`` (default plus) in ``context``."""
    _reject_unknown(fields, ("trials", "context", "cs", "us_strength"))
    trials = _integer(fields, "trials", 1, 50) if "trials" in fields else 5
    cs = _choice(fields, "cs", ("plus", "minus")) if "cs" in fields else "plus"
    strength = _number(fields, "us_strength", 0.0, 3.0) if "us_strength" in fields else 1.0
    return FearSession("conditioning", _context(fields), (cs,), trials, strength)


def parse_test(fields: Mapping[str, Any]) -> FearSession:
    """``test``: each cue of ``cues`` (default plus, minus, context) ``trials`` times (default 2), no US."""
    _reject_unknown(fields, ("cues", "context", "trials"))
    cues = fields.get("cues", list(CUES))
    if isinstance(cues, str):
        cues = [cues]
    if not isinstance(cues, list) or not cues or any(c not in CUES for c in cues):
        raise EventFieldError("cues", f"expected a list of cues from {', '.join(CUES)}; got {cues!r}")
    trials = _integer(fields, "trials", 1, 20) if "trials" in fields else 2
    return FearSession("test", _context(fields), tuple(cues), trials)


def parse_extinction(fields: Mapping[str, Any]) -> FearSession:
    """``extinction``: ``trials`` CS-alone presentations (default 16) in ``context``."""
    _reject_unknown(fields, ("trials", "context", "cs"))
    trials = _integer(fields, "trials", 1, 200) if "trials" in fields else 16
    cs = _choice(fields, "cs", ("plus", "minus")) if "cs" in fields else "plus"
    return FearSession("extinction", _context(fields), (cs,), trials)


def parse_reactivation(fields: Mapping[str, Any]) -> FearSession:
    """``reactivation``: one brief CS-alone retrieval trial that makes the memory labile."""
    _reject_unknown(fields, ("context", "cs"))
    cs = _choice(fields, "cs", ("plus", "minus")) if "cs" in fields else "plus"
    return FearSession("reactivation", _context(fields), (cs,), 1)
