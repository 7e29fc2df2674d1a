"""Worker scaling of a fear sweep: the same grid of fear points on 1 and on 2 worker processes.

Usage::

    PYTHONPATH=. python benchmarks/fear_sweep_scaling.py [--doses 8] [--seeds 8]

A dose × seed grid (quick profile: the 120-cell BLA) of a fear protocol:
ketamine i.p. a day before five CS–US pairings, a test the next day,
extinction and a retention test. Each point runs four BLA sessions on the
compiled engine plus the PFC circuit and the signalling cascade. Caches are
warmed first by a two-point sweep on two workers (not timed), so both runs
find the compiled binaries on disk. The naive baseline is the one-worker
run. Last line: JSON with ``scaling`` (one worker's wall time over two
workers') and points per second.
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


def time_sweep(grid, workers: int) -> tuple[float, int]:
    from ketasim.sweep.execute import run_sweep

    with tempfile.TemporaryDirectory(prefix="ketasim-bench-") as out:
        start = time.perf_counter()
        summary = run_sweep(grid, Path(out) / "sweep", workers=workers, quick=True, progress=False)
        elapsed = time.perf_counter() - start
    if summary.failed:
        raise SystemExit(f"benchmark sweep had {summary.failed} failed points")
    return elapsed, summary.ran


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--doses", type=int, default=8, help=f"doses in the grid (max {len(DOSES)})")
    parser.add_argument("--seeds", type=int, default=8)
    args = parser.parse_args()
    time_sweep(spec(1, 2), workers=2)  # warm-up: compiled binaries, Cython modules, both worker slots
    grid = spec(args.doses, args.seeds)
    one, points = time_sweep(grid, workers=1)
    two, _ = time_sweep(grid, workers=2)
    print(f"{points} fear points: 1 worker {one:.1f} s ({points / one:.2f} points/s), "
          f"2 workers {two:.1f} s ({points / two:.2f} points/s): scaling {one / two:.2f}x")
    print(json.dumps({"points": points, "one_worker_s": round(one, 1), "two_workers_s": round(two, 1),
                      "scaling": round(one / two, 2), "points_per_s_two_workers": round(points / two, 3)}))


if __name__ == "__main__":
    main()
