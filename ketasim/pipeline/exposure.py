"""The pharmacology stage: dose schedule → PK → NMDAR block on the scenario's time grid, and the circuit moments.

The moments are drug-free, the block's peak and two on its way back down
(half and a fifth of the peak): the signalling stage reads release against
interneuron NMDAR loss from all of them
(:func:`ketasim.signalling.drive.glutamate_relation`), and the time-course
figure shows them.
"""

from __future__ import annotations

import numpy as np
import numpy.typing as npt

from ketasim.config import DoseConfig, ScenarioConfig
from ketasim.pharmacology.pd import apv_occupancy, simulate_block
from ketasim.pharmacology.pk import DoseEvent, pk_model, simulate_pk
from ketasim.pipeline.products import DRUG_FREE, Exposure, Moment

__all__ = ["IN_VITRO_EVENTS", "exposure", "is_in_vitro", "time_grid"]

FINE_STEP_H = 1 / 60  # 1 min while a dose acts
FINE_SPAN_H = 6.0
MEDIUM_STEP_H = 10 / 60
MEDIUM_SPAN_H = 48.0
COARSE_STEP_H = 0.5
FIRST_DOSE_WINDOW_H = 24.0

# Protocol events that happen in a dish; a scenario of only these (and bath
# drugs) skips the in-vivo stages.
IN_VITRO_EVENTS = frozenset({"slice"})


def time_grid(config: ScenarioConfig) -> np.ndarray:
    """Output grid (h): 1 min for 6 h after each dose, 10 min to 48 h, 30 min elsewhere."""
    span = config.span_h()
    pieces: list[npt.ArrayLike] = [np.arange(0.0, span, COARSE_STEP_H), [span]]
    for dose in config.dosing:
        for start in dose.times_h():
            end = start + (dose.duration or 0.0)
            pieces.append(np.arange(start, min(end + FINE_SPAN_H, span), FINE_STEP_H))
            pieces.append(np.arange(start, min(end + MEDIUM_SPAN_H, span), MEDIUM_STEP_H))
            if dose.duration:
                pieces.append([min(end, span)])
    grid = np.unique(np.round(np.concatenate(pieces), 9))
    grid = grid[grid < span - 1e-6]
    return np.append(grid, span)


def is_in_vitro(config: ScenarioConfig) -> bool:
    """True for a slice experiment: only bath drugs and only in-vitro protocol events."""
    return (
        bool(config.protocol)
        and all(event.event in IN_VITRO_EVENTS for event in config.protocol)
        and all(dose.route == "bath" for dose in config.dosing)
    )


def _dose_events(dose: DoseConfig) -> list[DoseEvent]:
    return [DoseEvent(t, dose.dose or 0.0, dose.route, dose.duration or 0.0) for t in dose.times_h()]


def bath(config: ScenarioConfig, drug: str, t: np.ndarray) -> np.ndarray:
    """Bath concentration (µM) of ``drug`` at times ``t``: steps on at ``at``, off after ``duration``."""
    conc = np.zeros_like(t)
    for dose in config.dosing:
        if dose.drug != drug or dose.route != "bath":
            continue
        for start in dose.times_h():
            stop = start + dose.duration if dose.duration else np.inf
            conc += np.where((t >= start) & (t < stop), dose.concentration or 0.0, 0.0)
    return conc


def systemic_doses(config: ScenarioConfig, drug: str) -> list[DoseEvent]:
    """Every systemic (non-bath) administration of ``drug`` as PK dose events."""
    return [e for d in config.dosing if d.drug == drug and d.route != "bath" for e in _dose_events(d)]


