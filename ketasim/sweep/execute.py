"""Executing a sweep: in-process, on a local process pool, or on a Dask cluster.

Every executor yields records as points finish; :func:`run_sweep` commits
each one to the store at once, so an interrupted sweep resumes where it
stopped. A point that raises is recorded as failed and the sweep goes on.
"""

from __future__ import annotations

import multiprocessing
import os
import sys
import time
import uuid
from collections.abc import Iterator
from concurrent.futures import ProcessPoolExecutor, as_completed
from concurrent.futures.process import BrokenProcessPool
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import yaml

from ketasim.config import ConfigError
from ketasim.outputs import atomic_write_text
from ketasim.sweep.batch import batched, chunk_tasks, run_batch
from ketasim.sweep.export import code_version, write_exports
from ketasim.sweep.runner import identity_mismatch, run_point, worker_identity
from ketasim.sweep.spec import SweepSpec
from ketasim.sweep.store import SweepStore

__all__ = ["SweepSummary", "connect_scheduler", "run_sweep"]

Task = tuple[str, dict[str, Any]]  # (hash, resolved config)
ISOLATE_AFTER_CRASHES = 2  # pool breaks a point may share before it runs alone


@dataclass
class SweepSummary:
    """What a sweep run did."""

    directory: Path
    total: int  # distinct scenarios in the sweep
    reused: int  # finished before this run
    ran: int
    failed: int  # failed points in the store after this run
    elapsed_s: float
    code_versions: tuple[str, ...] = ()  # distinct code fingerprints of the sweep's stored points


def _failure(point_hash: str, error: str) -> dict[str, Any]:
    return {"hash": point_hash, "status": "failed", "metrics": {}, "error": error, "started": time.time(),
            "elapsed_s": 0.0, "worker": ""}


def run_unit(tasks: list[Task], model: str, quick: bool, cache_root: str | None, isolate: bool = True,
             expected: dict[str, str] | None = None) -> list[dict]:
    """Run a unit of work (one point, or a chunk of points of a batched model); one record per point.

    ``expected`` is the coordinator's :func:`worker_identity`; a worker that
    differs runs nothing and returns the unit's points as failed.
    """
    if batched(model):
        return run_batch(tasks, quick, cache_root, isolate=True, expected=expected)
    return [run_point(h, c, model, quick, cache_root, isolate=isolate, expected=expected) for h, c in tasks]


def _units(tasks: list[Task], model: str, workers: int) -> list[list[Task]]:
    return chunk_tasks(tasks, workers) if batched(model) else [[task] for task in tasks]


def _in_process(tasks: list[Task], model: str, quick: bool, cache_root: str | None,
                expected: dict[str, str]) -> Iterator[dict]:
    for unit in _units(tasks, model, 1):
        yield from run_unit(unit, model, quick, cache_root, isolate=False, expected=expected)


def _local_pool(tasks: list[Task], model: str, quick: bool, workers: int, cache_root: str | None,
                expected: dict[str, str]) -> Iterator[dict]:
    """Run tasks on a process pool; survive workers that die.

    A dying worker breaks the whole pool and every queued future with it, so
    a broken task is not necessarily the culprit: broken tasks go back to a
    fresh pool, and those broken ``ISOLATE_AFTER_CRASHES`` times run alone in
    a one-process pool, where a crash is the point's own and is recorded as
    a failure.
    """
    # spawn: a fresh interpreter per worker (no inherited threads or brian2 state).
    context = multiprocessing.get_context("spawn")
    crashes: dict[str, int] = {}
    pending = list(tasks)
    while pending:
        shared = [t for t in pending if crashes.get(t[0], 0) < ISOLATE_AFTER_CRASHES]
        alone = [t for t in pending if crashes.get(t[0], 0) >= ISOLATE_AFTER_CRASHES]
        pending = []
        batches = ([(_units(shared, model, workers), workers)] if shared else []) + [([[task]], 1) for task in alone]
        for units, size in batches:
            pool = ProcessPoolExecutor(max_workers=min(size, len(units)), mp_context=context)
            try:
                futures = {pool.submit(run_unit, unit, model, quick, cache_root, True, expected): unit
                           for unit in units}
                for future in as_completed(futures):
                    unit = futures[future]
                    try:
                        yield from future.result()
                    except BrokenProcessPool as exc:
                        for point_hash, config in unit:
                            if size == 1:
                                yield _failure(point_hash, f"the worker process died running this point ({exc})")
                            else:
                                crashes[point_hash] = crashes.get(point_hash, 0) + 1
                                pending.append((point_hash, config))
            finally:
                # On an interrupt, drop queued points instead of finishing the whole sweep first.
                pool.shutdown(wait=False, cancel_futures=True)


def connect_scheduler(address: str, timeout_s: float = 30.0):
    """A :class:`distributed.Client` for ``address``; a one-line error if it cannot be reached in time."""
    try:
        from distributed import Client
    except ImportError:
        raise ConfigError("--scheduler", address, "needs dask.distributed (pip install 'dask[distributed]')") from None
    try:
        return Client(address, timeout=f"{timeout_s}s")
    except (OSError, TimeoutError, ValueError) as exc:
        raise ConfigError("--scheduler", address, f"cannot reach a Dask scheduler there ({exc})") from None


