"""Does the dose window of ``configs/sweeps/pfc_dose.yaml`` survive the fitted parameters' ranges?

The worked example of ``docs/sensitivity.md``. The sweep (5 doses × 5 seeds,
quick profile) is run at the fitted values and under ``--draws`` Latin-hypercube
draws of the fitted parameters its base scenario reads (as ``ketasim reproduce
--robustness`` draws them); each run's ``ketasim window`` (pyramidal firing
above the 0 mg/kg control, one-sided, BH α = 0.05) gives the doses in the
window. Writes ``window_robustness.json`` next to this script.

Run from the repository (about 10 minutes on two cores with 16 draws)::

    python docs/examples/window_robustness.py --draws 16 --workers 2
"""

from __future__ import annotations

import argparse
import json
import tempfile
import time
from pathlib import Path

import numpy as np

import ketasim
from ketasim.analysis.robustness import plan_draws
from ketasim.config import parameters_as_data
from ketasim.parameters import record_reads

METRIC = "pyr_rate_hz"
CONTROL = "dosing.0.dose=0 mg/kg"


def _window_doses(spec: dict, out: Path, workers: int) -> list[float]:
    results = ketasim.sweep(spec, out, quick=True, workers=workers)
    found = ketasim.window(results, metric=METRIC, control=CONTROL, direction="higher")
    return sorted(float(point["dosing.0.dose"]) for point in found.window)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--draws", type=int, default=16)
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--seed", type=int, default=0)
    args = parser.parse_args()

    spec = ketasim.example("pfc_dose")
    with record_reads() as reads:  # this process is fresh: every parameter the scenario reads is read here
        ketasim.simulate(spec["base"], quick=True)
    plan = plan_draws(sorted(reads), args.draws, args.seed)
    started = time.perf_counter()
    with tempfile.TemporaryDirectory() as scratch:
        nominal = _window_doses(spec, Path(scratch) / "nominal", args.workers)
        windows = []
        for d in range(args.draws):
            drawn = {**spec, "base": {**spec["base"], "parameters": parameters_as_data(plan.overrides(d))}}
            windows.append(_window_doses(drawn, Path(scratch) / f"draw{d}", args.workers))
            print(f"draw {d + 1}/{args.draws}: window {windows[-1]}", flush=True)
    doses = sorted({float(str(x).split()[0]) for x in spec["grid"]["dosing.0.dose"]} - {0.0})
    in_window = {dose: sum(dose in w for w in windows) / args.draws for dose in doses}
    lowest = [min(w) if w else None for w in windows]
    summary = {
        "metric": METRIC, "control": CONTROL, "direction": "higher", "alpha": 0.05, "quick": True,
        "draws": args.draws, "seed": args.seed, "varied": plan.varied, "compiled_in": plan.compiled_in,
        "nominal_window_mg_per_kg": nominal,
        "share_of_draws_in_window": {f"{dose:g}": share for dose, share in in_window.items()},
        "draws_with_nominal_window": sum(w == nominal for w in windows),
        "lowest_effective_dose_per_draw": lowest,
        "values": plan.values.tolist(),
        "windows": windows,
        "wall_s": round(time.perf_counter() - started, 1),
    }
    out = Path(__file__).with_name("window_robustness.json")
    out.write_text(json.dumps(summary, indent=1) + "\n", encoding="utf-8")
    print(json.dumps({k: v for k, v in summary.items() if k not in ("values", "windows", "varied")}, indent=1))
    lowest_seen = [x for x in lowest if x is not None]
    if lowest_seen:
        print(f"lowest effective dose: median {np.median(lowest_seen):g} mg/kg over {len(lowest_seen)} draws")


if __name__ == "__main__":
    main()
