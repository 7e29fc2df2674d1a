"""A scenario wires the layers: doses → PK → NMDAR block → PFC circuit → metrics.

:func:`simulate` is the one entry point that does work; it takes a validated
:class:`~ketasim.config.ScenarioConfig` and returns a :class:`ScenarioResult`
holding labelled time series and metrics. Writing files is
:mod:`ketasim.outputs`' job.
"""

from __future__ import annotations

import importlib
from collections.abc import Callable
from dataclasses import dataclass, field

import numpy as np

from ketasim.circuit.compiled import simulate_circuit
from ketasim.circuit.pfc import CircuitCondition, CircuitReadout, PFCConfig
from ketasim.config import DoseConfig, ScenarioConfig
from ketasim.pharmacology.pd import apv_occupancy, conductance_scale, simulate_block
from ketasim.pharmacology.pk import DoseEvent, pk_model, simulate_pk

__all__ = ["CircuitSample", "ScenarioPlan", "ScenarioResult", "finish", "plan", "simulate", "time_grid"]

FINE_STEP_H = 1 / 60  # 1 min while a dose acts
FINE_SPAN_H = 6.0
MEDIUM_STEP_H = 10 / 60
MEDIUM_SPAN_H = 48.0
COARSE_STEP_H = 0.5
FIRST_DOSE_WINDOW_H = 24.0

# Later layers add their work as stages: ``module:function`` taking
# (config, result, quick, progress) and adding series, metrics and circuit
# samples to the result in place. They run in this order after the PFC circuit.
# Protocol events that happen in a dish; a scenario of only these (and bath
# drugs) skips the in-vivo layers.
IN_VITRO_EVENTS = frozenset({"slice"})

LATER_CIRCUIT_STAGE = "ketasim.signalling.stage:later_circuit_moment"
STAGES: tuple[str, ...] = (
    "ketasim.signalling.stage:run",
    LATER_CIRCUIT_STAGE,
    "ketasim.plasticity.stage:run",
    "ketasim.protocols.fear:run",
    "ketasim.protocols.clinical:run",
    "ketasim.protocols.forced_swim:run",
)


@dataclass
class CircuitSample:
    """The PFC circuit at one quasi-static moment."""

    label: str
    time_h: float
    condition: CircuitCondition
    readout: CircuitReadout


@dataclass
class ScenarioResult:
    """Everything one scenario produced.

    Attributes
    ----------
    config : ScenarioConfig
        The validated config.
    timeseries : dict of str to ndarray
        ``time_h`` and one column per state, on a shared grid.
    metrics : dict of str to float
        Flat, NaN-free numbers (DESIGN 2.3); inapplicable metrics are absent.
    circuit : list of CircuitSample
        The circuit moments simulated (drug-free first); empty in vitro.
    in_vitro : bool
        A slice scenario (bath drugs only, slice protocol events only): the
        in-vivo layers (PFC circuit, signalling cascade) do not apply.
    """

    config: ScenarioConfig
    timeseries: dict[str, np.ndarray]
    metrics: dict[str, float]
    circuit: list[CircuitSample] = field(default_factory=list)
    in_vitro: bool = False
    figures: dict[str, Callable] = field(default_factory=dict)  # extra figure file name -> () -> Figure


def time_grid(config: ScenarioConfig) -> np.ndarray:
    """Output grid (h): 1 min for 6 h after each dose, 10 min to 48 h, 30 min elsewhere."""
    span = config.span_h()
    pieces = [np.arange(0.0, span, COARSE_STEP_H), [span]]
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


def _dose_events(dose: DoseConfig) -> list[DoseEvent]:
    return [DoseEvent(t, dose.dose or 0.0, dose.route, dose.duration or 0.0) for t in dose.times_h()]


def _bath(config: ScenarioConfig, drug: str, t: np.ndarray) -> np.ndarray:
    """Bath concentration (µM) of ``drug`` at times ``t``: steps on at ``at``, off after ``duration``."""
    conc = np.zeros_like(t)
    for dose in config.dosing:
        if dose.drug != drug or dose.route != "bath":
            continue
        for start in dose.times_h():
            stop = start + dose.duration if dose.duration else np.inf
            conc += np.where((t >= start) & (t < stop), dose.concentration or 0.0, 0.0)
    return conc


def _systemic(config: ScenarioConfig, drug: str) -> list[DoseEvent]:
    return [e for d in config.dosing if d.drug == drug and d.route != "bath" for e in _dose_events(d)]


