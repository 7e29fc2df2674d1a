"""The fear-memory stage: behavioural sessions in the BLA circuit, consolidation in between.

For each ``conditioning``, ``test``, ``extinction`` and ``reactivation``
event, in time order:

1. the memory traces consolidate from the previous session up to this one
   (:func:`ketasim.protocols.memory.consolidate`) with protein synthesis
   ``P(t)`` (BLA mTORC1 activity from the signalling layer when present, times
   the ``mtor`` switch) and the plasticity gate
   ``G(t) = (1 − d (1 − N(t))) · cck · cckbr``, where
   ``N(t) = (1 − BLA NMDAR block) · BLA NMDAR expression`` is the available
   NMDAR conductance relative to an untreated animal and ``d`` the trace's
   NMDAR dependence (none for fear memory, full for extinction memory:
   :data:`ketasim.protocols.memory.NMDAR_DEPENDENCE`);
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

from collections.abc import Mapping
from dataclasses import dataclass, field

import numpy as np

from ketasim.circuit.bla import (
    BLAConfig,
    BLANetwork,
    Modulators,
    Trial,
    TrialReadout,
    profile_cells,
)
from ketasim.plasticity.equations import learning_rule
from ketasim.protocols import fear_events
from ketasim.protocols.generalisation import generalised_state, safety_signal
from ketasim.protocols.memory import (
    NMDAR_DEPENDENCE,
    MemoryTrace,
    Signal,
    consolidate_course,
    destabilise,
)

__all__ = ["FEAR_EVENTS", "FearInputs", "FearOutcome", "available_nmdar", "fear_figure", "run_sessions"]


FEAR_EVENTS = ("conditioning", "test", "extinction", "reactivation")
"""The protocol events this module runs (their fields: :mod:`ketasim.protocols.fear_events`)."""
_KIND = {"cs_fear": "fear", "ctx_fear": "fear", "cs_ext": "ext", "ctx_ext": "ext"}


def available_nmdar(block: Signal, expression: Signal) -> Signal:
    """BLA NMDAR conductance available at time t (h), relative to an untreated animal.

    ``(1 − NMDAR block) × BLA NMDAR expression``: chronic exposure
    down-regulates the receptors (signalling layer), and fewer receptors pass
    less current and less of the Ca²⁺ that releases CCK, as a partial block
    does.
    """
    return lambda t: (1.0 - block(t)) * expression(t)


@dataclass(frozen=True)
class FearInputs:
    """What the fear sessions read from the rest of the model, each a function of time (h).

    Attributes
    ----------
    nmdar_block : Signal
        NMDAR block of pyramidal (BLA principal) cells, 0-1.
    nmdar_expression : Signal
        BLA NMDAR expression relative to drug-free.
    bla_mtor : Signal
        BLA mTORC1 activity relative to drug-free.
    il_strength, bla_strength, context_strength : Signal
        Excitatory synaptic strength of infralimbic PFC, BLA and hippocampus, relative to drug-free.
    il_bdnf : Signal
        Released PFC (infralimbic) BDNF relative to drug-free: its TrkB signalling reverses the
        generalised state (:mod:`ketasim.protocols.generalisation`).
    protein_synthesis_block : list of Signal
        Fractional inhibition of protein synthesis by each inhibitor given (anisomycin, rapamycin).
    """

    nmdar_block: Signal
    nmdar_expression: Signal
    bla_mtor: Signal
    il_strength: Signal
    bla_strength: Signal
    context_strength: Signal
    il_bdnf: Signal
    protein_synthesis_block: tuple[Signal, ...] = ()


@dataclass
class FearOutcome:
    """The fear sessions' results: memory traces on the grid, test metrics, and the session log for the figure."""

    columns: dict[str, np.ndarray]
    metrics: dict[str, float]
    log: list[tuple[float, fear_events.FearSession, list[TrialReadout]]] = field(default_factory=list)


def _trials(session: fear_events.FearSession) -> list[Trial]:
    us = session.us_strength if session.kind == "conditioning" else 0.0
    trials = []
    for cue in session.cues:
        cs = None if cue == "context" else cue
        trials += [Trial(cs, us, session.context)] * session.trials
    return trials


