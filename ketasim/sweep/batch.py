"""Batched sweep points: plan many scenarios, simulate all their circuits together, finish each.

A scenario point spends nearly all its time in the PFC circuit. For the
scenario model, a worker takes a *chunk* of points instead of one:

1. plans each point (PK, NMDAR block, the circuit conditions its metrics need;
   :func:`ketasim.scenario.plan` without the figure-only moments);
2. collects the distinct (condition, seed) pairs of all points of one network
   shape (a dose-0 point and every point's drug-free moment with the same
   seed are one copy) and simulates them as unconnected copies on the
   compiled network (:mod:`ketasim.circuit.compiled`), many per run;
3. finishes each point (circuit metrics, later stages) and returns one
   record per point, which the caller commits to the store one by one.

Each copy draws its randomness from its own seed only, so a point's metrics
do not depend on which chunk or batch it lands in (tests/test_performance.py).
In-vitro (slice) points plan no circuit conditions: they add nothing to the
batched runs and are finished like any other point.

Every record carries the worker's :func:`~ketasim.sweep.runner.worker_identity`;
a worker whose identity differs from the coordinator's runs nothing and
returns the chunk's points as failed, as :func:`~ketasim.sweep.runner.run_point` does.

Like :mod:`ketasim.sweep.runner`, this module imports only the standard
library at the top (workers set their environment first).
"""

from __future__ import annotations

import math
import os
import sys
import time
import traceback
from pathlib import Path
from typing import Any

from ketasim.sweep.runner import (
    _import_brian2_in_worker_thread,
    claim_build_dir,
    identity_mismatch,
    worker_identity,
)

__all__ = ["BATCHED_MODELS", "chunk_tasks", "finish_scenarios", "run_batch", "simulate_circuits"]

BATCHED_MODELS = ("ketasim.scenario:simulate",)
MAX_POINTS_PER_CHUNK = 48  # bounds the work an interrupted chunk loses and keeps progress moving

Task = tuple[str, dict[str, Any]]


def batched(model: str) -> bool:
    """Whether points of this model run in chunks on the compiled circuit (``$KETASIM_ENGINE`` not ``runtime``)."""
    # Same rule as ketasim.circuit.compiled.engine(), read here without importing numpy into a fresh worker.
    return model in BATCHED_MODELS and os.environ.get("KETASIM_ENGINE", "compiled").strip().lower() != "runtime"


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
    frame = traceback.extract_tb(exc.__traceback__)[-1:] or [None]
    where = f" (at {Path(frame[0].filename).name}:{frame[0].lineno})" if frame[0] else ""
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
    build = os.environ.get("KETASIM_CYTHON_CACHE", "")
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
    plans = {}

    _import_brian2_in_worker_thread()  # Dask runs tasks in a worker thread, where brian2's import would fail
    from ketasim.config import validate_scenario
    from ketasim.scenario import plan

    for point_hash, data in tasks:
        try:
            plans[point_hash] = plan(validate_scenario(data, "<sweep point>"), quick)
        except Exception as exc:  # a failed point is recorded, the chunk goes on
            records[point_hash] = {"status": "failed", "metrics": {}, "error": _error(exc)}

    finished = finish_scenarios(list(plans.values()), copies)
    for point_hash, result in zip(plans, finished, strict=True):
        if isinstance(result, Exception):
            records[point_hash] = {"status": "failed", "metrics": {}, "error": _error(result)}
        else:
            metrics = {str(k): float(v) for k, v in result.metrics.items() if math.isfinite(float(v))}
            records[point_hash] = {"status": "done", "metrics": metrics, "error": ""}

    share = (time.perf_counter() - clock) / max(len(tasks), 1)
    return [{"hash": h, **records[h], "elapsed_s": share, **common} for h, _ in tasks]


