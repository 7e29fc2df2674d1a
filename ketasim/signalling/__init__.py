"""Signalling layer: glutamate burst → AMPAR → BDNF/TrkB → mTORC1 → synaptic proteins → spines.

Parameters (:mod:`~ketasim.signalling.parameters`), equations
(:mod:`~ketasim.signalling.equations`), integration
(:mod:`~ketasim.signalling.integrate`) and the circuit drive
(:mod:`~ketasim.signalling.drive`) are kept apart; :mod:`~ketasim.signalling.stage`
plugs the layer into a scenario.
"""

from ketasim.signalling.equations import STATES, Switches, rhs, steady_state
from ketasim.signalling.integrate import CascadeResult, simulate_cascade
from ketasim.signalling.parameters import (
    REGIONS,
    SignallingParams,
    current_params,
    genotype_secretion,
    region_params,
)

__all__ = [
    "REGIONS",
    "STATES",
    "CascadeResult",
    "SignallingParams",
    "Switches",
    "current_params",
    "genotype_secretion",
    "region_params",
    "rhs",
    "simulate_cascade",
    "steady_state",
]
