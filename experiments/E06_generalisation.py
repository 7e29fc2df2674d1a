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
FITTED = ("the generalised state's TrkB threshold (between the PFC BDNF peaks of 7.5 and 15 mg/kg) and its reversal rate "
          "(90 % reversal after 30 mg/kg), protocols.generalisation.*, are fitted to this study (timing catalogue T20)")
NOTE = ("Reproduced, with the generalised state of issue 17's route 5 fitted to this study, so the check tests the fit, "
        "not a prediction. Full profile (240-cell BLA, 10 seeds), cues tested in a novel context B: 15 mg/kg lowers the "
        "index by 0.193 [-0.232, -0.153], 30 mg/kg by 0.394 [-0.432, -0.357], and 7.5 mg/kg by 0.059 [-0.074, -0.043], "
        "inside the -0.1 margin. The route: conditioning leaves a generalised state in IL that forms over the next day "
        "(protocols.generalisation.tau_form 8 h; Zhou et al. 2017: generalisation develops over 24 h); released PFC BDNF "
        "above a threshold reverses it through TrkB (switch il_trkb; ANA-12 into IL blocks ketamine's effect in Asim et "
        "al.), and the reversed state restores an IL safety signal during the CS- (Likhtik et al. 2014), which lowers "
        "CS- freezing only. The threshold sits between the 7.5 and 15 mg/kg peaks, so the 7.5 mg/kg null and the "
        "15 mg/kg effect follow from the fit; no size is published, so the sizes follow from the chosen 90 % reversal "
        "and from the safety gain, fitted to discriminators' CS-/CS+ of about 0.3 (Likhtik et al., recalled). Held out "
        "are the study's timing arms (docs/timing-atlas.md): a dose right after conditioning meets a state not yet "
        "formed, one before conditioning meets none; those arms still miss for other reasons (T21: acquisition fails "
        "under the block; T23: +0.13 through BLA synaptic strength and mTORC1). Before the route (2026-12-07) the "
        "index fell only through the synaptic strength every dose raises: by 0.096 at 15 mg/kg and 0.080 at 30 mg/kg, "
        "short of the criterion once spine formation was capped (signalling.spines.formation_ceiling).")

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
