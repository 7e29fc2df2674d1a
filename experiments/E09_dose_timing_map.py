"""E09 — Where ketamine helps and where it harms: a dose × timing map around a trauma.

Mouse: a trauma (five CS–US pairings) at 0 h, a test on day 6, extinction
on day 7 and a spontaneous-recovery test on day 21, the PTSD-like outcome
(fear that persists after extinction). One ketamine dose from
sub-anaesthetic to anaesthetic, given right after the trauma (15 min), the
next day (24 h) or late (day 6, the day before extinction), against saline
with the same seed.

The map is 13 scenarios per seed (5 in the quick run), each with four BLA
sessions, on the profile's circuits and seeds.
"""

import itertools

import matplotlib.pyplot as plt
import numpy as np

from ketasim.reproduce import Outcome, by_seed, compare, equivalent, run_scenarios, scenario

ID = "E09"
TITLE = "Dose × timing map around a trauma"
CLAIM = ("Ketamine near the time of trauma, or at anaesthetic/sedative doses, can worsen PTSD-like outcomes; a "
         "delayed sub-anaesthetic dose does not (a dose × timing map showing where it helps and where it harms).")
SOURCES = ("Schönenberg et al. 2005/2008 and the review's observational report (ketamine within 3 days of injury, "
           "more acute stress disorder and PTSD); McGhee et al. 2008 (intra-operative ketamine, less PTSD); "
           "Juven-Wetzler et al. 2014 Eur Neuropsychopharmacol 24:469 (rats: ketamine 1 h after predator-scent stress "
           "did not prevent posttraumatic stress responses, title and design read; a worsening is recalled, not "
           "verified: docs/literature/timing-catalogue.md, T24)")
FITTED = "none"
NOTE = ("Reproduced, by a hair: the worst cell, 200 mg/kg 15 min after the trauma, raises day-21 CS+ "
        "freezing by 0.051 [0.037, 0.065] against a criterion of 0.05 (full profile: 240-cell BLA, 10 seeds). "
        "Near-trauma doses harm in proportion to dose (about +0.02, +0.03, +0.05, +0.05 at 10, 30, 100, 200 "
        "mg/kg; the day-1 and day-6 cells stay within 0.02 of saline), so the map is still nearly flat, far "
        "from the 0.1-0.3 effects of issue 17. The worst cell was +0.060 until spine formation was capped "
        "(2026-12-07, signalling.spines.formation_ceiling, fitted to the rat's +30-40 % spine rise; "
        "no constant was fitted to this check). It failed by a hair "
        "(+0.0498) until the model learned context "
        "fear (issue 17) and the cues moved to a novel test context B: saline day-21 freezing rose from 0.647 "
        "to 0.669 and the 200 mg/kg cell from 0.697 to 0.729; no parameter was fitted to this check, and a "
        "margin of 0.001 is within what the next model change may move. Since issue 17 fear-memory "
        "consolidation does not need NMDARs (Rodrigues, Schafe & LeDoux 2001), so a dose during consolidation "
        "no longer weakens the trauma memory; its rise of BLA mTORC1 speeds consolidation instead (before that "
        "change this map's largest harm was +0.011). That rise is inferred (the BLA cascade follows half the PFC "
        "surge), not measured: no study located reports amygdala mTORC1 after ketamine, and extra protein-synthesis "
        "capacity after strong training adds little to memory in most studies; with consolidation capped at the "
        "drug-free capacity the harm vanishes (quick profile: +0.055 -> +0.002; "
        "docs/literature/2026-12-07-protein-synthesis-ceiling.md), so this pass rests on an unmeasured route. The delayed 10 mg/kg dose passes the non-inferiority test "
        "(-0.007, 90 % interval up to +0.009 against a margin of +0.05). "
        "The routes by which peri-trauma ketamine is thought to harm (a sympathetic and HPA-axis surge that "
        "strengthens amygdala consolidation, dissociation at induction, McGaugh 2004) are not modelled, and no "
        "cited source gives their size. Mouse and rat studies disagree with the harm: ketamine right after "
        "contextual fear conditioning left later fear unchanged (McGowan et al. 2017 Neuropsychopharmacology "
        "42:1577, 30 mg/kg; Clifton, Thomas & Hall 2018 J Psychopharmacol 32:156, 25 mg/kg), close to the model's "
        "small near-trauma harm at those doses (+0.03 at 30 mg/kg). The map still shows where doses help or do "
        "nothing.")

