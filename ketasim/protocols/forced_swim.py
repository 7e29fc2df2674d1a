"""The forced-swim readout and the stress figure (run by the pipeline's ``forced_swim`` stage).

Immobility in the forced-swim test (FST) is read from the PFC's synaptic
state at the middle of the scored period (the last 4 of 6 min)::

    drive      = ln(S_pfc(t)) + w_acute ln(max(M_pfc(t), 1))
    immobility = logistic(logit(i0) - gain * drive)

``S_pfc`` is PFC excitatory synaptic strength (spine density x AMPAR
expression, drug-free = 1), which carries stress history: chronic stress
lowers it through the stress load (:mod:`ketasim.signalling.stress`), and
ketamine raises it over a day through mTORC1-driven synaptic-protein
synthesis. ``M_pfc`` is PFC mTORC1 activity above the subject's own
drug-free level: the fast, protein-synthesis-dependent phase of ketamine's
action, which is behaviourally effective before new spines appear
(Autry et al. 2011 Nature 475:91, 30 min, needs rapid BDNF translation;
Li et al. 2010 Science 329:959, blocked by rapamycin; Moda-Sava et al. 2019
Science 364:eaat8078, behaviour changes within 3 h, spines at 12-24 h).
Only a rise counts, so ``mtor: 0`` or ``bdnf: 0`` remove the fast phase
without changing drug-free behaviour. Why PFC output: optogenetic activation
of mPFC projections to the brainstem lowers FST immobility (Warden et al.
2012 Nature 492:428).

Three constants are fitted, each to one published effect (see
docs/parameters.md): ``i0`` to drug-free immobility, ``gain`` to the chronic
stress effect through the model's own PFC spine loss, ``w_acute`` to
ketamine 1 h before the test. Ketamine's effect at 24 h and after stress are
then predictions.
"""

from __future__ import annotations

import numpy as np

from ketasim.parameters import param

__all__ = ["IMMOBILITY_BASELINE", "coping_drive", "immobility", "stress_figure"]

_P = "protocols"

IMMOBILITY_BASELINE = param(
    _P, "fst.immobility_baseline", 0.40, "1",
    "fitted: drug-free mouse immobility of 35-50 % of the scored last 4 min of a 6-min test (C57BL/6; Can et al. "
    "2012 J Vis Exp 59:e3638 protocol; range from the literature notes, strain-dependent)",
    "i0: immobility at PFC synaptic strength 1, no mTORC1 rise, no stress.",
    low=0.35, high=0.50, range_reason="span of the cited drug-free immobility (35-50 %)",
)
STRESS_IMMOBILITY_RATIO = 1.45  # chronic stress raises immobility 1.3-1.6 fold (mid-range), the fit target of GAIN
GAIN = param(
    _P, "fst.gain", 4.2, "1",
    "fitted: chronic stress raises FST immobility about 1.3-1.6 fold (target 1.45) with the model's PFC synaptic "
    "strength 0.84 one day after 21 daily stress sessions (Radley et al. 2006 spine loss)",
    "Log-odds of immobility per unit log PFC synaptic strength; assumes the stress effect on immobility runs through "
    "PFC synapses (the data do not separate a spine-independent share).",
)
W_ACUTE = param(
    _P, "fst.w_acute_mtor", 0.6, "1",
    "fitted: 10 mg/kg i.p. 1 h before the test lowers immobility by about a third (Li et al. 2010 Science 329:959 "
    "Fig. 4; Autry et al. 2011 Nature 475:91, 3 mg/kg at 30 min; size from the literature notes, 30-50 %), with "
    "the model's PFC mTORC1 1.27 at the scored period's middle (quick circuit profile)",
    "Weight of log PFC mTORC1 activity (rise above the subject's drug-free level only) relative to log synaptic "
    "strength; stands for the fast, translation-dependent AMPAR/synaptic potentiation.",
)


def coping_drive(synaptic_strength: np.ndarray | float, mtor: np.ndarray | float) -> np.ndarray:
    """Active-coping drive (0 drug-free): log PFC synaptic strength plus the fast mTORC1 term."""
    strength = np.maximum(np.asarray(synaptic_strength, dtype=float), 1e-6)
    return np.log(strength) + W_ACUTE() * np.log(np.maximum(np.asarray(mtor, dtype=float), 1.0))


def immobility(drive: np.ndarray) -> np.ndarray:
    """Fraction of the scored period spent immobile (0-1) at a coping drive."""
    baseline = IMMOBILITY_BASELINE()
    logit0 = np.log(baseline / (1.0 - baseline))
    return 1.0 / (1.0 + np.exp(-(logit0 - GAIN() * np.asarray(drive, dtype=float))))


def stress_figure(result, stresses, scores):
    """Stress load, spine density per region, doses and forced-swim immobility over the timeline."""
    import matplotlib.pyplot as plt

    ts = result.timeseries
    days = ts["time_h"] / 24.0
    fig, (top, middle, bottom) = plt.subplots(3, 1, figsize=(8, 8), sharex=True, constrained_layout=True)
    top.plot(days, ts.get("stress_load", np.zeros_like(days)), color="0.2")
    for at_, stress in stresses:
        for start in stress.starts_h(at_):
            top.axvspan(start / 24.0, (start + stress.duration_h) / 24.0, color="C3", alpha=0.25, lw=0)
    top.set_ylabel("stress load L\n(daily restraint ≈ 1)")
    for region, colour in (("pfc", "C0"), ("hpc", "C1"), ("bla", "C2")):
        if f"{region}_spine_density" in ts:
            middle.plot(days, ts[f"{region}_spine_density"], color=colour, label=region.upper())
    middle.axhline(1.0, color="0.6", lw=0.8, ls="--")
    middle.set_ylabel("spine density\n(unstressed, drug-free = 1)")
    middle.legend(frameon=False, fontsize=8)
    for start, score in scores:
        bottom.bar(start / 24.0, score["immobility_fst"], width=0.4, color="0.4")
        bottom.annotate(f"{score['immobility_fst']:.2f}", (start / 24.0, score["immobility_fst"] + 0.02),
                        ha="center", fontsize=8)
    bottom.axhline(IMMOBILITY_BASELINE(), color="0.6", lw=0.8, ls="--")
    bottom.set_ylim(0, 1)
    bottom.set_ylabel("forced-swim immobility\n(dashed: unstressed, drug-free)")
    bottom.set_xlabel("time (days)")
    for dose in result.config.dosing:
        for start in dose.times_h():
            for ax in (top, middle, bottom):
                ax.axvline(start / 24.0, color="C4", lw=1.0, ls=":")
            amount = f" {dose.dose:g} mg/kg" if dose.dose else ""
            top.annotate(f"{dose.drug}{amount}", (start / 24.0, 0.02),
                         xycoords=("data", "axes fraction"), fontsize=7, rotation=90, va="bottom", ha="right",
                         color="C4")
    fig.suptitle(f"Stress and forced swim ({result.config.species})")
    return fig
