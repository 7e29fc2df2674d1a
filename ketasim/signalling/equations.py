"""Right-hand side of the signalling cascade (pure numpy, vectorised).

One copy of the cascade per region and per batch item (e.g. sweep point).
Every state is dimensionless, relative to the intact (all mechanisms 1,
val/val) drug-free steady state, and every equation is a first-order
relaxation towards a non-negative target (or, for receptor expression,
recovery minus a loss proportional to the state), so states stay
non-negative for any non-negative input.

Inputs at time ``t``:

``glutamate``
    Relative glutamate release of the PFC circuit (drug-free = 1). Each
    region sees ``1 + gain * (glutamate - 1)``; the mGluR2 brake then shapes
    it: ``G = g (1 + beta) / (1 + beta * mglur2 * g)``.
``block``
    Fraction of NMDARs blocked at rest on pyramidal cells (ketamine and APV).
``stress``
    Stress (allostatic) load ``L`` (:mod:`ketasim.signalling.stress`; none = 0).
    It scales each region's spine-formation target by ``exp(s_region L)``.

Equations (time in h; ``p`` the :class:`SignallingParams`; switches in
``mech``)::

    A       = ampa * (1 + R_A (G - 1))                        AMPAR activation (resting part held homeostatically)
    dE/dt   = (eef2k (1 - block) (1 - w2B + w2B glun2b) - E) / tau_eef2   p-eEF2 (resting NMDAR signal)
    dT/dt   = ((1 + k) / (1 + k E) - T) / tau_bdnf_protein    dendritic BDNF protein (translation)
    dB/dt   = (T (c + (1 - c) S_geno A) - B) / tau_release    released BDNF (constitutive + regulated)
    dM/dt   = (mtor (m0 + (1 - m0) f(bdnf B)) - M) / tau_mtor mTORC1, f(x) = x^h (1 + K) / (x^h + K)
    dH/dt   = (G - H) / tau_homer                             Homer1a (activity-induced)
    dN/dt   = (s - N) / tau_nascent                           nascent synaptic proteins
              s = ((1 - phi) + phi M^n (1 + K^n) / (M^n + K^n)) ((1 - w5) + w5 mglur5 H)
    dP/dt   = (N - P) / tau_proteins                          synaptic proteins (GluA1, PSD-95, synapsin)
    dS/dt   = (min(P^q, c P0^q) R_A e^(s L) - S) / tau_spines - k_ret D S  spine density (P0: drug-free proteins)
    dR_N/dt = (1 - R_N) / tau_rec - k_N D R_N                 NMDAR expression
    dR_A/dt = (1 - R_A) / tau_rec - k_A D R_A                 AMPAR expression
    dX/dt   = (block - X) / tau_exposure                      recent mean NMDAR block (exposure)
              D = max(X - theta, 0) / theta

Down-regulation (D) follows the block's running mean over days, not its
momentary level: homeostatic receptor changes build up over 1-2 days of a
sustained change in activity, so daily dosing accumulates exposure while a
single dose of any sub-anaesthetic size stays below threshold.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TypeVar

import numpy as np

from ketasim.signalling.parameters import SignallingParams, genotype_secretion

__all__ = ["STATES", "N_STATES", "Switches", "rhs", "spine_formation_cap", "steady_state", "effective_glutamate"]

# The element-wise relations below take an array or one number and return the same kind.
_Values = TypeVar("_Values", np.ndarray, float)

STATES = (
    "p_eef2",
    "bdnf_protein",
    "bdnf",
    "mtor",
    "homer1a",
    "nascent_proteins",
    "synaptic_proteins",
    "spine_density",
    "nmdar_expression",
    "ampar_expression",
    "block_exposure",
)
N_STATES = len(STATES)
(E, T, B, M, H, N, P, S, RN, RA, X) = range(N_STATES)


@dataclass(frozen=True)
class Switches:
    """Mechanism scale factors the cascade uses (1 = intact) and the genotype's secretion factor."""

    ampa: float = 1.0
    bdnf: float = 1.0
    mtor: float = 1.0
    eef2k: float = 1.0
    mglur2: float = 1.0
    mglur5: float = 1.0
    glun2b: float = 1.0
    secretion: float = 1.0

    @classmethod
    def from_config(cls, mechanisms: dict, genotype: str = "val/val") -> Switches:
        """From the config's ``mechanisms`` mapping and ``subject.bdnf_genotype`` (active parameter set)."""
        names = ("ampa", "bdnf", "mtor", "eef2k", "mglur2", "mglur5", "glun2b")
        return cls(**{k: float(mechanisms.get(k, 1.0)) for k in names}, secretion=genotype_secretion()[genotype])


