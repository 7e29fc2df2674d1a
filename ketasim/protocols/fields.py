"""Field validators and the base model of timeline events, shared by every layer's protocol events.

Each event type is a pydantic model (a subclass of :class:`Event`) whose
fields are annotated with the validators below (``Annotated[int, Whole(1, 50)]``):
unit strings parsed by :func:`ketasim.units.parse_quantity`, whole numbers,
numbers and choices, each range-checked with a message that says what is allowed. The models are
combined into one discriminated union on ``event`` in
:mod:`ketasim.protocols.events`; a config's ``protocol.N.<field>`` errors
come from here.

Quantities are kept in canonical units (time in hours, frequency in Hz) and
written back as ``"<repr> h"`` strings, so a resolved config re-validates to
exactly the same floats; each event's ``settings()`` converts them to the
units of its frozen settings object (minutes, seconds, ms, ...), exactly as
the hand-written parsers did.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Annotated, Any, ClassVar, get_args

from pydantic import (
    BaseModel,
    BeforeValidator,
    ConfigDict,
    PlainSerializer,
    ValidationError,
    model_serializer,
    model_validator,
)

from ketasim.messages import describe
from ketasim.units import UnitError, parse_quantity

__all__ = [
    "AS_HERTZ",
    "AS_HOURS",
    "MAX_EVENT_TIME_H",
    "Choice",
    "Event",
    "EventFieldError",
    "EventTime",
    "Frequency",
    "Number",
    "Whole",
    "describe",
    "event_error",
    "event_tag",
    "parse_fields",
]

MAX_EVENT_TIME_H = 400 * 24.0  # the same limit as every other time of a scenario (ketasim.config.MAX_DURATION_H)


class EventFieldError(ValueError):
    """A bad event field: ``field`` names it, the message says what is allowed."""

    def __init__(self, field: str, message: str):
        super().__init__(message)
        self.field, self.message = field, message


def _hours(value: float | None) -> str | None:
    return None if value is None else f"{value!r} h"


def _hertz(value: float | None) -> str | None:
    return None if value is None else f"{value!r} Hz"


# The serializers of time and frequency fields (written back as "<repr> h" / "<repr> Hz"):
# ``Annotated[float, EventTime(...), AS_HOURS]``, ``Annotated[float, Frequency(...), AS_HERTZ]``.
AS_HOURS = PlainSerializer(_hours)
AS_HERTZ = PlainSerializer(_hertz)


def EventTime(lo: float, hi: float, unit: str, scale: float) -> BeforeValidator:  # noqa: N802 (metadata, like Field)
    """A time field (``Annotated[float, EventTime(...), AS_HOURS]``): a unit string, range-checked in ``unit`` (= hours × ``scale``), kept in hours."""

    def parse(value: Any) -> float:
        try:
            hours = parse_quantity(value, "time")
        except UnitError as exc:
            raise ValueError(str(exc)) from None
        if not lo <= hours * scale <= hi:
            raise ValueError(f"{describe(value)} is out of range; allowed: {lo:g} to {hi:g} {unit}")
        return hours

    return BeforeValidator(parse)


def Frequency(lo: float, hi: float) -> BeforeValidator:  # noqa: N802
    """A frequency field (``Annotated[float, Frequency(...), AS_HERTZ]``): a unit string, range-checked and kept in Hz."""

    def parse(value: Any) -> float:
        try:
            hertz = parse_quantity(value, "frequency")
        except UnitError as exc:
            raise ValueError(str(exc)) from None
        if not lo <= hertz <= hi:
            raise ValueError(f"{describe(value)} is out of range; allowed: {lo:g} to {hi:g} Hz")
        return hertz

    return BeforeValidator(parse)


def Whole(lo: int, hi: int) -> BeforeValidator:  # noqa: N802
    """A whole number from ``lo`` to ``hi`` (``Annotated[int, Whole(...)]``; ``true``/``false`` and ``2.0`` are refused)."""

    def check(value: Any) -> int:
        if isinstance(value, bool) or not isinstance(value, int) or not lo <= value <= hi:
            raise ValueError(f"expected a whole number from {lo} to {hi}; got {describe(value)}")
        return value

    return BeforeValidator(check)


def Number(lo: float, hi: float) -> BeforeValidator:  # noqa: N802
    """A number from ``lo`` to ``hi`` (``Annotated[float, Number(...)]``; NaN and infinities are out of range)."""

    def check(value: Any) -> float:
        if isinstance(value, bool) or not isinstance(value, int | float) or not lo <= value <= hi:
            raise ValueError(f"expected a number from {lo:g} to {hi:g}; got {describe(value)}")
        return float(value)

    return BeforeValidator(check)


def Choice(allowed: tuple[str, ...], what: str = "value") -> BeforeValidator:  # noqa: N802
    """One of ``allowed`` (``Annotated[str, Choice(...)]``)."""

    def check(value: Any) -> str:
        if not isinstance(value, str) or value not in allowed:
            raise ValueError(f"unknown {what} {describe(value)}; allowed: {', '.join(allowed)}")
        return value

    return BeforeValidator(check)


def _at(value: Any) -> float:
    # Same parsing and messages as ketasim.config.TimeH (every time of a scenario reads alike).
    try:
        hours = parse_quantity(value, "time")
    except UnitError as exc:
        raise ValueError(str(exc)) from None
    if hours < 0.0:
        raise ValueError(f"{describe(value)} is below the allowed minimum 0 h")
    if hours > MAX_EVENT_TIME_H:
        raise ValueError(f"{describe(value)} is above the allowed maximum {MAX_EVENT_TIME_H:g} h")
    return hours


class Event(BaseModel):
    """A timeline event at ``at``; subclasses fix ``event`` to their name and add their fields.

    ``settings()`` gives the frozen settings object the simulation stages use;
    ``end_h()`` when the event ends. Unknown keys are refused, naming the
    event's own fields.
    """

    model_config = ConfigDict(extra="forbid")

    event: str
    at: Annotated[float, BeforeValidator(_at), AS_HOURS]

    # The one-line description listed by ketasim.protocols.EVENT_TYPES.
    summary: ClassVar[str] = ""

    @classmethod
    def own_fields(cls) -> list[str]:
        """The event's fields besides ``event`` and ``at``, in order."""
        return [name for name in cls.model_fields if name not in ("event", "at")]

    @model_validator(mode="before")
    @classmethod
    def _known_keys(cls, data: Any) -> Any:
        if isinstance(data, Mapping):
            allowed = [*cls.own_fields(), "event", "at"]
            for key in data:
                if key not in allowed:
                    raise EventFieldError(str(key), f"unknown key; allowed: {', '.join(allowed)}")
        return data

    @model_serializer(mode="wrap")
    def _without_unset_options(self, handler) -> dict[str, Any]:
        # Optional fields left at None mean "the default"; leaving them out keeps the
        # resolved config valid (an explicit null is refused).
        return {key: value for key, value in handler(self).items() if value is not None}

    def settings(self) -> Any:
        """The event's frozen settings object (see each event type)."""
        return None

    def span_h(self) -> float:
        """How long the event lasts after ``at`` (h)."""
        return 0.0

    def end_h(self) -> float:
        """When the event ends (h): ``at`` plus its span (e.g. the last session of chronic stress)."""
        return self.at + self.span_h()

    def fields(self) -> dict[str, Any]:
        """The event's own fields as config values (canonical unit strings); ``parse_*`` accept them."""
        return {k: v for k, v in self.model_dump(mode="json").items() if k not in ("event", "at")}


