"""E11 — Ketamine blocks NMDAR-dependent burst firing in the lateral habenula.

LHb neurons in a slice fire T-type-Ca²⁺ bursts that need NMDAR input; bath
ketamine (and APV, the NMDAR-dependence control) stops them.
"""

import matplotlib.pyplot as plt
import numpy as np

from ketasim.reproduce import Outcome, by_seed, compare, run_scenarios, scenario

ID = "E11"
TITLE = "Lateral habenula bursts"
CLAIM = "Ketamine blocks NMDAR-dependent burst firing in the lateral habenula."
SOURCES = ("Yang et al. 2018 Nature 554:317 (bursts in LHb slices of depressive-like rats need NMDARs and T-type "
           "channels; ketamine and APV block them)")
FITTED = "LHb T-type and NMDA conductances (docs/parameters.md, layer circuit: lhb.*), fitted drug-free to bursting"
NOTE = ("Ketamine and APV cut the bursts in both profiles, but the first check fails in both, and the effect is "
        "left failing: 17.3 % of drug-free spikes are in bursts in the full profile (18.4 % in the quick one), "
        "short of the 20 % that the first check asks for before a block can be judged. Ketamine 10 uM removes "
        "59 % of them (61 % quick) and APV 88 % (both profiles). The LHb "
        "conductances were fitted drug-free to a sizeable minority of bursting cells, not to these numbers. Yang et "
        "al. bathed slices in more ketamine than 10 uM (recalled as 100 uM, not verified); the model blocks 66 % "
        "of LHb NMDARs at 10 uM and 95 % at 100 uM, close to APV's 97 %, and 100 uM removes 85 % of burst spikes "
        "(seed 0). The check stays at 10 uM, the brain level after an antidepressant dose (Zanos et al. 2016).")

CONCENTRATIONS = (1.0, 3.0, 10.0)
QUICK_CONCENTRATIONS = (3.0, 10.0)
RECORDING = {"species": "mouse", "duration": "2 h",
             "protocol": [{"event": "lhb_recording", "at": "30 min", "duration": "10 s"}]}


def run(profile):
    seeds = profile.seeds
    concentrations = QUICK_CONCENTRATIONS if profile.quick else CONCENTRATIONS
    bath = [[{"drug": "ketamine", "concentration": f"{c} uM", "route": "bath", "at": "0 min"}] for c in concentrations]
    configs = [scenario(RECORDING, seed=s, dosing=d) for d in bath for s in seeds]
    configs += [scenario(RECORDING, seed=s, dosing=[{"drug": "apv", "concentration": "50 uM", "route": "bath",
                                                     "at": "0 min"}]) for s in seeds]
    results = run_scenarios(configs, profile)
    n = len(seeds)
    groups = [results[k * n:(k + 1) * n] for k in range(len(concentrations) + 1)]
    # Every recording has its own drug-free control (same seed); row 0 is that control, the last row APV.
    control = by_seed(groups[0], "lhb_burst_fraction_drug_free")
    burst = np.array([control] + [by_seed(g, "lhb_burst_fraction") for g in groups])
    concentrations = (0.0, *concentrations)
    checks = [
        compare("drug-free LHb burst fraction (spikes in bursts)", control, np.zeros(n), "higher", 0.2),
        compare("burst fraction with ketamine 10 µM vs drug-free", burst[len(concentrations) - 1], control, "lower",
                0.5, relative=True),
        compare("burst fraction with APV 50 µM vs drug-free (NMDAR dependence)", burst[-1], control, "lower", 0.5,
                relative=True),
    ]
    fig, ax = plt.subplots(figsize=(5, 3.6), constrained_layout=True)
    ax.errorbar(concentrations, burst[:-1].mean(axis=1), burst[:-1].std(axis=1), fmt="o-", color="C3", capsize=3,
                label="ketamine")
    ax.errorbar([concentrations[-1] * 1.3], [burst[-1].mean()], [burst[-1].std()], fmt="s", color="C0", capsize=3,
                label="APV 50 µM")
    ax.set(xscale="symlog", xlabel="bath concentration (µM)", ylabel="fraction of spikes in bursts", ylim=(0, 1))
    ax.legend(frameon=False, fontsize=8)
    ax.set_title(f"{ID}: {TITLE} (mean ± SD, {n} seeds)", fontsize=10)
    return Outcome(checks, fig, {"concentrations_uM": concentrations, "burst_fraction": burst})
