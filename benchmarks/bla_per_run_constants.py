"""The BLA binary that reads its constants per run against the one with them compiled in, on the same sessions.

A robustness draw, a sensitivity sample or a ``--set`` of a BLA constant runs
the binary that reads the constants on its command line (one binary for
every parameter set of a shape); the registry's values run the binary with
them compiled in. Both run here at the registry's values, so they must give
the same readouts; the ratio is what reading the constants per run costs.
Before the learning rule's Hill exponent stayed compiled in (``pow`` with a
run-time exponent in the per-synapse CCK release), it was about 3.3×.
Binaries are built first (not timed). Last line: JSON with ``ratio``.

    PYTHONPATH=. python benchmarks/bla_per_run_constants.py             # 120 cells, 4 seeds
    PYTHONPATH=. python benchmarks/bla_per_run_constants.py --cells 240 --seeds 2
"""

from __future__ import annotations

import json
import time

from bla_throughput import (  # the same protocol (this script's directory is on the path)
    SESSIONS,
    size_arguments,
)

import ketasim.circuit.engine as engines
from ketasim.circuit.bla import BLAConfig, BLANetwork, Modulators
from ketasim.circuit.bla_compiled import compiled_bla
from ketasim.circuit.standalone import clear_memos
from ketasim.plasticity.equations import learning_rule
from ketasim.settings import overridden


def run(per_run: bool, config: BLAConfig, seeds: range) -> tuple[float, list[float]]:
    """(wall s, every trial's fear rate) of the protocol on every seed, on one kind of binary."""
    engines.compiled_bla = lambda *args: compiled_bla(*args, per_run=per_run)
    clear_memos()  # run every session, none answered from an earlier identical run
    rates = []
    start = time.perf_counter()
    with overridden(engine="compiled"):
        for seed in seeds:
            network = BLANetwork(config, learning_rule(), seed=seed)
            for trials, learn in SESSIONS:
                rates += [r.fear_rate_cs for r in network.run_trials(trials, Modulators(), learn=learn)]
    return time.perf_counter() - start, rates


def main() -> None:
    args = size_arguments(__doc__.splitlines()[0])
    config = BLAConfig(principal_cells=args.cells)
    for per_run in (False, True):  # warm-up: build both binaries
        run(per_run, config, range(1))
    literal_s, literal_rates = run(False, config, range(args.seeds))
    per_run_s, per_run_rates = run(True, config, range(args.seeds))
    same = literal_rates == per_run_rates
    ratio = per_run_s / literal_s
    print(f"{args.cells} principal cells, {args.seeds} seeds x {len(SESSIONS)} sessions")
    print(f"  constants compiled in   {literal_s:7.2f} s")
    print(f"  constants read per run  {per_run_s:7.2f} s   ratio {ratio:.2f}; identical readouts: {same}")
    print(json.dumps({"cells": args.cells, "seeds": args.seeds, "compiled_in_s": round(literal_s, 2),
                      "per_run_s": round(per_run_s, 2), "ratio": round(ratio, 3), "identical_readouts": same}))


if __name__ == "__main__":
    main()
