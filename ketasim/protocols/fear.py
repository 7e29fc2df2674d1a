"""The fear-memory stage: behavioural sessions in the BLA circuit, consolidation in between.

For each ``conditioning``, ``test``, ``extinction`` and ``reactivation``
event, in time order:

1. the memory traces consolidate from the previous session up to this one
   (:func:`ketasim.protocols.memory.consolidate`) with protein synthesis
   ``P(t)`` (BLA mTORC1 activity from the signalling layer when present, times
   the ``mtor`` switch) and the plasticity gate ``G(t) = N(t) · cck · cckbr``,
   where ``N(t) = (1 − BLA NMDAR block) · BLA NMDAR expression`` is the
   available NMDAR conductance relative to an untreated animal;
2. the BLA circuit runs the session with the traces' weights and the
   moment's modulators (available NMDARs ``N``, IL, BLA and hippocampal
   synaptic strength: the last scales the context input);
3. learning sessions write their weight change into the labile traces; a
   reactivation also destabilises the reactivated CS's stable trace.

Tests give ``freezing_*`` metrics (the last test without suffix, every test
as ``..._test<k>``), and the traces' means over time go into the time series
as ``bla_fear_memory`` and ``bla_extinction_memory`` (naive = 1).
"""

from __future__ import annotations

from collections.abc import Callable

import numpy as np

from ketasim.circuit.bla import BLAConfig, BLANetwork, Modulators, Trial, TrialReadout
from ketasim.config import ScenarioConfig
from ketasim.protocols import fear_events
from ketasim.protocols.memory import MemoryTrace, consolidate_course, destabilise

__all__ = ["FEAR_EVENTS", "run"]

FEAR_EVENTS = {
    "conditioning": fear_events.parse_conditioning,
    "test": fear_events.parse_test,
    "extinction": fear_events.parse_extinction,
    "reactivation": fear_events.parse_reactivation,
}
_KIND = {"cs_fear": "fear", "ctx_fear": "fear", "cs_ext": "ext", "ctx_ext": "ext"}


def _signal(result, name: str, default: float = 1.0) -> Callable[[np.ndarray], np.ndarray]:
    """A time series as a function of time (h), or a constant if the scenario lacks it."""
    series = result.timeseries.get(name)
    if series is None:
        return lambda t: np.full(np.shape(t), default, dtype=float)
    time = result.timeseries["time_h"]
    return lambda t: np.interp(t, time, series)


def available_nmdar_signal(result) -> Callable[[np.ndarray], np.ndarray]:
    """BLA NMDAR conductance available at time t (h), relative to an untreated animal.

    ``(1 − NMDAR block) × BLA NMDAR expression``: chronic exposure
    down-regulates the receptors (signalling layer), and fewer receptors pass
    less current and less of the Ca²⁺ that releases CCK, as a partial block
    does. Either series defaults to its drug-free value when absent.
    """
    block = _signal(result, "nmdar_block_pyramidal", 0.0)
    expression = _signal(result, "bla_nmdar_expression")
    return lambda t: (1.0 - block(t)) * expression(t)


def _inhibitor_signals(config: ScenarioConfig, result) -> list[Callable[[np.ndarray], np.ndarray]]:
    """Time courses of anisomycin / rapamycin inhibition of protein synthesis, one per drug given."""
    from ketasim.pharmacology.inhibitors import INHIBITORS, inhibition
    from ketasim.pharmacology.pk import DoseEvent

    time = result.timeseries["time_h"]
    signals = []
    for drug in INHIBITORS:
        doses = [DoseEvent(t, d.dose or 0.0, d.route) for d in config.dosing if d.drug == drug for t in d.times_h()]
        if doses:
            fine = np.union1d(time, np.concatenate([np.arange(e.at_h, e.at_h + 48, 1 / 12) for e in doses]))
            values = inhibition(drug, config.species, doses, fine)
            result.timeseries[f"{drug}_inhibition"] = np.interp(time, fine, values)
            signals.append(lambda t, f=fine, v=values: np.interp(t, f, v))
    return signals


def _trials(session: fear_events.FearSession) -> list[Trial]:
    us = session.us_strength if session.kind == "conditioning" else 0.0
    trials = []
    for cue in session.cues:
        cs = None if cue == "context" else cue
        trials += [Trial(cs, us, session.context)] * session.trials
    return trials


