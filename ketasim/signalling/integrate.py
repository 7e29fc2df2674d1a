"""Integrating the signalling cascade over a scenario's timeline (scipy, stiff-safe).

The cascade spans minutes (mTORC1, BDNF release) to weeks (spines, receptor
expression): a stiff system. It is integrated with an implicit BDF method
(scipy ``solve_ivp``) using a block-diagonal Jacobian sparsity pattern (each
region and batch item is an independent copy of the cascade) and vectorised
finite differences. The timeline is split at every dose start and end, so
each drug pulse starts a fresh integration segment with a small first step
and the solver can never step over a pulse during a quiet stretch.
"""

from __future__ import annotations

from bisect import bisect_right
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

import numpy as np
from scipy.integrate import solve_ivp
from scipy.sparse import csr_matrix, kron

from ketasim.signalling.equations import (
    N_STATES,
    STATES,
    Switches,
    rhs,
    spine_formation_cap,
    steady_state,
)
from ketasim.signalling.parameters import REGIONS, SignallingParams, region_params

__all__ = ["CascadeResult", "simulate_cascade"]

RTOL = 1e-6
ATOL = 1e-9
FIRST_STEP_H = 0.1 / 60.0


@dataclass
class CascadeResult:
    """States of the cascade on the output grid.

    Attributes
    ----------
    time_h : ndarray, shape (n_t,)
    regions : tuple of str
    states : ndarray, shape (N_STATES, n_regions, n_batch, n_t)
        Relative to the intact drug-free steady state.
    baseline : ndarray, shape (N_STATES,)
        The subject's own drug-free steady state (same switches and genotype).
    """

    time_h: np.ndarray
    regions: tuple[str, ...]
    states: np.ndarray
    baseline: np.ndarray

    def relative(self, state: str, region: str) -> np.ndarray:
        """``state`` in ``region`` relative to the subject's own drug-free baseline, shape (n_batch, n_t).

        A stage that the switches shut off completely (baseline 0, e.g.
        ``mtor: 0``) is reported relative to the intact baseline instead, so
        it reads 0 rather than 0/0.
        """
        s = STATES.index(state)
        values = self.states[s, self.regions.index(region)]
        reference = self.baseline[s]
        return values / reference if reference > 1e-12 else values


def _interpolator(time_h: np.ndarray, *series: np.ndarray):
    """``at(t)``: every series (each shape (n_batch, n_t)) linearly interpolated at ``t``, as a stacked array.

    The integrator calls it at every right-hand-side evaluation, so it looks
    the interval up once for all series, in plain Python (numpy's scalar
    calls cost more than the arithmetic here); the values are the same.
    """
    grid, last = time_h.tolist(), time_h.size - 2
    stacked = np.stack(series)

    def at(t: float) -> np.ndarray:
        i = min(max(bisect_right(grid, t) - 1, 0), last)
        w = (t - grid[i]) / (grid[i + 1] - grid[i])
        return stacked[:, :, i] * (1.0 - w) + stacked[:, :, i + 1] * w

    return at


def simulate_cascade(
    time_h: np.ndarray,
    glutamate: np.ndarray,
    block: np.ndarray,
    switches: Switches | None = None,
    regions: Sequence[str] = REGIONS,
    params: SignallingParams | None = None,
    breakpoints: Iterable[float] = (),
    stress: np.ndarray | None = None,
) -> CascadeResult:
    """Integrate the cascade, starting from the subject's drug-free steady state.

    Parameters
    ----------
    time_h : array, shape (n_t,)
        Increasing output grid (h); inputs are linear between grid points.
    glutamate : array, shape (n_t,) or (n_batch, n_t)
        PFC relative glutamate release (drug-free = 1).
    block : array, shape (n_t,) or (n_batch, n_t)
        Pyramidal NMDAR block at rest (0-1).
    switches : Switches, optional
        Mechanism scales and genotype (default: intact val/val).
    regions : sequence of str
        Regions to simulate (keys of :func:`~ketasim.signalling.parameters.region_params`).
    params : SignallingParams, optional
        Default: the active parameter set's constants (as are the regions' gains and stress sensitivities).
    breakpoints : iterable of float
        Times (h) where the inputs change abruptly (dose starts and ends).
    stress : array, shape (n_t,) or (n_batch, n_t), optional
        Stress load (:mod:`ketasim.signalling.stress`); default zeros (no stress).

    Returns
    -------
    CascadeResult
    """
    switches = switches or Switches()
    params = SignallingParams.current() if params is None else params
    t = np.asarray(time_h, dtype=float)
    glu = np.atleast_2d(np.asarray(glutamate, dtype=float))
    blk = np.atleast_2d(np.asarray(block, dtype=float))
    if glu.shape != blk.shape or glu.shape[1] != t.size or t.size < 2:
        raise ValueError("glutamate and block need one value per time point (and per batch item)")
    load = np.zeros_like(glu) if stress is None else np.atleast_2d(np.asarray(stress, dtype=float))
    if load.shape[1] != t.size or load.shape[0] not in (1, glu.shape[0]):
        raise ValueError("stress needs one value per time point (and per batch item)")
    load = np.broadcast_to(load, glu.shape)
    regions = tuple(regions)
    per_region = region_params()
    gains = np.array([per_region[r].drive_gain for r in regions])
    sensitivity = np.array([per_region[r].stress_spines for r in regions])
    n_regions, n_batch = len(regions), glu.shape[0]
    shape = (N_STATES, n_regions, n_batch)
    inputs_at = _interpolator(t, glu, blk, load)
    stressed = bool(np.any(load))

    cap = spine_formation_cap(params, switches)  # once per run: it depends on the constants and switches only

    def fun(time: float, y: np.ndarray) -> np.ndarray:
        states = y.reshape(shape + (-1,))
        glu_now, blk_now, load_now = inputs_at(time)
        load_arg, sensitivity_arg = (load_now, sensitivity) if stressed else (None, None)
        return rhs(states, glu_now, blk_now, gains, params, switches, load_arg, sensitivity_arg,
                   spine_cap=cap).reshape(y.shape)

    # Only states of the same region and batch item interact.
    sparsity = csr_matrix(kron(np.ones((N_STATES, N_STATES)), np.eye(n_regions * n_batch)))
    baseline = steady_state(params, switches)
    y = np.broadcast_to(baseline[:, None, None], shape).astype(float).ravel()
    out = np.empty(shape + (t.size,))
    cuts = sorted({t[0], t[-1], *(b for b in breakpoints if t[0] < b < t[-1])})
    for start, stop in zip(cuts[:-1], cuts[1:], strict=True):
        inside = np.flatnonzero((t >= start) & (t <= stop))
        # Always end on ``stop`` so the next segment starts from the right state.
        t_eval = t[inside] if inside.size and t[inside[-1]] == stop else np.append(t[inside], stop)
        solution = solve_ivp(
            fun, (start, stop), y, method="BDF", t_eval=t_eval, rtol=RTOL, atol=ATOL,
            jac_sparsity=sparsity, vectorized=True, first_step=min(FIRST_STEP_H, stop - start),
        )
        if not solution.success:
            raise RuntimeError(f"signalling integration failed between {start:g} h and {stop:g} h: {solution.message}")
        out[..., inside] = solution.y[:, : inside.size].reshape(shape + (inside.size,))
        y = solution.y[:, -1]
    return CascadeResult(t, regions, out, baseline)
