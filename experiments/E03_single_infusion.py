"""E03 — One 0.5 mg/kg infusion in chronic PTSD: fewer symptoms at 24 h than after midazolam.

Adults with chronic PTSD (``subject.condition: chronic_ptsd``; each seed is
another patient, drawn from the start-state distribution) receive ketamine
0.5 mg/kg or midazolam 0.045 mg/kg i.v. over 40 min, as in Feder et al. 2014.
The symptom score is CAPS-5-like, 0-100 (docs/mechanisms.md, "Clinical scenario").
"""

import matplotlib.pyplot as plt
import numpy as np

from ketasim.reproduce import Outcome, by_seed, compare, run_scenarios, scenario

ID = "E03"
TITLE = "Single infusion in chronic PTSD"
CLAIM = "A single 0.5 mg/kg i.v. infusion (40 min) in chronic PTSD reduces symptoms at 24 h more than midazolam."
SOURCES = ("Feder et al. 2014 JAMA Psychiatry 71:681 (crossover; ketamine vs midazolam at 24 h: 14.4 points on the "
           "0-100 scale, 95 % CI 2.8-25.9, as converted in docs/mechanisms.md)")
FITTED = "clinical symptom scale's full-scale deficit (the average patient's baseline score, 50); nothing to a drug effect"

# The smallest difference the trial's 95 % CI allows (its lower bound) is the criterion.
TRIAL_LOWER_BOUND = 2.8
DRUGS = (("ketamine", "0.5 mg/kg"), ("midazolam", "0.045 mg/kg"))


def run(profile):
    base = {"species": "human", "duration": "7 d", "subject": {"condition": "chronic_ptsd"}}
    configs = [scenario(base, seed=s, dosing=[{"drug": drug, "dose": dose, "route": "iv_infusion", "at": "0 h",
                                                "duration": "40 min"}])
               for drug, dose in DRUGS for s in profile.seeds]
    results = run_scenarios(configs, profile)
    n = len(profile.seeds)
    ketamine, midazolam = results[:n], results[n:]
    checks = [compare("symptom change at 24 h (points, 0-100), ketamine vs midazolam",
                      by_seed(ketamine, "symptom_change_24h"), by_seed(midazolam, "symptom_change_24h"), "lower",
                      TRIAL_LOWER_BOUND, "points")]
    fig, ax = plt.subplots(figsize=(6, 3.6), constrained_layout=True)
    for group, colour, label in ((ketamine, "C3", "ketamine 0.5 mg/kg"), (midazolam, "C0", "midazolam 0.045 mg/kg")):
        t = group[0].timeseries["time_h"] / 24
        change = np.array([r.timeseries["symptom_score"] - r.metrics["symptom_score_baseline"] for r in group])
        ax.plot(t, change.mean(axis=0), color=colour, label=label)
        ax.fill_between(t, change.min(axis=0), change.max(axis=0), color=colour, alpha=0.2, lw=0)
    ax.axvline(1, color="0.6", ls=":", lw=1)
    ax.set(xlabel="days after the infusion", ylabel="symptom change (points, 0-100)")
    ax.legend(frameon=False, fontsize=8)
    ax.set_title(f"{ID}: {TITLE} ({n} patients, mean and range)", fontsize=10)
    return Outcome(checks, fig, {"change_24h_ketamine": by_seed(ketamine, "symptom_change_24h"),
                                 "change_24h_midazolam": by_seed(midazolam, "symptom_change_24h")})
