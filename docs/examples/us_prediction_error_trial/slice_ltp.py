"""Issue 17 trial: slice HFS LTP drug-free and with 10 µM ketamine, under parameter overrides (E10's protocol, seed 0).

Runs on main. Usage: ``PYTHONPATH=. python slice_ltp.py '{"plasticity.cck.release_hill": 2.0,
"plasticity.cck.release_half_calcium": 0.025}'`` (``'{}'`` for the registry's values).
"""

import json
import sys

from ketasim.config import validate_scenario
from ketasim.scenario import simulate

params = json.loads(sys.argv[1])
for c in (0, 10.0):
    cfg = {"species": "mouse", "duration": "3 h", "seed": 0, "parameters": params,
           "dosing": ([{"drug": "ketamine", "concentration": f"{c} uM", "route": "bath", "at": "0 min"}] if c else []),
           "protocol": [{"event": "slice", "at": "30 min", "induction": "hfs", "baseline": "10 min",
                         "follow_up": "60 min"}]}
    m = simulate(validate_scenario(cfg), quick=True).metrics
    print(c, {k: round(v, 2) for k, v in m.items() if "ltp" in k or "cck" in k})
