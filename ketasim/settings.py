"""Process settings: the circuit engine, Brian2's code-generation target and the cache directories.

The only module that reads ``KETASIM_*`` environment variables. They are read
once, at the first call of :func:`settings`, into a frozen :class:`Settings`:

``KETASIM_ENGINE``
    ``compiled`` (default: Brian2 ``cpp_standalone`` binaries rerun with new
    values) or ``runtime`` (Brian2 runtime mode, no C++ build).
``KETASIM_BRIAN_TARGET``
    Brian2 runtime code-generation target, ``cython`` (default) or ``numpy``.
``KETASIM_CACHE_DIR``
    Root of ketasim's caches (default ``~/.cache/ketasim``).
``KETASIM_CYTHON_CACHE``
    This process's Brian2 build directory (set for a worker by its
    coordinator, or claimed by :func:`claim_build_dir`).
``KETASIM_STANDALONE_DIR``
    Where compiled standalone networks live (default: inside the build directory).

Imports only the standard library, so a fresh worker process can claim its
build directory before numpy or Brian2 load.
"""

from __future__ import annotations

import fcntl
import os
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any, Literal

__all__ = ["ENGINES", "OUTPUT_ROOT", "TARGETS", "Settings", "claim_build_dir", "default_output_dir", "overridden",
           "settings"]

ENGINES = ("compiled", "runtime")
TARGETS = ("cython", "numpy")
OUTPUT_ROOT = Path("ketasim-out")  # where outputs go without --out / out=, relative to the working directory


def default_output_dir(kind: Literal["run", "sweep", "sensitivity", "reproduce"], name: str = "",
                       quick: bool = False) -> Path:
    """Where a command writes without ``--out``: ``ketasim-out/<name>``, ``ketasim-out/sweeps/<name>[-quick]``,
    ``ketasim-out/sensitivity/<name>[-quick]`` or ``ketasim-out/reproduce[-quick]``. A quick sweep gets its own
    store (a store holds one profile)."""
    suffix = "-quick" if quick else ""
    if kind == "run":
        return OUTPUT_ROOT / name
    if kind in ("sweep", "sensitivity"):
        return OUTPUT_ROOT / ("sweeps" if kind == "sweep" else "sensitivity") / f"{name}{suffix}"
    return OUTPUT_ROOT / f"reproduce{suffix}"


@dataclass(frozen=True)
class Settings:
    """What the environment says about how to run (see the module docstring).

    Attributes
    ----------
    engine : {"compiled", "runtime"}
    brian_target : {"cython", "numpy"}
    cache_root : Path
    build_dir : Path or None
        This process's Brian2 build directory, once claimed (or given).
    standalone_dir : Path or None
        An explicit root for compiled standalone networks.
    bla_cells : int or None
        Principal cells of the full profile's BLA network (``KETASIM_BLA_CELLS``;
        default :data:`ketasim.circuit.bla.FULL_CELLS`): for size-convergence studies.
    """

    engine: str = "compiled"
    brian_target: str = "cython"
    cache_root: Path = Path.home() / ".cache" / "ketasim"
    build_dir: Path | None = None
    standalone_dir: Path | None = None
    bla_cells: int | None = None

    @classmethod
    def from_environment(cls) -> Settings:
        env = os.environ
        engine = env.get("KETASIM_ENGINE", "compiled").strip().lower() or "compiled"
        target = env.get("KETASIM_BRIAN_TARGET", "cython").strip().lower() or "cython"
        if engine not in ENGINES:
            raise ValueError(f"KETASIM_ENGINE={engine!r}: allowed: {', '.join(ENGINES)}")
        if target not in TARGETS:
            raise ValueError(f"KETASIM_BRIAN_TARGET={target!r}: allowed: {', '.join(TARGETS)}")
        root = env.get("KETASIM_CACHE_DIR")
        build = env.get("KETASIM_CYTHON_CACHE")
        standalone = env.get("KETASIM_STANDALONE_DIR")
        cells = env.get("KETASIM_BLA_CELLS", "").strip()
        if cells and not (cells.isdigit() and int(cells) >= 120):
            raise ValueError(f"KETASIM_BLA_CELLS={cells!r}: allowed: a whole number >= 120")
        return cls(
            engine=engine,
            brian_target=target,
            cache_root=Path(root) if root else Path.home() / ".cache" / "ketasim",
            build_dir=Path(build) if build else None,
            standalone_dir=Path(standalone) if standalone else None,
            bla_cells=int(cells) if cells else None,
        )

    @property
    def worker_root(self) -> Path:
        """Root of the per-worker build directories."""
        return self.cache_root / "brian-workers"

    def standalone_root(self) -> Path:
        """Where this process's compiled standalone networks live (claims a build directory if needed)."""
        if self.standalone_dir is not None:
            return self.standalone_dir / "standalone"
        return Path(claim_build_dir()) / "standalone"

    def shared_standalone_root(self) -> Path:
        """Where compiled networks that processes share live (binaries run from a per-process directory)."""
        return (self.standalone_dir or self.cache_root) / "shared-standalone"


