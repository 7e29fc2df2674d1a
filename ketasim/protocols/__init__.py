"""Protocols: the timeline of events a scenario runs (conditioning, tests, slices, ...).

Event types register themselves in :data:`EVENT_TYPES` (name → description);
a config's ``protocol:`` list may only name registered types.
"""

EVENT_TYPES: dict[str, str] = {}

EVENT_VALIDATORS: dict = {}
"""Event type → function checking that event's extra fields (raises ``EventFieldError``)."""

EVENT_SPANS: dict = {}
"""Event type → function of the event's extra fields giving how long it lasts after ``at`` (h); default 0."""

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

from ketasim.protocols import stress_events as _stress_events  # noqa: E402

EVENT_TYPES["stress"] = (
    "stress: `kind` acute (1 session) or chronic (21 daily sessions from `at`); `sessions`, `every`, "
    "`duration` (per session, default 2 h), `intensity` (0-3, default 1)"
)
EVENT_TYPES["forced_swim"] = "forced-swim test at `at` (6 min, last 4 min scored): metric immobility_fst"
EVENT_VALIDATORS["stress"] = _stress_events.parse_stress
EVENT_VALIDATORS["forced_swim"] = _stress_events.parse_forced_swim
EVENT_SPANS["stress"] = _stress_events.stress_span_h
