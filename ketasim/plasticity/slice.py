"""In-vitro slice experiments: induction, paired pulses and the LTP time course.

Reduced scheme (documented, not 60 min of spiking):

1. **Induction in Brian2.** One copy of the slice per condition (drug-free,
   bath drugs, knockouts) — ``N`` stimulated afferents with heterogeneous
   release fractions onto one passive dendritic compartment with AMPA and
   NMDA (Jahr–Stevens Mg²⁺) conductances — all copies in one run. The
   stimulus pattern (HFS, TBS, LFS, pairing with a depolarising clamp, or
   none) drives the CCK-gated rule of :mod:`ketasim.plasticity.equations`;
   the run ends when the eligibility traces have decayed. Its result is the
   *early* potentiation ``Δ0`` of the test response ``Σ w U`` (test pulses at
   0.03 Hz leave ``u, x`` at rest, so the response is proportional to the
   weights).
2. **Expression and consolidation ODE** over the follow-up, solved exactly:
   early potentiation decays (``tau_early``) and is captured into a stable
   late phase at a rate ``h(Δ0) / tau_consolidation``, where the protein-
   synthesis trigger ``h = mtor · Δ0² / (Δ0² + θ²)`` is weak after weak
   induction (Frey & Morris 1997)::

       dE/dt = −E / tau_early − h E / tau_cons,   E(0) = Δ0
       dL/dt = h E / tau_cons,                    L(0) = 0
       response(t) = 1 + E(t) + L(t)

3. **Paired pulses in Brian2** at each interval, the response being the
   simulated EPSP (AMPA + NMDA currents in the compartment at rest; see
   :func:`simulate_paired_pulses` for the measure).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field

import numpy as np

from ketasim.circuit.brian_setup import configure_brian
from ketasim.plasticity import equations
from ketasim.plasticity import params as p
from ketasim.plasticity.equations import release_fractions

__all__ = [
    "INDUCTION_DEFAULTS",
    "Induction",
    "InductionReadout",
    "SliceCondition",
    "release_fractions",
    "response_time_course",
    "simulate_induction",
    "simulate_paired_pulses",
    "stimulus_times",
]

DT_MS = 0.1
TAIL_ELIGIBILITY_TAUS = 3.0
"""Run on after the last pulse for this many eligibility time constants (``ltp.eligibility_tau``): < 5 % is left."""


@dataclass(frozen=True)
class SliceCondition:
    """What the slice's synapses see during induction.

    Attributes
    ----------
    nmda_block : float
        Fraction of NMDARs blocked by ketamine (0-1, from :mod:`ketasim.pharmacology.pd`).
    apv_occupancy : float
        Fraction kept from opening by APV (0-1).
    nmda_scale : float
        NMDA conductance relative to intact (subunit knock-downs).
    nmda_agonist_uM : float
        Bath NMDA (µM).
    cck8s_uM, cckb_antagonist_uM : float
        Bath CCK-8s and CCK-B antagonist (µM).
    cck : float
        CCK release scale (``mechanisms.cck``; 0 = knockout).
    cckbr : float
        CCK-B receptor expression (``mechanisms.cckbr``).
    mtor : float
        Protein-synthesis capacity for consolidation (``mechanisms.mtor``).
    """

    nmda_block: float = 0.0
    apv_occupancy: float = 0.0
    nmda_scale: float = 1.0
    nmda_agonist_uM: float = 0.0
    cck8s_uM: float = 0.0
    cckb_antagonist_uM: float = 0.0
    cck: float = 1.0
    cckbr: float = 1.0
    mtor: float = 1.0

    @property
    def nmda_available(self) -> float:
        """Fraction of NMDA conductance that can open (0-1 for intact expression)."""
        return (1.0 - self.nmda_block) * (1.0 - self.apv_occupancy) * self.nmda_scale


@dataclass(frozen=True)
class Induction:
    """A stimulation pattern: ``trains`` trains of ``pulses`` at ``frequency_hz``.

    ``kind`` is ``hfs``, ``tbs`` (a "train" is one theta burst), ``lfs``,
    ``pairing`` (pulses while the compartment is clamped at the holding
    potential) or ``none`` (no stimulation, ``duration_s`` of recording).
    """

    kind: str = "hfs"
    pulses: int = 100
    frequency_hz: float = 100.0
    trains: int = 1
    train_interval_s: float = 20.0
    duration_s: float = 2.0


INDUCTION_DEFAULTS: dict[str, dict] = {
    # Bliss & Lomo 1973; Chen et al. 2019 PNAS use HFS trains at 100 Hz.
    "hfs": {"pulses": 100, "frequency_hz": 100.0, "trains": 1, "train_interval_s": 20.0},
    # Larson, Wong & Lynch 1986 Brain Res 368:347: bursts of 4 at 100 Hz, 5 Hz apart.
    "tbs": {"pulses": 4, "frequency_hz": 100.0, "trains": 10, "train_interval_s": 0.2},
    # Dudek & Bear 1992 PNAS 89:4363: 900 pulses at 1 Hz.
    "lfs": {"pulses": 900, "frequency_hz": 1.0, "trains": 1, "train_interval_s": 0.0},
    # Whole-cell pairing: low-frequency pulses during depolarisation to about 0 mV.
    "pairing": {"pulses": 100, "frequency_hz": 2.0, "trains": 1, "train_interval_s": 0.0},
    "none": {"pulses": 0, "frequency_hz": 1.0, "trains": 1, "train_interval_s": 0.0},
}


def stimulus_times(induction: Induction) -> np.ndarray:
    """Pulse times (s) of an induction pattern, starting at 10 ms."""
    if induction.kind == "none" or induction.pulses == 0:
        return np.zeros(0)
    within = np.arange(induction.pulses) / induction.frequency_hz
    train_length = induction.pulses / induction.frequency_hz
    starts = np.arange(induction.trains) * max(induction.train_interval_s, train_length)
    return 0.01 + (starts[:, None] + within[None, :]).ravel()


@dataclass
class InductionReadout:
    """Result of inducing plasticity in one condition.

    Attributes
    ----------
    early_potentiation : float
        ``Δ0``: test response after induction over before, minus 1.
    cck_released_nM : float
        CCK released into the extracellular pool during the run (nM).
    peak_cck_nM : float
        Peak endogenous extracellular CCK (nM).
    peak_gate : float
        Peak CCK-B gate (0-1 for intact receptors).
    peak_calcium : float
        Peak synapse-mean NMDAR Ca²⁺ signal (normalised).
    trace_t_s, trace_v_mV, trace_gate : ndarray
        Down-sampled traces of the run (for figures).
    """

    early_potentiation: float
    cck_released_nM: float
    peak_cck_nM: float
    peak_gate: float
    peak_calcium: float
    trace_t_s: np.ndarray = field(repr=False, default_factory=lambda: np.zeros(0))
    trace_v_mV: np.ndarray = field(repr=False, default_factory=lambda: np.zeros(0))
    trace_gate: np.ndarray = field(repr=False, default_factory=lambda: np.zeros(0))


_NEURON = """
dv/dt = (g_L * (E_L - v) + g_ampa * (E_exc - v) + g_nmda * (E_exc - v)) / C_m + clamp * (v_hold - v) / tau_clamp : volt
dg_ampa/dt = -g_ampa / tau_ampa : siemens
g_nmda = g_nmda_unit * nmda_avail * (nmda_open + n_synapses * nmda_tonic) / (1 + exp(-mg_slope * v / mV) * mg_mM / mg_k) : siemens
clamp : 1 (constant)
"""


def _seeds(seed: int | Sequence[int], n_conditions: int) -> list[int]:
    """One seed per condition: ``seed`` for all, or one each (conditions of several scenarios in one run)."""
    seeds = [int(seed)] * n_conditions if isinstance(seed, int | np.integer) else [int(s) for s in seed]
    if len(seeds) != n_conditions:
        raise ValueError(f"need one seed per condition ({n_conditions}), got {len(seeds)}")
    return seeds


def _release_fractions(seeds: Sequence[int], n_syn: int) -> np.ndarray:
    """Each condition's synapses' release fractions U, shape (n_conditions, n_syn): drawn from its own seed."""
    drawn: dict[int, np.ndarray] = {}
    for s in seeds:
        if s not in drawn:
            drawn[s] = release_fractions(np.random.default_rng(s), n_syn)
    return np.array([drawn[s] for s in seeds])


def _build(conditions: Sequence[SliceCondition], n_inputs: int, seed: int, plastic: bool, clamp: bool):
    """One postsynaptic compartment per condition × input channel; returns (b2, net, post, syn)."""
    import brian2 as b2

    configure_brian()
    b2.start_scope()
    b2.seed(seed)
    b2.defaultclock.dt = DT_MS * b2.ms
    n_cond = len(conditions)
    n_syn = int(p.N_SYNAPSES())
    rest_mV, nmda_ec50_uM = p.POST_EL_MV(), p.NMDA_EC50_UM()
    namespace = {
        **equations.namespace(),
        "g_L": p.POST_GL_NS() * b2.nS,
        "E_L": rest_mV * b2.mV,
        "E_exc": p.E_EXC_MV() * b2.mV,
        "C_m": p.POST_C_PF() * b2.pF,
        "tau_ampa": p.TAU_AMPA_MS() * b2.ms,
        "tau_clamp": p.CLAMP_TAU_MS() * b2.ms,
        "v_hold": p.PAIRING_HOLD_MV() * b2.mV,
        "g_nmda_unit": p.G_NMDA_NS() * b2.nS,
    }
    post = b2.NeuronGroup(
        n_cond * n_inputs, _NEURON + equations.gate_equations(), method="euler",
        namespace=namespace, name="slice_post",
    )
    post.v = rest_mV * b2.mV
    cond_of = np.repeat(np.arange(n_cond), n_inputs)
    post.nmda_avail = [conditions[c].nmda_available for c in cond_of]
    post.nmda_tonic = [conditions[c].nmda_agonist_uM / (conditions[c].nmda_agonist_uM + nmda_ec50_uM)
                       for c in cond_of]
    post.cck_scale = [conditions[c].cck for c in cond_of]
    post.cckbr = [conditions[c].cckbr for c in cond_of]
    post.cck8s_nM = [conditions[c].cck8s_uM * 1e3 for c in cond_of]
    post.antagonist_nM = [conditions[c].cckb_antagonist_uM * 1e3 for c in cond_of]
    post.n_synapses = n_syn
    post.clamp = 1.0 if clamp else 0.0
    return b2, namespace, post, cond_of


def simulate_induction(
    conditions: Sequence[SliceCondition], induction: Induction, seed: int | Sequence[int] = 0
) -> list[InductionReadout]:
    """Run ``induction`` on every condition in one Brian2 run.

    The copies do not interact, so a condition's readout is the same in any
    batch (a test): several scenarios' slices may share a run.

    Parameters
    ----------
    conditions : sequence of SliceCondition
        Slices to stimulate identically.
    induction : Induction
        Stimulation pattern.
    seed : int or sequence of int
        Seeds the release-fraction heterogeneity: one for every condition
        (same synapses), or one per condition.

    Returns
    -------
    list of InductionReadout
        One per condition.
    """
    times = stimulus_times(induction)
    seeds = _seeds(seed, len(conditions))
    b2, namespace, post, _ = _build(conditions, 1, seeds[0], plastic=True, clamp=induction.kind == "pairing")
    n_cond, n_syn = len(conditions), int(p.N_SYNAPSES())
    stim = b2.SpikeGeneratorGroup(1, np.zeros(times.size, dtype=int), times * b2.second, name="stimulus")
    syn = b2.Synapses(stim, post, model=equations.synapse_model(True), on_pre=equations.synapse_on_pre(),
                      method="euler", namespace=namespace, name="slice_synapses")
    syn.connect(i=0, j=np.repeat(np.arange(n_cond), n_syn))
    u_values = _release_fractions(seeds, n_syn)
    syn.U = u_values.ravel()
    syn.x = 1.0
    syn.w = 1.0
    every = 1 * b2.ms
    monitor = b2.StateMonitor(post, ["v", "cckb_gate", "cck"], record=True, dt=every, name="slice_trace")
    ca_monitor = b2.StateMonitor(syn, "ca", record=True, dt=every, name="slice_ca")
    net = b2.Network(stim, post, syn, monitor, ca_monitor)
    tail_s = TAIL_ELIGIBILITY_TAUS * p.TAU_ELIGIBILITY_S()
    duration = (times[-1] if times.size else induction.duration_s) + tail_s
    net.run(duration * b2.second, namespace=namespace)

    weights = np.asarray(syn.w[:]).reshape(n_cond, n_syn)
    ca = np.asarray(ca_monitor.ca[:]).reshape(n_cond, n_syn, -1).mean(axis=1)
    released = np.asarray(post.cck_released[:])
    readouts = []
    for c in range(n_cond):
        response = float(np.dot(weights[c], u_values[c]) / u_values[c].sum())
        readouts.append(InductionReadout(
            early_potentiation=response - 1.0,
            cck_released_nM=float(released[c]),
            peak_cck_nM=float(np.max(monitor.cck[c])),
            peak_gate=float(np.max(monitor.cckb_gate[c])),
            peak_calcium=float(ca[c].max()),
            trace_t_s=np.asarray(monitor.t / b2.second)[::10],
            trace_v_mV=np.asarray(monitor.v[c] / b2.mV)[::10],
            trace_gate=np.asarray(monitor.cckb_gate[c])[::10],
        ))
    return readouts


def simulate_paired_pulses(
    conditions: Sequence[SliceCondition], intervals_ms: Sequence[float], seed: int | Sequence[int] = 0
) -> tuple[np.ndarray, dict]:
    """Paired-pulse ratios measured from the simulated postsynaptic EPSPs.

    Measure (as in whole-cell slice recordings of paired EPSPs): for every
    condition the compartment is simulated with the pulse pair at each
    interval and, in a further copy with the same synapses, with the first
    pulse alone. The first EPSP is the peak of the single-pulse response
    ``v − E_L``; the second EPSP is the peak, within 30 ms after the second
    pulse, of the paired trace minus the single-pulse trace (the first
    response's tail is subtracted when it has not decayed). The ratio is
    second over first. Both EPSPs carry the AMPA and the NMDA (Mg²⁺-blocked)
    currents, so NMDAR block enters the measure through the membrane
    potential, not only through release.

    Returns
    -------
    ratios : ndarray, shape (n_conditions, n_intervals)
        EPSP paired-pulse ratios.
    traces : dict
        ``t_ms`` (from the first pulse), ``epsp_mV`` (n_conditions,
        n_intervals, n_samples: paired ``v − E_L``), ``single_mV``
        (n_conditions, n_samples), ``first_epsp_mV`` (n_conditions,),
        ``release_ratio`` (n_conditions, n_intervals: ``Σ w r₂ / Σ w r₁``,
        the presynaptic part alone) and ``intervals_ms``.
    """
    intervals = np.asarray(intervals_ms, dtype=float)
    n_int, n_cond, n_syn = intervals.size, len(conditions), int(p.N_SYNAPSES())
    n_chan = n_int + 1  # channel n_int: first pulse only
    seeds = _seeds(seed, n_cond)
    b2, namespace, post, _ = _build(conditions, n_chan, seeds[0], plastic=False, clamp=False)
    first = 0.01
    channels = np.concatenate([np.repeat(np.arange(n_int), 2), [n_int]])
    times = np.concatenate([np.column_stack([np.full(n_int, first), first + intervals / 1e3]).ravel(), [first]])
    stim = b2.SpikeGeneratorGroup(n_chan, channels, times * b2.second, name="paired_stimulus")
    syn = b2.Synapses(stim, post, model=equations.synapse_model(False) + "\nr_first : 1\nr_second : 1\nn_spikes : 1",
                      on_pre=equations.synapse_on_pre()
                      + "\nn_spikes += 1\nr_first += r * int(n_spikes == 1)\nr_second += r * int(n_spikes == 2)",
                      method="euler", namespace=namespace, name="paired_synapses")
    # Post index = condition * n_chan + channel; stimulus channel = channel.
    post_index = np.repeat(np.arange(n_cond * n_chan), n_syn)
    syn.connect(i=post_index % n_chan, j=post_index)
    syn.U = np.repeat(_release_fractions(seeds, n_syn), n_chan, axis=0).ravel()  # every channel of a condition alike
    syn.x = 1.0
    syn.w = 1.0
    monitor = b2.StateMonitor(post, "v", record=True, dt=DT_MS * b2.ms, name="paired_trace")
    net = b2.Network(stim, post, syn, monitor)
    window_ms = 30.0
    net.run((first + (intervals.max() + window_ms) / 1e3 + 0.01) * b2.second, namespace=namespace)

    t_ms = np.asarray(monitor.t / b2.ms) - first * 1e3
    epsp = (np.asarray(monitor.v / b2.mV) - p.POST_EL_MV()).reshape(n_cond, n_chan, -1)
    paired, single = epsp[:, :n_int], epsp[:, n_int]
    after_first = (t_ms >= 0.0) & (t_ms < window_ms)
    first_peak = single[:, after_first].max(axis=1)
    ratios = np.empty((n_cond, n_int))
    for k, interval in enumerate(intervals):
        after_second = (t_ms >= interval) & (t_ms < interval + window_ms)
        second_peak = (paired[:, k] - single)[:, after_second].max(axis=1)
        ratios[:, k] = second_peak / first_peak
    w = np.asarray(syn.w[:]).reshape(n_cond, n_chan, n_syn)[:, :n_int]
    r1 = np.asarray(syn.r_first[:]).reshape(n_cond, n_chan, n_syn)[:, :n_int]
    r2 = np.asarray(syn.r_second[:]).reshape(n_cond, n_chan, n_syn)[:, :n_int]
    traces = {
        "t_ms": t_ms,
        "epsp_mV": paired,
        "single_mV": single,
        "first_epsp_mV": first_peak,
        "release_ratio": (w * r2).sum(axis=2) / (w * r1).sum(axis=2),
        "intervals_ms": intervals,
    }
    return ratios, traces


def consolidation_trigger(early: float, mtor: float = 1.0) -> float:
    """Protein-synthesis trigger ``h = min(mtor, 1) · Δ0² / (Δ0² + θ²)`` (0-1)."""
    e2 = max(early, 0.0) ** 2
    return min(max(mtor, 0.0), 1.0) * e2 / (e2 + p.CONSOLIDATION_THRESHOLD()**2)


def response_time_course(early: float, t_min: np.ndarray | float, mtor: float = 1.0) -> np.ndarray:
    """Normalised test response (baseline = 1) at ``t_min`` minutes after induction (1 before it).

    Exact solution of the expression/consolidation ODE in the module docstring.
    """
    t = np.asarray(t_min, dtype=float)
    h = consolidation_trigger(early, mtor)
    capture = h / p.TAU_CONSOLIDATION_MIN()
    rate = 1.0 / p.TAU_EARLY_MIN() + capture
    after = np.clip(t, 0.0, None)
    e_t = early * np.exp(-rate * after)
    late = early * capture / rate * (1.0 - np.exp(-rate * after))
    return np.where(t >= 0.0, 1.0 + e_t + late, 1.0)