def finish_scenarios(plans: list, copies: int | None = None) -> list:
    """Finish planned scenarios with every circuit run batched over all of them.

    The plans' circuit moments run first (:func:`simulate_circuits`), each
    scenario is finished without its +24 h circuit moment, and those moments
    then run together too, in the same network shape: per scenario, the
    results equal :func:`ketasim.scenario.simulate`'s. Items are results, or
    the exception that stopped that scenario (the others go on).
    """
    from ketasim.scenario import finish
    from ketasim.signalling.stage import later_circuit_request, record_later_circuit

    chosen: dict = {}
    readouts = simulate_circuits(plans, copies, chosen)
    results: list = []
    requests: dict[int, tuple] = {}
    for k, scenario in enumerate(plans):
        try:
            result = finish(scenario, {c: readouts[(c, scenario.config.seed, scenario.pfc)]
                                       for c in scenario.conditions}, later_circuit=False)
            request = later_circuit_request(result, scenario.quick)
        except Exception as exc:  # recorded; the other scenarios go on
            result, request = exc, None
        results.append(result)
        if request is not None:
            requests[k] = request
    wanted: dict = {}
    for k, (pfc, _, conditions) in requests.items():
        seed = results[k].config.seed
        wanted.setdefault(pfc, []).extend((c, seed) for c in conditions if (c, seed, pfc) not in readouts)
    readouts.update(_simulate_by_shape(wanted, copies, chosen))
    for k, (pfc, moments, conditions) in requests.items():
        result = results[k]
        try:
            record_later_circuit(result, moments, conditions,
                                 [readouts[(c, result.config.seed, pfc)] for c in conditions])
        except Exception as exc:
            results[k] = exc
    return results


def simulate_circuits(scenarios: list, copies: int | None = None, chosen: dict | None = None) -> dict:
    """Readouts keyed by (condition, seed, network config) for every distinct copy the plans need.

    ``chosen`` (filled in) maps each network config to the copies per run
    used for it, so that a later batch of the same network reuses its shape.
    """
    by_shape: dict[Any, list[tuple]] = {}
    for scenario in scenarios:
        wanted = by_shape.setdefault(scenario.pfc, [])
        wanted.extend((c, scenario.config.seed) for c in scenario.conditions)
    return _simulate_by_shape(by_shape, copies, chosen)


def _simulate_by_shape(by_shape: dict, copies: int | None, chosen: dict | None = None) -> dict:
    from ketasim.circuit.compiled import auto_copies, simulate_pfc_compiled

    chosen = {} if chosen is None else chosen
    readouts = {}
    for pfc, wanted in by_shape.items():
        unique = list(dict.fromkeys(wanted))
        if not unique:  # only in-vitro points of this shape: no circuit to run
            continue
        per_run = copies or chosen.get(pfc) or _power_of_two(auto_copies(pfc, len(unique)))
        chosen[pfc] = per_run
        try:
            out = simulate_pfc_compiled([c for c, _ in unique], [s for _, s in unique], pfc, copies=per_run)
        except Exception as exc:  # no C++ compiler, or the build failed: Brian2's runtime engine instead
            print(f"ketasim: compiled PFC network unavailable ({_error(exc)}); using Brian2 runtime mode",
                  file=sys.stderr)
            out = _runtime(unique, pfc)
        readouts.update({(c, s, pfc): r for (c, s), r in zip(unique, out, strict=True)})
    return readouts


def _runtime(unique: list[tuple], pfc) -> list:
    """The runtime engine, one network per seed (as :func:`ketasim.scenario.simulate` runs it)."""
    from ketasim.circuit.pfc import simulate_pfc

    out: dict[tuple, object] = {}
    for seed in dict.fromkeys(s for _, s in unique):
        conditions = [c for c, s in unique if s == seed]
        out.update({(c, seed): r for c, r in zip(conditions, simulate_pfc(conditions, pfc, seed=seed), strict=True)})
    return [out[key] for key in unique]


def _power_of_two(n: int) -> int:
    """Round up to a power of two, so few network shapes get compiled."""
    return 1 << max(0, (int(n) - 1).bit_length())
