"""Pharmacology: dose schedules, PK, NMDAR block, and inhibitors of consolidation."""

from ketasim.pharmacology import inhibitors as _inhibitors  # noqa: F401  (registers their PK models)
from ketasim.pharmacology import pd as _pd  # noqa: F401  (registers the NMDAR-block parameters)
