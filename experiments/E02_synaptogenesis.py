"""E02 — The glutamate surge turns into synapses: AMPAR → BDNF → mTORC1 → synaptic proteins → spines.

Mouse, 10 mg/kg i.p. against saline (same seeds). The PFC circuit's
glutamate surge drives the signalling cascade; mTORC1 and BDNF rise within
the hour, synaptic proteins over hours, spine density by 24 h.
"""

import matplotlib.pyplot as plt
import numpy as np

from ketasim.reproduce import Outcome, by_seed, compare, run_scenarios, scenario

ID = "E02"
TITLE = "Synaptogenesis time course"
CLAIM = ("The glutamate surge activates AMPARs, BDNF and mTOR and raises synaptic proteins and PFC spine density "
         "within 24 h.")
SOURCES = ("Li et al. 2010 Science 329:959 (mTOR phosphorylation within 30-60 min, synaptic proteins from 2 h, "
           "spines at 24 h after 10 mg/kg); Autry et al. 2011 Nature 475:91 (rapid BDNF translation); "
           "Phoumthipphavong et al. 2016 eNeuro 3:e0133 (spine density +10-15 % at 24 h)")
FITTED = ("signalling time constants and gains (docs/parameters.md, layer signalling: proteins.tau, spines.tau, "
          "spines.formation_gain fitted to Li 2010 and Phoumthipphavong 2016 time courses)")

MOUSE = {"species": "mouse", "duration": "48 h"}
SERIES = (("pfc_glutamate_drive", "glutamate release"), ("pfc_bdnf", "released BDNF"), ("pfc_mtor", "mTORC1"),
          ("pfc_synaptic_proteins", "synaptic proteins"), ("pfc_spine_density", "spine density"))


def run(profile):
    drugs = (("saline", "0 mg/kg"), ("ketamine", "10 mg/kg"))
    configs = [scenario(MOUSE, seed=s, dosing=[{"drug": drug, "dose": dose, "route": "ip", "at": "0 h"}])
               for drug, dose in drugs for s in profile.seeds]
    results = run_scenarios(configs, profile)
    n = len(profile.seeds)
    saline, ketamine = results[:n], results[n:]
    checks = [
        compare("peak mTORC1 activity in the first 24 h (baseline = 1)", by_seed(ketamine, "pfc_mtor_peak"),
                by_seed(saline, "pfc_mtor_peak"), "higher", 0.2),
        compare("peak released BDNF in the first 24 h (baseline = 1)", by_seed(ketamine, "pfc_bdnf_peak"),
                by_seed(saline, "pfc_bdnf_peak"), "higher", 0.1),
        compare("peak synaptic proteins in the first 24 h (baseline = 1)",
                by_seed(ketamine, "pfc_synaptic_proteins_peak"), by_seed(saline, "pfc_synaptic_proteins_peak"),
                "higher", 0.05),
        compare("PFC spine density at 24 h (baseline = 1)", by_seed(ketamine, "spine_density_24h"),
                by_seed(saline, "spine_density_24h"), "higher", 0.05),
    ]
    t = ketamine[0].timeseries["time_h"]
    mtor_peak_h = float(t[np.argmax(ketamine[0].timeseries["pfc_mtor"])])
    fig, axes = plt.subplots(1, len(SERIES), figsize=(15, 3.2), constrained_layout=True)
    for ax, (column, label) in zip(axes, SERIES, strict=True):
        for group, colour, name in ((saline, "0.5", "saline"), (ketamine, "C3", "10 mg/kg")):
            values = np.array([r.timeseries[column] for r in group])
            ax.plot(t, values.mean(axis=0), color=colour, label=name)
            ax.fill_between(t, values.min(axis=0), values.max(axis=0), color=colour, alpha=0.2, lw=0)
        ax.set(xscale="symlog", xlabel="time after dose (h)", title=label, xlim=(0, 48))
        ax.axvline(24, color="0.7", lw=0.8, ls=":")
    axes[0].set_ylabel("relative to baseline")
    axes[0].legend(frameon=False, fontsize=8)
    fig.suptitle(f"{ID}: {TITLE} (mouse PFC; seed mean, band = range over {n} seeds)")
    return Outcome(checks, fig, {"mtor_peak_time_h": mtor_peak_h,
                                 "spine_density_24h": by_seed(ketamine, "spine_density_24h")})