def run(config: ScenarioConfig, result, quick: bool, progress: Callable[[str], None]) -> None:
    """Run every fear session of the scenario's protocol (in place on ``result``)."""
    events = sorted(
        ((e.at, FEAR_EVENTS[e.event](dict(e.model_extra or {}))) for e in config.protocol if e.event in FEAR_EVENTS),
        key=lambda pair: pair[0],
    )
    if not events:
        return
    progress(f"BLA fear circuit ({len(events)} sessions)")
    mech = config.mechanisms
    available_nmdar = available_nmdar_signal(result)
    bla_mtor = _signal(result, "bla_mtor")
    il_strength = _signal(result, "pfc_synaptic_strength")
    bla_strength = _signal(result, "bla_synaptic_strength")
    context_strength = _signal(result, "hpc_synaptic_strength")

    blockers = _inhibitor_signals(config, result)

    def synthesis(t: np.ndarray) -> np.ndarray:
        p = mech.mtor * bla_mtor(t)
        for blocked in blockers:
            p = p * (1.0 - blocked(t))
        return p

    def gate(t: np.ndarray) -> np.ndarray:
        return available_nmdar(t) * mech.cck * mech.cckbr

    overlap = config.fear.cs_overlap
    network = BLANetwork(BLAConfig.quick(overlap) if quick else BLAConfig(cs_overlap=overlap), seed=config.seed)
    traces = {p: MemoryTrace.naive(_KIND[p], w) for p, w in network.weights().items()}
    time = result.timeseries["time_h"]
    memory = {p: np.empty(time.size) for p in ("cs_fear", "cs_ext")}
    for states in memory.values():
        states[0] = 1.0  # naive at the grid's start, t = 0
    recorded = 1  # grid points whose memory state is written
    now = float(time[0])
    tests: list[list[TrialReadout]] = []
    log: list[tuple[float, fear_events.FearSession, list[TrialReadout]]] = []
    for at, session in events:
        # Consolidate up to the session, recording the traces on the time grid.
        grid = time[(time > now) & (time <= at)]
        _consolidate(traces, memory, recorded, np.concatenate([[now], grid, [at]]), grid.size, synthesis, gate)
        recorded += grid.size
        now = at
        network.set_weights({p: tr.weights() for p, tr in traces.items()})
        modulators = Modulators(
            nmda_gain=float(available_nmdar(np.array(at))),
            il_strength=float(il_strength(np.array(at))),
            bla_strength=float(bla_strength(np.array(at))),
            context_strength=float(context_strength(np.array(at))),
            cck=mech.cck,
            cckbr=mech.cckbr,
        )
        readouts = network.run_trials(_trials(session), modulators, learn=session.learns)
        if session.learns:
            learned = network.weights()
            for p, trace in traces.items():
                trace.learn(learned[p])
        if session.kind == "reactivation":
            for p in ("cs_fear", "cs_ext"):
                destabilise(traces[p], network.cs_fibres(p, session.cues[0]))
        if session.kind == "test":
            tests.append(readouts)
        log.append((at, session, readouts))
    # The rest of the timeline after the last session.
    _consolidate(traces, memory, recorded, np.concatenate([[now], time[recorded:]]), time.size - recorded,
                 synthesis, gate)
    result.timeseries["bla_fear_memory"] = memory["cs_fear"]
    result.timeseries["bla_extinction_memory"] = memory["cs_ext"]
    result.metrics.update(_test_metrics(tests))
    result.figures["fear.png"] = lambda: _figure(result, log)


def _consolidate(traces, memory, recorded: int, times: np.ndarray, n_grid: int, synthesis, gate) -> None:
    """Consolidate every trace through ``times`` (``times[0]`` = now) and record the memory states.

    ``times[1:n_grid + 1]`` are the grid points from index ``recorded`` on; a
    session time off the grid may follow them.
    """
    for pathway, trace in traces.items():
        means = consolidate_course(trace, times, synthesis, gate)
        if pathway in memory:
            memory[pathway][recorded:recorded + n_grid] = means[1:n_grid + 1]


def _freezing_by_cue(readouts: list[TrialReadout]) -> dict[str, float]:
    by_cue: dict[str, list[float]] = {}
    for r in readouts:
        cue = r.trial.cs or "context"
        by_cue.setdefault(cue, []).append(r.freezing)
    return {cue: float(np.mean(values)) for cue, values in by_cue.items()}


def _test_metrics(tests: list[list[TrialReadout]]) -> dict[str, float]:
    names = {"plus": "freezing_cs_plus", "minus": "freezing_cs_minus", "context": "freezing_context"}
    metrics: dict[str, float] = {}
    for k, readouts in enumerate(tests, start=1):
        for cue, value in _freezing_by_cue(readouts).items():
            metrics[f"{names[cue]}_test{k}"] = value
            if k == len(tests):
                metrics[names[cue]] = value
    if metrics.get("freezing_cs_plus", 0.0) > 0 and "freezing_cs_minus" in metrics:
        metrics["generalization_index"] = metrics["freezing_cs_minus"] / metrics["freezing_cs_plus"]
    return metrics


def _figure(result, log):
    import matplotlib.pyplot as plt

    fig, (top, bottom) = plt.subplots(2, 1, figsize=(8, 6), sharex=True, constrained_layout=True)
    markers = {"plus": ("o", "C3", "CS+"), "minus": ("s", "C0", "CS−"), "context": ("^", "0.4", "context")}
    shown = set()
    for at, session, readouts in log:
        for cue, value in _freezing_by_cue(readouts).items():
            marker, colour, label = markers[cue]
            top.plot(at, value, marker, color=colour, label=None if label in shown else label,
                     mfc="none" if session.kind != "test" else colour)
            shown.add(label)
        top.annotate(session.kind[:4], (at, 1.02), fontsize=7, ha="center", annotation_clip=False)
    top.set_ylim(0, 1)
    top.set_ylabel("freezing\n(filled: tests)")
    top.legend(frameon=False, fontsize=8)
    t = result.timeseries["time_h"]
    bottom.plot(t, result.timeseries["bla_fear_memory"], color="C3", label="CS → fear neurons")
    bottom.plot(t, result.timeseries["bla_extinction_memory"], color="C2", label="CS → extinction neurons")
    bottom.set_ylabel("mean synaptic weight\n(naive = 1)")
    bottom.set_xlabel("time (h)")
    bottom.legend(frameon=False, fontsize=8)
    for dose in result.config.dosing:
        for start in dose.times_h():
            for ax in (top, bottom):
                ax.axvline(start, color="C1", lw=1, ls=":")
    return fig
