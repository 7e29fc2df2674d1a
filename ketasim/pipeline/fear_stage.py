"""The fear stage: the protocol's conditioning, test, extinction and reactivation sessions in the BLA circuit.

Reads the exposure (NMDAR block; inhibitors of protein synthesis) and the
cascade (BLA NMDAR expression and mTORC1; IL, BLA and hippocampal synaptic
strength); the session logic is :func:`ketasim.protocols.fear.run_sessions`.
"""

from __future__ import annotations

import numpy as np

from ketasim.pharmacology.inhibitors import INHIBITORS, inhibition
from ketasim.pharmacology.pk import DoseEvent
from ketasim.pipeline.products import Product, StageInputs
from ketasim.protocols.fear import FEAR_EVENTS, FearInputs, Signal, fear_figure, run_sessions

__all__ = ["fear", "fear_sessions"]

INHIBITOR_SPAN_H = 48.0
INHIBITOR_STEP_H = 1 / 12


def fear_sessions(inputs: StageInputs) -> list:
    """The protocol's fear sessions as (time in h, FearSession), in time order."""
    return sorted(((e.at, e.settings()) for e in inputs.config.protocol if e.event in FEAR_EVENTS),
                  key=lambda pair: pair[0])


def _interpolated(time: np.ndarray, values: np.ndarray) -> Signal:
    """``values`` at ``time`` as a function of time (h), by linear interpolation."""
    return lambda t: np.interp(t, time, values)


def fear(inputs: StageInputs) -> Product:
    """Run the fear sessions; the inhibitors' time courses and the memory traces become series."""
    config, time = inputs.config, inputs.time_h
    columns: dict[str, np.ndarray] = {}
    blockers: list[Signal] = []
    for drug in INHIBITORS:
        doses = [DoseEvent(t, d.dose or 0.0, d.route) for d in config.dosing if d.drug == drug for t in d.times_h()]
        if doses:
            fine = np.union1d(time, np.concatenate(
                [np.arange(e.at_h, e.at_h + INHIBITOR_SPAN_H, INHIBITOR_STEP_H) for e in doses]))
            values = inhibition(drug, config.species, doses, fine)
            columns[f"{drug}_inhibition"] = np.interp(time, fine, values)
            blockers.append(_interpolated(fine, values))
    signals = FearInputs(
        nmdar_block=inputs.signal("nmdar_block_pyramidal"),
        nmdar_expression=inputs.signal("bla_nmdar_expression"),
        bla_mtor=inputs.signal("bla_mtor"),
        il_strength=inputs.signal("pfc_synaptic_strength"),
        bla_strength=inputs.signal("bla_synaptic_strength"),
        context_strength=inputs.signal("hpc_synaptic_strength"),
        il_bdnf=inputs.signal("pfc_bdnf"),
        protein_synthesis_block=tuple(blockers),
    )
    outcome = run_sessions(fear_sessions(inputs), signals, time, config.mechanisms.model_dump(),
                           config.fear.cs_overlap, config.seed, inputs.quick, config.fear.principal_cells)
    columns.update(outcome.columns)
    return Product(columns=columns, metrics=outcome.metrics,
                   figures={"fear.png": lambda result: fear_figure(result, outcome.log)})
