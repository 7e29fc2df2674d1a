"""Systemic inhibitors of the consolidation machinery: anisomycin and rapamycin.

Each drug follows a rodent one-compartment model with first-order
absorption (:mod:`ketasim.pharmacology.pk`); its effect is the fraction of
its target inhibited, ``C / (C + IC50)`` of the unbound concentration. The
IC50s are *effective* values set so that the standard behavioural doses give
the inhibition time courses reported in vivo (cited below): the memory layer
only needs the time course of inhibition, not a receptor-level model.

* anisomycin inhibits protein synthesis (the ``P(t)`` of consolidation);
* rapamycin inhibits mTORC1, hence mTORC1-dependent synaptic protein
  synthesis (the same ``P(t)``).
"""

from __future__ import annotations

from collections.abc import Callable

import numpy as np

from ketasim.parameters import ParamRef, param
from ketasim.pharmacology.pk import DoseEvent, PKModel, pk_model, register_model, simulate_pk

__all__ = ["INHIBITORS", "inhibition"]

_P = "pharmacology"
_ANISO_T_HALF = param(
    _P, "anisomycin.t_half", 60.0, "min",
    "Davis & Squire 1984 Psychol Bull 96:518 (after 150 mg/kg s.c., brain protein synthesis is > 80 % inhibited "
    "for about 2 h and recovers over the next hours)", "Plasma elimination, fitted to that recovery.",
)
_ANISO_IC50 = param(
    _P, "anisomycin.ic50_effective", 15.0, "uM",
    "fitted: 150 mg/kg s.c. gives > 90 % inhibition for about 2 h and 50 % at about 5 h (Davis & Squire 1984)",
)
_RAPA_T_HALF = param(
    _P, "rapamycin.t_half", 6.0, "h",
    "Comas et al. 2012 Aging 4:715 (mouse rapamycin i.p.: plasma half-life of hours; mTORC1 inhibition for about a day)",
    "Recall, not verified.",
)
_RAPA_IC50 = param(
    _P, "rapamycin.ic50_effective", 0.05, "uM",
    "fitted: 10 mg/kg i.p. inhibits brain mTORC1 by > 80 % for about a day (Li et al. 2010 Science used i.c.v. "
    "pre-treatment to block ketamine's mTORC1 activation)",
)
_V_L_PER_KG = param(_P, "inhibitor.v1", 2.0, "L/kg", "assumption: volume of distribution of small lipophilic drugs")
_KA = param(_P, "inhibitor.ka", 0.05, "1/min", "assumption: s.c./i.p. absorption half-time about 15 min")

INHIBITORS: dict[str, ParamRef] = {"anisomycin": _ANISO_IC50, "rapamycin": _RAPA_IC50}
"""Drug → its effective IC50 (µM); call the reference for the active set's value."""


def _t_half_h(drug: str) -> float:
    return _ANISO_T_HALF() / 60.0 if drug == "anisomycin" else _RAPA_T_HALF()


def _builder(drug: str, species: str) -> Callable[[], PKModel]:
    def build() -> PKModel:
        ka = _KA()
        return PKModel(
            drug, species, v1=_V_L_PER_KG(), k10=np.log(2) / _t_half_h(drug), ke0=60.0,
            ka={"ip": ka * 60.0, "sc": ka * 60.0}, bioavailability={"ip": 1.0, "sc": 1.0},
        )

    return build


for _species in ("mouse", "rat"):
    for _drug in ("anisomycin", "rapamycin"):
        register_model(_builder(_drug, _species), _drug, _species)


def inhibition(drug: str, species: str, doses: list[DoseEvent], time_h: np.ndarray) -> np.ndarray:
    """Fraction (0–1) of the drug's target inhibited at each time (h)."""
    if not doses:
        return np.zeros_like(np.asarray(time_h, dtype=float))
    conc = simulate_pk(pk_model(drug, species), doses, time_h).receptor_uM
    return conc / (conc + INHIBITORS[drug]())