DOSES = (10.0, 30.0, 100.0, 200.0)
QUICK_DOSES = (10.0, 100.0)
TIMES_H = (0.25, 24.0, 144.0)
QUICK_TIMES_H = (0.25, 144.0)
# Cues are tested in a novel context B (conditioning is in A), as cued studies do: the context fear
# conditioning leaves in A would add to the cue's (issue 17).
PROTOCOL = [{"event": "conditioning", "at": "0 h", "trials": 5},
            {"event": "test", "at": "6 d", "cues": ["plus", "minus"], "context": "B"},
            {"event": "extinction", "at": "7 d", "trials": 16, "context": "B"},
            {"event": "test", "at": "21 d", "cues": ["plus"], "context": "B"}]
HARM = 0.05  # freezing (fraction) above saline that counts as harm; also the non-inferiority margin


def run(profile):
    doses = QUICK_DOSES if profile.quick else DOSES
    times = QUICK_TIMES_H if profile.quick else TIMES_H
    seeds = profile.seeds
    base = {"species": "mouse", "protocol": PROTOCOL}
    configs = [scenario(base, seed=s) for s in seeds]
    cells = list(itertools.product(doses, times))
    configs += [scenario(base, seed=s, dosing=[{"drug": "ketamine", "dose": f"{d} mg/kg", "route": "ip",
                                                 "at": f"{t} h"}])
                for d, t in cells for s in seeds]
    results = run_scenarios(configs, profile)
    n = len(seeds)
    saline = by_seed(results[:n], "freezing_cs_plus")
    outcome = {cell: by_seed(results[(k + 1) * n:(k + 2) * n], "freezing_cs_plus") for k, cell in enumerate(cells)}
    effect = np.array([[outcome[(d, t)].mean() - saline.mean() for t in times] for d in doses])

    # Harm: near the trauma (15 min) or at the highest (anaesthetic) dose, the worst cell of the map.
    harmful_cells = [(d, t) for d, t in cells if t == times[0] or d == doses[-1]]
    worst = max(harmful_cells, key=lambda c: outcome[c].mean() - saline.mean())
    checks = [
        compare(f"day-21 CS+ freezing, worst near-trauma or anaesthetic cell ({worst[0]:g} mg/kg at "
                f"{worst[1]:g} h) vs saline", outcome[worst], saline, "higher", HARM),
        equivalent(f"day-21 CS+ freezing, delayed sub-anaesthetic dose ({doses[0]:g} mg/kg at day "
                   f"{times[-1] / 24:g}) vs saline (not worse)", outcome[(doses[0], times[-1])], saline, HARM,
                   bound="upper"),
    ]
    fig, ax = plt.subplots(figsize=(6, 3.8), constrained_layout=True)
    limit = max(0.1, float(np.abs(effect).max()))
    image = ax.imshow(effect, cmap="RdBu_r", vmin=-limit, vmax=limit, origin="lower", aspect="auto")
    ax.set_xticks(range(len(times)), [f"{t:g} h" for t in times])
    ax.set_yticks(range(len(doses)), [f"{d:g}" for d in doses])
    ax.set(xlabel="dose given after the trauma at", ylabel="ketamine (mg/kg i.p.)")
    for (i, j), value in np.ndenumerate(effect):
        ax.text(j, i, f"{value:+.2f}", ha="center", va="center", fontsize=8)
    fig.colorbar(image, label="day-21 CS+ freezing − saline\n(red: harm, blue: help)")
    ax.set_title(f"{ID}: {TITLE} ({n} seeds)", fontsize=10)
    return Outcome(checks, fig, {"doses_mg_kg": doses, "times_h": times, "effect": effect,
                                 "saline": saline})
