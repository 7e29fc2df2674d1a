"""The two PFC circuit stages: the exposure's moments, and the cascade's synaptic strength 24 h after the first dose.

Each builds a :class:`~ketasim.pipeline.products.CircuitRequest`; the runner
hands the requests of every scenario it runs to the circuit engine
(:func:`ketasim.circuit.engine.simulate_requests`) together, and each stage
turns its readouts into its product.
"""

from __future__ import annotations

import numpy as np

from ketasim.circuit.pfc import CircuitCondition, CircuitReadout, PFCConfig
from ketasim.config import ScenarioConfig
from ketasim.pharmacology.pd import conductance_scale
from ketasim.pipeline.products import (
    DRUG_FREE,
    CircuitReadouts,
    CircuitRequest,
    CircuitSample,
    Moment,
    StageInputs,
)
from ketasim.signalling.equations import Switches, effective_glutamate
from ketasim.signalling.parameters import current_params

__all__ = ["LATER_MOMENT_H", "circuit_finish", "circuit_request", "later_finish", "later_request", "network_for"]

LATER_MOMENT_H = 24.0


def network_for(config: ScenarioConfig, quick: bool) -> PFCConfig:
    """The PFC network a scenario runs: the quick profile's, or the config's ``circuit:`` size."""
    settings = config.circuit
    return PFCConfig.quick() if quick else PFCConfig(
        n_exc=settings.n_exc, n_inh=settings.n_inh, duration_s=settings.sample_duration * 3600.0
    )


def _request(config: ScenarioConfig, moments: tuple[Moment, ...], quick: bool,
             exc_scale: tuple[float, ...] | None = None,
             release_scale: tuple[float, ...] | None = None) -> CircuitRequest:
    mechanisms = config.mechanisms.model_dump()
    scale = {cell: conductance_scale(cell, mechanisms) for cell in ("pyramidal", "interneuron")}
    conditions = tuple(
        CircuitCondition(
            block_pyramidal=m.block_pyramidal,
            block_interneuron=m.block_interneuron,
            nmda_scale_pyramidal=scale["pyramidal"],
            nmda_scale_interneuron=scale["interneuron"],
            nmda_open_block=m.apv_occupancy,
            exc_scale=exc,
            release_scale=rel,
        )
        for m, exc, rel in zip(moments, exc_scale or (1.0,) * len(moments),
                               release_scale or (1.0,) * len(moments), strict=True)
    )
    return CircuitRequest(network_for(config, quick), config.seed, moments, conditions)


def _samples(request: CircuitRequest, readouts: list[CircuitReadout]) -> tuple[CircuitSample, ...]:
    return tuple(CircuitSample(m.label, m.time_h, c, r)
                 for m, c, r in zip(request.moments, request.conditions, readouts, strict=True))


def _ratio(value: float, reference: float) -> float:
    return value / reference if reference > 0 else float("nan")


# --------------------------------------------------------------- the exposure's moments
def circuit_request(inputs: StageInputs) -> CircuitRequest:
    """The exposure's moments (drug-free first) as circuit conditions."""
    return _request(inputs.config, inputs.exposure.moments, inputs.quick)


def circuit_finish(inputs: StageInputs, request: CircuitRequest, readouts: list[CircuitReadout]) -> CircuitReadouts:
    """Rates, glutamate release and gamma power at the drug's peak (the drug-free moment when there is none)."""
    samples = _samples(request, readouts)
    drug_free = samples[0].readout
    at_peak = next((s.readout for s in samples if s.label == "peak"), drug_free)
    metrics = {
        "pyr_rate_hz": at_peak.pyr_rate_hz,
        "int_rate_hz": at_peak.int_rate_hz,
        "pyr_rate_hz_drug_free": drug_free.pyr_rate_hz,
        "int_rate_hz_drug_free": drug_free.int_rate_hz,
        "glutamate_release": _ratio(at_peak.glutamate_release, drug_free.glutamate_release),
        "gamma_power": _ratio(at_peak.gamma_power, drug_free.gamma_power),
    }
    return CircuitReadouts(metrics=metrics, samples=samples)


# ------------------------------------------------------- the cascade's strength at +24 h
def later_request(inputs: StageInputs) -> CircuitRequest | None:
    """A drug-free moment and one 24 h after the first dose with the cascade's synaptic strength and mGluR2 brake.

    ``None`` when there is nothing new to simulate: no dose, too short a
    timeline, or a circuit unchanged from drug-free.
    """
    config = inputs.config
    starts = sorted(s for d in config.dosing for s in d.times_h())
    t = inputs.time_h
    if not starts or starts[0] + LATER_MOMENT_H > t[-1] + 1e-9:
        return None
    switches = Switches.from_config(config.mechanisms.model_dump(), config.subject.bdnf_genotype)
    when = starts[0] + LATER_MOMENT_H
    strength = inputs.at("pfc_synaptic_strength", when)
    release = float(effective_glutamate(np.float64(1.0), current_params(), switches))
    if abs(strength - 1.0) < 1e-3 and abs(release - 1.0) < 1e-9:
        return None  # the same circuit as drug-free: nothing new to simulate
    index = int(np.searchsorted(t, when))
    moments = (DRUG_FREE, Moment("synaptic_24h", when, float(inputs.series("nmdar_block_pyramidal")[index]),
                                 float(inputs.series("nmdar_block_interneuron")[index])))
    return _request(config, moments, inputs.quick, exc_scale=(1.0, strength), release_scale=(1.0, release))


def later_finish(inputs: StageInputs, request: CircuitRequest, readouts: list[CircuitReadout]) -> CircuitReadouts:
    """Rates and release 24 h after the first dose."""
    free, later = _samples(request, readouts)
    metrics = {"pyr_rate_hz_24h": later.readout.pyr_rate_hz, "int_rate_hz_24h": later.readout.int_rate_hz}
    if free.readout.glutamate_release > 0:
        metrics["glutamate_release_24h"] = later.readout.glutamate_release / free.readout.glutamate_release
    return CircuitReadouts(metrics=metrics, samples=(later,))