def resting_nmdar_signal(block: _Values, p: SignallingParams, mech: Switches) -> _Values:
    """Resting NMDAR Ca2+ signal to eEF2K (intact, drug-free = 1).

    GluN2B carries ``p.glun2b_rest_share`` of it (its share of pyramidal NMDAR current).
    """
    share = p.glun2b_rest_share
    return (1.0 - block) * ((1.0 - share) + share * mech.glun2b)


def effective_glutamate(g: _Values, p: SignallingParams | None, mech: Switches) -> _Values:
    """Glutamate release after the presynaptic mGluR2 brake (intact drug-free = 1).

    ``p`` None: the active parameter set's constants.
    """
    beta = (SignallingParams.current() if p is None else p).mglur2_brake
    return g * (1.0 + beta) / (1.0 + beta * mech.mglur2 * g)


def _translation(mtor: _Values, p: SignallingParams) -> _Values:
    """mTORC1-dependent synthesis, saturating (1 at basal mTORC1)."""
    m = np.maximum(mtor, 0.0) ** p.translation_hill
    k = p.translation_half_activation ** p.translation_hill
    return m * (1.0 + k) / (m + k)


def rhs(
    y: np.ndarray,
    glutamate: np.ndarray,
    block: np.ndarray,
    gains: np.ndarray,
    p: SignallingParams,
    mech: Switches,
    stress: np.ndarray | None = None,
    stress_sensitivity: np.ndarray | None = None,
    spine_cap: float | None = None,
) -> np.ndarray:
    """Time derivatives (1/h) of the cascade.

    Parameters
    ----------
    y : array, shape (N_STATES, n_regions, n_batch, ...)
        States in the order of :data:`STATES`; trailing axes broadcast (used
        for vectorised finite-difference Jacobians).
    glutamate : array, shape (n_batch,)
        PFC circuit's relative glutamate release (drug-free = 1).
    block : array, shape (n_batch,)
        Pyramidal NMDAR block at rest (0-1).
    gains : array, shape (n_regions,)
        Each region's share of the PFC glutamate surge.
    p : SignallingParams
        Resolved constants (:meth:`SignallingParams.current`), read at every call.
    mech : Switches
    stress : array, shape (n_batch,), optional
        Stress load (0 = none, the default).
    stress_sensitivity : array, shape (n_regions,), optional
        Each region's log-change of the spine-formation target per unit load.
    spine_cap : float, optional
        The formation target's cap (:func:`spine_formation_cap`); computed from ``p`` and ``mech`` when not given.

    Returns
    -------
    ndarray, same shape as ``y``
    """
    extra = (1,) * (y.ndim - 3)
    g = 1.0 + gains[:, None] * (np.asarray(glutamate)[None, :] - 1.0)
    g = effective_glutamate(g, p, mech).reshape(g.shape + extra)
    b = np.asarray(block).reshape((1, -1) + extra)
    d = np.empty_like(y)
    # Homeostatic scaling holds resting AMPAR drive; the surge-evoked part scales with receptor number.
    activation = mech.ampa * (1.0 + y[RA] * (g - 1.0))
    d[E] = (mech.eef2k * resting_nmdar_signal(b, p, mech) - y[E]) / p.tau_eef2
    k = p.eef2_suppression
    d[T] = ((1.0 + k) / (1.0 + k * y[E]) - y[T]) / p.tau_bdnf_protein
    c = p.constitutive_share
    d[B] = (y[T] * (c + (1.0 - c) * mech.secretion * activation) - y[B]) / p.tau_bdnf_release
    x = (mech.bdnf * np.maximum(y[B], 0.0)) ** p.trkb_hill
    trkb = x * (1.0 + p.mtor_saturation) / (x + p.mtor_saturation)
    m0 = p.mtor_trkb_independent
    d[M] = (mech.mtor * (m0 + (1.0 - m0) * trkb) - y[M]) / p.tau_mtor
    d[H] = (g - y[H]) / p.tau_homer
    phi, w5 = p.translation_mtor_share, p.mglur5_share
    synthesis = ((1.0 - phi) + phi * _translation(y[M], p)) * (
        (1.0 - w5) + w5 * mech.mglur5 * y[H]
    )
    d[N] = (synthesis - y[N]) / p.tau_nascent
    d[P] = (y[N] - y[P]) / p.tau_proteins
    theta = p.exposure_threshold
    drive = np.maximum(y[X] - theta, 0.0) / theta
    cap = spine_formation_cap(p, mech) if spine_cap is None else spine_cap
    formation = np.minimum(np.maximum(y[P], 0.0) ** p.spine_formation_gain, cap) * y[RA]
    if stress is not None and stress_sensitivity is not None:
        # Stress shifts the formation target multiplicatively, so spine density stays positive.
        load = np.asarray(stress)[None, :] * np.asarray(stress_sensitivity)[:, None]
        formation = formation * np.exp(load.reshape(load.shape + extra))
    d[S] = (formation - y[S]) / p.tau_spines - p.retraction_rate * drive * y[S]
    d[RN] = (1.0 - y[RN]) / p.tau_receptor_recovery - p.downregulation_rate_nmdar * drive * y[RN]
    d[RA] = (1.0 - y[RA]) / p.tau_receptor_recovery - p.downregulation_rate_ampar * drive * y[RA]
    d[X] = (b - y[X]) / p.tau_exposure
    return d


