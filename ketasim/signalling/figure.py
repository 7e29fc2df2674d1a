"""Figure of the signalling cascade's time courses (``signalling.png``)."""

from __future__ import annotations

import matplotlib.pyplot as plt
import numpy as np

from ketasim.signalling.parameters import REGIONS

__all__ = ["signalling_figure"]


def signalling_figure(result) -> plt.Figure:
    """The PFC cascade over the first two days after the first dose, and spines/receptors over the whole span."""
    ts = result.timeseries
    t = ts["time_h"]
    starts = sorted(s for d in result.config.dosing for s in d.times_h())
    t0 = starts[0] if starts else 0.0
    fig, axes = plt.subplots(3, 1, figsize=(7, 9), constrained_layout=True)

    early = (t >= t0 - 0.5) & (t <= t0 + 8.0)
    ax = axes[0]
    for key, label in (("pfc_glutamate_drive", "glutamate release"), ("pfc_bdnf", "released BDNF"),
                       ("pfc_p_eef2", "p-eEF2"), ("pfc_mtor", "mTORC1"),
                       ("pfc_synaptic_proteins", "synaptic proteins")):
        if key in ts:
            ax.plot(t[early] - t0, ts[key][early], label=label)
    ax.axhline(1.0, color="0.6", lw=0.8, ls="--")
    ax.set_xlabel("time after first dose (h)")
    ax.set_ylabel("PFC, relative to drug-free")
    ax.legend(frameon=False, fontsize=8)

    ax = axes[1]
    days = t / 24.0
    for region, color, style in zip(REGIONS, ("C0", "C1", "C2"), ("-", "--", "-."), strict=True):
        ax.plot(days, ts[f"{region}_synaptic_proteins"], color=color, ls=style, lw=0.8, alpha=0.6)
        ax.plot(days, ts[f"{region}_spine_density"], color=color, ls=style, label=f"{region} spines (thin: proteins)")
    ax.axhline(1.0, color="0.6", lw=0.8, ls="--")
    ax.set_ylabel("relative to drug-free")
    ax.legend(frameon=False, fontsize=8)

    ax = axes[2]
    for region, color, width in zip(REGIONS, ("C0", "C1", "C2"), (3.0, 2.0, 1.0), strict=True):
        ax.plot(days, ts[f"{region}_nmdar_expression"], color=color, lw=width, label=f"{region} NMDAR")
        ax.plot(days, ts[f"{region}_ampar_expression"], color=color, lw=width, ls=":", label=f"{region} AMPAR")
    ax.set_ylabel("receptor expression")
    ax.set_xlabel("time (days)")
    ax.set_ylim(0, max(1.05, float(np.nanmax(ts["pfc_nmdar_expression"])) + 0.05))
    ax.legend(frameon=False, fontsize=8, ncol=3)
    for ax in axes[1:]:
        for start in starts:
            ax.axvline(start / 24.0, color="0.85", lw=0.6, ls=":")
    genotype = result.config.subject.bdnf_genotype
    fig.suptitle(f"Signalling cascade ({result.config.species}, BDNF {genotype})")
    return fig
