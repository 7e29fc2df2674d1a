"""Figures of a scenario (matplotlib, Agg backend: no screen needed)."""

from __future__ import annotations

import matplotlib.pyplot as plt
import numpy as np

from ketasim.scenario import ScenarioResult

__all__ = ["scenario_figure"]


def _dose_marks(ax, result: ScenarioResult) -> None:
    for dose in result.config.dosing:
        for start in dose.times_h():
            ax.axvline(start, color="0.6", lw=0.8, ls=":")


def scenario_figure(result: ScenarioResult) -> plt.Figure:
    """Concentrations, NMDAR block and circuit rates over the scenario's first hours."""
    ts = result.timeseries
    t = ts["time_h"]
    starts = [s for d in result.config.dosing for s in d.times_h()]
    t0 = min(starts, default=0.0)
    view = (t >= t0 - 0.25) & (t <= t0 + 6.0)
    fig, axes = plt.subplots(3, 1, figsize=(7, 8), sharex=True, constrained_layout=True)

    ax = axes[0]
    for key, label in (("plasma_ketamine_uM", "plasma"), ("brain_ketamine_uM", "brain (tissue)"),
                       ("receptor_ketamine_uM", "unbound at receptor")):
        ax.plot(t[view], ts[key][view], label=label)
    ax.set_ylabel("ketamine (µM)")
    ax.legend(frameon=False)

    ax = axes[1]
    ax.plot(t[view], ts["nmdar_block_interneuron"][view], label="interneurons (PV)")
    ax.plot(t[view], ts["nmdar_block_pyramidal"][view], label="pyramidal cells")
    ax.set_ylabel("NMDAR block")
    ax.set_ylim(0, 1)
    ax.legend(frameon=False)

    ax = axes[2]
    samples = [s for s in result.circuit if np.isfinite(s.time_h) and s.time_h <= t0 + 6.0]
    if result.circuit:
        free = result.circuit[0].readout
        ax.axhline(free.pyr_rate_hz, color="C0", lw=0.8, ls="--")
        ax.axhline(free.int_rate_hz, color="C1", lw=0.8, ls="--")
    else:
        ax.text(0.5, 0.5, "in vitro: no PFC circuit", transform=ax.transAxes, ha="center", color="0.5")
    if samples:
        times = [s.time_h for s in samples]
        ax.plot(times, [s.readout.pyr_rate_hz for s in samples], "o-", color="C0", label="pyramidal")
        ax.plot(times, [s.readout.int_rate_hz for s in samples], "s-", color="C1", label="interneuron")
    ax.set_ylabel("PFC rate (Hz)\n(dashed: drug-free)")
    ax.set_xlabel("time (h)")
    ax.legend(frameon=False)
    for ax in axes:
        _dose_marks(ax, result)
    dose_text = ", ".join(
        f"{d.drug} {d.dose if d.dose is not None else d.concentration:g} "
        f"{'mg/kg' if d.dose is not None else 'µM'} {d.route}"
        for d in result.config.dosing
    ) or "no drug"
    fig.suptitle(f"{result.config.species}: {dose_text}")
    return fig
