"""E06 — Ketamine 22 h after conditioning and fear generalisation.

Mouse: five CS+–US pairings, ketamine (7.5, 15 or 30 mg/kg) or saline 22 h
later, tests of CS+ and CS− (8 presentations each) 24 h after the dose.
The generalisation index is CS− freezing / CS+ freezing (0 = perfect
discrimination, 1 = complete generalisation).
"""

import matplotlib.pyplot as plt
import numpy as np

from ketasim.reproduce import Outcome, by_seed, compare, equivalent, run_scenarios, scenario

ID = "E06"
TITLE = "Fear generalisation after a dose 22 h later"
CLAIM = "15-30 mg/kg given 22 h after conditioning suppresses fear generalisation; 7.5 mg/kg does not."
SOURCES = ("Asim et al. 2020 Neurosci Bull 36:153 (30 mg/kg i.p. 22 h after conditioning lowers generalisation, "
           "dose-dependently; generalised mice have less BDNF and more GluN2B in BLA and IL, which ketamine reverses)")
FITTED = "none"
NOTE = ("Not reproduced, and left failing: only the 7.5 mg/kg null holds. Full profile (240-cell BLA, 10 seeds), "
        "cues tested in a novel context B: 15 mg/kg lowers the index by 0.096 [-0.134, -0.059] and 30 mg/kg by "
        "0.080 [-0.145, -0.014], both short of the 0.1 criterion; the 7.5 mg/kg null passes its equivalence "
        "test (-0.055 [-0.090, -0.021] against a -0.1 margin). Until 2026-12-07 30 mg/kg lowered it by 0.22 and "
        "passed: spine formation had no cap, and the PFC spine rise it gave (mouse 30 mg/kg: +49 % at 24 h; rat "
        "10 mg/kg: +129 %, 30 mg/kg: x19, where Li et al. 2010 report about +30-40 %) carried the IL input. With "
        "formation capped at 3 times the drug-free target (signalling.spines.formation_ceiling, fitted to the "
        "rat's +30-40 %), IL input a day after 30 mg/kg is x1.35 instead of x1.49 while BLA strength stays about "
        "x1.24, and the suppression, a difference of those two expression effects, shrinks; 15 mg/kg stays "
        "below the cap. No constant was fitted to this check. A dose 22 h before the test acts on it only "
        "through that synaptic strength (docs/timing-atlas.md, 'Which route carries each arm': with IL strength "
        "pinned the effect vanishes). Conditioning does not lower IL BDNF or raise GluN2B in the model, so the "
        "generalised state Asim et al. find ketamine reversing does not exist here; in their mice IL GluN2B "
        "carries it (ifenprodil into IL, not BLA, lowers generalisation) and ketamine's effect needs TrkB. That "
        "state (issue 17, route 5) is what this check asks for, not a larger generic rise of synaptic strength. "
        "Before the model learned context fear (context fibres at 4 Hz, tests in A, cs_overlap 0.35) 15 and 30 "
        "mg/kg passed (-0.17, -0.28) and the 7.5 mg/kg null failed (-0.089 [-0.120, -0.057]).")

DOSES = (0.0, 7.5, 15.0, 30.0)
QUICK_DOSES = (0.0, 7.5, 30.0)
# Cues are tested in a novel context B (conditioning is in A), as cued studies do: the context fear
# conditioning leaves in A would add to the cue's (issue 17).
PROTOCOL = [{"event": "conditioning", "at": "0 h", "trials": 5},
            {"event": "test", "at": "46 h", "cues": ["plus", "minus"], "trials": 8, "context": "B"}]
MIN_DROP = 0.1  # lower generalisation index by at least 0.1 (of 0-1)


def run(profile):
    doses = QUICK_DOSES if profile.quick else DOSES
    configs = [scenario({"species": "mouse", "protocol": PROTOCOL}, seed=s,
                        dosing=[{"drug": "ketamine" if d else "saline", "dose": f"{d} mg/kg", "route": "ip",
                                 "at": "22 h"}])
               for d in doses for s in profile.seeds]
    results = run_scenarios(configs, profile)
    n = len(profile.seeds)
    gi = {d: by_seed(results[k * n:(k + 1) * n], "generalization_index") for k, d in enumerate(doses)}
    plus = {d: by_seed(results[k * n:(k + 1) * n], "freezing_cs_plus") for k, d in enumerate(doses)}
    minus = {d: by_seed(results[k * n:(k + 1) * n], "freezing_cs_minus") for k, d in enumerate(doses)}
    checks = [compare(f"generalisation index after {d:g} mg/kg vs saline", gi[d], gi[0.0], "lower", MIN_DROP)
              for d in doses if d >= 15.0]
    checks.append(equivalent("generalisation index after 7.5 mg/kg vs saline (no suppression)", gi[7.5], gi[0.0],
                             MIN_DROP, bound="lower"))
    fig, (ax_gi, ax_fr) = plt.subplots(1, 2, figsize=(10, 3.6), constrained_layout=True)
    x = np.arange(len(doses))
    values = np.array([gi[d] for d in doses])
    ax_gi.bar(x, values.mean(axis=1), yerr=values.std(axis=1), color=["0.5", *["C3"] * (len(doses) - 1)], capsize=3)
    for k in range(n):
        ax_gi.plot(x, values[:, k], "k.-", lw=0.5, ms=4, alpha=0.6)
    ax_gi.set_xticks(x, ["saline", *[f"{d:g}" for d in doses[1:]]])
    ax_gi.set(xlabel="ketamine 22 h after conditioning (mg/kg)", ylabel="generalisation index (CS−/CS+)", ylim=(0, 1.2))
    width = 0.38
    ax_fr.bar(x - width / 2, [plus[d].mean() for d in doses], width, color="C3", label="CS+")
    ax_fr.bar(x + width / 2, [minus[d].mean() for d in doses], width, color="C0", label="CS−")
    ax_fr.set_xticks(x, ["saline", *[f"{d:g}" for d in doses[1:]]])
    ax_fr.set(xlabel="dose (mg/kg)", ylabel="freezing at test", ylim=(0, 1))
    ax_fr.legend(frameon=False, fontsize=8)
    fig.suptitle(f"{ID}: {TITLE} (mouse, {n} seeds; lines: one seed across doses)")
    return Outcome(checks, fig, {"doses_mg_kg": doses, "generalization_index": values})