def run_sessions(
    sessions: list[tuple[float, fear_events.FearSession]],
    inputs: FearInputs,
    time_h: np.ndarray,
    mechanisms: Mapping[str, float],
    cs_overlap: float,
    seed: int,
    quick: bool,
    principal_cells: int | None = None,
) -> FearOutcome:
    """Run the fear sessions in time order, consolidating the memory traces in between.

    Parameters
    ----------
    sessions : list of (time in h, FearSession)
        The protocol's fear sessions, sorted by time.
    inputs : FearInputs
        The exposure's and cascade's series the sessions read.
    time_h : ndarray
        The scenario's time grid (h); the memory traces are recorded on it.
    mechanisms : mapping
        Mechanism switches (``mtor``, ``cck``, ``cckbr``, ``il_trkb``, ``glun2b`` are read).
    cs_overlap : float
        Fraction of CS afferents that CS+ and CS− share.
    seed : int
        Seeds the BLA network.
    quick : bool
        The quick profile (its network size, when ``principal_cells`` is not given).
    principal_cells : int, optional
        Size of the BLA network (:func:`ketasim.circuit.bla.profile_cells` by default).
    """
    mtor, cck, cckbr = mechanisms["mtor"], mechanisms["cck"], mechanisms["cckbr"]
    nmdar = available_nmdar(inputs.nmdar_block, inputs.nmdar_expression)

    def synthesis(t: np.ndarray) -> np.ndarray:
        p = mtor * inputs.bla_mtor(t)
        for blocked in inputs.protein_synthesis_block:
            p = p * (1.0 - blocked(t))
        return p

    def gate_of(dependence: float) -> Signal:
        return lambda t: (1.0 - dependence * (1.0 - nmdar(t))) * cck * cckbr

    gate = {kind: gate_of(NMDAR_DEPENDENCE[kind]()) for kind in NMDAR_DEPENDENCE}
    conditioned = [at for at, session in sessions if session.kind == "conditioning"]
    state = generalised_state(time_h, conditioned[0] if conditioned else None, inputs.il_bdnf,
                              mechanisms["il_trkb"])

    config = BLAConfig(principal_cells=principal_cells or profile_cells(quick), cs_overlap=cs_overlap)
    network = BLANetwork(config, learning_rule(), seed=seed)
    traces = {p: MemoryTrace.naive(_KIND[p], w) for p, w in network.weights().items()}
    time = time_h
    memory = {p: np.empty(time.size) for p in ("cs_fear", "cs_ext")}
    for states in memory.values():
        states[0] = 1.0  # naive at the grid's start, t = 0
    recorded = 1  # grid points whose memory state is written
    now = float(time[0])
    tests: list[list[TrialReadout]] = []
    log: list[tuple[float, fear_events.FearSession, list[TrialReadout]]] = []
    for at, session in sessions:
        # Consolidate up to the session, recording the traces on the time grid.
        grid = time[(time > now) & (time <= at)]
        _consolidate(traces, memory, recorded, np.concatenate([[now], grid, [at]]), grid.size, synthesis, gate)
        recorded += grid.size
        now = at
        network.set_weights({p: tr.weights() for p, tr in traces.items()})
        modulators = Modulators(
            nmda_gain=float(nmdar(np.array(at))),
            il_strength=float(inputs.il_strength(np.array(at))),
            bla_strength=float(inputs.bla_strength(np.array(at))),
            context_strength=float(inputs.context_strength(np.array(at))),
            safety=safety_signal(state.at(at), mechanisms["glun2b"]),
            cck=cck,
            cckbr=cckbr,
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
    columns = {"bla_fear_memory": memory["cs_fear"], "bla_extinction_memory": memory["cs_ext"],
               "il_generalised_state": state.state}
    return FearOutcome(columns, _test_metrics(tests), log)


def _consolidate(traces, memory, recorded: int, times: np.ndarray, n_grid: int, synthesis, gate: dict) -> None:
    """Consolidate every trace through ``times`` (``times[0]`` = now) and record the memory states.

    ``gate`` maps a trace kind to its gate. ``times[1:n_grid + 1]`` are the grid points from index ``recorded`` on; a
    session time off the grid may follow them.
    """
    for pathway, trace in traces.items():
        means = consolidate_course(trace, times, synthesis, gate[trace.kind])
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


def fear_figure(result, log):
    """Freezing per session and the memory traces over the timeline (``fear.png``)."""
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
