"""Pharmacokinetics: a dose schedule → plasma, brain and receptor-site concentrations.

All models are linear compartment models, solved exactly: between dose events
the state obeys ``dx/dt = A x + u`` with a constant infusion input ``u``, so
``x(t) = expm(M t) [x0; 1]`` with the augmented matrix ``M = [[A, u], [0, 0]]``.
Boluses and the starts and ends of infusions are the only breakpoints. There
is no time stepping error to tune.

State (amounts per body mass, mg/kg, except the effect site):

=========  ===================================================================
depot_r    one absorption depot per extravascular route ``r`` (ip, sc, oral)
central    plasma compartment, volume ``v1`` (L/kg)
periph2    fast peripheral compartment (human model only)
periph3    slow peripheral compartment (human model only)
effect     effect-site (brain) plasma-equivalent concentration ``Ce`` (mg/L),
           ``dCe/dt = ke0 (Cp - Ce)``
=========  ===================================================================

Reported concentrations (µM):

* plasma: total plasma concentration ``Cp``;
* brain: total brain tissue concentration, ``kp_brain * Ce``;
* receptor: unbound concentration at the NMDA receptor, ``fu_plasma * Ce``
  (unbound brain extracellular ketamine equilibrates with unbound plasma
  ketamine, Kp,uu = 1, the usual assumption for a small lipophilic base).
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, field

import numpy as np
from scipy.linalg import expm

from ketasim.parameters import ParamRange, param
from ketasim.pharmacology.drugs import DRUGS

__all__ = ["DoseEvent", "PKModel", "PKResult", "pk_model", "register_model", "simulate_pk", "supported_routes"]

_MIN = 60.0  # per-minute rate constants → per hour

# ---------------------------------------------------------------- parameters
_P = "pharmacology"

_FRACTION = ParamRange(low=0.0, high=1.0, range_reason="physical bound: a fraction")

_MOUSE_T_HALF_MIN = param(
    _P, "mouse.ketamine.t_half", 13.0, "min",
    "Maxwell et al. 2006 J Pharmacol Exp Ther 316:315 (plasma t1/2 after i.p.)",
    "Recall, not verified against the full text; mouse literature spans 10-30 min.",
    low=10.0, high=30.0, range_reason="span of the mouse reports (10-30 min)",
)
_MOUSE_V = param(
    _P, "mouse.ketamine.v1", 4.0, "L/kg",
    "fitted: plasma Cmax 1-2 ug/mL 10 min after 10 mg/kg i.p. (Zanos et al. 2016 Nature ED Fig. 1; Can et al. 2016)",
    "Gives Cmax 1.55 ug/mL (6.5 uM) at 9 min; within the 2-5 L/kg reported for other species.",
)
_RAT_T_HALF_MIN = param(
    _P, "rat.ketamine.t_half", 60.0, "min",
    "Williams et al. 2004; Veilleux-Lemieux et al. 2013 J Am Assoc Lab Anim Sci (rat t1/2 about 1 h)",
    "Recall; rat reports range 1-2.5 h. Rabbit t1/2 59 min (Luca et al. 2020) for comparison.",
    low=60.0, high=150.0, range_reason="span of the rat reports (1-2.5 h)",
)
_RAT_V = param(
    _P, "rat.ketamine.v1", 4.0, "L/kg",
    "Vss 2-5 L/kg across species: dog 4.06 (Pypendop & Ilkiw 2005), rabbit 3.2 (Luca et al. 2020)",
    "No rat value verified; the cross-species middle is taken.",
    low=2.0, high=5.0, range_reason="span of the cross-species Vss (2-5 L/kg)",
)
_RODENT_KA_IP = param(
    _P, "rodent.ka.ip", 0.2, "1/min",
    "fitted: plasma Tmax about 10 min after i.p. in mice (Zanos et al. 2016 ED Fig. 1, first sample at 10 min)",
    "Absorption half-time 3.5 min.",
)
_RODENT_KA_SC = param(
    _P, "rodent.ka.sc", 0.1, "1/min",
    "assumption: s.c. absorbs about half as fast as i.p.; Le Nedelec et al. 2018 J Psychopharmacol (rat s.c. and i.m. give similar exposure)",
)
_RODENT_KA_ORAL = param(
    _P, "rodent.ka.oral", 0.035, "1/min",
    "fitted: human oral Tmax 30 min (Yanagihara et al. 2003 Biopharm Drug Dispos 24:37), applied to rodents",
)
_RODENT_F_IP = param(
    _P, "rodent.f.ip", 1.0, "1",
    "assumption: complete i.p. absorption",
    "Portal first pass could lower it; no mouse value found.",
    **_FRACTION,
)
_RODENT_F_SC = param(_P, "rodent.f.sc", 1.0, "1", "Grant et al. 1981 Br J Anaesth 53:805 (i.m. F 0.93 in humans), rounded",
                     **_FRACTION)
_ORAL_F = param(
    _P, "ketamine.f.oral", 0.17, "1",
    "Grant, Nimmo & Clements 1981 Br J Anaesth 53:805 (16.5 %); Yanagihara et al. 2003 (about 20 %)",
    "Human value, also used for rodents (no rodent value found).",
    **_FRACTION,
)
_RODENT_KE0 = param(
    _P, "rodent.ketamine.ke0", 1.0, "1/min",
    "Cohen et al. 1973 Anesthesiology 39:370: rat brain peaks < 1 min after i.v.",
)
_MOUSE_KP = param(
    _P, "mouse.ketamine.kp_brain", 3.0, "1",
    "Zanos et al. 2016 Nature ED Fig. 1 (brain 2-4 x plasma after i.p.)",
    "Recall; total tissue, not unbound.",
    low=2.0, high=4.0, range_reason="reported spread (brain 2-4 x plasma)",
)
_RAT_KP = param(_P, "rat.ketamine.kp_brain", 6.5, "1", "Cohen et al. 1973 Anesthesiology 39:370 (brain:plasma 6.5:1)")
_HUMAN_KP = param(
    _P, "human.ketamine.kp_brain", 3.0, "1",
    "assumption: mouse value (no human brain tissue data)",
    "Only changes the reported brain_ketamine_uM, not the receptor concentration.",
)
_FU_PLASMA = param(
    _P, "ketamine.fu_plasma", 0.55, "1",
    "Kaka & Hayton 1980 J Pharmacokinet Biopharm 8:193 (dog, 53.5 % bound); horse about 50 %",
    "Human binding is quoted at 20-50 %; 45 % bound taken. Sets the unbound receptor-site concentration.",
    low=0.465, high=0.8, range_reason="span of the cited binding (20-53.5 % bound)",
)
# Human: Domino three-compartment model as tabulated in Stanpump and opentiva.
_DOMINO = {
    "v1": param(_P, "human.ketamine.domino.v1", 0.063, "L/kg", "Domino et al. 1984 Clin Pharmacol Ther 36:645 (Stanpump table)"),
    "k10": param(_P, "human.ketamine.domino.k10", 0.4381, "1/min", "Domino et al. 1984 (Stanpump table)"),
    "k12": param(_P, "human.ketamine.domino.k12", 0.5921, "1/min", "Domino et al. 1984 (Stanpump table)"),
    "k13": param(_P, "human.ketamine.domino.k13", 0.5900, "1/min", "Domino et al. 1984 (Stanpump table)"),
    "k21": param(_P, "human.ketamine.domino.k21", 0.2470, "1/min", "Domino et al. 1984 (Stanpump table)"),
    "k31": param(_P, "human.ketamine.domino.k31", 0.0146, "1/min", "Domino et al. 1984 (Stanpump table)"),
}
_HUMAN_KE0 = param(
    _P, "human.ketamine.ke0", 0.652, "1/min",
    "opentiva Domino model (derived from an assumed 1 min time to peak effect)",
    "No measured ketamine ke0 exists; it matters only for the first minutes.",
)
_HUMAN_KA_ORAL = param(_P, "human.ka.oral", 0.035, "1/min", "fitted: oral Tmax 30 min (Yanagihara et al. 2003)")
_MIDAZOLAM_T_HALF_MIN = param(
    _P, "human.midazolam.t_half", 150.0, "min",
    "Allonen et al. 1981 Clin Pharmacol Ther 30:653 (elimination t1/2 1.5-3 h)", "Recall.",
    low=90.0, high=180.0, range_reason="reported spread (1.5-3 h)",
)
_MIDAZOLAM_V = param(_P, "human.midazolam.v1", 1.1, "L/kg", "Allonen et al. 1981 (Vss about 1.1 L/kg)", "Recall.")
_MIDAZOLAM_FU = param(_P, "midazolam.fu_plasma", 0.04, "1", "Greenblatt et al. 1984 Anesthesiology 61:27 (96 % bound)",
                      "Recall.", **_FRACTION)


# --------------------------------------------------------------------- model
@dataclass(frozen=True)
class PKModel:
    """A linear compartment model of one drug in one species.

    Rate constants are per hour, volumes in L/kg. ``ka`` and ``bioavailability``
    are keyed by extravascular route.
    """

    drug: str
    species: str
    v1: float
    k10: float
    k12: float = 0.0
    k13: float = 0.0
    k21: float = 0.0
    k31: float = 0.0
    ke0: float = 60.0
    kp_brain: float = 1.0
    fu_plasma: float = 1.0
    ka: dict[str, float] = field(default_factory=dict)
    bioavailability: dict[str, float] = field(default_factory=dict)

    @property
    def molecular_weight(self) -> float:
        return DRUGS[self.drug].molecular_weight

    @property
    def routes(self) -> tuple[str, ...]:
        return ("iv_bolus", "iv_infusion", *self.ka)


def _one_compartment(drug: str, species: str, v: float, t_half_min: float, **kw) -> PKModel:
    return PKModel(drug, species, v1=v, k10=np.log(2) / t_half_min * _MIN, **kw)


def _rodent_absorption() -> dict[str, dict[str, float]]:
    """Rodent extravascular absorption rates (per hour) and bioavailabilities, in the active parameter set."""
    return {
        "ka": {"ip": _RODENT_KA_IP() * _MIN, "sc": _RODENT_KA_SC() * _MIN, "oral": _RODENT_KA_ORAL() * _MIN},
        "bioavailability": {"ip": _RODENT_F_IP(), "sc": _RODENT_F_SC(), "oral": _ORAL_F()},
    }


def _mouse_ketamine() -> PKModel:
    return _one_compartment(
        "ketamine", "mouse", _MOUSE_V(), _MOUSE_T_HALF_MIN(), ke0=_RODENT_KE0() * _MIN,
        kp_brain=_MOUSE_KP(), fu_plasma=_FU_PLASMA(), **_rodent_absorption(),
    )


def _rat_ketamine() -> PKModel:
    return _one_compartment(
        "ketamine", "rat", _RAT_V(), _RAT_T_HALF_MIN(), ke0=_RODENT_KE0() * _MIN,
        kp_brain=_RAT_KP(), fu_plasma=_FU_PLASMA(), **_rodent_absorption(),
    )


def _human_ketamine() -> PKModel:
    return PKModel(
        "ketamine", "human", v1=_DOMINO["v1"](),
        **{k: _DOMINO[k]() * _MIN for k in ("k10", "k12", "k13", "k21", "k31")},
        ke0=_HUMAN_KE0() * _MIN, kp_brain=_HUMAN_KP(), fu_plasma=_FU_PLASMA(),
        ka={"oral": _HUMAN_KA_ORAL() * _MIN}, bioavailability={"oral": _ORAL_F()},
    )


def _human_midazolam() -> PKModel:
    return _one_compartment(
        "midazolam", "human", _MIDAZOLAM_V(), _MIDAZOLAM_T_HALF_MIN(), ke0=60.0,
        fu_plasma=_MIDAZOLAM_FU(), ka={"oral": _HUMAN_KA_ORAL() * _MIN}, bioavailability={"oral": 0.4},
    )


# Drug/species → a builder of its model from the active parameter set (built per call, never at import).
_MODELS: dict[tuple[str, str], Callable[[], PKModel]] = {
    ("ketamine", "mouse"): _mouse_ketamine,
    ("ketamine", "rat"): _rat_ketamine,
    ("ketamine", "human"): _human_ketamine,
    ("midazolam", "human"): _human_midazolam,
}


def register_model(model: PKModel | Callable[[], PKModel], drug: str | None = None, species: str | None = None) -> None:
    """Add a drug/species model (used by modules that bring their own drugs).

    ``model`` is either a fixed :class:`PKModel` or a function building it
    from the active parameter set (then ``drug`` and ``species`` name it),
    which :func:`pk_model` calls on every request so overrides reach it.
    """
    if isinstance(model, PKModel):
        fixed = model
        _MODELS[(fixed.drug, fixed.species)] = lambda: fixed
        return
    if drug is None or species is None:
        raise TypeError("register_model: a model builder needs its drug and species")
    _MODELS[(drug, species)] = model


def pk_model(drug: str, species: str) -> PKModel:
    """The PK model of ``drug`` in ``species``, built from the active parameter set.

    Raises
    ------
    KeyError
        If no model exists for that pair.
    """
    return _MODELS[(drug, species)]()


def supported_routes(drug: str, species: str) -> tuple[str, ...]:
    """Routes by which ``drug`` can be given to ``species`` (empty if no model)."""
    if drug == "saline":
        return DRUGS["saline"].routes
    build = _MODELS.get((drug, species))
    allowed = DRUGS[drug].routes
    bath = ("bath",) if "bath" in allowed else ()
    if build is None:
        return bath
    model = build()
    return tuple(r for r in allowed if r in model.routes) + bath


@dataclass(frozen=True)
class DoseEvent:
    """One administration of a systemic drug.

    Attributes
    ----------
    at_h : float
        Start time (h from scenario time zero).
    dose_mg_per_kg : float
        Dose per body mass (mg/kg).
    route : str
        One of ``ip``, ``sc``, ``iv_bolus``, ``iv_infusion``, ``oral``.
    duration_h : float
        Infusion duration (h); only for ``iv_infusion``.
    """

    at_h: float
    dose_mg_per_kg: float
    route: str
    duration_h: float = 0.0


@dataclass
class PKResult:
    """Concentrations (µM) of one drug on a time grid (h)."""

    time_h: np.ndarray
    plasma_uM: np.ndarray
    brain_uM: np.ndarray
    receptor_uM: np.ndarray


# ----------------------------------------------------------------- solution
def _system(model: PKModel, depot_routes: Sequence[str]) -> np.ndarray:
    """The rate matrix A for state [depots..., central, periph2, periph3, effect]."""
    nd = len(depot_routes)
    c, p2, p3, e = nd, nd + 1, nd + 2, nd + 3
    a = np.zeros((nd + 4, nd + 4))
    for i, route in enumerate(depot_routes):
        ka = model.ka[route]
        a[i, i] = -ka
        a[c, i] = ka
    a[c, c] = -(model.k10 + model.k12 + model.k13)
    a[c, p2], a[p2, c], a[p2, p2] = model.k21, model.k12, -model.k21
    a[c, p3], a[p3, c], a[p3, p3] = model.k31, model.k13, -model.k31
    a[e, c], a[e, e] = model.ke0 / model.v1, -model.ke0
    return a


def _propagate(aug: np.ndarray, start: np.ndarray, offsets: np.ndarray) -> np.ndarray:
    """``expm(aug * t) @ start`` for every ``t`` in ``offsets``.

    Walks the sorted times step by step, with one matrix exponential per
    distinct step (an output grid has only a handful), instead of one per
    time: exact up to round-off (about 1e-13 relative after a thousand
    steps) and two orders of magnitude faster than a batched ``expm``.
    """
    order = np.argsort(offsets, kind="stable")
    times = offsets[order]
    steps = np.diff(times, prepend=0.0)
    cache: dict[float, np.ndarray] = {}
    out = np.empty((times.size, start.size))
    state = start
    for k, step in enumerate(steps):
        if step > 0:
            key = round(float(step), 12)
            if key not in cache:
                cache[key] = expm(aug * step)
            state = cache[key] @ state
        out[k] = state
    result = np.empty_like(out)
    result[order] = out
    return result


def simulate_pk(model: PKModel, doses: Sequence[DoseEvent], time_h: np.ndarray) -> PKResult:
    """Exact concentrations of one drug at the requested times.

    Parameters
    ----------
    model : PKModel
        Drug and species model.
    doses : sequence of DoseEvent
        Administrations; routes must be in ``model.routes``.
    time_h : array
        Times (h) at which to report; any order, any spacing.

    Returns
    -------
    PKResult
        Plasma, brain and unbound receptor-site concentrations (µM). A bolus
        given at time t is included in the value at t.
    """
    time_h = np.asarray(time_h, dtype=float)
    depot_routes = sorted({d.route for d in doses if d.route in model.ka})
    a = _system(model, depot_routes)
    n = a.shape[0]
    central, effect = len(depot_routes), n - 1

    # Breakpoints: dose times and infusion ends; the input is constant between them.
    jumps: dict[float, np.ndarray] = {}
    rate_changes: dict[float, float] = {}
    for d in doses:
        if d.route == "iv_infusion":
            rate = d.dose_mg_per_kg / d.duration_h
            rate_changes[d.at_h] = rate_changes.get(d.at_h, 0.0) + rate
            end = d.at_h + d.duration_h
            rate_changes[end] = rate_changes.get(end, 0.0) - rate
            continue
        kick = jumps.setdefault(d.at_h, np.zeros(n))
        if d.route == "iv_bolus":
            kick[central] += d.dose_mg_per_kg
        else:
            kick[depot_routes.index(d.route)] += d.dose_mg_per_kg * model.bioavailability[d.route]
    breaks = sorted({0.0, *jumps, *rate_changes} | {float(time_h.max(initial=0.0))})

    amounts = np.zeros((time_h.size, n))
    state = np.zeros(n)
    rate = 0.0
    for start, stop in zip(breaks, [*breaks[1:], np.inf], strict=True):
        state = state + jumps.get(start, 0.0)
        rate += rate_changes.get(start, 0.0)
        # Guard against round-off leaving a tiny negative infusion rate.
        rate = max(rate, 0.0) if abs(rate) < 1e-12 else rate
        aug = np.zeros((n + 1, n + 1))
        aug[:n, :n] = a
        aug[central, n] = rate
        inside = np.flatnonzero((time_h >= start) & (time_h < stop))
        if inside.size:
            amounts[inside] = _propagate(aug, np.append(state, 1.0), time_h[inside] - start)[:, :n]
        if np.isfinite(stop):
            state = (expm(aug * (stop - start)) @ np.append(state, 1.0))[:n]

    to_um = 1000.0 / model.molecular_weight  # mg/L → µM
    plasma = amounts[:, central] / model.v1 * to_um
    effect_site = amounts[:, effect] * to_um
    # Exact solutions may dip a hair below zero from round-off.
    plasma, effect_site = np.clip(plasma, 0.0, None), np.clip(effect_site, 0.0, None)
    return PKResult(time_h, plasma, model.kp_brain * effect_site, model.fu_plasma * effect_site)
