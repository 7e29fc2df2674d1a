"""Synaptic consolidation between sessions: labile and stable memory traces.

Plastic BLA weights are ``w = w_init + stable + labile``. A session's
learning writes into the *labile* trace (early LTP). Between sessions the
labile trace either decays (time constant ``TAU_LABILE``) or is converted into
the *stable* trace at a rate that needs protein synthesis (mTORC1) and the
CCK-B plasticity gate::

    dl/dt = -l / tau_labile - k_c P(t) G(t) l
    ds/dt = +k_c P(t) G(t) l - s / tau_forget

with ``P`` the protein-synthesis capacity (BLA mTORC1 activity relative to
baseline, times the ``mtor`` switch) and ``G`` the gate: the ``cck`` and
``cckbr`` switches times ``1 − d (1 − N)``, where ``N`` is the available
NMDAR conductance and ``d`` the trace's dependence on it
(:data:`NMDAR_DEPENDENCE`): none for fear memory, whose consolidation
survives post-training NMDAR blockade (Rodrigues et al. 2001), full for
extinction memory, whose consolidation does not (Santini et al. 2001).
Blocking protein synthesis while the trace is labile (the hours after
learning) weakens the memory; after it has consolidated, the same block
does nothing. Retrieval by a brief reactivation
turns a fraction of the reactivated stable trace labile again
(reconsolidation; Nader et al. 2000), reopening the window.

Extinction memory forgets faster than fear memory, which gives spontaneous
recovery of fear days after extinction (Rescorla 2004).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import numpy as np

from ketasim.parameters import param

__all__ = ["NMDAR_DEPENDENCE", "MemoryTrace", "Signal", "consolidate", "consolidate_course", "destabilise"]

Signal = Callable[[np.ndarray], np.ndarray]
"""A vectorised function of time (h): an input series the fear stage reads."""

_P = "protocols"
TAU_LABILE_H = param(
    _P, "memory.tau_labile", 4.0, "h",
    "Schafe & LeDoux 2000 J Neurosci 20:RC96 (anisomycin into LA impairs fear memory when given up to about 6 h "
    "after training); Nader et al. 2000 Nature 406:722 (no effect at 6 h after reactivation)",
    "Early-LTP lifetime: with K_CONSOLIDATE gives a window of about 6 h.",
)
K_CONSOLIDATE = param(
    _P, "memory.k_consolidate", 0.5, "1/h",
    "fitted: about two thirds of the learned change consolidates with intact protein synthesis; blocking it over the "
    "first 6 h leaves less than a third (Schafe & LeDoux 2000)",
)
TAU_FORGET = {
    "fear": param(_P, "memory.tau_forget.fear", 24.0 * 365, "h",
                  "Gale et al. 2004 J Neurosci 24:3810 (conditioned fear lasts for the rat's lifetime); 1 year taken"),
    "ext": param(_P, "memory.tau_forget.extinction", 24.0 * 10, "h",
                 "fitted: spontaneous recovery of extinguished fear within 1-3 weeks (Rescorla 2004 Learn Mem 11:501; "
                 "Quirk 2002 Learn Mem 9:402)"),
}
NMDAR_DEPENDENCE = {
    "fear": param(_P, "memory.nmdar_dependence.fear", 0.0, "1",
                  "Rodrigues, Schafe & LeDoux 2001 J Neurosci 21:6889 (abstract: intra-amygdala NR2B blockade "
                  "disrupts fear learning, not memory consolidation); systemic ketamine right after training leaves "
                  "fear unchanged (McGowan et al. 2017, Clifton et al. 2018, Asim et al. 2020, Magalhaes 2021: "
                  "timing catalogue T04, T19, T23, T35, held out)",
                  "How much fear-memory consolidation needs available NMDARs (0: not at all, 1: in proportion).",
                  low=0.0, high=1.0, range_reason="physical bound: a fraction"),
    "ext": param(_P, "memory.nmdar_dependence.extinction", 1.0, "1",
                 "Santini, Muller & Quirk 2001 J Neurosci 21:9009 (abstract: systemic CPP after extinction training, on "
                 "the rest day, prevents 48-h recall; NMDARs are required for consolidating extinction)",
                 "How much extinction-memory consolidation needs available NMDARs (0: not at all, 1: in proportion).",
                 low=0.0, high=1.0, range_reason="physical bound: a fraction"),
}
DESTABILISED_FRACTION = param(
    _P, "memory.destabilised_fraction", 1.0, "1",
    "Nader, Schafe & LeDoux 2000 Nature 406:722 (retrieval returns the consolidated memory to a labile state)",
    "The whole reactivated trace turns labile: anisomycin inside the window then cuts CS+ freezing by about "
    "two thirds (E12, full profile), as in Nader et al. Fig. 1.",
    low=0.0, high=1.0, range_reason="physical bound: a fraction of the stable trace",
)


@dataclass
class MemoryTrace:
    """Labile and stable weight increments of one plastic pathway (one value per synapse).

    Attributes
    ----------
    kind : str
        ``fear`` or ``ext``: sets the forgetting time constant.
    w_init : ndarray
        Naive weights.
    stable, labile : ndarray
        Increments over ``w_init``.
    """

    kind: str
    w_init: np.ndarray
    stable: np.ndarray
    labile: np.ndarray

    @classmethod
    def naive(cls, kind: str, w_init: np.ndarray) -> MemoryTrace:
        w = np.asarray(w_init, dtype=float)
        return cls(kind, w.copy(), np.zeros_like(w), np.zeros_like(w))

    def weights(self) -> np.ndarray:
        """Effective weights ``w_init + stable + labile``."""
        return self.w_init + self.stable + self.labile

    def learn(self, new_weights: np.ndarray) -> None:
        """Record a session's weight change into the labile trace."""
        self.labile = self.labile + (np.asarray(new_weights, dtype=float) - self.weights())


