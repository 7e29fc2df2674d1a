"""The plasticity stage: ``slice`` experiments and ``lhb_recording`` events found in the protocol.

Reads the exposure at each event's time: the pyramidal NMDAR trapping block
(bath ketamine included), APV occupancy and the other bath drugs' concentrations
(a drug the scenario puts in no bath has concentration zero). Each event
simulates the drug condition and a drug-free control (the scenario's
mechanisms, no drugs) in one Brian2 run. Metrics come from the last event of
each kind.

Before the stage runs, :func:`prepare_slices` simulates the slice events of
every scenario of a parameter set together, one Brian2 run per stimulation
pattern (copies of the slice do not interact, so each condition's readouts
are the ones it gets alone): a Brian2 run stepped from Python costs about as
much for sixteen slices as for one. Each scenario's event then takes its
readouts from there.
"""

from __future__ import annotations

from collections import OrderedDict
from dataclasses import dataclass, replace

import numpy as np

from ketasim.circuit.lhb import LHbCondition, LHbConfig, simulate_lhb
from ketasim.parameters import current
from ketasim.pharmacology.pd import apv_occupancy, conductance_scale
from ketasim.pipeline.products import Product, StageInputs
from ketasim.plasticity.figures import lhb_figure, slice_figure
from ketasim.plasticity.slice import (
    INDUCTION_DEFAULTS,
    Induction,
    InductionReadout,
    SliceCondition,
    response_time_course,
    simulate_induction,
    simulate_paired_pulses,
)

__all__ = ["plasticity", "prepare_slices"]

PPF_METRIC_INTERVAL_MS = 50.0


@dataclass(frozen=True)
class _SliceRun:
    """What one slice event simulates: its conditions (drug-free control first), pattern, intervals and seed."""

    conditions: tuple[SliceCondition, ...]
    induction: Induction
    intervals_ms: tuple[float, ...]
    seed: int


# Readouts simulated by prepare_slices, by (parameter set, condition, pattern or intervals, seed); a drug-free
# control serves every scenario with its seed. An entry is a function of its key, so none goes stale; the
# oldest go beyond MEMO_ENTRIES (a sweep over parameter sets prepares one group after another). A
# condition's paired-pulse entry is its ratios and its traces.
MEMO_ENTRIES = 4096
_INDUCED: OrderedDict[tuple, InductionReadout] = OrderedDict()
_PAIRED: OrderedDict[tuple, tuple[np.ndarray, dict]] = OrderedDict()


def _remember(memo: OrderedDict, key: tuple, value: object) -> None:
    memo[key] = value
    memo.move_to_end(key)
    while len(memo) > MEMO_ENTRIES:
        memo.popitem(last=False)


def _bath_at(inputs: StageInputs, drug: str, time_h: float) -> float:
    return float(np.interp(time_h, inputs.time_h, inputs.exposure.bath_uM(drug)))


def _drug_free_condition(mechanisms: dict) -> SliceCondition:
    """The slice with the scenario's mechanisms (knock-downs, mTOR capacity) and no drugs."""
    return SliceCondition(
        nmda_scale=conductance_scale("pyramidal", mechanisms),
        cck=mechanisms["cck"],
        cckbr=mechanisms["cckbr"],
        mtor=mechanisms["mtor"],
    )


def _slice_condition(inputs: StageInputs, time_h: float, control: SliceCondition) -> SliceCondition:
    """``control`` plus the drug exposure at ``time_h`` (the only difference between the two)."""
    return replace(
        control,
        nmda_block=inputs.at("nmdar_block_pyramidal", time_h),
        apv_occupancy=float(apv_occupancy(_bath_at(inputs, "apv", time_h))),
        nmda_agonist_uM=_bath_at(inputs, "nmda", time_h),
        cck8s_uM=_bath_at(inputs, "cck8s", time_h),
        cckb_antagonist_uM=_bath_at(inputs, "cckb_antagonist", time_h),
    )


def _induction(settings) -> Induction:
    base = INDUCTION_DEFAULTS[settings.induction]
    return Induction(
        kind=settings.induction,
        pulses=settings.pulses if settings.pulses is not None else base["pulses"],
        frequency_hz=settings.frequency_hz if settings.frequency_hz is not None else base["frequency_hz"],
        trains=settings.trains if settings.trains is not None else base["trains"],
        train_interval_s=settings.train_interval_s if settings.train_interval_s is not None
        else base["train_interval_s"],
        duration_s=settings.duration_s,
    )


def _slice_run(inputs: StageInputs, event, settings) -> _SliceRun:
    control = _drug_free_condition(inputs.config.mechanisms.model_dump())
    drug = _slice_condition(inputs, event.at, control)
    intervals = tuple(settings.paired_pulse_intervals_ms)
    if PPF_METRIC_INTERVAL_MS not in intervals:
        intervals = tuple(sorted({*intervals, PPF_METRIC_INTERVAL_MS}))
    return _SliceRun((control, drug) if drug != control else (control,), _induction(settings), intervals,
                     inputs.config.seed)


