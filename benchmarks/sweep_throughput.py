"""Sweep throughput: the naive runtime loop, ketasim's sweep engine, and the compiled floor, in one run.

Usage::

    PYTHONPATH=. python benchmarks/sweep_throughput.py [--doses 8] [--seeds 4] [--no-scaling]

A dose x seed grid (quick PFC profile, mouse, 0 h i.p. ketamine) is run three
ways, each on one worker (this process):

(a) baseline: a loop that, per point, builds the PFC network in Brian2
    runtime mode with the conditions the point's metrics need (drug-free and
    the block's peak) and computes the metrics, with the faster of the
    ``numpy`` and ``cython`` targets (timed on one point first);
(b) ketasim: ``run_sweep`` end to end (planning, compiled batched circuit,
    metrics, SQLite store, results.nc/csv export);
(c) floor: the compiled simulation loop alone, i.e. the time the binary
    spends inside ``Network::run`` during (b) (Brian2's last_run_info).

Caches are warmed first and not timed (Cython modules, the compiled
network). Then ketasim's throughput on 1 and 2 worker processes (scaling).
The last line of output is a JSON object with the ratios.
"""

from __future__ import annotations

import argparse
import json
import os
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

BASE = {"species": "mouse", "seed": 0, "dosing": [{"drug": "ketamine", "dose": "10 mg/kg", "route": "ip", "at": "0 h"}]}
DOSES = ["0 mg/kg", "1 mg/kg", "3 mg/kg", "5 mg/kg", "10 mg/kg", "15 mg/kg", "20 mg/kg", "30 mg/kg", "50 mg/kg",
         "60 mg/kg", "80 mg/kg", "100 mg/kg"]


def make_spec(doses: int, seeds: int):
    from ketasim.sweep.spec import parse_sweep

    spec = parse_sweep({"base": BASE, "grid": {"dosing.0.dose": DOSES[:doses], "seed": list(range(seeds))}},
                       source="<benchmark>")
    return spec.with_run_options(None, True)


def baseline_point(config, target: str) -> dict[str, float]:
    """The naive loop's body: this point alone on Brian2's runtime engine (its moments, then +24 h), its metrics."""
    from ketasim.scenario import simulate
    from ketasim.settings import overridden

    with overridden(engine="runtime", brian_target=target):
        return simulate(config, quick=True).metrics


def time_sweep(spec, workers: int, cache_root: str | None) -> tuple[float, list[dict]]:
    """Wall time of ``run_sweep`` into a fresh directory, and the exported rows."""
    import csv

    from ketasim.sweep.execute import run_sweep

    with tempfile.TemporaryDirectory(prefix="ketasim-bench-") as out:
        start = time.perf_counter()
        summary = run_sweep(spec, Path(out) / "sweep", workers=workers, quick=True, progress=False,
                            cache_root=cache_root)
        elapsed = time.perf_counter() - start
        if summary.failed:
            raise SystemExit(f"benchmark sweep had {summary.failed} failed points")
        with open(Path(out) / "sweep" / "results.csv", encoding="utf-8") as handle:
            rows = list(csv.DictReader(handle))
    return elapsed, rows


def cpu_s() -> float:
    """CPU time of this process and its finished children (the compiled binary runs as a child)."""
    t = os.times()
    return t.user + t.system + t.children_user + t.children_system


