"""Throughput of the BLA fear circuit: the compiled engine against the runtime engine on the same sessions.

Each seed's network runs one fear protocol's sessions (conditioning, a test,
extinction, a test) on both engines; both must give the same readouts. The
compiled binary and the runtime Cython modules are built first (not timed).
Prints wall time and simulated seconds per wall second of each engine, the
speedup, and the ratio to the Brian2 replication of Vlachos et al. 2011
(4000 neurons, 3-4 s of wall time per simulated second on this machine:
0.25-0.33 simulated s per wall s). Last line: JSON with ``speedup``.

    PYTHONPATH=. python benchmarks/bla_throughput.py                 # reference size (quick profile), 4 seeds
    PYTHONPATH=. python benchmarks/bla_throughput.py --cells 480 --seeds 2
"""

from __future__ import annotations

import argparse
import json
import time

from ketasim.circuit.bla import BLAConfig, BLANetwork, Modulators, Trial
from ketasim.plasticity.equations import learning_rule
from ketasim.settings import overridden

VLACHOS_SIM_S_PER_WALL_S = 1 / 3.5  # Brian2 replication, 4000 neurons, this machine (issue 19)

SESSIONS = (
    ([Trial("plus", 1.0, "A")] * 5, True),  # conditioning
    ([Trial("plus")] * 4 + [Trial("minus")] * 4, False),  # test
    ([Trial("plus", 0.0, "B")] * 16, True),  # extinction
    ([Trial("plus", 0.0, "B")] * 4, False),  # test
)


def run(engine: str, config: BLAConfig, seeds: range) -> tuple[float, list[float], float]:
    """(wall s, every trial's fear rate, simulated s) of the protocol on every seed."""
    rates, simulated = [], 0.0
    start = time.perf_counter()
    with overridden(engine=engine):
        for seed in seeds:
            network = BLANetwork(config, learning_rule(), seed=seed)
            for trials, learn in SESSIONS:
                rates += [r.fear_rate_cs for r in network.run_trials(trials, Modulators(), learn=learn)]
                simulated += len(trials) * (config.iti_s + config.cs_duration_s)
    return time.perf_counter() - start, rates, simulated


def size_arguments(description: str) -> argparse.Namespace:
    """``--cells`` and ``--seeds`` of a BLA benchmark (also benchmarks/bla_per_run_constants.py)."""
    parser = argparse.ArgumentParser(description=description)
    parser.add_argument("--cells", type=int, default=120, help="principal cells (default: the quick profile's 120)")
    parser.add_argument("--seeds", type=int, default=4)
    return parser.parse_args()


def main() -> None:
    args = size_arguments(__doc__.splitlines()[0])
    config = BLAConfig(principal_cells=args.cells)
    seeds = range(args.seeds)
    for engine in ("compiled", "runtime"):  # warm-up: compile the binary and the Cython modules
        run(engine, config, range(1))
    compiled_s, compiled_rates, simulated = run("compiled", config, seeds)
    runtime_s, runtime_rates, _ = run("runtime", config, seeds)
    same = compiled_rates == runtime_rates
    rows = {"compiled": compiled_s, "runtime": runtime_s}
    print(f"{args.cells} principal cells, {args.seeds} seeds x {len(SESSIONS)} sessions = {simulated:.0f} s simulated")
    for engine, wall in rows.items():
        print(f"  {engine:9s} {wall:8.2f} s wall   {simulated / wall:6.2f} simulated s per wall s")
    speedup = runtime_s / compiled_s
    vlachos = (simulated / compiled_s) / VLACHOS_SIM_S_PER_WALL_S
    print(f"  speedup {speedup:.1f}x; compiled vs the Vlachos replication (per simulated s): {vlachos:.1f}x; "
          f"identical readouts: {same}")
    print(json.dumps({"cells": args.cells, "seeds": args.seeds, "simulated_s": simulated, "compiled_s": round(compiled_s, 2),
                      "runtime_s": round(runtime_s, 2), "speedup": round(speedup, 2),
                      "compiled_sim_s_per_wall_s": round(simulated / compiled_s, 3),
                      "vs_vlachos_replication": round(vlachos, 2), "identical_readouts": same}))


if __name__ == "__main__":
    main()
