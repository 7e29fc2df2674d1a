"""The clinical and forced-swim stages: readouts derived from the cascade's synaptic state.

Both read the exposure and the signalling cascade; the models are
:mod:`ketasim.protocols.clinical` and :mod:`ketasim.protocols.forced_swim`.
"""

from __future__ import annotations

import numpy as np

from ketasim.pipeline.products import Product, StageInputs
from ketasim.protocols.clinical import (
    clinical_figure,
    midazolam_anxiolysis,
    score_metrics,
    start_state,
    symptom_components,
    symptom_score,
)
from ketasim.protocols.forced_swim import coping_drive, immobility, stress_figure
from ketasim.protocols.stress_events import forced_swims, stress_protocols

__all__ = ["clinical", "forced_swim"]


def _dose_starts(inputs: StageInputs) -> list[float]:
    return sorted(s for d in inputs.config.dosing for s in d.times_h())


def clinical(inputs: StageInputs) -> Product:
    """The start state and the 0-100 symptom score of a human subject."""
    config = inputs.config
    state = start_state(config.subject.condition, config.seed)
    pfc = np.asarray(inputs.series("pfc_synaptic_strength"), dtype=float)
    hpc = np.asarray(inputs.series("hpc_synaptic_strength"), dtype=float)
    anxiolysis = midazolam_anxiolysis(np.asarray(inputs.exposure.plasma_uM("midazolam"), dtype=float))
    fear, mood = symptom_components(state, pfc, hpc, anxiolysis)
    score = symptom_score(fear, mood)
    columns = {
        "clinical_pfc_strength": (1.0 - state.pfc_deficit) * pfc,
        "clinical_hpc_strength": (1.0 - state.hpc_deficit) * hpc,
        "midazolam_anxiolysis": anxiolysis,
        "symptom_fear_component": 100.0 * fear,
        "symptom_mood_component": 100.0 * mood,
        "symptom_score": score,
    }
    return Product(columns=columns, metrics=score_metrics(_dose_starts(inputs), state, inputs.time_h, score),
                   figures={"clinical.png": clinical_figure})


def forced_swim(inputs: StageInputs) -> Product:
    """Immobility at every forced-swim test; spine density per region at the end of the last stress."""
    tests = forced_swims(inputs.config)
    stresses = stress_protocols(inputs.config)
    metrics: dict[str, float] = {}
    scores = []
    for k, (start, test) in enumerate(tests, start=1):
        when = test.scored_midpoint_h(start)
        drive = coping_drive(inputs.at("pfc_synaptic_strength", when), inputs.at("pfc_mtor", when))
        score = {"immobility_fst": float(immobility(drive)),
                 "pfc_spine_density_fst": inputs.at("pfc_spine_density", when),
                 # No stress event, no stress load: the series exists only in scenarios with stress.
                 "stress_load_fst": inputs.at("stress_load", when) if inputs.has("stress_load") else 0.0}
        scores.append((start, score))
        for name, value in score.items():
            if len(tests) > 1:
                metrics[f"{name}_test{k}"] = value
            if k == len(tests):
                metrics[name] = value
    if stresses:
        end = max(at + s.span_h() for at, s in stresses)
        for region in ("pfc", "hpc", "bla"):
            metrics[f"{region}_spine_density_after_stress"] = inputs.at(f"{region}_spine_density", end)
    return Product(metrics=metrics, figures={"stress.png": lambda result: stress_figure(result, stresses, scores)})
