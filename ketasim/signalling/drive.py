"""The circuit's drive on the cascade over the whole timeline.

The PFC circuit is simulated at a few quasi-static moments (drug-free, the
first dose's peak, two moments on the way down). Each moment pairs an
interneuron NMDAR loss (ketamine block combined with APV occupancy) with a
relative glutamate release. The glutamate drive at every time point is read
off that relation at the time point's own interneuron NMDAR loss, so every
dose of a multi-dose schedule drives the cascade.

Documented approximation: release is taken as a monotone (non-decreasing)
function of interneuron NMDAR loss, linear between the simulated moments
(a running maximum removes sampling noise of the short circuit runs) and,
beyond the largest simulated loss, extrapolated along the secant through the
drug-free point. The relation ignores the circuit's own slow changes
(spines, receptor expression) within the drive itself; those act downstream
in the cascade (AMPAR expression) and in later circuit runs (``exc_scale``).
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np

__all__ = ["glutamate_relation", "glutamate_drive", "resting_block"]


def _combined(block: np.ndarray | float, apv: np.ndarray | float) -> np.ndarray:
    """Fraction of NMDARs out of action with a channel blocker and a competitive antagonist."""
    return 1.0 - (1.0 - np.asarray(block, dtype=float)) * (1.0 - np.asarray(apv, dtype=float))


def glutamate_relation(samples: Sequence) -> tuple[np.ndarray, np.ndarray]:
    """Monotone relation between interneuron NMDAR loss and relative glutamate release.

    Parameters
    ----------
    samples : sequence of CircuitSample
        The scenario's circuit moments, drug-free first.

    Returns
    -------
    loss, release : ndarray
        Increasing interneuron NMDAR loss (0-1) and the non-decreasing release
        (drug-free = 1) at those losses; starts at (0, 1).
    """
    free = samples[0].readout.glutamate_release
    points = {0.0: 1.0}
    if free > 0:
        for sample in samples[1:]:
            if not np.isfinite(sample.time_h):
                continue
            sample_loss = float(_combined(sample.condition.block_interneuron, sample.condition.nmda_open_block))
            if sample_loss > 0:
                points[sample_loss] = sample.readout.glutamate_release / free
    loss = np.array(sorted(points))
    release = np.maximum.accumulate(np.array([points[x] for x in loss]))
    return loss, release


def glutamate_drive(loss_t: np.ndarray, loss: np.ndarray, release: np.ndarray) -> np.ndarray:
    """Relative glutamate release at interneuron NMDAR losses ``loss_t`` (see module notes)."""
    x = np.asarray(loss_t, dtype=float)
    if loss.size < 2:
        return np.ones_like(x)
    slope = (release[-1] - 1.0) / loss[-1]
    return np.where(x <= loss[-1], np.interp(x, loss, release), 1.0 + slope * x)


def resting_block(timeseries: dict[str, np.ndarray], cell: str = "pyramidal") -> np.ndarray:
    """Fraction of a cell type's NMDARs out of action at rest (ketamine block and APV)."""
    block = timeseries[f"nmdar_block_{cell}"]
    return _combined(block, timeseries.get("nmdar_apv_occupancy", 0.0))
