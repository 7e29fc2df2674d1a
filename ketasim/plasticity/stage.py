"""Scenario stage: slice experiments and LHb recordings found in the protocol.

Registered in :data:`ketasim.scenario.STAGES` as ``ketasim.plasticity.stage:run``.
It reads the drug exposure the scenario computed (``receptor_ketamine_uM``
already includes bath ketamine; ``nmdar_block_pyramidal`` is the trapping
block from :mod:`ketasim.pharmacology.pd`; APV occupancy from
:func:`~ketasim.pharmacology.pd.apv_occupancy`; other bath drugs from
``bath_<drug>_uM``) at each event's time, simulates the drug condition and a
drug-free control in one Brian2 run, and adds metrics, time series and
figures to the result.
"""

from __future__ import annotations

from dataclasses import replace

import numpy as np

from ketasim.pharmacology.pd import apv_occupancy, conductance_scale
from ketasim.plasticity.slice import (
    INDUCTION_DEFAULTS,
    Induction,
    SliceCondition,
    response_time_course,
    simulate_induction,
    simulate_paired_pulses,
)
from ketasim.protocols.plasticity_events import parse_lhb_recording, parse_slice

__all__ = ["run"]

PPF_METRIC_INTERVAL_MS = 50.0


def _at(result, key: str, time_h: float) -> float:
    series = result.timeseries.get(key)
    if series is None:
        return 0.0
    return float(np.interp(time_h, result.timeseries["time_h"], series))


def _drug_free_condition(mechanisms: dict) -> SliceCondition:
    """The slice with the scenario's mechanisms (knock-downs, mTOR capacity) and no drugs."""
    return SliceCondition(
        nmda_scale=conductance_scale("pyramidal", mechanisms),
        cck=mechanisms.get("cck", 1.0),
        cckbr=mechanisms.get("cckbr", 1.0),
        mtor=mechanisms.get("mtor", 1.0),
    )


def _slice_condition(result, time_h: float, control: SliceCondition) -> SliceCondition:
    """``control`` plus the drug exposure at ``time_h`` (the only difference between the two)."""
    return replace(
        control,
        nmda_block=_at(result, "nmdar_block_pyramidal", time_h),
        apv_occupancy=float(apv_occupancy(_at(result, "bath_apv_uM", time_h))),
        nmda_agonist_uM=_at(result, "bath_nmda_uM", time_h),
        cck8s_uM=_at(result, "bath_cck8s_uM", time_h),
        cckb_antagonist_uM=_at(result, "bath_cckb_antagonist_uM", time_h),
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


def _run_slice(config, result, event, settings, say) -> None:
    mechanisms = config.mechanisms.model_dump()
    control = _drug_free_condition(mechanisms)
    drug = _slice_condition(result, event.at, control)
    conditions = [control, drug] if drug != control else [control]
    induction = _induction(settings)
    say(f"slice: {induction.kind} induction ({len(conditions)} conditions)")
    readouts = simulate_induction(conditions, induction, seed=config.seed)
    intervals = settings.paired_pulse_intervals_ms
    if PPF_METRIC_INTERVAL_MS not in intervals:
        intervals = tuple(sorted({*intervals, PPF_METRIC_INTERVAL_MS}))
    ratios, traces = simulate_paired_pulses(conditions, intervals, seed=config.seed)
    drug_out, control_out = readouts[-1], readouts[0]
    at_50 = intervals.index(PPF_METRIC_INTERVAL_MS)

    m = result.metrics
    m["ltp_percent"] = 100.0 * float(response_time_course(drug_out.early_potentiation, 60.0, drug.mtor) - 1.0)
    m["ltp_percent_drug_free"] = 100.0 * float(response_time_course(control_out.early_potentiation, 60.0, control.mtor) - 1.0)
    m["ltp_early_percent"] = 100.0 * drug_out.early_potentiation
    m["ppf_ratio"] = float(ratios[-1, at_50])
    m["ppf_ratio_drug_free"] = float(ratios[0, at_50])
    m["cck_release"] = drug_out.cck_released_nM
    m["cck_release_drug_free"] = control_out.cck_released_nM
    m["cckb_gate_peak"] = drug_out.peak_gate
    m["slice_nmdar_block"] = drug.nmda_block

    minutes = (result.timeseries["time_h"] - event.at) * 60.0
    result.timeseries["slice_response_norm"] = response_time_course(drug_out.early_potentiation, minutes, drug.mtor)

    sample_min = np.arange(-settings.baseline_min, settings.follow_up_min + 1e-9, settings.test_interval_s / 60.0)
    course = {
        "t_min": sample_min,
        "drug": response_time_course(drug_out.early_potentiation, sample_min, drug.mtor),
        "control": response_time_course(control_out.early_potentiation, sample_min, control.mtor),
    }
    figures = getattr(result, "figures", None)
    if figures is not None:
        from ketasim.plasticity.figures import slice_figure

        figures["slice_ltp.png"] = lambda: slice_figure(course, traces, ratios, len(conditions) > 1, settings)


def _run_lhb(config, result, event, settings, quick, say) -> None:
    from ketasim.circuit.lhb import LHbCondition, LHbConfig, simulate_lhb

    mechanisms = config.mechanisms.model_dump()
    scale = conductance_scale("pyramidal", mechanisms)  # LHb NMDARs: GluN2A/2B, as in pyramidal cells
    drug = LHbCondition(
        nmda_block=_at(result, "nmdar_block_pyramidal", event.at),
        apv_occupancy=float(apv_occupancy(_at(result, "bath_apv_uM", event.at))),
        nmda_scale=scale,
    )
    control = LHbCondition(nmda_scale=scale)
    conditions = [control, drug] if drug != control else [control]
    lhb_config = LHbConfig.quick() if quick else LHbConfig(duration_s=settings.duration_s)
    say(f"lateral habenula ({len(conditions)} conditions, {lhb_config.duration_s:g} s)")
    readouts = simulate_lhb(conditions, lhb_config, seed=config.seed)
    m = result.metrics
    m["lhb_burst_fraction"] = readouts[-1].burst_fraction
    m["lhb_burst_fraction_drug_free"] = readouts[0].burst_fraction
    m["lhb_rate_hz"] = readouts[-1].rate_hz
    m["lhb_bursting_cells"] = readouts[-1].bursting_cells
    m["lhb_nmdar_block"] = drug.nmda_block
    figures = getattr(result, "figures", None)
    if figures is not None:
        from ketasim.plasticity.figures import lhb_figure

        figures["lhb_bursting.png"] = lambda: lhb_figure(readouts[0], readouts[-1], len(conditions) > 1)


def run(config, result, quick: bool = False, progress=None) -> None:
    """Simulate every ``slice`` and ``lhb_recording`` event (metrics from the last of each kind)."""
    say = progress or (lambda message: None)
    for event in config.protocol:
        fields = dict(event.model_extra or {})
        if event.event == "slice":
            _run_slice(config, result, event, parse_slice(fields), say)
        elif event.event == "lhb_recording":
            _run_lhb(config, result, event, parse_lhb_recording(fields), quick, say)