def _exposure(config: ScenarioConfig, t: np.ndarray) -> dict[str, np.ndarray]:
    """Ketamine (and other drugs') concentrations at times ``t`` (µM)."""
    out: dict[str, np.ndarray] = {}
    bath = _bath(config, "ketamine", t)
    events = _systemic(config, "ketamine")
    if events:
        pk = simulate_pk(pk_model("ketamine", config.species), events, t)
        plasma, brain, receptor = pk.plasma_uM, pk.brain_uM, pk.receptor_uM
    else:
        plasma, brain, receptor = (np.zeros_like(t) for _ in range(3))
    out["plasma_ketamine_uM"] = plasma
    out["brain_ketamine_uM"] = brain + bath  # a slice's tissue sees the bath
    out["receptor_ketamine_uM"] = receptor + bath
    for drug in sorted({d.drug for d in config.dosing} - {"ketamine", "saline"}):
        events = _systemic(config, drug)
        if events:
            out[f"plasma_{drug}_uM"] = simulate_pk(pk_model(drug, config.species), events, t).plasma_uM
        if any(d.drug == drug and d.route == "bath" for d in config.dosing):
            out[f"bath_{drug}_uM"] = _bath(config, drug, t)
    return out


def _first_ketamine_window(config: ScenarioConfig) -> tuple[float, float] | None:
    starts = sorted(t for d in config.dosing if d.drug == "ketamine" for t in d.times_h())
    if not starts:
        return None
    later = [s for s in starts if s > starts[0]]
    return starts[0], min([starts[0] + FIRST_DOSE_WINDOW_H, *later[:1]])


@dataclass
class ScenarioPlan:
    """A scenario up to the PFC circuit: what it needs simulated, and everything computed before.

    Sweeps plan many points, simulate all their circuit conditions together
    (:mod:`ketasim.sweep.batch`) and :func:`finish` each point.
    """

    config: ScenarioConfig
    quick: bool
    series: dict[str, np.ndarray]
    metrics: dict[str, float]
    moments: list[tuple]
    conditions: list[CircuitCondition]  # one per moment
    pfc: PFCConfig
    in_vitro: bool = False  # a slice scenario: no circuit moments, the in-vivo layers are skipped


def plan(config: ScenarioConfig, quick: bool = False, progress: Callable[[str], None] | None = None) -> ScenarioPlan:
    """Pharmacokinetics, NMDAR block and the circuit moments a scenario needs.

    The moments are drug-free, the block's peak and two on its way back down
    (half and a fifth of the peak): the signalling stage reads release
    against interneuron NMDAR loss from all of them
    (:func:`ketasim.signalling.drive.glutamate_relation`), and the
    time-course figure shows them.
    """
    say = progress or (lambda message: None)
    mechanisms = config.mechanisms.model_dump()

    say("pharmacokinetics")
    t = time_grid(config)
    mid = 0.5 * (t[1:] + t[:-1])
    series: dict[str, np.ndarray] = {"time_h": t, **_exposure(config, t)}

    say("NMDA-receptor block")
    block = simulate_block(t, _exposure(config, mid)["receptor_ketamine_uM"], mechanisms)
    series["nmdar_block_interneuron"] = block.by_cell["interneuron"]
    series["nmdar_block_pyramidal"] = block.by_cell["pyramidal"]
    apv = apv_occupancy(_bath(config, "apv", t))
    if apv.any():
        series["nmdar_apv_occupancy"] = apv

    metrics: dict[str, float] = {}
    window = _first_ketamine_window(config)
    moments = [("drug_free", float("nan"), 0.0, 0.0, 0.0)]
    if window is not None:
        inside = np.flatnonzero((t >= window[0]) & (t <= window[1]))
        plasma = series["plasma_ketamine_uM"][inside]
        if plasma.any():
            metrics["plasma_cmax_uM"] = float(plasma.max())
            metrics["brain_cmax_uM"] = float(series["brain_ketamine_uM"][inside].max())
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
    if in_vitro:
        moments = []  # a slice has no PFC circuit to simulate
    pfc, conditions = _circuit_conditions(config, moments, mechanisms, quick)
    return ScenarioPlan(config, quick, series, metrics, moments, conditions, pfc, in_vitro)


