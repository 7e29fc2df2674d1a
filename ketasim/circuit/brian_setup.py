"""Brian2 preferences every runtime-mode network of ketasim shares (PFC, BLA, LHb, slices), and helpers for declaring them."""

from __future__ import annotations

from ketasim.settings import settings

__all__ = ["configure_brian", "is_scalar_constant", "unit_name"]


def configure_brian(target: str | None = None) -> None:
    """Set Brian2's code-generation target (default: the ``brian_target`` setting), quiet logging and the cache.

    Each process uses its own Cython cache when it has claimed a build
    directory (:func:`ketasim.settings.claim_build_dir`): parallel workers
    compiling into one directory collide.
    """
    from brian2 import prefs

    current = settings()
    prefs.codegen.target = target or current.brian_target
    prefs.logging.console_log_level = "WARNING"
    if current.build_dir is not None:
        prefs.codegen.runtime.cython.cache_dir = str(current.build_dir)
    prefs.codegen.runtime.cython.multiprocess_safe = True


def is_scalar_constant(value: object) -> bool:
    """A number or quantity (not a unit, function or TimedArray): a namespace constant a run could set instead."""
    import brian2 as b2

    return isinstance(value, (int, float, b2.Quantity)) and not isinstance(value, b2.Unit)


def unit_name(value: object) -> str:
    """The unit of ``value`` as Brian2's equations spell it (``siemens``, ``hertz``; ``1`` for a plain number)."""
    import brian2 as b2

    return repr(b2.get_unit(b2.get_dimensions(value))) if isinstance(value, b2.Quantity) else "1"
