"""Figures of the plasticity layer: slice LTP time course with PPF traces, LHb bursting."""

from __future__ import annotations

import matplotlib.pyplot as plt
import numpy as np

from ketasim.circuit.lhb import burst_spikes

__all__ = ["lhb_figure", "slice_figure"]


def slice_figure(course: dict, traces: dict, ratios: np.ndarray, has_drug: bool, settings) -> plt.Figure:
    """Normalised test response over time (drug-free and drug), paired EPSPs and their ratios."""
    fig, axes = plt.subplots(1, 3, figsize=(13, 3.8), constrained_layout=True)
    ax = axes[0]
    ax.plot(course["t_min"], 100 * course["control"], "o", ms=2.5, color="0.3", label="drug-free")
    if has_drug:
        ax.plot(course["t_min"], 100 * course["drug"], "o", ms=2.5, color="C3", label="with bath drugs")
    ax.axhline(100, color="0.6", lw=0.8, ls="--")
    ax.axvline(0, color="0.6", lw=0.8, ls=":")
    ax.set_xlabel("time from induction (min)")
    ax.set_ylabel("test response (% of baseline)")
    ax.set_title(f"{settings.induction.upper()} induction")
    ax.legend(frameon=False)

    ax = axes[1]
    condition = ratios.shape[0] - 1
    first = traces["first_epsp_mV"][condition]
    for k, interval in enumerate(traces["intervals_ms"]):
        ax.plot(traces["t_ms"], traces["epsp_mV"][condition, k] / first, lw=1, label=f"{interval:g} ms")
    ax.set_xlim(-5, max(traces["intervals_ms"]) + 30)
    ax.set_xlabel("time from first pulse (ms)")
    ax.set_ylabel("EPSP (first peak = 1)")
    ax.set_title(f"paired pulses (first EPSP {first:.1f} mV)")
    ax.legend(frameon=False, fontsize=8)

    ax = axes[2]
    ax.plot(traces["intervals_ms"], ratios[0], "o-", color="0.3", label="drug-free")
    if has_drug:
        ax.plot(traces["intervals_ms"], ratios[-1], "s--", color="C3", label="with bath drugs")
    ax.axhline(1, color="0.6", lw=0.8, ls="--")
    ax.set_xscale("log")
    ax.set_xlabel("inter-pulse interval (ms)")
    ax.set_ylabel("paired-pulse ratio")
    ax.legend(frameon=False)
    return fig


def lhb_figure(control, drug, has_drug: bool) -> plt.Figure:
    """Raster (burst spikes in red) and an example membrane trace, drug-free vs drug."""
    panels = [("drug-free", control)] + ([("with drug", drug)] if has_drug else [])
    fig, axes = plt.subplots(2, len(panels), figsize=(6 * len(panels), 6), squeeze=False, constrained_layout=True)
    for col, (title, readout) in enumerate(panels):
        ax = axes[0, col]
        for row, train in enumerate(readout.spike_trains):
            mask = burst_spikes(train)
            ax.plot(train[~mask], np.full((~mask).sum(), row), "|", color="0.3", ms=4)
            ax.plot(train[mask], np.full(mask.sum(), row), "|", color="C3", ms=4)
        ax.set_title(f"{title}: burst fraction {readout.burst_fraction:.2f}, {readout.rate_hz:.1f} Hz")
        ax.set_ylabel("cell")
        ax = axes[1, col]
        ax.plot(readout.example_t_s, readout.example_v_mV, lw=0.6)
        ax.set_xlabel("time (s)")
        ax.set_ylabel("V (mV), most hyperpolarised cell")
    return fig
