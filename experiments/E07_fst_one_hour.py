"""E07 — 10 mg/kg one hour before the forced-swim test: less immobility.

Mouse, ketamine 10 mg/kg or saline i.p., forced-swim test an hour later
(6 min, last 4 scored). Immobility falls as PFC coping drive rises: the
fast mTORC1-dependent potentiation within the hour, spines later.
"""

import matplotlib.pyplot as plt
import numpy as np

from ketasim.reproduce import Outcome, by_seed, compare, run_scenarios, scenario

ID = "E07"
TITLE = "Forced swim one hour after 10 mg/kg"
CLAIM = "10 mg/kg given 1 h before the forced-swim test has an antidepressant-like effect."
SOURCES = ("Li et al. 2010 Science 329:959 (10 mg/kg, FST 1 h later); Autry et al. 2011 Nature 475:91 (3 mg/kg, "
           "30 min); Warden et al. 2012 Nature 492:428 (mPFC output lowers FST immobility)")
FITTED = ("forced-swim fst.w_acute_mtor (weight of the fast mTORC1 term) was fitted to this effect's size (about a "
          "third less immobility); the check asks only for a fifth, and the dose-response is not fitted")

DOSES = (0.0, 3.0, 10.0, 30.0)
QUICK_DOSES = (0.0, 10.0)


def run(profile):
    doses = QUICK_DOSES if profile.quick else DOSES
    base = {"species": "mouse", "duration": "3 h", "protocol": [{"event": "forced_swim", "at": "1 h"}]}
    configs = [scenario(base, seed=s, dosing=[{"drug": "ketamine" if d else "saline", "dose": f"{d} mg/kg",
                                                "route": "ip", "at": "0 h"}])
               for d in doses for s in profile.seeds]
    results = run_scenarios(configs, profile)
    n = len(profile.seeds)
    immobility = np.array([by_seed(results[k * n:(k + 1) * n], "immobility_fst") for k in range(len(doses))])
    i10 = doses.index(10.0)
    checks = [compare("forced-swim immobility 1 h after 10 mg/kg vs saline", immobility[i10], immobility[0],
                      "lower", 0.2, relative=True)]
    fig, ax = plt.subplots(figsize=(5, 3.6), constrained_layout=True)
    ax.errorbar(doses, 100 * immobility.mean(axis=1), 100 * immobility.std(axis=1), fmt="o-", color="C3", capsize=3)
    ax.set(xlabel="ketamine 1 h before the test (mg/kg i.p.)", ylabel="immobility (% of scored 4 min)",
           ylim=(0, 100))
    ax.set_title(f"{ID}: {TITLE} (mean ± SD, {n} seeds)", fontsize=10)
    return Outcome(checks, fig, {"doses_mg_kg": doses, "immobility": immobility})
