"""Every timeline event type, combined into one discriminated union on ``event``.

``ScenarioConfig.protocol`` is a list of :data:`ProtocolEvent`: pydantic
reads ``event`` and validates the item with that type's model. Before that,
:func:`_event_tag` turns a missing, unknown or non-text ``event`` into one
error naming ``protocol.N.event`` and the allowed types.
"""

from collections.abc import Mapping
from typing import Annotated, Any, Union, get_args

from pydantic import BeforeValidator, Field

from ketasim.protocols.fear_events import (
    ConditioningEvent,
    ExtinctionEvent,
    ReactivationEvent,
    TestEvent,
)
from ketasim.protocols.fields import Event, EventFieldError, describe, event_tag
from ketasim.protocols.plasticity_events import LHbRecordingEvent, SliceEvent
from ketasim.protocols.stress_events import ForcedSwimEvent, StressEvent

__all__ = ["EVENT_MODELS", "Event", "ProtocolEvent", "event_model"]

# Every event model, in the order the types are listed in errors.
_AnyEvent = Union[  # noqa: UP007
    SliceEvent, LHbRecordingEvent, ConditioningEvent, TestEvent, ExtinctionEvent, ReactivationEvent,
    StressEvent, ForcedSwimEvent,
]
_MODELS: tuple[type[Event], ...] = get_args(_AnyEvent)

EVENT_MODELS: dict[str, type[Event]] = {event_tag(m): m for m in _MODELS}
"""Event type name → its model, in the order the types are listed in errors."""


def event_model(name: str) -> type[Event]:
    """The model of an event type (``KeyError`` for an unknown name)."""
    return EVENT_MODELS[name]


def _event_tag(value: Any) -> Any:
    if not isinstance(value, Mapping):
        raise ValueError(f"an event must be a mapping with event and at, e.g. {{event: test, at: 24 h}}; "
                         f"got {describe(value)}")
    if "event" not in value:
        raise EventFieldError("event", "required key is missing")
    name = value["event"]
    if not isinstance(name, str) or name not in EVENT_MODELS:
        raise EventFieldError("event", f"unknown event type {describe(name)}; allowed: {', '.join(EVENT_MODELS)}")
    return value


ProtocolEvent = Annotated[
    _AnyEvent,
    Field(discriminator="event"),
    BeforeValidator(_event_tag),
]
"""One timeline event: a model of the type named by its ``event`` key."""
