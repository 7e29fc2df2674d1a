"""The BLA refit's probe: conditioning, CS− generalisation, extinction and recovery over seeds.

The protocol of ``configs/fear_conditioning.yaml`` (test at 0 h,
conditioning at 1 h, test at 24 h, 16 extinction trials at 48 h, tests at
72 h and day 14) in the quick profile (the 120-cell reference network),
under parameter overrides given as JSON. Prints the seed means of CS+
freezing before conditioning and at 24 h, CS− at 24 h, CS+ after
extinction and at day 14, and the fraction of CS+ freezing extinction removes.

    PYTHONPATH=. python docs/examples/bla_refit_probe.py '{}' 6
    PYTHONPATH=. python docs/examples/bla_refit_probe.py '{"circuit.bla.freezing_half_rate": 7.0, "circuit.bla.expectation_rate_ref": 7.0}' 4
"""

import json
import sys
import time

import numpy as np

from ketasim.config import parameters_as_data, validate_scenario
from ketasim.scenario import simulate

PROTOCOL = [
    {"event": "test", "at": "0 h", "cues": ["plus", "minus"]},
    {"event": "conditioning", "at": "1 h", "trials": 5},
    {"event": "test", "at": "24 h"},
    {"event": "extinction", "at": "48 h", "trials": 16},
    {"event": "test", "at": "72 h", "cues": ["plus"]},
    {"event": "test", "at": "14 d", "cues": ["plus"]},
]
METRICS = ("freezing_cs_plus_test1", "freezing_cs_plus_test2", "freezing_cs_minus_test2", "freezing_cs_plus_test3",
           "freezing_cs_plus_test4")


def main() -> None:
    overrides = json.loads(sys.argv[1]) if len(sys.argv) > 1 else {}
    seeds = range(int(sys.argv[2]) if len(sys.argv) > 2 else 6)
    start = time.time()
    rows = []
    for seed in seeds:
        config = {"species": "mouse", "seed": seed, "protocol": PROTOCOL, "parameters": parameters_as_data(overrides)}
        metrics = simulate(validate_scenario(config), quick=True).metrics
        rows.append([metrics[k] for k in METRICS])
    r = np.array(rows)
    mean = r.mean(axis=0)
    print(json.dumps({
        "overrides": overrides, "seeds": len(seeds), "pre": round(mean[0], 3), "cs_plus_24h": round(mean[1], 3),
        "cs_minus_24h": round(mean[2], 3), "cs_plus_72h_after_extinction": round(mean[3], 3),
        "cs_plus_day14": round(mean[4], 3), "extinction_removes": round(float(np.mean(1 - r[:, 3] / r[:, 1])), 3),
        "sd_cs_plus_24h": round(float(r[:, 1].std(ddof=1)), 3), "wall_s": round(time.time() - start, 1),
    }))


if __name__ == "__main__":
    main()
