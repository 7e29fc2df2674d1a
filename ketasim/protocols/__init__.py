"""Protocols: the timeline of events a scenario runs (conditioning, tests, slices, ...).

Event types register themselves in :data:`EVENT_TYPES` (name → description);
a config's ``protocol:`` list may only name registered types.
"""

EVENT_TYPES: dict[str, str] = {}
