"""E10 — Ketamine lowers LTP dose-dependently without touching paired-pulse facilitation; LTP needs CCK.

Hippocampal-type slice, high-frequency stimulation with ketamine in the bath
(0-10 µM, the brain's range after antidepressant doses), and the CCK
dependence: APV stops NMDAR-triggered CCK release, a CCK knockout (``cck: 0``)
stops LTP. Paired pulses probe release probability, which an NMDAR
channel blocker should leave alone.
"""

import matplotlib.pyplot as plt
import numpy as np

from ketasim.reproduce import Outcome, by_seed, compare, equivalent, holds, run_scenarios, scenario

ID = "E10"
TITLE = "LTP, paired pulses and CCK"
CLAIM = ("Clinically relevant ketamine reduces LTP dose-dependently without changing paired-pulse facilitation; "
         "NMDAR activation releases CCK, which LTP needs.")
SOURCES = ("Chen et al. 2019 PNAS 116:6397 (NMDAR-triggered CCK release is needed for LTP and associative memory); "
           "Izumi & Zorumski 2014 Neuropharmacology 85 (ketamine at 1-10 µM dampens CA1 LTP); "
           "Zanos et al. 2016 Nature 533:481 (brain ketamine 5-20 µM after 10 mg/kg)")
FITTED = "plasticity ltp.rate and CCK release Hill function (docs/parameters.md, layer plasticity), fitted drug-free"

CONCENTRATIONS = (1.0, 3.0, 10.0)
QUICK_CONCENTRATIONS = (1.0, 10.0)
SLICE = {"species": "mouse", "duration": "3 h",
         "protocol": [{"event": "slice", "at": "30 min", "induction": "hfs", "baseline": "10 min",
                       "follow_up": "60 min", "paired_pulse_intervals": ["20 ms", "50 ms", "100 ms"]}]}


def _bath(drug, concentration):
    return [{"drug": drug, "concentration": f"{concentration} uM", "route": "bath", "at": "0 min"}] if concentration else []


def run(profile):
    seeds = profile.seeds
    concentrations = QUICK_CONCENTRATIONS if profile.quick else CONCENTRATIONS
    configs = [scenario(SLICE, seed=s, dosing=_bath("ketamine", c)) for c in concentrations for s in seeds]
    configs += [scenario(SLICE, seed=s, dosing=_bath("apv", 50.0)) for s in seeds]
    configs += [scenario(SLICE, seed=s, mechanisms={"cck": 0.0}) for s in seeds]
    results = run_scenarios(configs, profile)
    n = len(seeds)
    by_conc = [results[k * n:(k + 1) * n] for k in range(len(concentrations))]
    apv, no_cck = results[-2 * n:-n], results[-n:]
    # Every slice run has its own drug-free control (same seed): row 0 is that control.
    ltp = np.array([by_seed(by_conc[0], "ltp_percent_drug_free")] + [by_seed(g, "ltp_percent") for g in by_conc])
    ppf = np.array([by_seed(by_conc[0], "ppf_ratio_drug_free")] + [by_seed(g, "ppf_ratio") for g in by_conc])
    concentrations = (0.0, *concentrations)
    mean_ltp = ltp.mean(axis=1)
    checks = [
        compare("LTP at 10 µM vs drug-free", ltp[-1], ltp[0], "lower", 0.3, "%", relative=True),
        holds(f"LTP falls with every concentration step {' → '.join(f'{c:g}' for c in concentrations)} µM (seed mean)",
              float(np.max(np.diff(mean_ltp))), "largest step < 0 %", bool(np.all(np.diff(mean_ltp) < 0)), "%"),
        equivalent("paired-pulse ratio (50 ms) at 10 µM vs drug-free (unchanged)", ppf[-1], ppf[0], 0.05,
                   relative=True),
        compare("CCK released during HFS with APV 50 µM vs drug-free", by_seed(apv, "cck_release"),
                by_seed(apv, "cck_release_drug_free"), "lower", 0.5, "nM", relative=True),
        compare("LTP without CCK (cck: 0) vs intact", by_seed(no_cck, "ltp_percent"), ltp[0], "lower", 0.5, "%",
                relative=True),
    ]
    fig, (ax_ltp, ax_ppf, ax_cck) = plt.subplots(1, 3, figsize=(12, 3.6), constrained_layout=True)
    ax_ltp.errorbar(concentrations, mean_ltp, ltp.std(axis=1), fmt="o-", color="C3", capsize=3)
    ax_ltp.set(xscale="symlog", xlabel="bath ketamine (µM)", ylabel="LTP at 60 min (%)", title="LTP")
    ax_ppf.errorbar(concentrations, ppf.mean(axis=1), ppf.std(axis=1), fmt="s-", color="C0", capsize=3)
    ax_ppf.set(xscale="symlog", xlabel="bath ketamine (µM)", ylabel="paired-pulse ratio (50 ms)",
               title="paired pulses", ylim=(0.8, max(2.0, float(ppf.max()) * 1.1)))
    labels = ["drug-free", "APV 50 µM", "cck: 0"]
    ltp_bars = [ltp[0].mean(), by_seed(apv, "ltp_percent").mean(), by_seed(no_cck, "ltp_percent").mean()]
    cck_bars = [by_seed(apv, "cck_release_drug_free").mean(), by_seed(apv, "cck_release").mean(),
                by_seed(no_cck, "cck_release").mean()]
    x = np.arange(3)
    ax_cck.bar(x - 0.2, ltp_bars, 0.4, color="C3", label="LTP (%)")
    twin = ax_cck.twinx()
    twin.bar(x + 0.2, cck_bars, 0.4, color="C2", label="CCK released (nM)")
    ax_cck.set_xticks(x, labels)
    ax_cck.set(ylabel="LTP at 60 min (%)", title="CCK gate")
    twin.set_ylabel("CCK released (nM)")
    fig.legend(loc="upper right", frameon=False, fontsize=8)
    fig.suptitle(f"{ID}: {TITLE} (slice HFS, mean ± SD over {n} seeds)")
    return Outcome(checks, fig, {"concentrations_uM": concentrations, "ltp_percent": ltp, "ppf_ratio": ppf})
