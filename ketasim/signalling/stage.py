"""The signalling stage of a scenario (registered in ``ketasim.scenario.STAGES``).

Builds the circuit's drive over the whole timeline, integrates the cascade
for every region, adds its time series and metrics to the result and runs
the PFC circuit once more 24 h after the first dose with its excitatory
weights scaled by the PFC synaptic strength the cascade produced (and the
mGluR2 switch's release scale), so that later circuit moments see the change.
"""

from __future__ import annotations

from collections.abc import Callable

import numpy as np

from ketasim.config import ScenarioConfig
from ketasim.signalling.drive import glutamate_drive, glutamate_relation, resting_block
from ketasim.signalling.equations import Switches, effective_glutamate
from ketasim.signalling.integrate import CascadeResult, simulate_cascade
from ketasim.signalling.parameters import REGIONS, current_params

__all__ = ["OUTPUT_STATES", "later_circuit_moment", "later_circuit_request", "record_later_circuit", "run",
           "synaptic_strength"]

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
LATER_MOMENT_H = 24.0


def synaptic_strength(spine_density: np.ndarray, ampar_expression: np.ndarray) -> np.ndarray:
    """Excitatory synaptic strength relative to drug-free: synapse number x AMPAR content per synapse."""
    return np.asarray(spine_density) * np.asarray(ampar_expression)


def _breakpoints(config: ScenarioConfig) -> list[float]:
    times = []
    for dose in config.dosing:
        for start in dose.times_h():
            times += [start, start + (dose.duration or 0.0)]
    return times


def scenario_stress_load(config: ScenarioConfig, t: np.ndarray) -> np.ndarray:
    """Stress load on the time grid from the scenario's ``stress`` events (zeros without any)."""
    from ketasim.protocols.stress_events import stress_protocols
    from ketasim.signalling.stress import stress_load

    sessions = [(start, stress.duration_h, stress.intensity)
                for at, stress in stress_protocols(config) for start in stress.starts_h(at)]
    return stress_load(t, sessions)


def signalling_figure(result):
    from ketasim.signalling.figure import signalling_figure as draw

    return draw(result)


def run(config: ScenarioConfig, result, quick: bool, progress: Callable[[str], None]) -> None:
    """Add the signalling cascade's series and metrics to ``result`` (its circuit moment is the next stage)."""
    if result.in_vitro:
        return  # a slice has no in-vivo cascade to drive
    progress("signalling cascade")
    series = result.timeseries
    t = series["time_h"]
    switches = Switches.from_config(config.mechanisms.model_dump(), config.subject.bdnf_genotype)
    loss, release = glutamate_relation(result.circuit)
    glutamate = glutamate_drive(resting_block(series, "interneuron"), loss, release)
    load = scenario_stress_load(config, t)
    cascade = simulate_cascade(t, glutamate, resting_block(series), switches, REGIONS, current_params(), _breakpoints(config),
                               stress=load if load.any() else None)
    if load.any():
        series["stress_load"] = load
    series["pfc_glutamate_drive"] = effective_glutamate(glutamate, current_params(), switches) / float(
        effective_glutamate(np.float64(1.0), current_params(), switches)
    )
    for region in REGIONS:
        for column, state in OUTPUT_STATES.items():
            series[f"{region}_{column}"] = cascade.relative(state, region)[0]
        series[f"{region}_synaptic_strength"] = synaptic_strength(
            series[f"{region}_spine_density"], series[f"{region}_ampar_expression"]
        )
    for state in PFC_EXTRA_STATES:
        series[f"pfc_{state}"] = cascade.relative(state, "pfc")[0]
    _metrics(config, result, cascade)
    result.figures["signalling.png"] = lambda: signalling_figure(result)


