"""Protocols: the timeline of events a scenario runs (conditioning, tests, slices, ...).

Each event type is a pydantic model (:mod:`ketasim.protocols.fear_events`,
:mod:`~ketasim.protocols.plasticity_events`, :mod:`~ketasim.protocols.stress_events`);
:data:`ketasim.protocols.events.ProtocolEvent` combines them into a
discriminated union on ``event``, and a config's ``protocol:`` list may only
name those types. :data:`EVENT_TYPES` lists them (name → description).
"""

from ketasim.protocols.events import EVENT_MODELS, ProtocolEvent

__all__ = ["EVENT_MODELS", "EVENT_TYPES", "ProtocolEvent"]

EVENT_TYPES: dict[str, str] = {name: (model.__doc__ or "").strip() for name, model in EVENT_MODELS.items()}
"""Event type → one-line description (from its model)."""