def steady_state(p: SignallingParams | None, mech: Switches) -> np.ndarray:
    """Drug-free steady state (glutamate 1, no block) of one region, shape (N_STATES,).

    The cascade is feed-forward at rest, so the fixed point follows stage by stage.
    ``p`` None: the active parameter set's constants (computed afresh, never cached).
    """
    p = SignallingParams.current() if p is None else p
    y = np.empty(N_STATES)
    y[RN] = y[RA] = 1.0
    y[X] = 0.0
    g = float(effective_glutamate(np.float64(1.0), p, mech))
    y[E] = mech.eef2k * float(resting_nmdar_signal(np.float64(0.0), p, mech))
    k = p.eef2_suppression
    y[T] = (1.0 + k) / (1.0 + k * y[E])
    c = p.constitutive_share
    y[B] = y[T] * (c + (1.0 - c) * mech.secretion * mech.ampa * g)
    x = (mech.bdnf * y[B]) ** p.trkb_hill
    m0 = p.mtor_trkb_independent
    y[M] = mech.mtor * (m0 + (1.0 - m0) * x * (1.0 + p.mtor_saturation) / (x + p.mtor_saturation))
    y[H] = g
    phi, w5 = p.translation_mtor_share, p.mglur5_share
    y[N] = ((1.0 - phi) + phi * float(_translation(np.float64(y[M]), p))) * ((1.0 - w5) + w5 * mech.mglur5 * y[H])
    y[P] = y[N]
    y[S] = y[P] ** p.spine_formation_gain
    return y


def spine_formation_cap(p: SignallingParams, mech: Switches) -> float:
    """Cap on the spine-formation target ``P^q``: ``spines.formation_ceiling`` times the subject's drug-free target.

    Relative to the subject's own drug-free state, so a switch or genotype that moves the baseline (an
    mGluR2 knockout, a met allele) moves the cap with it. Without a cap, a long, strong protein rise (the
    rat's hours of exposure) multiplied spine density many-fold.
    """
    return p.spine_formation_ceiling * float(steady_state(p, mech)[S])
