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


def is_scalar_constant(name: str, value: object) -> bool:
    """Whether the namespace entry ``name`` is a number or quantity that a run could set instead.

    Not a function, a TimedArray or a unit held under its own name (``nS``);
    a value that happens to be one unit (``1 / second``) is a Unit in
    Brian2, and counts.
    """
    import brian2 as b2

    if isinstance(value, b2.Unit):
        return getattr(b2, name, None) is not value
    return isinstance(value, (int, float, b2.Quantity))


def unit_name(value: object) -> str:
    """The unit of ``value`` as Brian2's equations spell it (``siemens``, ``hertz``; ``1`` for a plain number)."""
    import brian2 as b2

    return repr(b2.get_unit(b2.get_dimensions(value))) if isinstance(value, b2.Quantity) else "1"
