"""Running one sweep point; importable and picklable for process pools and Dask.

This module imports only the standard library at the top so that a fresh
worker can set its environment (its own Brian2/Cython build directory, one
BLAS thread) before numpy or brian2 are imported.
"""

from __future__ import annotations

import functools
import hashlib
import importlib
import importlib.util
import os
import signal
import sys
import threading
import time
import traceback
from pathlib import Path
from typing import Any

from ketasim.settings import claim_build_dir, settings

__all__ = ["code_fingerprint", "identity_mismatch", "import_brian2_in_worker_thread", "run_point", "worker_identity"]
_IMPORT_LOCK = threading.Lock()
_SIGNAL = signal.signal  # the real one, saved before anything could replace it


@functools.cache
def code_fingerprint() -> str:
    """sha256 over the ketasim package's Python sources (the code version, finer than the release).

    Computed once per process, from the sources on disk at the first call. The
    experiment scripts an installed wheel carries (``ketasim/experiments``) are
    not the model's code and are left out, so a checkout and a wheel of the
    same commit agree.
    """
    package = Path(__file__).resolve().parents[1]
    digest = hashlib.sha256()
    for path in sorted(p for p in package.rglob("*.py") if p.relative_to(package).parts[0] != "experiments"):
        digest.update(path.relative_to(package).as_posix().encode())
        digest.update(path.read_bytes())
    return digest.hexdigest()


def worker_identity() -> dict[str, str]:
    """What decides a point's numbers besides its config: ketasim code, Brian2 version, codegen target, engine.

    Read without importing brian2 (the version from the package metadata, the
    code-generation target and circuit engine from :func:`ketasim.settings.settings`).
    """
    from importlib.metadata import PackageNotFoundError, version

    from ketasim.version import __version__

    try:
        brian2_version = version("brian2")
    except PackageNotFoundError:
        brian2_version = "not installed"
    return {"ketasim_version": __version__, "code_hash": code_fingerprint(), "brian2_version": brian2_version,
            "brian_target": settings().brian_target, "ketasim_engine": settings().engine}


def identity_mismatch(found: dict[str, str] | None, expected: dict[str, str]) -> str:
    """Empty if ``found`` (a worker's identity) equals ``expected`` (the coordinator's), else why not."""
    if not found:
        return "the worker reported no code/Brian2 identity (an older ketasim on the worker?)"
    differences = []
    for key, wanted in expected.items():
        have = found.get(key, "?")
        if have != wanted:
            if key == "code_hash":
                have, wanted = have[:12], wanted[:12]
            differences.append(f"{key} {have} on the worker, {wanted} on the coordinator")
    if not differences:
        return ""
    return ("refused: the worker differs from the coordinator (" + "; ".join(differences) + "); its numbers would be "
            "stored under the coordinator's hash: give workers the same ketasim, Brian2, KETASIM_BRIAN_TARGET and "
            "KETASIM_ENGINE, "
            "then rerun with --retry-failed")


def import_brian2_in_worker_thread() -> None:
    """Import brian2 from a thread that is not the main one (Dask runs tasks in a thread pool).

    Importing brian2 installs a Ctrl-C handler (``signal.signal(SIGINT, ...)``),
    which Python allows only in the main thread: the first import on a Dask
    worker thread would fail every point with "signal only works in main
    thread". A worker is stopped by its nanny, not by Ctrl-C, so during that
    import the handler is left as it is.
    """
    if "brian2" in sys.modules or threading.current_thread() is threading.main_thread():
        return
    if importlib.util.find_spec("brian2") is None:
        return
    with _IMPORT_LOCK:
        signal.signal = lambda signalnum, handler: signal.getsignal(signalnum)
        try:
            importlib.import_module("brian2")
        finally:
            signal.signal = _SIGNAL


def _load_model(path: str):
    module, _, function = path.partition(":")
    return getattr(importlib.import_module(module), function)


def run_point(point_hash: str, config_data: dict[str, Any], model: str, quick: bool,
              cache_root: str | None = None, isolate: bool = True,
              expected: dict[str, str] | None = None) -> dict[str, Any]:
    """Run one scenario and return a record for the store; never raises.

    Parameters
    ----------
    point_hash : str
        The point's config hash (echoed back).
    config_data : dict
        The resolved scenario config (validated again here).
    model : str
        ``module:function`` called as ``function(config, quick=quick)``;
        returns an object with ``.metrics`` or a mapping of metrics.
    quick : bool
        Quick profile.
    cache_root : str, optional
        Root of the per-worker build directories.
    isolate : bool
        Give this process its own build directory (pool and Dask workers);
        ``False`` keeps the process's configured one (in-process runs).
    expected : dict, optional
        The coordinator's :func:`worker_identity`; a worker that differs
        does not run the point and returns it as failed, with the reason.

    Returns
    -------
    dict
        ``hash``, ``status`` (``"done"`` or ``"failed"``), ``metrics``,
        ``error``, ``started``, ``elapsed_s``, ``worker`` and ``identity``
        (this worker's :func:`worker_identity`).
    """
    build = claim_build_dir(cache_root) if isolate else str(settings().build_dir or "")
    started = time.time()
    clock = time.perf_counter()
    record: dict[str, Any] = {"hash": point_hash, "started": started, "worker": f"{os.uname().nodename}:{os.getpid()}",
                              "build_dir": build, "identity": worker_identity()}
    refusal = identity_mismatch(record["identity"], expected) if expected is not None else ""
    if refusal:
        record.update(status="failed", metrics={}, error=refusal, elapsed_s=0.0)
        return record
    try:
        import math

        from ketasim.config import validate_scenario

        import_brian2_in_worker_thread()
        config = validate_scenario(config_data, "<sweep point>")
        result = _load_model(model)(config, quick=quick)
        metrics = getattr(result, "metrics", result)
        record["metrics"] = {str(k): float(v) for k, v in dict(metrics).items() if math.isfinite(float(v))}
        record["status"] = "done"
        record["error"] = ""
    except Exception as exc:  # a failed point is recorded, the sweep goes on
        frames = traceback.extract_tb(exc.__traceback__)
        where = f" (at {Path(frames[-1].filename).name}:{frames[-1].lineno})" if frames else ""
        record.update(status="failed", metrics={}, error=f"{type(exc).__name__}: {exc}{where}".replace("\n", " "))
    record["elapsed_s"] = time.perf_counter() - clock
    return record
