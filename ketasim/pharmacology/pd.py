"""Pharmacodynamics: NMDA-receptor block by ketamine, per cell type and GluN2 subunit.

Ketamine is an open-channel ("trapping") blocker: it can enter or leave the
pore only while the channel is open, and a blocked channel that closes keeps
the drug trapped. For a receptor population with subunit ``s`` on a cell type
whose NMDARs are open a fraction ``p_open`` of the time, the blocked fraction
``b`` obeys::

    db/dt = p_open * (k_on,s * C(t) * (1 - b) - k_off * b)

with ``C`` the unbound receptor-site concentration (µM). At steady state
``b = C / (C + IC50_s)`` with ``IC50_s = k_off / k_on,s`` (the Hill limit with
n = 1, IC50s measured in 1 mM Mg²⁺), independent of activity, while the *rate*
of approach ``p_open * (k_on C + k_off)`` scales with activity: block builds
faster in more active cells. Tonically active PV interneurons (high
``p_open``) and their GluN2D-rich receptors (low IC50) are therefore blocked
more, and sooner, than pyramidal cells at the same concentration.

The cell type's block is the current-weighted mean over its subunits; the
``glun2b`` and ``glun2d`` mechanism switches scale the expression of those
subunits (and hence the cell's total NMDA conductance).
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass

import numpy as np

from ketasim.parameters import ParamRange, ParamRef, param

__all__ = [
    "CELL_TYPES",
    "SUBUNITS",
    "BlockResult",
    "apv_occupancy",
    "composition",
    "conductance_scale",
    "simulate_block",
    "steady_state_block",
]

_P = "pharmacology"
SUBUNITS = ("GluN2A", "GluN2B", "GluN2C", "GluN2D")
CELL_TYPES = ("pyramidal", "interneuron")

_FRACTION = ParamRange(low=0.0, high=1.0, range_reason="physical bound: a share of the current")

IC50_UM: dict[str, ParamRef] = {
    "GluN2A": param(_P, "ketamine.ic50.GluN2A", 5.35, "uM",
                    "Kotermanski & Johnson 2009 J Neurosci 29:2774, Table 1 (1 mM Mg2+)"),
    "GluN2B": param(_P, "ketamine.ic50.GluN2B", 5.08, "uM",
                    "Kotermanski & Johnson 2009, Table 1 (1 mM Mg2+)"),
    "GluN2C": param(_P, "ketamine.ic50.GluN2C", 1.18, "uM",
                    "Kotermanski & Johnson 2009, Table 1 (1 mM Mg2+)"),
    "GluN2D": param(_P, "ketamine.ic50.GluN2D", 2.95, "uM",
                    "Kotermanski & Johnson 2009, Table 1 (1 mM Mg2+)"),
}
"""Subunit → ketamine IC50 (µM, 1 mM Mg²⁺); call the reference for the active set's value."""
K_OFF_PER_S = param(
    _P, "ketamine.k_off", 0.3, "1/s",
    "Orser, Pennefather & MacDonald 1997 Anesthesiology 86:903 (open-channel unblocking of the order of 0.1-1 /s)",
    "Sets how fast block relaxes; k_on = k_off / IC50 per subunit.",
    low=0.1, high=1.0, range_reason="reported order of magnitude (0.1-1 /s)",
)
OPEN_PROBABILITY: dict[str, ParamRef] = {
    "pyramidal": param(
        _P, "p_open.pyramidal", 0.02, "1",
        "fitted: slower block onset in pyramidal cells (Homayoun & Moghaddam 2007 J Neurosci 27:11496: "
        "interneurons respond to lower doses and earlier)",
        "Effective fraction of time NMDARs are open at in-vivo activity (pyramidal 1-10 Hz).",
    ),
    "interneuron": param(
        _P, "p_open.interneuron", 0.1, "1",
        "fitted: as above; PV cells fire tonically at 10-40 Hz and carry slowly deactivating GluN2D",
    ),
}
"""Cell type → effective NMDAR open probability; call the reference for the active set's value."""


def _absent() -> float:
    """Share of a subunit the cell type does not express: a structural zero, not a parameter."""
    return 0.0


# Fraction of the NMDAR current carried by each subunit in each cell type.
COMPOSITION: dict[str, dict[str, Callable[[], float]]] = {
    "pyramidal": {
        "GluN2A": param(_P, "composition.pyramidal.GluN2A", 0.55, "1",
                        "Monyer et al. 1994 Neuron 12:529 (adult cortex: 2A and 2B dominate)", **_FRACTION),
        "GluN2B": param(_P, "composition.pyramidal.GluN2B", 0.45, "1", "Monyer et al. 1994", **_FRACTION),
        "GluN2C": _absent,
        "GluN2D": _absent,
    },
    "interneuron": {
        "GluN2A": param(_P, "composition.interneuron.GluN2A", 0.4, "1",
                        "von Engelhardt et al. 2015 J Neurosci 35:11928; Alvarez et al. 2021 (PV cells carry GluN2D)",
                        "Shares assumed from qualitative reports; the 2D share is what makes PV cells more sensitive.",
                        **_FRACTION),
        "GluN2B": param(_P, "composition.interneuron.GluN2B", 0.15, "1", "as above", **_FRACTION),
        "GluN2C": param(_P, "composition.interneuron.GluN2C", 0.05, "1", "as above", **_FRACTION),
        "GluN2D": param(_P, "composition.interneuron.GluN2D", 0.4, "1", "as above", **_FRACTION),
    },
}
"""Cell type → subunit → share of the NMDAR current (call each entry; :func:`composition` resolves them all)."""
APV_KD_UM = param(
    _P, "apv.kd", 1.4, "uM",
    "Davies et al. 1981 (D-AP5 Kd about 1.4 uM, competitive at the glutamate site)",
    "Competitive occupancy at low glutamate; 50 uM APV blocks > 95 %.",
)


