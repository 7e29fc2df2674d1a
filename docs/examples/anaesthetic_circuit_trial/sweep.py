"""Issue 18 trial: the PFC circuit across unbound ketamine concentrations, with scratch additions.

Needs ``pfc_scratch.diff`` applied to ``ketasim/circuit/pfc.py`` at commit
2ae8cd8 (a worktree, not main): it adds pyramidal spike-frequency adaptation,
an HCN1 resting conductance that ketamine removes, and tonic GABA-A
potentiation, all off by default. One ``simulate_pfc`` call runs the eight
concentrations as copies. Usage (about 10-40 s per configuration)::

    PYTHONPATH=WORKTREE python sweep.py '{"name": "sh0.4_a2_hcn20_ec67", "seed": 0, "hcn": true,
        "hcn_ec50": 67, "overrides": {"circuit.pyramidal.ext_nmda_share": 0.4,
        "circuit.pyramidal.adapt_increment": 2, "circuit.pyramidal.g_h_rest": 20}}'

Results of the trial of 2026-12-02 are in ``results.json`` (one entry per
configuration and seed); the summary is in
``docs/literature/2026-12-01-anaesthetic-dose-axis.md``.
"""

import json
import sys
import time

from ketasim.circuit.pfc import CircuitCondition, PFCConfig, simulate_pfc
from ketasim.parameters import ParameterSet, using
from ketasim.pharmacology.pd import composition, steady_state_block

CONCS = [0, 2, 5, 10, 15, 25, 50, 100]  # unbound ketamine (µM)
HCN_EC50 = 8.0  # µM, Chen, Shu & Bayliss 2009 (racemic; recalled); 67 µM: human HCN1 in oocytes
TONIC_AT_100 = 0.336  # Wang et al. 2017: tonic GABA-A current +33.6 % at 100 µM


def block(cell, c):
    """Steady-state NMDAR block of a cell type at ``c`` µM (current-weighted over its subunits)."""
    return float(sum(w * steady_state_block(c, s) for s, w in composition(cell).items()))


def main(name, overrides, hcn=False, tonic=False, seed=0, duration=2.0, hcn_ec50=HCN_EC50):
    with using(ParameterSet(overrides)):
        conditions = [CircuitCondition(block_pyramidal=block("pyramidal", c), block_interneuron=block("interneuron", c),
                                       hcn_inhibition=(c / (c + hcn_ec50)) if hcn else 0.0,
                                       tonic_potentiation=(TONIC_AT_100 * c / 100) if tonic else 0.0)
                      for c in CONCS]
        started = time.time()
        out = simulate_pfc(conditions, PFCConfig(duration_s=duration), seed)
    base = out[0]
    rows = {"conc": CONCS,
            "release": [r.glutamate_release / base.glutamate_release for r in out],
            "gamma": [r.gamma_power / base.gamma_power for r in out],
            "pyr_hz": [r.pyr_rate_hz for r in out], "int_hz": [r.int_rate_hz for r in out]}
    with open(f"{name}_s{seed}.json", "w") as f:
        json.dump({"name": name, "overrides": overrides, "hcn": hcn, "hcn_ec50": hcn_ec50, "tonic": tonic,
                   "seed": seed, **rows}, f, indent=1)
    print(f"== {name} seed {seed} ({time.time() - started:.0f} s)")
    for k in ("release", "gamma", "pyr_hz", "int_hz"):
        print(f"{k:8s}" + " ".join(f"{v:7.2f}" for v in rows[k]))
    surge = all(r > 1 for r in rows["release"][1:5]) and max(rows["gamma"][1:4]) <= 4
    turnover = max(rows["release"][6:8]) <= 1.0 and min(rows["pyr_hz"][5:8]) < rows["pyr_hz"][0]
    print(f"(a) surge {surge}  (b) turnover {turnover}")


if __name__ == "__main__":
    spec = json.loads(sys.argv[1])
    for one in spec if isinstance(spec, list) else [spec]:
        main(**one)
