"""Brian2 preferences every runtime-mode network of ketasim shares (PFC, BLA, LHb, slices)."""

from __future__ import annotations

from ketasim.settings import settings

__all__ = ["configure_brian"]


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
