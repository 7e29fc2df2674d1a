"""E14 — Modulators of ketamine's synaptic effect: mGluR2, mGlu5/Homer1a and BDNF Val66Met.

Mouse, 10 mg/kg i.p.; the PFC spine-density gain 24 h later (relative to
each subject's own drug-free baseline) with each modulator changed, against
the intact val/val subject with the same seed. The review only claims that
each modulator changes the size of the effect (their net consequences differ
between studies), so every check asks for the same thing: a change of at
least 10 % of the intact gain, in the direction of the cited study.
"""

import matplotlib.pyplot as plt
import numpy as np

from ketasim.reproduce import Outcome, by_seed, compare, run_scenarios, scenario

ID = "E14"
TITLE = "Modulators of the synaptic effect"
CLAIM = "mGluR2, mGlu5/Homer1 and BDNF Val66Met change the size of ketamine's synaptic effect."
SOURCES = ("Liu et al. 2012 Biol Psychiatry 71:996 (Met/Met mice: no spine response to ketamine; Val/Met reduced); "
           "Holz et al. 2019 Neuron? / Homer1a knock-down removes ketamine's antidepressant effect (review); "
           "Pałucha-Poniewiera et al. 2013 and Dwyer et al. 2012 (mGluR2/3 blockade shares and enhances ketamine's "
           "mTOR-dependent effect)")
FITTED = ("signalling mglur2_brake, mglur5_share and the genotype secretion factors are sourced or fitted to "
          "these directions (docs/parameters.md, layer signalling)")

DOSE = [{"drug": "ketamine", "dose": "10 mg/kg", "route": "ip", "at": "0 h"}]
VARIANTS = (
    ("intact (val/val)", {}),
    ("mGluR2 blocked", {"mechanisms": {"mglur2": 0.0}}),
    ("mGlu5/Homer1a off", {"mechanisms": {"mglur5": 0.0}}),
    ("BDNF val/met", {"subject": {"bdnf_genotype": "val/met"}}),
    ("BDNF met/met", {"subject": {"bdnf_genotype": "met/met"}}),
)


def run(profile):
    base = {"species": "mouse", "duration": "30 h", "dosing": DOSE}
    configs = [scenario(base, seed=s, **changes) for _, changes in VARIANTS for s in profile.seeds]
    results = run_scenarios(configs, profile)
    n = len(profile.seeds)
    gain = np.array([by_seed(results[k * n:(k + 1) * n], "spine_density_24h") - 1.0 for k in range(len(VARIANTS))])
    intact = gain[0]
    checks = [
        compare("spine gain at 24 h with mGluR2 blocked vs intact", gain[1], intact, "higher", 0.1, relative=True),
        compare("spine gain at 24 h with mGlu5/Homer1a off vs intact", gain[2], intact, "lower", 0.1, relative=True),
        compare("spine gain at 24 h in val/met vs val/val", gain[3], intact, "lower", 0.1, relative=True),
        compare("spine gain at 24 h in met/met vs val/val", gain[4], intact, "lower", 0.1, relative=True),
    ]
    fig, ax = plt.subplots(figsize=(7, 3.6), constrained_layout=True)
    x = np.arange(len(VARIANTS))
    ax.bar(x, 100 * gain.mean(axis=1), yerr=100 * gain.std(axis=1), color=["0.5", "C1", "C4", "C0", "C9"], capsize=3)
    ax.set_xticks(x, [name for name, _ in VARIANTS], rotation=15)
    ax.set_ylabel("PFC spine density gain at 24 h (%)")
    ax.set_title(f"{ID}: {TITLE} (10 mg/kg, mean ± SD, {n} seeds)", fontsize=10)
    return Outcome(checks, fig, {"variants": [name for name, _ in VARIANTS], "spine_gain": gain})
