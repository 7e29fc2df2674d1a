"""What batching seeds as copies could save: a compiled BLA run's fixed start-up against a whole session.

Usage::

    PYTHONPATH=. python benchmarks/bla_run_startup.py

For the 120- and 240-principal-cell BLA, runs the compiled binary (memo
cleared, so every call runs it) for one time step, the start-up every run
pays (loading arrays, building synapses from the partner files, writing
results), and for a whole five-trial conditioning session (7.5 s simulated),
three times each. Batching seeds or conditions as unconnected copies in one
run would save at most the start-up per extra copy. Last line: JSON with the
start-up as a fraction of a session per size.
"""

from __future__ import annotations

import json
import sys
import time
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))


def best_of(engine, inputs, partners, repeats: int = 3) -> float:
    """Shortest of ``repeats`` runs of the binary (the memo cleared before each, so each runs it)."""
    from ketasim.circuit.standalone import clear_memos

    times = []
    for _ in range(repeats):
        clear_memos()
        start = time.perf_counter()
        engine.run(inputs, partners)
        times.append(time.perf_counter() - start)
    return min(times)


def measure(cells: int) -> tuple[float, float, float]:
    """(start-up s, session s, simulated s) of the compiled BLA of this size."""
    from ketasim.circuit import bla
    from ketasim.circuit.bla_compiled import compiled_bla
    from ketasim.plasticity.equations import learning_rule

    config, rule = bla.BLAConfig(principal_cells=cells), learning_rule()
    layout = bla.Layout.of(config)
    trials = [bla.Trial("plus", 1.0, "A")] * 5
    total, bins = bla.schedule_bins(len(trials), config)
    engine = compiled_bla(config, rule, bins)
    partners = bla.wiring(0, layout)
    n = partners["plastic"].size
    v, keys = bla.session_draws(0, 0, layout)
    schedule = bla.session_schedule(trials, config, bla.Modulators(), bins)
    steps = int(round(total * bla.BIN_S * 1e3 / config.dt_ms))
    times = []
    for run_steps in (1, steps):
        inputs = bla.SessionInputs(schedule, run_steps, np.full(n, 0.5), np.full(n, 0.3), bla.Modulators(), True,
                                   v, keys)
        times.append(best_of(engine, inputs, partners))
    return times[0], times[1], steps * config.dt_ms / 1e3


def main() -> None:
    result = {}
    for cells in (120, 240):
        startup, session, simulated = measure(cells)
        print(f"{cells} cells: start-up {startup * 1e3:.1f} ms, session ({simulated:g} s simulated) {session:.3f} s: "
              f"start-up is {startup / session:.1%} of a session")
        result[f"startup_fraction_{cells}"] = round(startup / session, 4)
    print(json.dumps(result))


if __name__ == "__main__":
    main()
