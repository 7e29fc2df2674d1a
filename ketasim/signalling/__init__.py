"""Signalling layer: glutamate burst → AMPAR → BDNF/TrkB → mTORC1 → synaptic proteins → spines.

Parameters (:mod:`~ketasim.signalling.parameters`), equations
(:mod:`~ketasim.signalling.equations`), integration
(:mod:`~ketasim.signalling.integrate`) and the circuit drive
(:mod:`~ketasim.signalling.drive`) are kept apart; :mod:`~ketasim.signalling.stage`
plugs the layer into a scenario.
"""

from ketasim.signalling.equations import STATES, Switches, rhs, steady_state
from ketasim.signalling.integrate import CascadeResult, simulate_cascade
from ketasim.signalling.parameters import DEFAULT, GENOTYPE_SECRETION, REGIONS

__all__ = [
    "DEFAULT",
    "GENOTYPE_SECRETION",
    "REGIONS",
    "STATES",
    "CascadeResult",
    "Switches",
    "rhs",
    "simulate_cascade",
    "steady_state",
]