def composition(cell: str) -> dict[str, float]:
    """Subunit → share of ``cell``'s NMDAR current in the active parameter set."""
    return {s: share() for s, share in COMPOSITION[cell].items()}


def _subunit_expression(mechanisms: Mapping[str, float]) -> dict[str, float]:
    return {
        "GluN2A": 1.0,
        "GluN2B": float(mechanisms.get("glun2b", 1.0)),
        "GluN2C": 1.0,
        "GluN2D": float(mechanisms.get("glun2d", 1.0)),
    }


def _weights(cell: str, mechanisms: Mapping[str, float]) -> dict[str, float]:
    expression = _subunit_expression(mechanisms)
    shares = composition(cell)
    return {s: shares[s] * expression[s] for s in SUBUNITS}


def conductance_scale(cell: str, mechanisms: Mapping[str, float]) -> float:
    """NMDA conductance of ``cell`` relative to intact, after subunit knock-down."""
    return sum(_weights(cell, mechanisms).values())


def steady_state_block(conc_uM: np.ndarray | float, subunit: str) -> np.ndarray:
    """Equilibrium blocked fraction ``C / (C + IC50)`` for one subunit (1 mM Mg²⁺)."""
    c = np.asarray(conc_uM, dtype=float)
    return c / (c + IC50_UM[subunit]())


def apv_occupancy(conc_uM: np.ndarray | float) -> np.ndarray:
    """Fraction of NMDARs kept from opening by D-AP5 (competitive, low-glutamate limit)."""
    c = np.asarray(conc_uM, dtype=float)
    return c / (c + APV_KD_UM())


@dataclass
class BlockResult:
    """Fractional NMDAR block over time.

    Attributes
    ----------
    time_h : ndarray
        Time grid (h).
    by_cell : dict
        Cell type → current-weighted blocked fraction (0-1).
    by_subunit : dict
        (cell type, subunit) → blocked fraction of that population (0-1).
    """

    time_h: np.ndarray
    by_cell: dict[str, np.ndarray]
    by_subunit: dict[tuple[str, str], np.ndarray]


def simulate_block(
    time_h: np.ndarray,
    midpoint_conc_uM: np.ndarray,
    mechanisms: Mapping[str, float] | None = None,
    open_probability: Mapping[str, float] | None = None,
) -> BlockResult:
    """Integrate the trapping-block kinetics on a time grid.

    Uses the exponential integrator: over each step the concentration is held
    at its midpoint value, for which the linear equation in ``b`` is solved
    exactly (exact for constant concentrations, second order otherwise, and
    always within [0, 1]).

    Parameters
    ----------
    time_h : array, shape (n,)
        Increasing time grid (h); block is zero at ``time_h[0]``.
    midpoint_conc_uM : array, shape (n - 1,)
        Unbound receptor-site concentration (µM) at the midpoint of each step.
    mechanisms : mapping, optional
        ``glun2b`` and ``glun2d`` expression scales (1 = intact).
    open_probability : mapping, optional
        Cell type → effective NMDAR open probability; defaults to
        :data:`OPEN_PROBABILITY` (in the active parameter set).
    """
    mechanisms = mechanisms or {}
    p_open = {**{cell: p() for cell, p in OPEN_PROBABILITY.items()}, **(open_probability or {})}
    k_off = K_OFF_PER_S()
    ic50 = {s: IC50_UM[s]() for s in SUBUNITS}
    t = np.asarray(time_h, dtype=float)
    c = np.asarray(midpoint_conc_uM, dtype=float)
    if c.shape != (t.size - 1,):
        raise ValueError("midpoint_conc_uM must have one value per step")
    dt_s = np.diff(t) * 3600.0
    by_subunit: dict[tuple[str, str], np.ndarray] = {}
    by_cell: dict[str, np.ndarray] = {}
    for cell in CELL_TYPES:
        weights = _weights(cell, mechanisms)
        total = sum(weights.values())
        cell_block = np.zeros(t.size)
        for s in SUBUNITS:
            k_on = k_off / ic50[s]
            rate = p_open[cell] * (k_on * c + k_off)  # 1/s
            b_inf = c / (c + ic50[s])
            decay = np.exp(-rate * dt_s)
            b = np.empty(t.size)
            b[0] = 0.0
            # b[n+1] = b_inf + (b[n] - b_inf) * decay: a linear recurrence.
            for i in range(t.size - 1):
                b[i + 1] = b_inf[i] + (b[i] - b_inf[i]) * decay[i]
            by_subunit[(cell, s)] = b
            if total > 0:
                cell_block += weights[s] / total * b
        by_cell[cell] = cell_block
    return BlockResult(t, by_cell, by_subunit)