def concentrations(config: ScenarioConfig, t: np.ndarray) -> dict[str, np.ndarray]:
    """Ketamine (and other drugs') concentrations at times ``t`` (µM)."""
    out: dict[str, np.ndarray] = {}
    in_bath = bath(config, "ketamine", t)
    events = systemic_doses(config, "ketamine")
    if events:
        pk = simulate_pk(pk_model("ketamine", config.species), events, t)
        plasma, brain, receptor = pk.plasma_uM, pk.brain_uM, pk.receptor_uM
    else:
        plasma, brain, receptor = (np.zeros_like(t) for _ in range(3))
    out["plasma_ketamine_uM"] = plasma
    out["brain_ketamine_uM"] = brain + in_bath  # a slice's tissue sees the bath
    out["receptor_ketamine_uM"] = receptor + in_bath
    for drug in sorted({d.drug for d in config.dosing} - {"ketamine", "saline"}):
        events = systemic_doses(config, drug)
        if events:
            out[f"plasma_{drug}_uM"] = simulate_pk(pk_model(drug, config.species), events, t).plasma_uM
        if any(d.drug == drug and d.route == "bath" for d in config.dosing):
            out[f"bath_{drug}_uM"] = bath(config, drug, t)
    return out


def _first_ketamine_window(config: ScenarioConfig) -> tuple[float, float] | None:
    starts = sorted(t for d in config.dosing if d.drug == "ketamine" for t in d.times_h())
    if not starts:
        return None
    later = [s for s in starts if s > starts[0]]
    return starts[0], min([starts[0] + FIRST_DOSE_WINDOW_H, *later[:1]])


def _moment(label: str, t: np.ndarray, block, apv: np.ndarray, index: int) -> Moment:
    return Moment(label, float(t[index]), float(block.by_cell["pyramidal"][index]),
                  float(block.by_cell["interneuron"][index]), float(apv[index]))


def exposure(config: ScenarioConfig) -> Exposure:
    """Pharmacokinetics, NMDAR block, first-dose PK metrics and the circuit moments of a scenario."""
    mechanisms = config.mechanisms.model_dump()
    t = time_grid(config)
    mid = 0.5 * (t[1:] + t[:-1])
    columns: dict[str, np.ndarray] = {"time_h": t, **concentrations(config, t)}

    block = simulate_block(t, concentrations(config, mid)["receptor_ketamine_uM"], mechanisms)
    columns["nmdar_block_interneuron"] = block.by_cell["interneuron"]
    columns["nmdar_block_pyramidal"] = block.by_cell["pyramidal"]
    apv = apv_occupancy(bath(config, "apv", t))
    if apv.any():
        columns["nmdar_apv_occupancy"] = apv

    metrics: dict[str, float] = {}
    window = _first_ketamine_window(config)
    moments = [DRUG_FREE]
    if window is not None:
        inside = np.flatnonzero((t >= window[0]) & (t <= window[1]))
        plasma = columns["plasma_ketamine_uM"][inside]
        if plasma.any():
            metrics["plasma_cmax_uM"] = float(plasma.max())
            metrics["brain_cmax_uM"] = float(columns["brain_ketamine_uM"][inside].max())
            metrics["tmax_min"] = float((t[inside][plasma.argmax()] - window[0]) * 60.0)
        b_int = block.by_cell["interneuron"][inside]
        metrics["nmdar_block_peak_interneuron"] = float(b_int.max())
        metrics["nmdar_block_peak_pyramidal"] = float(block.by_cell["pyramidal"][inside].max())
        peak = int(inside[b_int.argmax()])
        moments.append(_moment("peak", t, block, apv, peak))
        # Moments on the way back down: the shape of the release-vs-loss relation.
        for fraction in (0.5, 0.2):
            after = inside[(inside > peak) & (block.by_cell["interneuron"][inside] <= fraction * b_int.max())]
            if b_int.max() > 0 and after.size:
                moments.append(_moment(f"decay_{int(fraction * 100)}", t, block, apv, int(after[0])))
    elif apv.any():
        moments.append(_moment("peak", t, block, apv, int(np.argmax(apv))))
    else:
        metrics["nmdar_block_peak_interneuron"] = 0.0
        metrics["nmdar_block_peak_pyramidal"] = 0.0
    in_vitro = is_in_vitro(config)
    return Exposure(columns=columns, metrics=metrics, moments=() if in_vitro else tuple(moments), in_vitro=in_vitro)
