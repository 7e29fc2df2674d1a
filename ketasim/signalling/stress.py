"""Stress (allostatic) load: the input by which stress sessions reach the signalling cascade.

Each stress session of intensity ``I`` and length ``d`` adds an impulse of
load, spread evenly over the session; the load decays with a time constant
of days::

    dL/dt = J I / d  (during a session)  -  L / tau_L,     J = every_ref / tau_L

``J`` normalises the load so that daily sessions of intensity 1 (restraint
or immobilisation) give a mean load of 1 once the schedule has run for a
few ``tau_L`` (21 daily sessions: L about 1). A session's impulse does not
depend on its length: the hormonal response to restraint habituates within
the session (corticosterone peaks within the first hour), and 2 h/day
(Vyas et al. 2002) and 6 h/day (Radley et al. 2006) schedules give
similar dendritic changes. The equation is linear, so ``L(t)`` is the
closed-form sum of one response per session (:func:`session_load`).

In the cascade the load scales each region's spine-formation target by
``exp(s_region * L)`` (PFC and hippocampus ``s < 0``: atrophy; BLA ``s > 0``:
hypertrophy); see :mod:`ketasim.signalling.equations`.
"""

from __future__ import annotations

from collections.abc import Iterable

import numpy as np

from ketasim.parameters import param

__all__ = ["REFERENCE_INTERVAL_H", "TAU_LOAD_H", "session_load", "stress_load"]

_P = "signalling"

TAU_LOAD_H = param(
    _P, "stress.tau_load", 3 * 24.0, "h",
    "fitted: stress-induced apical dendritic retraction and spine changes in rat prelimbic cortex recover within "
    "about 10 d after the end of chronic restraint (Moench & Wellman 2017, PMC5555043; Radley et al. 2005 Exp "
    "Neurol 196:199 report recovery after 3 weeks)",
    "Decay of the allostatic load after stress ends; with spine elimination (3 d) the PFC deficit is mostly gone "
    "10 d after the last session.",
)
REFERENCE_INTERVAL_H = param(
    _P, "stress.reference_interval", 24.0, "h",
    "convention: one session of intensity 1 per day (daily restraint / immobilisation, as in Vyas et al. 2002 "
    "J Neurosci 22:6810 and Radley et al. 2006 Cereb Cortex 16:313) defines a mean load of 1",
    "Normalisation J = reference_interval / tau_load of each session's load impulse.",
)


def session_load(t_h: np.ndarray, start_h: float, duration_h: float, intensity: float = 1.0,
                 tau_h: float | None = None) -> np.ndarray:
    """Load ``L(t)`` from one session (closed form of the linear load equation).

    Parameters
    ----------
    t_h : array
        Times (h).
    start_h, duration_h : float
        Session start and length (h).
    intensity : float
        Stressor intensity (restraint = 1).
    tau_h : float, optional
        Load decay time constant (h); default ``TAU_LOAD_H`` in the active parameter set.

    Returns
    -------
    ndarray
        ``J I tau / d (1 - exp(-(t - start) / tau))`` during the session, then
        exponential decay from its end value; 0 before the session.
    """
    t = np.asarray(t_h, dtype=float)
    tau_h = TAU_LOAD_H() if tau_h is None else tau_h
    plateau = (REFERENCE_INTERVAL_H() / tau_h) * intensity * tau_h / duration_h
    inside = np.clip(t - start_h, 0.0, duration_h)
    after = np.maximum(t - start_h - duration_h, 0.0)
    return plateau * (1.0 - np.exp(-inside / tau_h)) * np.exp(-after / tau_h)


def stress_load(t_h: np.ndarray, sessions: Iterable[tuple[float, float, float]],
                tau_h: float | None = None) -> np.ndarray:
    """Load ``L(t)`` from several sessions, each (start h, duration h, intensity); zeros if none.

    ``tau_h`` defaults to ``TAU_LOAD_H`` in the active parameter set.
    """
    t = np.asarray(t_h, dtype=float)
    tau_h = TAU_LOAD_H() if tau_h is None else tau_h
    load = np.zeros_like(t)
    for start, duration, intensity in sessions:
        load += session_load(t, start, duration, intensity, tau_h)
    return load