_SETTINGS: Settings | None = None
_SLOT_LOCK = None  # kept open for the life of the process: holds its build-directory slot


def settings() -> Settings:
    """This process's settings, read from the environment at the first call."""
    global _SETTINGS
    if _SETTINGS is None:
        _SETTINGS = Settings.from_environment()
    return _SETTINGS


@contextmanager
def overridden(**changes: Any) -> Iterator[Settings]:
    """Run with some settings changed (e.g. ``engine="runtime"`` in a benchmark's baseline).

    The changed settings get their earlier values back afterwards; others
    (a build directory claimed meanwhile) stay as they are then.
    """
    global _SETTINGS
    before = settings()
    changed = replace(before, **changes)
    if changed.engine not in ENGINES or changed.brian_target not in TARGETS:
        raise ValueError(f"engine must be one of {ENGINES} and brian_target one of {TARGETS}")
    _SETTINGS = changed
    try:
        yield changed
    finally:
        _SETTINGS = replace(settings(), **{name: getattr(before, name) for name in changes})


def claim_build_dir(root: str | Path | None = None) -> str:
    """Give this process its own Brian2 build directory; returns its path.

    Worker slots ``worker-0``, ``worker-1``, ... under the cache root are claimed
    with a non-blocking file lock that the operating system releases when the
    process ends, so a slot's compiled code is reused by the next run but
    never shared by two live processes (parallel compilation into one
    directory collides). Idempotent within a process. Child processes
    learn it through ``KETASIM_CYTHON_CACHE`` (a process that claims a slot of
    its own ignores an inherited value).
    """
    global _SETTINGS, _SLOT_LOCK
    current = settings()
    if _SLOT_LOCK is not None and current.build_dir is not None:
        return str(current.build_dir)
    root = Path(root) if root else current.worker_root
    root.mkdir(parents=True, exist_ok=True)
    slot = 0
    while True:
        handle = open(root / f"worker-{slot}.lock", "a")  # noqa: SIM115 - held for the process lifetime
        try:
            fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except OSError:
            handle.close()
            slot += 1
            continue
        _SLOT_LOCK = handle
        break
    build = root / f"worker-{slot}"
    if not build.exists():
        build.mkdir()
        _seed_build_dir(build)
    os.environ["KETASIM_CYTHON_CACHE"] = str(build)  # for child processes
    os.environ.setdefault("OMP_NUM_THREADS", "1")
    os.environ.setdefault("OPENBLAS_NUM_THREADS", "1")
    _SETTINGS = replace(current, build_dir=build)
    return str(build)


def _seed_build_dir(build: Path) -> None:
    """Hard-link already compiled modules from Brian2's default cache into a new slot.

    Brian2 names each compiled module by the hash of its code, so a module
    from the shared cache is exactly what this worker would compile; linking
    saves minutes of Cython compilation per new worker.
    """
    shared = Path.home() / ".cython" / "brian_extensions"
    if not shared.is_dir():
        return
    for module in shared.glob("*.so"):
        try:
            os.link(module, build / module.name)
        except OSError:
            break  # another filesystem or no permission: compile instead
