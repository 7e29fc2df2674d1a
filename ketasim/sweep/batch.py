"""Batched sweep points: a worker runs a chunk of scenario points through the pipeline together.

A scenario point spends nearly all its time in the PFC circuit. For the
scenario model, a worker takes a *chunk* of points and runs them through
:func:`ketasim.pipeline.run_scenarios`, which hands the circuit conditions of
all points of a stage to the circuit engine in one call: the compiled engine
simulates the distinct (condition, seed) pairs as unconnected copies of one
binary, many per run. Each copy draws its randomness from its own seed only,
so a point's metrics do not depend on which chunk or batch it lands in
(tests/test_performance.py). A failed point is recorded; the chunk goes on.

Every record carries the worker's :func:`~ketasim.sweep.runner.worker_identity`;
a worker whose identity differs from the coordinator's runs nothing and
returns the chunk's points as failed, as :func:`~ketasim.sweep.runner.run_point` does.

Like :mod:`ketasim.sweep.runner`, this module imports only the standard
library (and :mod:`ketasim.settings`) at the top: workers set their
environment first.
"""

from __future__ import annotations

import math
import os
import time
import traceback
from pathlib import Path
from typing import Any

from ketasim.settings import claim_build_dir, settings
from ketasim.sweep.runner import identity_mismatch, import_brian2_in_worker_thread, worker_identity

__all__ = ["BATCHED_MODELS", "batched", "chunk_tasks", "run_batch"]

BATCHED_MODELS = ("ketasim.scenario:simulate",)
MAX_POINTS_PER_CHUNK = 48  # bounds the work an interrupted chunk loses and keeps progress moving

Task = tuple[str, dict[str, Any]]


def batched(model: str) -> bool:
    """Whether points of this model run in chunks on the compiled circuit engine (the engine setting)."""
    return model in BATCHED_MODELS and settings().engine == "compiled"


def _group_key(config: dict[str, Any]) -> tuple:
    circuit = config.get("circuit") or {}
    return (repr(sorted(circuit.items())) if isinstance(circuit, dict) else repr(circuit), repr(config.get("seed")))


def chunk_tasks(tasks: list[Task], workers: int) -> list[list[Task]]:
    """Split tasks into chunks of compatible points, at least one per worker.

    Points are ordered by network settings and seed, so a chunk holds points
    that share a compiled network and drug-free copies; chunks are contiguous
    runs of that order, of nearly equal size, at most
    :data:`MAX_POINTS_PER_CHUNK` points each.
    """
    if not tasks:
        return []
    ordered = sorted(tasks, key=lambda task: _group_key(task[1]))
    n_chunks = max(min(workers, len(ordered)), math.ceil(len(ordered) / MAX_POINTS_PER_CHUNK))
    size, extra = divmod(len(ordered), n_chunks)
    chunks, lo = [], 0
    for k in range(n_chunks):
        hi = lo + size + (k < extra)
        chunks.append(ordered[lo:hi])
        lo = hi
    return chunks


def _error(exc: BaseException) -> str:
    frames = traceback.extract_tb(exc.__traceback__)
    where = f" (at {Path(frames[-1].filename).name}:{frames[-1].lineno})" if frames else ""
    return f"{type(exc).__name__}: {exc}{where}".replace("\n", " ")


def run_batch(tasks: list[Task], quick: bool, cache_root: str | None = None, isolate: bool = True,
              copies: int | None = None, expected: dict[str, str] | None = None) -> list[dict[str, Any]]:
    """Run a chunk of scenario points; one record per point, in task order; never raises.

    Parameters
    ----------
    tasks : list of (hash, resolved config)
        The points.
    quick : bool
        Quick profile.
    cache_root : str, optional
        Root of the per-worker build directories.
    isolate : bool
        Claim this process's own build directory (pool and Dask workers; also
        in-process runs, so the compiled network is reused across sweeps).
    copies : int, optional
        Copies per compiled run (default: chosen from the network size and work).
    expected : dict, optional
        The coordinator's :func:`~ketasim.sweep.runner.worker_identity`; a
        worker that differs runs nothing and returns every point as failed.
    """
    if isolate:
        claim_build_dir(cache_root)
    build = str(settings().build_dir or "")
    started = time.time()
    clock = time.perf_counter()
    worker = f"{os.uname().nodename}:{os.getpid()}"
    identity = worker_identity()
    common = {"started": started, "worker": worker, "build_dir": build, "identity": identity}
    refusal = identity_mismatch(identity, expected) if expected is not None else ""
    if refusal:
        return [{"hash": h, "status": "failed", "metrics": {}, "error": refusal, "elapsed_s": 0.0, **common}
                for h, _ in tasks]
    records: dict[str, dict[str, Any]] = {}
    configs = {}

    import_brian2_in_worker_thread()  # Dask runs tasks in a worker thread, where brian2's import would fail
    from ketasim.config import validate_scenario
    from ketasim.pipeline import run_scenarios

    for point_hash, data in tasks:
        try:
            configs[point_hash] = validate_scenario(data, "<sweep point>")
        except Exception as exc:  # a failed point is recorded, the chunk goes on
            records[point_hash] = {"status": "failed", "metrics": {}, "error": _error(exc)}

    finished = run_scenarios(list(configs.values()), quick, copies=copies)
    for point_hash, result in zip(configs, finished, strict=True):
        if isinstance(result, Exception):
            records[point_hash] = {"status": "failed", "metrics": {}, "error": _error(result)}
        else:
            metrics = {str(k): float(v) for k, v in result.metrics.items() if math.isfinite(float(v))}
            records[point_hash] = {"status": "done", "metrics": metrics, "error": ""}

    share = (time.perf_counter() - clock) / max(len(tasks), 1)
    return [{"hash": h, **records[h], "elapsed_s": share, **common} for h, _ in tasks]