def _dask(tasks: list[Task], model: str, quick: bool, client, cache_root: str | None,
          expected: dict[str, str]) -> Iterator[dict]:
    from distributed import as_completed as dask_completed

    run = uuid.uuid4().hex[:8]
    workers = max(1, sum(w.get("nthreads", 1) for w in client.scheduler_info().get("workers", {}).values()))
    futures = {
        client.submit(run_unit, unit, model, quick, cache_root, True, expected,
                      key=f"ketasim-point-{unit[0][0][:16]}-{run}", pure=False): unit
        for unit in _units(tasks, model, workers)
    }
    try:
        for future in dask_completed(futures):
            unit = futures[future]
            try:
                yield from future.result()
            except Exception as exc:  # worker lost, killed, or the task could not be deserialised
                for point_hash, _ in unit:
                    yield _failure(point_hash, f"{type(exc).__name__} on the Dask cluster: {exc}".replace("\n", " "))
    finally:
        client.cancel(list(futures))  # an interrupted sweep leaves no work queued on the cluster


def _checked(record: dict[str, Any], expected: dict[str, str]) -> dict[str, Any]:
    """The record, or a failure if its worker's identity differs from the coordinator's.

    Workers refuse a mismatch themselves; this also catches workers whose
    ketasim predates the check (they report no identity). Failures without a
    run (a dead worker) carry no identity and are kept as they are.
    """
    if record["status"] != "done":
        return record
    refusal = identity_mismatch(record.get("identity"), expected)
    if refusal:
        return {**record, "status": "failed", "metrics": {}, "error": refusal}
    return record


def _write_sweep_yaml(spec: SweepSpec, directory: Path) -> None:
    data = dict(spec.raw)
    data["base"] = spec.base  # inline, so the directory documents itself
    text = f"# Sweep as last run from {spec.source}\n" + yaml.safe_dump(data, sort_keys=False)
    atomic_write_text(directory / "sweep.yaml", text)


def run_sweep(
    spec: SweepSpec,
    out: str | Path,
    workers: int | None = None,
    scheduler: str | None = None,
    quick: bool = False,
    retry_failed: bool = False,
    model: str | None = None,
    progress: bool = True,
    cache_root: str | None = None,
    scheduler_timeout_s: float = 30.0,
    allow_code_change: bool = False,
) -> SweepSummary:
    """Run (or resume) a sweep into the store at ``out`` and export its results.

    Parameters
    ----------
    spec : SweepSpec
        A validated sweep (:func:`ketasim.sweep.spec.load_sweep`).
    out : path
        Sweep directory; created, or resumed if it holds a matching store.
    workers : int, optional
        Local worker processes (default: the core count); 1 runs in this process.
    scheduler : str, optional
        Address of a Dask scheduler (``tcp://host:8786``); overrides ``workers``.
    quick : bool
        Quick profile for every point.
    retry_failed : bool
        Rerun points recorded as failed (otherwise they are kept as failed).
    model : str, optional
        ``module:function`` replacing the spec's model (developer and test hook).
    progress : bool
        Show a progress bar (points done, failures, ETA) on stderr.
    cache_root : str, optional
        Root of per-worker Brian2 build directories (default ~/.cache/ketasim).
    scheduler_timeout_s : float
        How long to wait for the Dask scheduler to answer.
    allow_code_change : bool
        Continue a store made by other ketasim source code, keeping its
        finished points (each records its own code fingerprint).
    """
    from tqdm import tqdm

    started = time.perf_counter()
    out = Path(out)
    spec.with_run_options(model, quick)
    client = connect_scheduler(scheduler, scheduler_timeout_s) if scheduler else None
    expected = worker_identity()  # every point must be computed by code, Brian2 and target equal to these
    try:
        store = SweepStore.open_for_run(out, spec.base_hash(), spec.model, quick, allow_code_change)
        try:
            _write_sweep_yaml(spec, out)
            configs = {p.hash: p.config.resolved() for p in spec.points}
            records = store.records()
            finished = {h for h in configs if h in records and not (retry_failed and records[h]["status"] == "failed")}
            tasks = [(h, c) for h, c in configs.items() if h not in finished]
            failed = sum(records[h]["status"] == "failed" for h in finished)
            if client is not None:
                stream = _dask(tasks, spec.model, quick, client, cache_root, expected)
            elif (workers or os.cpu_count() or 1) <= 1 or len(tasks) <= 1:
                stream = _in_process(tasks, spec.model, quick, cache_root, expected)
            else:
                stream = _local_pool(tasks, spec.model, quick, workers or os.cpu_count() or 1, cache_root, expected)
            bar = tqdm(total=len(configs), initial=len(finished), unit="point", desc="sweep", file=sys.stderr,
                       disable=not progress, dynamic_ncols=True)
            bar.set_postfix(failed=failed)
            with bar:
                for record in stream:
                    record = _checked(record, expected)
                    store.commit(record, configs[record["hash"]])
                    failed += record["status"] == "failed"
                    bar.set_postfix(failed=failed)
                    bar.update()
            records = store.records()
            write_exports(spec, records, out)
            failed = sum(records[h]["status"] == "failed" for h in configs if h in records)
            versions = tuple(sorted({code_version(records[h]) for h in configs if h in records} - {""}))
        finally:
            store.close()
    finally:
        if client is not None:
            client.close()
    return SweepSummary(out, len(configs), len(finished), len(tasks), failed, time.perf_counter() - started, versions)