def _mean(values) -> float:
    values = [float(v) for v in values]
    return sum(values) / len(values)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--doses", type=int, default=8, help=f"doses in the grid (max {len(DOSES)})")
    parser.add_argument("--seeds", type=int, default=4)
    parser.add_argument("--no-scaling", action="store_true", help="skip the 1- vs 2-worker scaling runs")
    parser.add_argument("--cache-root", default=None, help="per-worker build directories (default ~/.cache/ketasim)")
    args = parser.parse_args(argv)
    os.environ.setdefault("OMP_NUM_THREADS", "1")
    os.environ.setdefault("OPENBLAS_NUM_THREADS", "1")

    from ketasim.circuit import compiled
    from ketasim.settings import claim_build_dir

    claim_build_dir(args.cache_root)  # this process's own build directory, as a sweep worker would
    spec = make_spec(args.doses, args.seeds)
    points = len(spec.points)
    configs = [p.config for p in spec.points]
    print(f"sweep: {args.doses} doses x {args.seeds} seeds = {points} points, quick PFC profile", flush=True)

    # Warm-up (untimed): Cython modules for both targets' runtime network, and the compiled network.
    print("warming caches ...", flush=True)
    target_time = {}
    for target in ("cython", "numpy"):
        baseline_point(configs[1], target)
        start = time.perf_counter()
        baseline_point(configs[1], target)
        target_time[target] = time.perf_counter() - start
    target = min(target_time, key=target_time.get)
    time_sweep(spec, 1, args.cache_root)  # builds or loads the compiled network of the timed run's shape
    warm = compiled.loaded_network()

    # (a) baseline
    start, cpu = time.perf_counter(), cpu_s()
    baseline = [baseline_point(c, target) for c in configs]
    baseline_s, baseline_cpu = time.perf_counter() - start, cpu_s() - cpu

    # (b) ketasim, one worker (in this process)
    engine = compiled.loaded_network()
    before = dict(engine.timers) if engine else {}
    cpu = cpu_s()
    ketasim_s, rows_out = time_sweep(spec, 1, args.cache_root)
    ketasim_cpu = cpu_s() - cpu
    engine = compiled.loaded_network()
    if engine is not warm:
        print("note: the timed sweep built another network shape than the warm-up", flush=True)
    loop_s = engine.timers["loop_s"] - before.get("loop_s", 0.0)
    binary_s = engine.timers["binary_s"] - before.get("binary_s", 0.0)
    runs = engine.timers["runs"] - before.get("runs", 0)

    rows = [
        (f"(a) baseline: runtime loop, {target} target", baseline_s),
        (f"(b) ketasim sweep engine ({engine.shape.copies} copies/run, {runs} runs)", ketasim_s),
        ("    compiled binary incl. start-up and I/O", binary_s),
        ("(c) floor: compiled simulation loop alone", loop_s),
    ]
    scaling = {}
    if not args.no_scaling:
        time_sweep(spec, 2, args.cache_root)  # warm the pool workers' build directories
        for workers in (1, 2):
            scaling[workers] = time_sweep(spec, workers, args.cache_root)[0]
            rows.append((f"ketasim sweep, {workers} worker{'s' * (workers > 1)} (scaling)", scaling[workers]))

    print(f"\n{'what':64s} {'time (s)':>9s} {'points/s':>9s}")
    for label, seconds in rows:
        print(f"{label:64s} {seconds:9.2f} {points / seconds:9.2f}")
    print(f"timing of one point per runtime target (s): {json.dumps({k: round(v, 3) for k, v in target_time.items()})}")
    for metric in ("pyr_rate_hz", "int_rate_hz", "glutamate_release"):
        print(f"mean {metric} over the points: baseline {_mean(m[metric] for m in baseline):.3f}, "
              f"ketasim {_mean(r[metric] for r in rows_out):.3f} (the same model and streams on both engines)")
    result = {
        "points": points,
        "baseline_target": target,
        "baseline_points_per_s": points / baseline_s,
        "ketasim_points_per_s": points / ketasim_s,
        "floor_points_per_s": points / loop_s,
        "speedup": baseline_s / ketasim_s,
        "floor_fraction": loop_s / ketasim_s,
        # The machine may be shared: the same ratio in CPU time (process + compiled child) is load-independent.
        "speedup_cpu_time": baseline_cpu / ketasim_cpu,
        **{f"ketasim_points_per_s_{w}_workers": points / s for w, s in scaling.items()},
    }
    print(json.dumps({k: round(v, 4) if isinstance(v, float) else v for k, v in result.items()}), flush=True)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
