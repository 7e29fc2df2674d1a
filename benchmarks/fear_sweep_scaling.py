"""Worker scaling of a fear sweep: the same grid of fear points on 1 and on 2 worker processes.

Usage::

    PYTHONPATH=. python benchmarks/fear_sweep_scaling.py [--doses 8] [--seeds 8] [--dask]

A dose × seed grid (quick profile: the 120-cell BLA) of a fear protocol:
ketamine i.p. a day before five CS–US pairings, a test the next day,
extinction and a retention test. Each point runs four BLA sessions on the
compiled engine plus the PFC circuit and the signalling cascade. Caches are
warmed first by a two-point sweep on two workers (not timed), so both runs
find the compiled binaries on disk. The naive baseline is the one-worker
run. With ``--dask`` the same grid also runs on a local Dask cluster
(``distributed.LocalCluster``, one single-threaded worker process per
core, reached through its scheduler address as ``--scheduler`` would) with
one and with two workers, each cluster warmed up the same way. Last line:
JSON with ``scaling`` (one worker's wall time over two workers'), points per
second and, with ``--dask``, ``dask_scaling``.
"""

from __future__ import annotations

import argparse
import json
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

BASE = {
    "species": "mouse", "seed": 0,
    "dosing": [{"drug": "ketamine", "dose": "10 mg/kg", "route": "ip", "at": "0 h"}],
    "protocol": [
        {"event": "conditioning", "at": "24 h", "trials": 5},
        {"event": "test", "at": "48 h"},
        {"event": "extinction", "at": "72 h", "trials": 16},
        {"event": "test", "at": "96 h", "cues": ["plus"]},
    ],
}
DOSES = ["0 mg/kg", "3 mg/kg", "5 mg/kg", "10 mg/kg", "15 mg/kg", "20 mg/kg", "30 mg/kg", "50 mg/kg", "80 mg/kg",
         "100 mg/kg"]


def spec(doses: int, seeds: int):
    from ketasim.sweep.spec import parse_sweep

    return parse_sweep({"base": BASE, "grid": {"dosing.0.dose": DOSES[:doses], "seed": list(range(seeds))}},
                       "<benchmark>")


def time_sweep(grid, workers: int, scheduler: str | None = None) -> tuple[float, int]:
    from ketasim.sweep.execute import run_sweep

    with tempfile.TemporaryDirectory(prefix="ketasim-bench-") as out:
        start = time.perf_counter()
        summary = run_sweep(grid, Path(out) / "sweep", workers=workers, scheduler=scheduler, quick=True,
                            progress=False)
        elapsed = time.perf_counter() - start
    if summary.failed:
        raise SystemExit(f"benchmark sweep had {summary.failed} failed points")
    return elapsed, summary.ran


def time_on_dask(grid, workers: int) -> float:
    """Wall time of the sweep on a fresh local Dask cluster of ``workers`` single-threaded processes (warmed up)."""
    from distributed import LocalCluster

    with LocalCluster(n_workers=workers, threads_per_worker=1, processes=True, dashboard_address=None) as cluster:
        time_sweep(spec(1, 2), workers, cluster.scheduler_address)  # warm-up: each worker loads its binaries
        return time_sweep(grid, workers, cluster.scheduler_address)[0]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--doses", type=int, default=8, help=f"doses in the grid (max {len(DOSES)})")
    parser.add_argument("--seeds", type=int, default=8)
    parser.add_argument("--dask", action="store_true", help="also run the grid on a local Dask cluster (1 and 2 workers)")
    args = parser.parse_args()
    time_sweep(spec(1, 2), workers=2)  # warm-up: compiled binaries, Cython modules, both worker slots
    grid = spec(args.doses, args.seeds)
    one, points = time_sweep(grid, workers=1)
    two, _ = time_sweep(grid, workers=2)
    print(f"{points} fear points: 1 worker {one:.1f} s ({points / one:.2f} points/s), "
          f"2 workers {two:.1f} s ({points / two:.2f} points/s): scaling {one / two:.2f}x")
    result = {"points": points, "one_worker_s": round(one, 1), "two_workers_s": round(two, 1),
              "scaling": round(one / two, 2), "points_per_s_two_workers": round(points / two, 3)}
    if args.dask:
        dask_one, dask_two = time_on_dask(grid, 1), time_on_dask(grid, 2)
        print(f"Dask LocalCluster: 1 worker {dask_one:.1f} s, 2 workers {dask_two:.1f} s: "
              f"scaling {dask_one / dask_two:.2f}x")
        result.update(dask_one_worker_s=round(dask_one, 1), dask_two_workers_s=round(dask_two, 1),
                      dask_scaling=round(dask_one / dask_two, 2))
    print(json.dumps(result))


if __name__ == "__main__":
    main()