def _metrics(config: ScenarioConfig, result, cascade: CascadeResult) -> None:
    series, metrics = result.timeseries, result.metrics
    t = series["time_h"]
    baseline = cascade.baseline
    intact = Switches()
    from ketasim.signalling.equations import STATES, steady_state

    # The subject's own drug-free spine density relative to an intact val/val subject.
    metrics["pfc_spine_density_baseline"] = float(baseline[STATES.index("spine_density")]
                                                  / steady_state(current_params(), intact)[STATES.index("spine_density")])
    starts = sorted(s for d in config.dosing for s in d.times_h())
    if starts and starts[0] + LATER_MOMENT_H <= t[-1] + 1e-9:
        metrics["spine_density_24h"] = float(np.interp(starts[0] + LATER_MOMENT_H, t, series["pfc_spine_density"]))
    if starts:
        first = (t >= starts[0]) & (t <= starts[0] + LATER_MOMENT_H)
        metrics["pfc_mtor_peak"] = float(series["pfc_mtor"][first].max())
        metrics["pfc_bdnf_peak"] = float(series["pfc_bdnf"][first].max())
        metrics["pfc_synaptic_proteins_peak"] = float(series["pfc_synaptic_proteins"][first].max())
    for region in REGIONS:
        for column in ("spine_density", "nmdar_expression", "ampar_expression"):
            metrics[f"{region}_{column}_end"] = float(series[f"{region}_{column}"][-1])


def later_circuit_request(result, quick: bool):
    """The circuit moments that show the cascade's synaptic strength 24 h after the first dose.

    Returns ``(pfc, moments, conditions)`` (a drug-free moment and one at
    +24 h with the cascade's synaptic strength and mGluR2 brake), or ``None``
    when there is nothing new to simulate (no dose, too short a timeline, a
    slice, or a circuit unchanged from drug-free). Callers simulate the
    conditions on any engine (one scenario, or many batched) and hand the
    readouts to :func:`record_later_circuit`.
    """
    from ketasim.scenario import _circuit_conditions

    config = result.config
    if result.in_vitro:
        return None
    starts = sorted(s for d in config.dosing for s in d.times_h())
    t = result.timeseries["time_h"]
    if not starts or starts[0] + LATER_MOMENT_H > t[-1] + 1e-9:
        return None
    switches = Switches.from_config(config.mechanisms.model_dump(), config.subject.bdnf_genotype)
    when = starts[0] + LATER_MOMENT_H
    strength = float(np.interp(when, t, result.timeseries["pfc_synaptic_strength"]))
    release = float(effective_glutamate(np.float64(1.0), current_params(), switches))
    if abs(strength - 1.0) < 1e-3 and abs(release - 1.0) < 1e-9:
        return None  # the same circuit as drug-free: nothing new to simulate
    index = int(np.searchsorted(t, when))
    moments = [("drug_free", float("nan"), 0.0, 0.0, 0.0),
               ("synaptic_24h", when, float(result.timeseries["nmdar_block_pyramidal"][index]),
                float(result.timeseries["nmdar_block_interneuron"][index]), 0.0)]
    pfc, conditions = _circuit_conditions(config, moments, config.mechanisms.model_dump(), quick,
                                          exc_scale=[1.0, strength], release_scale=[1.0, release])
    return pfc, moments, conditions


def record_later_circuit(result, moments: list[tuple], conditions: list, readouts: list) -> None:
    """Add the +24 h circuit moment (from :func:`later_circuit_request`'s conditions) to ``result``."""
    from ketasim.scenario import CircuitSample

    free, later = (CircuitSample(label, time, condition, readout)
                   for (label, time, *_), condition, readout in zip(moments, conditions, readouts, strict=True))
    result.circuit.append(later)
    result.metrics["pyr_rate_hz_24h"] = later.readout.pyr_rate_hz
    result.metrics["int_rate_hz_24h"] = later.readout.int_rate_hz
    if free.readout.glutamate_release > 0:
        result.metrics["glutamate_release_24h"] = later.readout.glutamate_release / free.readout.glutamate_release


def later_circuit_moment(config: ScenarioConfig, result, quick: bool, progress: Callable[[str], None]) -> None:
    """Stage: simulate the PFC circuit 24 h after the first dose with the cascade's synaptic strength.

    A sweep or a reproduction batches this moment over all its scenarios
    instead (:func:`ketasim.sweep.batch.finish_scenarios`).
    """
    from ketasim.circuit.compiled import simulate_circuit

    request = later_circuit_request(result, quick)
    if request is None:
        return
    pfc, moments, conditions = request
    progress("PFC circuit with the cascade's synaptic strength (+24 h)")
    record_later_circuit(result, moments, conditions, simulate_circuit(conditions, pfc, config.seed))
