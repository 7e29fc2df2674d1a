"""The generalised state conditioning leaves in infralimbic cortex, and its reversal by TrkB signalling.

Strong fear conditioning leaves mice generalising: they freeze to a safe
tone (CS−) nearly as much as to the shocked one (CS+). Generalised mice have
less BDNF and more GluN2B in infralimbic cortex (IL) and BLA; GluN2B block in
IL (not BLA) lowers generalisation; one ketamine dose 22 h after conditioning
reverses the molecular changes and the generalisation for at least two
weeks, through TrkB in IL and BLA, while doses before conditioning, right
after it or a week before do not (Asim et al. 2020 Neurosci Bull 36:153,
abstract). Discriminating animals show an IL-driven safety signal during the
CS− that generalising ones lack (Likhtik et al. 2014 Nat Neurosci 17:106),
and generalisation develops over the day after conditioning, not at once
(Zhou et al. 2017 Nat Commun 8 (doi 10.1038/s41467-017-02315-4), abstract).

The model: after the first conditioning session the state forms,
``F(t) = 1 − exp(−(t − t_c)/tau_form)``; TrkB signalling in IL above a
threshold reverses the formed state at a rate proportional to the excess::

    dR/dt = k · il_trkb · max(B(t) − theta, 0) · (F − R)

with ``B`` released PFC BDNF relative to drug-free (the signalling layer)
and ``il_trkb`` the mechanism switch (ANA-12 into IL: 0). ``U = F − R`` is the
state still in place; IL GluN2B carries it, so it is expressed as
``U · min(glun2b, 1)`` (the ``glun2b`` switch; no new constant). During a CS−
the BLA's infralimbic fibres fire ``1 + sigma (1 − U min(glun2b, 1))`` times
their usual rate (:class:`ketasim.circuit.bla.Modulators`,
``safety``): the full safety signal before conditioning and after a complete
reversal, none in a generalised animal. A dose before the state forms meets
nothing to reverse; one after it does, and the reversal lasts (the state does
not re-form without new conditioning).

Held-out consequence: GluN2B loss without ketamine (``glun2b`` below 1)
lowers generalisation, as ifenprodil into IL does in Asim et al. What it
leaves alone: CS+ freezing and every other readout (the signal acts only
during a CS−); the shock-strength dependence of generalisation (every
conditioning session forms the state fully); the BLA's share of the state
(ifenprodil into BLA does nothing in Asim et al., and nothing here reads BLA
GluN2B for it).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from ketasim.parameters import param
from ketasim.protocols.memory import Signal

__all__ = ["GeneralisedState", "generalised_state", "safety_signal"]

_P = "protocols"
_ASIM = "Asim et al. 2020 Neurosci Bull 36:153 (abstract; timing catalogue T20)"
TAU_FORM_H = param(
    _P, "generalisation.tau_form", 8.0, "h",
    "Zhou et al. 2017 Nat Commun 8 (doi 10.1038/s41467-017-02315-4) (abstract: 'fear memory is quickly formed, but generalization develops "
    "gradually over 24 h'): three time constants in 24 h",
    "Formation time of the generalised state after conditioning.",
    low=4.0, high=12.0, range_reason="two to six time constants in the 24 h of Zhou et al. 2017",
)
TRKB_THRESHOLD = param(
    _P, "generalisation.trkb_threshold", 1.6, "1",
    "fitted: between the released-PFC-BDNF peaks of mouse 7.5 mg/kg i.p. (1.44, no effect) and 15 mg/kg (1.78, "
    "effective), their geometric mean (" + _ASIM + ", doses from the group's 2021 review summary)",
    "Released PFC BDNF (drug-free = 1) above which TrkB signalling reverses the generalised state.",
    low=1.44, high=1.78, range_reason="the bracket of the fit: the 7.5 and 15 mg/kg mouse peaks (full profile)",
)
REVERSAL_RATE = param(
    _P, "generalisation.reversal_rate", 7.0, "1/h",
    "fitted: one 30 mg/kg i.p. dose 22 h after conditioning reverses 90 % of the state (" + _ASIM + ": "
    "'reversed'; the 90 % is a choice, no size is published); its BDNF excess over the threshold is 0.33 h",
    "Reversal rate per unit of released-BDNF excess over the threshold.",
)
SAFETY_GAIN = param(
    _P, "generalisation.safety_gain", 0.33, "1",
    "fitted: the full safety signal takes the CS-/CS+ freezing ratio a day after five pairings from the "
    "generaliser's level to the discriminators' of about 0.3 (Likhtik et al. 2014 Nat Neurosci 17:106, Fig. 1, "
    "recalled)",
    "Relative rise of the infralimbic fibres' rate during a CS- with the state fully reversed (or not yet formed).",
)


@dataclass(frozen=True)
class GeneralisedState:
    """The formed (``formed``) and still unreversed (``state``) generalised state on a time grid (``time_h``, h)."""

    time_h: np.ndarray
    formed: np.ndarray
    state: np.ndarray

    def at(self, t_h: float) -> float:
        """The unreversed state ``U`` at ``t_h`` (linear interpolation)."""
        return float(np.interp(t_h, self.time_h, self.state))


def generalised_state(
    time_h: np.ndarray,
    conditioning_h: float | None,
    bdnf: Signal,
    il_trkb: float = 1.0,
    step_h: float = 1 / 60,
) -> GeneralisedState:
    """Integrate the generalised state through ``time_h``.

    Parameters
    ----------
    time_h : array
        Increasing times (h) at which to report the state.
    conditioning_h : float or None
        Time (h) of the first conditioning session (``None``: the state never forms).
    bdnf : callable
        Released PFC BDNF relative to drug-free, a vectorised function of time (h).
    il_trkb : float
        The ``il_trkb`` mechanism switch (scales the reversal rate; 0 = TrkB blocked in IL).
    step_h : float
        Largest integration step (h); the BDNF pulse of a mouse dose lasts about an hour.

    Returns
    -------
    GeneralisedState
        ``formed`` ``F`` and unreversed ``state`` ``U = F − R`` at ``time_h`` (0–1).
    """
    times = np.asarray(time_h, dtype=float)
    if conditioning_h is None:
        zeros = np.zeros(times.size)
        return GeneralisedState(times, zeros, zeros.copy())
    tau, theta, k = TAU_FORM_H(), TRKB_THRESHOLD(), REVERSAL_RATE() * float(il_trkb)
    start = max(float(conditioning_h), float(times[0]))
    n = max(1, int(np.ceil((times[-1] - start) / step_h))) if times[-1] > start else 0
    edges = np.linspace(start, times[-1], n + 1) if n else np.array([start])
    formed_edges = 1.0 - np.exp(-(edges - conditioning_h) / tau)
    reversed_edges = np.zeros(edges.size)
    if n:
        mids = 0.5 * (edges[1:] + edges[:-1])
        rate = k * np.clip(bdnf(mids) - theta, 0.0, None)
        decay = np.exp(-rate * np.diff(edges))
        formed_mid = 1.0 - np.exp(-(mids - conditioning_h) / tau)
        # R relaxes towards the formed state at the step's rate, held at its midpoint (exact per step); from
        # below, so it never passes F, which only grows. Before the edges (before conditioning) F = R = 0.
        for i in range(n):
            reversed_edges[i + 1] = formed_mid[i] + (reversed_edges[i] - formed_mid[i]) * decay[i]
    formed = np.interp(times, edges, formed_edges)
    # Interpolating F and R apart can leave U a rounding error below 0.
    unreversed = np.clip(formed - np.interp(times, edges, reversed_edges), 0.0, 1.0)
    return GeneralisedState(times, formed, unreversed)


def safety_signal(state: float, glun2b: float = 1.0) -> float:
    """The CS− safety signal (relative rise of the infralimbic rate): ``sigma (1 − U min(glun2b, 1))``.

    ``state`` is the unreversed state ``U`` (0–1); ``glun2b`` the GluN2B
    expression switch (IL GluN2B carries the state: Asim et al. 2020,
    ifenprodil into IL lowers generalisation).
    """
    return SAFETY_GAIN() * (1.0 - float(state) * min(max(float(glun2b), 0.0), 1.0))