def prepare_slices(inputs: list[StageInputs]) -> None:
    """Simulate every slice event of these scenarios (one parameter set), one Brian2 run per pattern."""
    runs = [_slice_run(i, event, event.settings()) for i in inputs for event in i.config.protocol
            if event.event == "slice"]
    digest = current().digest()
    for induction in dict.fromkeys(r.induction for r in runs):
        wanted = list(dict.fromkeys((c, r.seed) for r in runs if r.induction == induction for c in r.conditions))
        readouts = simulate_induction([c for c, _ in wanted], induction, seed=[s for _, s in wanted])
        for (c, s), out in zip(wanted, readouts, strict=True):
            _remember(_INDUCED, (digest, c, induction, s), out)
    for intervals in dict.fromkeys(r.intervals_ms for r in runs):
        wanted = list(dict.fromkeys((c, r.seed) for r in runs if r.intervals_ms == intervals for c in r.conditions))
        ratios, traces = simulate_paired_pulses([c for c, _ in wanted], intervals, seed=[s for _, s in wanted])
        for k, (c, s) in enumerate(wanted):
            _remember(_PAIRED, (digest, c, intervals, s),
                      (ratios[k], {name: value[k] if name in _PER_CONDITION else value for name, value in traces.items()}))


_PER_CONDITION = ("epsp_mV", "single_mV", "first_epsp_mV", "release_ratio")  # paired-pulse traces with a row each


def _induction_readouts(run: _SliceRun) -> list[InductionReadout]:
    digest = current().digest()
    keys = [(digest, c, run.induction, run.seed) for c in run.conditions]
    if all(k in _INDUCED for k in keys):
        return [_INDUCED[k] for k in keys]
    return simulate_induction(list(run.conditions), run.induction, seed=run.seed)


def _paired_pulses(run: _SliceRun) -> tuple[np.ndarray, dict]:
    digest = current().digest()
    keys = [(digest, c, run.intervals_ms, run.seed) for c in run.conditions]
    if not all(k in _PAIRED for k in keys):
        return simulate_paired_pulses(list(run.conditions), run.intervals_ms, seed=run.seed)
    parts = [_PAIRED[k] for k in keys]
    traces = {name: np.stack([t[name] for _, t in parts]) if name in _PER_CONDITION else value
              for name, value in parts[0][1].items()}
    return np.stack([r for r, _ in parts]), traces


def _run_slice(inputs: StageInputs, event, settings, out: Product) -> None:
    run = _slice_run(inputs, event, settings)
    control, drug = run.conditions[0], run.conditions[-1]
    readouts = _induction_readouts(run)
    intervals = run.intervals_ms
    ratios, traces = _paired_pulses(run)
    drug_out, control_out = readouts[-1], readouts[0]
    at_50 = intervals.index(PPF_METRIC_INTERVAL_MS)

    m = out.metrics
    m["ltp_percent"] = 100.0 * float(response_time_course(drug_out.early_potentiation, 60.0, drug.mtor) - 1.0)
    m["ltp_percent_drug_free"] = 100.0 * float(
        response_time_course(control_out.early_potentiation, 60.0, control.mtor) - 1.0)
    m["ltp_early_percent"] = 100.0 * drug_out.early_potentiation
    m["ppf_ratio"] = float(ratios[-1, at_50])
    m["ppf_ratio_drug_free"] = float(ratios[0, at_50])
    m["cck_release"] = drug_out.cck_released_nM
    m["cck_release_drug_free"] = control_out.cck_released_nM
    m["cckb_gate_peak"] = drug_out.peak_gate
    m["slice_nmdar_block"] = drug.nmda_block

    minutes = (inputs.time_h - event.at) * 60.0
    out.columns["slice_response_norm"] = response_time_course(drug_out.early_potentiation, minutes, drug.mtor)

    sample_min = np.arange(-settings.baseline_min, settings.follow_up_min + 1e-9, settings.test_interval_s / 60.0)
    course = {
        "t_min": sample_min,
        "drug": response_time_course(drug_out.early_potentiation, sample_min, drug.mtor),
        "control": response_time_course(control_out.early_potentiation, sample_min, control.mtor),
    }
    several = len(run.conditions) > 1
    out.figures["slice_ltp.png"] = lambda result: slice_figure(course, traces, ratios, several, settings)


def _run_lhb(inputs: StageInputs, event, settings, out: Product) -> None:
    config = inputs.config
    scale = conductance_scale("pyramidal", config.mechanisms.model_dump())  # LHb NMDARs: GluN2A/2B
    drug = LHbCondition(
        nmda_block=inputs.at("nmdar_block_pyramidal", event.at),
        apv_occupancy=float(apv_occupancy(_bath_at(inputs, "apv", event.at))),
        nmda_scale=scale,
    )
    control = LHbCondition(nmda_scale=scale)
    conditions = [control, drug] if drug != control else [control]
    lhb_config = LHbConfig.quick() if inputs.quick else LHbConfig(duration_s=settings.duration_s)
    readouts = simulate_lhb(conditions, lhb_config, seed=config.seed)
    m = out.metrics
    m["lhb_burst_fraction"] = readouts[-1].burst_fraction
    m["lhb_burst_fraction_drug_free"] = readouts[0].burst_fraction
    m["lhb_rate_hz"] = readouts[-1].rate_hz
    m["lhb_bursting_cells"] = readouts[-1].bursting_cells
    m["lhb_nmdar_block"] = drug.nmda_block
    several = len(conditions) > 1
    out.figures["lhb_bursting.png"] = lambda result: lhb_figure(readouts[0], readouts[-1], several)


def plasticity(inputs: StageInputs) -> Product:
    """Simulate every ``slice`` and ``lhb_recording`` event."""
    out = Product()
    for event in inputs.config.protocol:
        if event.event == "slice":
            _run_slice(inputs, event, event.settings(), out)
        elif event.event == "lhb_recording":
            _run_lhb(inputs, event, event.settings(), out)
    return out