def consolidate(
    trace: MemoryTrace,
    t0_h: float,
    t1_h: float,
    synthesis: Signal,
    gate: Signal,
    step_h: float = 1 / 12,
) -> None:
    """Evolve a trace from ``t0_h`` to ``t1_h`` in place (see :func:`consolidate_course`)."""
    if t1_h > t0_h:
        consolidate_course(trace, np.array([t0_h, t1_h]), synthesis, gate, step_h)


def consolidate_course(
    trace: MemoryTrace,
    times_h: np.ndarray,
    synthesis: Signal,
    gate: Signal,
    step_h: float = 1 / 12,
) -> np.ndarray:
    """Evolve a trace through increasing ``times_h`` (the first is now) in place; its mean weight at each time.

    The equations are linear in (labile, stable) for given ``P(t) G(t)``; each
    step (intervals split evenly into steps of at most ``step_h``) holds the
    rate at its midpoint value and is solved exactly, so the traces stay
    non-negative and nothing is created: ``labile + stable`` only decays.
    Every synapse of a trace shares the rate, so the whole course is three
    scalar coefficients per step (labile from labile, stable from labile,
    stable from stable), computed with cumulative products and sums.

    Parameters
    ----------
    times_h : array
        Increasing times (h); ``times_h[0]`` is the trace's present.
    synthesis, gate : callable
        Vectorised functions of time (h) giving ``P(t)`` and ``G(t)`` (≥ 0).
    step_h : float
        Largest step (h); drug effects last hours, so 5 min resolves them.

    Returns
    -------
    ndarray
        Mean weight at each of ``times_h`` relative to the naive mean weight.
    """
    times = np.asarray(times_h, dtype=float)
    if times.size < 2 or np.any(np.diff(times) < 0):
        raise ValueError("times_h must be increasing, with at least two values")
    span = np.diff(times)
    steps = np.where(span > 0, np.maximum(1, np.ceil(span / step_h)), 0).astype(int)
    # Step edges: every interval split evenly into its number of steps.
    owner = np.repeat(np.arange(span.size), steps)
    within = np.arange(owner.size) - np.repeat(np.cumsum(steps) - steps, steps)
    dt = span[owner] / steps[owner]
    mids = times[owner] + (within + 0.5) * dt
    rate = K_CONSOLIDATE() * np.clip(synthesis(mids), 0, None) * np.clip(gate(mids), 0, None)
    lam_l = 1.0 / TAU_LABILE_H()
    lam_s = 1.0 / TAU_FORGET[trace.kind]()
    a = lam_l + rate  # total loss rate of the labile trace
    decay_l = np.exp(-a * dt)
    decay_s = np.exp(-lam_s * dt)
    # Exact gain of the stable trace over a step, per unit labile trace at its start.
    close = np.abs(a - lam_s) <= 1e-12
    gain = np.where(close, rate * dt * decay_l, rate * (decay_s - decay_l) / np.where(close, 1.0, a - lam_s))
    labile_coef = np.concatenate([[1.0], np.cumprod(decay_l)])  # labile(t_k) / labile(t_0)
    stable_coef = np.concatenate([[1.0], np.cumprod(decay_s)])  # stable(t_k) / stable(t_0), without gains
    cross_coef = stable_coef * np.concatenate([[0.0], np.cumsum(gain * labile_coef[:-1] / stable_coef[1:])])
    at = np.concatenate([[0], np.cumsum(steps)])  # step-edge index of each requested time
    labile0, stable0 = trace.labile, trace.stable
    means = (trace.w_init.mean() + stable_coef[at] * stable0.mean()
             + (labile_coef[at] + cross_coef[at]) * labile0.mean()) / trace.w_init.mean()
    trace.labile = labile_coef[-1] * labile0
    trace.stable = stable_coef[-1] * stable0 + cross_coef[-1] * labile0
    return means


def destabilise(trace: MemoryTrace, mask: np.ndarray, fraction: float | None = None) -> None:
    """Retrieval turns ``fraction`` (default ``DESTABILISED_FRACTION``) of the reactivated synapses' stable trace labile."""
    fraction = DESTABILISED_FRACTION() if fraction is None else fraction
    moved = np.where(mask, fraction * trace.stable, 0.0)
    trace.stable = trace.stable - moved
    trace.labile = trace.labile + moved
