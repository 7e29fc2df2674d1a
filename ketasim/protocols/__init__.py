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

from ketasim.protocols import fear_events as _fear_events  # noqa: E402

EVENT_TYPES["conditioning"] = "fear conditioning: `trials` CS-US pairings (default 5) in `context` (A|B)"
EVENT_TYPES["test"] = "fear test: `cues` (plus, minus, context), `trials` each, in `context`, no US"
EVENT_TYPES["extinction"] = "extinction: `trials` CS-alone presentations (default 16) in `context`"
EVENT_TYPES["reactivation"] = "reactivation: one brief CS-alone retrieval that makes the memory labile"
EVENT_VALIDATORS["conditioning"] = _fear_events.parse_conditioning
EVENT_VALIDATORS["test"] = _fear_events.parse_test
EVENT_VALIDATORS["extinction"] = _fear_events.parse_extinction
EVENT_VALIDATORS["reactivation"] = _fear_events.parse_reactivation
