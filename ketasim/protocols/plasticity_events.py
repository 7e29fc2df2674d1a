"""Timeline events of the plasticity layer: ``slice`` experiments and ``lhb_recording``.

Each event's fields are parsed into a frozen settings object here, so that
the config validator and the simulation stage read them the same way. Errors
name the field (``protocol.N.<field>``) and what is allowed.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from ketasim.protocols.fields import EventFieldError, _integer, _quantity, _reject_unknown

__all__ = ["EventFieldError", "LHbRecording", "SliceProtocol", "parse_lhb_recording", "parse_slice"]

INDUCTIONS = ("hfs", "tbs", "lfs", "pairing", "none")


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


_SLICE_KEYS = ("induction", "baseline", "follow_up", "test_interval", "paired_pulse_intervals", "pulses",
               "frequency", "trains", "train_interval", "duration")


def parse_slice(fields: Mapping[str, Any]) -> SliceProtocol:
    """Settings of a ``slice`` event from its fields (``event`` and ``at`` excluded).

    Raises
    ------
    EventFieldError
        Naming the first bad field and what is allowed.
    """
    _reject_unknown(fields, _SLICE_KEYS)
    out: dict[str, Any] = {}
    if "induction" in fields:
        if fields["induction"] not in INDUCTIONS:
            raise EventFieldError("induction", f"unknown induction {fields['induction']!r}; allowed: {', '.join(INDUCTIONS)}")
        out["induction"] = fields["induction"]
    if "baseline" in fields:
        out["baseline_min"] = _quantity(fields, "baseline", "time", 1.0, 120.0, "min", 60.0)
    if "follow_up" in fields:
        out["follow_up_min"] = _quantity(fields, "follow_up", "time", 60.0, 360.0, "min", 60.0)
    if "test_interval" in fields:
        out["test_interval_s"] = _quantity(fields, "test_interval", "time", 5.0, 300.0, "s", 3600.0)
    if "paired_pulse_intervals" in fields:
        raw = fields["paired_pulse_intervals"]
        if not isinstance(raw, list) or not raw or len(raw) > 20:
            raise EventFieldError("paired_pulse_intervals", "expected a list of 1-20 times, e.g. ['20 ms', '50 ms']")
        values = []
        for item in raw:
            values.append(_quantity({"paired_pulse_intervals": item}, "paired_pulse_intervals", "time",
                                    5.0, 1000.0, "ms", 3.6e6))
        out["paired_pulse_intervals_ms"] = tuple(sorted({round(v, 6) for v in values}))
    if "pulses" in fields:
        out["pulses"] = _integer(fields, "pulses", 1, 2000)
    if "frequency" in fields:
        out["frequency_hz"] = _quantity(fields, "frequency", "frequency", 0.1, 400.0, "Hz", 1.0)
    if "trains" in fields:
        out["trains"] = _integer(fields, "trains", 1, 20)
    if "train_interval" in fields:
        out["train_interval_s"] = _quantity(fields, "train_interval", "time", 0.05, 600.0, "s", 3600.0)
    if "duration" in fields:
        out["duration_s"] = _quantity(fields, "duration", "time", 0.1, 60.0, "s", 3600.0)
    settings = SliceProtocol(**out)
    if settings.induction == "none" and any(k in fields for k in ("pulses", "frequency", "trains", "train_interval")):
        raise EventFieldError("induction", "induction 'none' takes no stimulation fields; allowed: duration")
    return settings


def parse_lhb_recording(fields: Mapping[str, Any]) -> LHbRecording:
    """Settings of an ``lhb_recording`` event.

    Raises
    ------
    EventFieldError
    """
    _reject_unknown(fields, ("duration",))
    if "duration" in fields:
        return LHbRecording(_quantity(fields, "duration", "time", 1.0, 60.0, "s", 3600.0))
    return LHbRecording()
