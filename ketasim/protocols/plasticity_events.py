"""Timeline events of the plasticity layer: ``slice`` experiments and ``lhb_recording``.

Each event type is a pydantic model (see :mod:`ketasim.protocols.fields`);
``event.settings()`` gives the frozen settings object, so that the config
validator and the simulation stage read the fields the same way. Errors name
the field (``protocol.N.<field>``) and what is allowed.
"""

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Annotated, Any, Literal

from pydantic import BeforeValidator, PlainSerializer, model_validator

from ketasim.protocols.fields import (
    AS_HERTZ,
    AS_HOURS,
    Choice,
    Event,
    EventFieldError,
    EventTime,
    Frequency,
    Whole,
    describe,
    parse_fields,
)
from ketasim.units import UnitError, parse_quantity

__all__ = [
    "EventFieldError",
    "LHbRecording",
    "LHbRecordingEvent",
    "SliceEvent",
    "SliceProtocol",
    "parse_lhb_recording",
    "parse_slice",
]

INDUCTIONS = ("hfs", "tbs", "lfs", "pairing", "none")
STIMULATION_FIELDS = ("pulses", "frequency", "trains", "train_interval")


@dataclass(frozen=True)
class SliceProtocol:
    """A slice recording: baseline test pulses, induction at ``at``, follow-up, paired pulses.

    Times in minutes (baseline, follow-up, test interval), seconds (train
    interval, ``duration`` of an unstimulated ``none`` induction) and ms
    (paired-pulse intervals); ``None`` means the induction's default.
    """

    induction: str = "hfs"
    baseline_min: float = 20.0
    follow_up_min: float = 60.0
    test_interval_s: float = 30.0
    paired_pulse_intervals_ms: tuple[float, ...] = (10.0, 20.0, 50.0, 100.0, 200.0)
    pulses: int | None = None
    frequency_hz: float | None = None
    trains: int | None = None
    train_interval_s: float | None = None
    duration_s: float = 2.0


@dataclass(frozen=True)
class LHbRecording:
    """A lateral-habenula recording of ``duration_s`` seconds at ``at``."""

    duration_s: float = 10.0


def _paired_pulse_intervals(raw: Any) -> tuple[float, ...]:
    """1-20 times of 5-1000 ms → sorted, distinct intervals in ms (rounded to 1 ns)."""
    if not isinstance(raw, list) or not raw or len(raw) > 20:
        raise ValueError("expected a list of 1-20 times, e.g. ['20 ms', '50 ms']")
    values = []
    for item in raw:
        try:
            ms = parse_quantity(item, "time") * 3.6e6
        except UnitError as exc:
            raise ValueError(str(exc)) from None
        if not 5.0 <= ms <= 1000.0:
            raise ValueError(f"{describe(item)} is out of range; allowed: 5 to 1000 ms")
        values.append(ms)
    return tuple(sorted({round(v, 6) for v in values}))


# Kept in ms: the rounding to 1 ns makes "<repr> ms" read back to the same values.
PulseIntervals = Annotated[
    tuple[float, ...],
    BeforeValidator(_paired_pulse_intervals),
    PlainSerializer(lambda values: [f"{v!r} ms" for v in values]),
]


class SliceEvent(Event):
    """in-vitro slice: baseline test pulses, induction (hfs|tbs|lfs|pairing|none) at `at`, follow-up, paired pulses"""

    event: Literal["slice"]
    induction: Annotated[str, Choice(INDUCTIONS, "induction")] = "hfs"
    baseline: Annotated[float, EventTime(1.0, 120.0, "min", 60.0), AS_HOURS] = 20.0 / 60.0
    follow_up: Annotated[float, EventTime(60.0, 360.0, "min", 60.0), AS_HOURS] = 1.0
    test_interval: Annotated[float, EventTime(5.0, 300.0, "s", 3600.0), AS_HOURS] = 30.0 / 3600.0
    paired_pulse_intervals: PulseIntervals = (10.0, 20.0, 50.0, 100.0, 200.0)
    pulses: Annotated[int | None, Whole(1, 2000)] = None
    frequency: Annotated[float | None, Frequency(0.1, 400.0), AS_HERTZ] = None
    trains: Annotated[int | None, Whole(1, 20)] = None
    train_interval: Annotated[float | None, EventTime(0.05, 600.0, "s", 3600.0), AS_HOURS] = None
    duration: Annotated[float, EventTime(0.1, 60.0, "s", 3600.0), AS_HOURS] = 2.0 / 3600.0

    @model_validator(mode="after")
    def _unstimulated(self) -> "SliceEvent":
        if self.induction == "none" and any(getattr(self, k) is not None for k in STIMULATION_FIELDS):
            raise EventFieldError("induction", "induction 'none' takes no stimulation fields; allowed: duration")
        return self

    def settings(self) -> SliceProtocol:
        return SliceProtocol(
            induction=self.induction,
            baseline_min=self.baseline * 60.0,
            follow_up_min=self.follow_up * 60.0,
            test_interval_s=self.test_interval * 3600.0,
            paired_pulse_intervals_ms=tuple(self.paired_pulse_intervals),
            pulses=self.pulses,
            frequency_hz=self.frequency,
            trains=self.trains,
            train_interval_s=None if self.train_interval is None else self.train_interval * 3600.0,
            duration_s=self.duration * 3600.0,
        )


class LHbRecordingEvent(Event):
    """lateral-habenula recording at `at`: burst firing of a small population"""

    event: Literal["lhb_recording"]
    duration: Annotated[float, EventTime(1.0, 60.0, "s", 3600.0), AS_HOURS] = 10.0 / 3600.0

    def settings(self) -> LHbRecording:
        return LHbRecording(self.duration * 3600.0)


def parse_slice(fields: Mapping[str, Any] | SliceEvent) -> SliceProtocol:
    """Settings of a ``slice`` event from its fields (``event`` and ``at`` excluded) or the event.

    Raises
    ------
    EventFieldError
        Naming the first bad field and what is allowed.
    """
    return parse_fields(SliceEvent, fields)


def parse_lhb_recording(fields: Mapping[str, Any] | LHbRecordingEvent) -> LHbRecording:
    """Settings of an ``lhb_recording`` event.

    Raises
    ------
    EventFieldError
    """
    return parse_fields(LHbRecordingEvent, fields)