def event_tag(model: type[Event]) -> str:
    """The name an event model answers to: the one value of its ``event: Literal[...]`` field."""
    return get_args(model.model_fields["event"].annotation)[0]


def event_error(exc: ValidationError) -> EventFieldError:
    """The first error of validating one event, as the field it is about and a one-line message."""
    error = exc.errors(include_url=False)[0]
    original = (error.get("ctx") or {}).get("error")
    loc = [str(part) for part in error["loc"]]
    if isinstance(original, EventFieldError):
        return EventFieldError(original.field, original.message)
    field = loc[-1] if loc else "event"
    if error["type"] == "missing":
        return EventFieldError(field, "required key is missing")
    message = error["msg"]
    if message.startswith("Value error, "):
        message = message[len("Value error, "):]
    return EventFieldError(field, message)


def parse_fields(model: type[Event], fields: Any) -> Any:
    """Validate an event's own fields (``event`` and ``at`` excluded) and return its settings.

    ``fields`` may also be an event of that type (its settings are returned).

    Raises
    ------
    EventFieldError
        Naming the first bad field and what is allowed.
    """
    if isinstance(fields, model):
        return fields.settings()
    if not isinstance(fields, Mapping):
        raise EventFieldError("event", f"expected a mapping of fields; got {describe(fields)}")
    for key in ("event", "at"):
        if key in fields:
            raise EventFieldError(key, f"unknown key; allowed: {', '.join(model.own_fields())}")
    try:
        event = model.model_validate({"event": event_tag(model), "at": 0.0, **fields})
    except ValidationError as exc:
        raise event_error(exc) from None
    return event.settings()
