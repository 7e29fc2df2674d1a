"""The signalling stage: the circuit's glutamate drive over the timeline → the cascade in every region.

Reads the exposure (NMDAR block, APV) and the circuit's moments (release
against interneuron NMDAR loss); writes ``<region>_<state>`` series relative
to the drug-free baseline, ``<region>_synaptic_strength`` (spines × AMPAR
content), the PFC's extra states, the stress load when the protocol has
stress, and the cascade's metrics.
"""

from __future__ import annotations

import numpy as np

from ketasim.config import ScenarioConfig
from ketasim.pipeline.products import Product, StageInputs
from ketasim.protocols.stress_events import stress_protocols
from ketasim.signalling.drive import glutamate_drive, glutamate_relation, resting_block
from ketasim.signalling.equations import STATES, Switches, effective_glutamate, steady_state
from ketasim.signalling.figure import signalling_figure
from ketasim.signalling.integrate import CascadeResult, simulate_cascade
from ketasim.signalling.parameters import REGIONS, SignallingParams, current_params
from ketasim.signalling.stress import stress_load

__all__ = ["OUTPUT_STATES", "cascade", "synaptic_strength"]

# Time-series columns per region: output name -> cascade state.
OUTPUT_STATES = {
    "bdnf": "bdnf",
    "mtor": "mtor",
    "synaptic_proteins": "synaptic_proteins",
    "spine_density": "spine_density",
    "nmdar_expression": "nmdar_expression",
    "ampar_expression": "ampar_expression",
}
PFC_EXTRA_STATES = ("p_eef2", "bdnf_protein", "homer1a")
FIRST_DOSE_SPAN_H = 24.0


def synaptic_strength(spine_density: np.ndarray, ampar_expression: np.ndarray) -> np.ndarray:
    """Excitatory synaptic strength relative to drug-free: synapse number x AMPAR content per synapse."""
    return np.asarray(spine_density) * np.asarray(ampar_expression)


def dose_breakpoints(config: ScenarioConfig) -> list[float]:
    """Every dose's start and end (h): where the cascade's integrator must restart."""
    times = []
    for dose in config.dosing:
        for start in dose.times_h():
            times += [start, start + (dose.duration or 0.0)]
    return times


def scenario_stress_load(config: ScenarioConfig, t: np.ndarray) -> np.ndarray:
    """Stress load on the time grid from the scenario's ``stress`` events (zeros without any)."""
    sessions = [(start, stress.duration_h, stress.intensity)
                for at, stress in stress_protocols(config) for start in stress.starts_h(at)]
    return stress_load(t, sessions)


def cascade(inputs: StageInputs) -> Product:
    """Integrate the cascade for every region and collect its series and metrics."""
    config = inputs.config
    exposure = inputs.exposure
    t = inputs.time_h
    switches = Switches.from_config(config.mechanisms.model_dump(), config.subject.bdnf_genotype)
    loss, release = glutamate_relation(inputs.product("circuit").samples)  # type: ignore[attr-defined]
    glutamate = glutamate_drive(resting_block(exposure.columns, "interneuron"), loss, release)
    load = scenario_stress_load(config, t)
    params = current_params()  # the active set's signalling constants, resolved once for the stage
    result = simulate_cascade(t, glutamate, resting_block(exposure.columns), switches, REGIONS, params,
                              dose_breakpoints(config), stress=load if load.any() else None)
    columns: dict[str, np.ndarray] = {}
    if load.any():
        columns["stress_load"] = load
    columns["pfc_glutamate_drive"] = effective_glutamate(glutamate, params, switches) / float(
        effective_glutamate(np.float64(1.0), params, switches)
    )
    for region in REGIONS:
        for column, state in OUTPUT_STATES.items():
            columns[f"{region}_{column}"] = result.relative(state, region)[0]
        columns[f"{region}_synaptic_strength"] = synaptic_strength(
            columns[f"{region}_spine_density"], columns[f"{region}_ampar_expression"]
        )
    for state in PFC_EXTRA_STATES:
        columns[f"pfc_{state}"] = result.relative(state, "pfc")[0]
    return Product(columns=columns, metrics=_metrics(config, t, columns, result, params),
                   figures={"signalling.png": signalling_figure})


def _metrics(config: ScenarioConfig, t: np.ndarray, columns: dict[str, np.ndarray],
             result: CascadeResult, params: SignallingParams) -> dict[str, float]:
    metrics: dict[str, float] = {}
    # The subject's own drug-free spine density relative to an intact val/val subject.
    metrics["pfc_spine_density_baseline"] = float(result.baseline[STATES.index("spine_density")]
                                                  / steady_state(params, Switches())[STATES.index("spine_density")])
    starts = sorted(s for d in config.dosing for s in d.times_h())
    if starts and starts[0] + FIRST_DOSE_SPAN_H <= t[-1] + 1e-9:
        metrics["spine_density_24h"] = float(np.interp(starts[0] + FIRST_DOSE_SPAN_H, t, columns["pfc_spine_density"]))
    if starts:
        first = (t >= starts[0]) & (t <= starts[0] + FIRST_DOSE_SPAN_H)
        metrics["pfc_mtor_peak"] = float(columns["pfc_mtor"][first].max())
        metrics["pfc_bdnf_peak"] = float(columns["pfc_bdnf"][first].max())
        metrics["pfc_synaptic_proteins_peak"] = float(columns["pfc_synaptic_proteins"][first].max())
    for region in REGIONS:
        for column in ("spine_density", "nmdar_expression", "ampar_expression"):
            metrics[f"{region}_{column}_end"] = float(columns[f"{region}_{column}"][-1])
    return metrics