def finish(scenario: ScenarioPlan, readouts: dict[CircuitCondition, CircuitReadout],
           progress: Callable[[str], None] | None = None, later_circuit: bool = True) -> ScenarioResult:
    """Circuit metrics from the simulated conditions, then the later stages (:data:`STAGES`).

    ``later_circuit=False`` leaves out the stage that simulates the circuit
    again at +24 h, for a caller that batches that moment over many
    scenarios (:func:`ketasim.sweep.batch.finish_scenarios`).
    """
    say = progress or (lambda message: None)
    skip = () if later_circuit else (LATER_CIRCUIT_STAGE,)
    config, metrics = scenario.config, dict(scenario.metrics)
    if scenario.in_vitro:
        result = ScenarioResult(config, scenario.series, metrics, in_vitro=True)
        return _run_stages(config, result, scenario.quick, say, skip)
    samples = [
        CircuitSample(label, time, condition, readouts[condition])
        for (label, time, *_), condition in zip(scenario.moments, scenario.conditions, strict=True)
    ]
    drug_free = samples[0].readout
    at_peak = next((s.readout for s in samples if s.label == "peak"), drug_free)
    metrics["pyr_rate_hz"] = at_peak.pyr_rate_hz
    metrics["int_rate_hz"] = at_peak.int_rate_hz
    metrics["pyr_rate_hz_drug_free"] = drug_free.pyr_rate_hz
    metrics["int_rate_hz_drug_free"] = drug_free.int_rate_hz
    metrics["glutamate_release"] = _ratio(at_peak.glutamate_release, drug_free.glutamate_release)
    metrics["gamma_power"] = _ratio(at_peak.gamma_power, drug_free.gamma_power)
    return _run_stages(config, ScenarioResult(config, scenario.series, metrics, samples), scenario.quick, say, skip)


def is_in_vitro(config: ScenarioConfig) -> bool:
    """True for a slice experiment: only bath drugs and only in-vitro protocol events."""
    return (
        bool(config.protocol)
        and all(event.event in IN_VITRO_EVENTS for event in config.protocol)
        and all(dose.route == "bath" for dose in config.dosing)
    )


def _run_stages(config: ScenarioConfig, result: ScenarioResult, quick: bool, say, skip=()) -> ScenarioResult:
    for path in STAGES:
        if path in skip:
            continue
        module, function = path.split(":")
        getattr(importlib.import_module(module), function)(config, result, quick, say)
    result.metrics = {k: float(v) for k, v in result.metrics.items() if np.isfinite(v)}
    return result


def simulate(
    config: ScenarioConfig,
    quick: bool = False,
    progress: Callable[[str], None] | None = None,
) -> ScenarioResult:
    """Run a scenario.

    Parameters
    ----------
    config : ScenarioConfig
        A validated scenario.
    quick : bool
        Use the small, short circuit profile (tests, ``--quick``).
    progress : callable, optional
        Called with a short message as each stage starts.

    Returns
    -------
    ScenarioResult
    """
    scenario = plan(config, quick, progress)
    say = progress or (lambda message: None)
    readouts: dict[CircuitCondition, CircuitReadout] = {}
    if scenario.conditions:  # none in vitro
        say(f"PFC circuit ({len(scenario.moments)} moments in one run)")
        readouts = dict(zip(scenario.conditions, simulate_circuit(scenario.conditions, scenario.pfc, config.seed),
                            strict=True))
    return finish(scenario, readouts, progress)


def _moment(label: str, t: np.ndarray, block, apv: np.ndarray, index: int) -> tuple:
    return (
        label,
        float(t[index]),
        float(block.by_cell["pyramidal"][index]),
        float(block.by_cell["interneuron"][index]),
        float(apv[index]),
    )


def _ratio(value: float, reference: float) -> float:
    return value / reference if reference > 0 else float("nan")


def _circuit_conditions(
    config: ScenarioConfig,
    moments: list[tuple],
    mechanisms: dict,
    quick: bool,
    exc_scale: list[float] | None = None,
    release_scale: list[float] | None = None,
) -> tuple[PFCConfig, list[CircuitCondition]]:
    """The network settings and one circuit condition per moment."""
    settings = config.circuit
    pfc = PFCConfig.quick() if quick else PFCConfig(
        n_exc=settings.n_exc, n_inh=settings.n_inh, duration_s=settings.sample_duration * 3600.0
    )
    scale = {cell: conductance_scale(cell, mechanisms) for cell in ("pyramidal", "interneuron")}
    conditions = [
        CircuitCondition(
            block_pyramidal=b_e,
            block_interneuron=b_i,
            nmda_scale_pyramidal=scale["pyramidal"],
            nmda_scale_interneuron=scale["interneuron"],
            nmda_open_block=apv,
            exc_scale=exc,
            release_scale=rel,
        )
        for (_, _, b_e, b_i, apv), exc, rel in zip(
            moments, exc_scale or [1.0] * len(moments), release_scale or [1.0] * len(moments), strict=True
        )
    ]
    return pfc, conditions
