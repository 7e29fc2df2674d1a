"""Protocols: the timeline of events a scenario runs (conditioning, tests, slices, ...).

Event types register themselves in :data:`EVENT_TYPES` (name → description);
a config's ``protocol:`` list may only name registered types.
"""

EVENT_TYPES: dict[str, str] = {}

EVENT_VALIDATORS: dict = {}
"""Event type → function checking that event's extra fields (raises ``EventFieldError``)."""

from ketasim.protocols import plasticity_events as _plasticity_events  # noqa: E402

EVENT_TYPES["slice"] = (
    "in-vitro slice: baseline test pulses, induction (hfs|tbs|lfs|pairing|none) at `at`, follow-up, paired pulses"
)
EVENT_TYPES["lhb_recording"] = "lateral-habenula recording at `at`: burst firing of a small population"
EVENT_VALIDATORS["slice"] = _plasticity_events.parse_slice
EVENT_VALIDATORS["lhb_recording"] = _plasticity_events.parse_lhb_recording
