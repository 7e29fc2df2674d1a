"""Lateral habenula: NMDAR-dependent burst firing (Brian2).

Yang et al. 2018 (Nature 554:317) found that LHb neurons of depressive-like
rats fire bursts that need both NMDARs and T-type Ca²⁺ channels, that APV,
ketamine or T-channel blockers stop them, and that more neurons burst when
their membrane is hyperpolarised (by astroglial Kir4.1 K⁺ buffering; Cui et
al. 2018 Nature 554:323).

Model: single-compartment conductance-based neurons (thalamic-relay-like,
Destexhe et al. 1996) with Traub–Miles Na⁺/K⁺ spikes, the low-threshold
T-type Ca²⁺ current of Huguenard & McCormick 1992, a leak, and a K⁺ leak
whose conductance (the Kir4.1 axis) differs from cell to cell. Each cell gets
glutamatergic input as Poisson *barrages* (all its afferents at once, as from
upstream bursts) through AMPA and NMDA (Jahr–Stevens Mg²⁺) synapses. In hyperpolarised cells the T channels are de-inactivated and the
slow NMDA depolarisation lifts the membrane to the T threshold: a
low-threshold spike crowned by a burst of Na⁺ spikes. Depolarised cells fire
single spikes. Blocking NMDARs removes the slow depolarisation, so the
hyperpolarised cells fall silent and the population's burst fraction drops.

Bursts are detected from spike times only: a spike belongs to a burst when
it is in a run of at least two spikes with inter-spike intervals ≤
``burst.isi_max`` whose first spike follows ≥ ``burst.silence`` without
spikes (the LTS signature; after Lu, Guido & Sherman 1992). With the
T-type conductance removed (``LHbCondition.t_channel_scale = 0``) the
detector finds no bursts (tests/test_lhb.py), so it counts T-channel
rebound bursts, not NMDA-driven doublets.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np

from ketasim.circuit.brian_setup import configure_brian, unit_name
from ketasim.circuit.pfc import MG_K, MG_MM, MG_SLOPE
from ketasim.parameters import param
from ketasim.sampling import lognormal_mean_cv

__all__ = [
    "LHbCondition", "LHbConfig", "LHbDeclaration", "LHbReadout", "LHbRecord", "RuntimeLHb", "burst_spikes",
    "constants", "lhb_readouts", "run_values", "signature", "simulate_lhb",
]

_P = "lhb"
_D96 = "Destexhe, Contreras, Steriade, Sejnowski & Huguenard 1996 J Neurophysiol 76:2049 (thalamic relay cell)"
_FIT = (
    "fitted: in the drug-free model a sizeable minority of hyperpolarised cells burst while depolarised cells fire "
    "tonically, and APV stops the bursts (Yang et al. 2018 Nature 554:317, Figs. 1-3)"
)

AREA_CM2 = param(_P, "area", 2.9e-4, "cm2", _D96)
C_M = param(_P, "C_m", 1.0, "uF/cm2", _D96)
G_NA = param(_P, "g_Na", 90.0, "mS/cm2", _D96)
G_K = param(_P, "g_K", 10.0, "mS/cm2", _D96)
G_T = param(_P, "g_T", 2.0, "mS/cm2", _D96)
G_L = param(_P, "g_L", 0.01, "mS/cm2", _D96)
E_NA = param(_P, "E_Na", 50.0, "mV", _D96)
E_K = param(_P, "E_K", -100.0, "mV", _D96)
E_CA = param(_P, "E_Ca", 120.0, "mV", "Destexhe et al. 1996 (linearised T current)")
E_L = param(_P, "E_L", -70.0, "mV", _D96)
V_T = param(_P, "V_T", -52.0, "mV", "Traub & Miles 1991 kinetics as used by Destexhe et al. 1996")
G_KL_MEAN = param(_P, "g_KL_mean", 0.012, "mS/cm2", _FIT,
                  "K+ leak (Kir4.1 axis, Cui et al. 2018 Nature 554:323); sets how hyperpolarised each cell sits.")
G_KL_CV = param(_P, "g_KL_cv", 0.5, "1", _FIT, "Cell-to-cell variation (log-normal) of the K+ leak.")
N_INPUTS = param(_P, "n_inputs", 20, "1", "modelling choice: glutamatergic afferents per cell, active together in each barrage")
INPUT_RATE_HZ = param(_P, "barrage_rate", 3.0, "Hz",
                      "fitted: LHb firing of a few Hz with theta-range bursting (Yang et al. 2018; Weiss & Veh 2011 Neuroscience "
                      "172:74 report 1-10 Hz spontaneous LHb firing)",
                      low=1.0, high=10.0, range_reason="span of spontaneous LHb rates (Weiss & Veh 2011)")
W_AMPA_NS = param(_P, "w_AMPA", 0.3, "nS", _FIT)
W_NMDA_NS = param(_P, "w_NMDA", 1.5, "nS", _FIT, "NMDA-rich glutamatergic drive of LHb cells (Yang et al. 2018).")
TAU_AMPA_MS = param(_P, "tau_AMPA", 2.0, "ms", "Brunel & Wang 2001 J Comput Neurosci 11:63, Table 1")
TAU_NMDA_MS = param(_P, "tau_NMDA", 100.0, "ms", "Brunel & Wang 2001 J Comput Neurosci 11:63, Table 1")
BURST_ISI_MAX_MS = param(_P, "burst.isi_max", 20.0, "ms",
                         "Lu, Guido & Sherman 1992 J Neurophysiol 68:2185 (LTS bursts: ISI <= 4 ms after >= 100 ms "
                         "silence); relaxed for LHb intra-burst rates of 50-300 Hz (Yang et al. 2018)")
BURST_SILENCE_MS = param(_P, "burst.silence", 50.0, "ms",
                         "Lu, Guido & Sherman 1992 (hyperpolarised silence precedes an LTS); relaxed as above")


@dataclass(frozen=True)
class LHbCondition:
    """NMDAR availability of one copy of the LHb population.

    Attributes
    ----------
    nmda_block : float
        Ketamine block (0-1).
    apv_occupancy : float
        APV occupancy (0-1).
    nmda_scale : float
        NMDA conductance relative to intact (subunit knock-downs).
    t_channel_scale : float
        T-type Ca²⁺ conductance relative to intact (0 = fully blocked, as by
        mibefradil in Yang et al. 2018).
    """

    nmda_block: float = 0.0
    apv_occupancy: float = 0.0
    nmda_scale: float = 1.0
    t_channel_scale: float = 1.0

    @property
    def nmda_available(self) -> float:
        return (1.0 - self.nmda_block) * (1.0 - self.apv_occupancy) * self.nmda_scale


@dataclass(frozen=True)
class LHbConfig:
    """Population size and run length."""

    n_cells: int = 40
    duration_s: float = 10.0
    dt_ms: float = 0.05
    warmup_s: float = 0.5

    @classmethod
    def quick(cls) -> LHbConfig:
        return cls(n_cells=20, duration_s=3.0)


@dataclass
class LHbReadout:
    """Firing of one population copy.

    Attributes
    ----------
    burst_fraction : float
        Fraction of spikes that are in bursts (0 when there are no spikes).
    rate_hz : float
        Mean firing rate.
    bursting_cells : float
        Fraction of cells with at least one burst.
    spike_trains : list of ndarray
        Spike times (s, after warm-up) per cell.
    example_t_s, example_v_mV : ndarray
        Membrane potential of the most hyperpolarised recorded cell (for figures).
    """

    burst_fraction: float
    rate_hz: float
    bursting_cells: float
    spike_trains: list
    example_t_s: np.ndarray
    example_v_mV: np.ndarray


def burst_spikes(times_s: np.ndarray, isi_max_ms: float | None = None,
                 silence_ms: float | None = None) -> np.ndarray:
    """Boolean mask: which spikes of one train belong to bursts (see module docstring).

    ``isi_max_ms`` and ``silence_ms`` default to ``lhb.burst.isi_max`` and
    ``lhb.burst.silence`` of the active parameter set.
    """
    if isi_max_ms is None:
        isi_max_ms = BURST_ISI_MAX_MS()
    if silence_ms is None:
        silence_ms = BURST_SILENCE_MS()
    t = np.sort(np.asarray(times_s, dtype=float)) * 1e3
    mask = np.zeros(t.size, dtype=bool)
    i = 0
    while i < t.size:
        quiet_before = i == 0 or t[i] - t[i - 1] >= silence_ms
        j = i
        while j + 1 < t.size and t[j + 1] - t[j] <= isi_max_ms:
            j += 1
        if quiet_before and j > i:
            mask[i:j + 1] = True
        i = j + 1
    return mask


_EQS = """
dv/dt = (-I_Na - I_K - I_T - I_L - I_KL - I_syn) / C : volt
I_Na = g_na * m**3 * h * (v - E_na) : amp
I_K = g_k * n**4 * (v - E_k) : amp
I_T = g_t * t_scale * m_T_inf**2 * h_T * (v - E_ca) : amp
I_L = g_l * (v - E_l) : amp
I_KL = g_kl * (v - E_k) : amp
I_syn = g_ampa * v + nmda_avail * s_nmda * v / (1 + exp(-mg_slope * v / mV) * mg_mM / mg_k) : amp
u_v = (v - V_T) / mV : 1
dm/dt = 0.32 * 4 / exprel((13 - u_v) / 4) / ms * (1 - m) - 0.28 * 5 / exprel((u_v - 40) / 5) / ms * m : 1
dh/dt = 0.128 * exp((17 - u_v) / 18) / ms * (1 - h) - 4 / (1 + exp((40 - u_v) / 5)) / ms * h : 1
dn/dt = 0.032 * 5 / exprel((15 - u_v) / 5) / ms * (1 - n) - 0.5 * exp((10 - u_v) / 40) / ms * n : 1
m_T_inf = 1 / (1 + exp(-(v / mV + 57) / 6.2)) : 1
h_T_inf = 1 / (1 + exp((v / mV + 81) / 4)) : 1
tau_h_T = (30.8 + (211.4 + exp((v / mV + 113.2) / 5)) / (1 + exp((v / mV + 84) / 3.2))) / 3.737 * ms : second
dh_T/dt = (h_T_inf - h_T) / tau_h_T : 1
dg_ampa/dt = -g_ampa / tau_ampa : siemens
ds_nmda/dt = -s_nmda / tau_nmda : siemens
g_kl : siemens (constant)
nmda_avail : 1 (constant)
t_scale : 1 (constant)
"""


VERSION = 1  # of the declaration: bump when it changes (compiled binaries are keyed by it)
EXAMPLE_CELL = 0  # every copy records the membrane potential of its first cell, the most hyperpolarised one


@dataclass
class LHbRecord:
    """What one run leaves: spikes (cell index over all copies, time in s) and the example cells' potentials.

    ``trace_v_mV`` is samples × copies.
    """

    spike_i: np.ndarray
    spike_t: np.ndarray
    trace_t: np.ndarray
    trace_v_mV: np.ndarray


def constants() -> dict:
    """The namespace every LHb network is built with (the active parameter set's values, Brian2 quantities)."""
    import brian2 as b2

    area = AREA_CM2() * b2.cm**2
    per_cm2 = b2.msiemens / b2.cm**2
    return {
        "C": C_M() * b2.ufarad / b2.cm**2 * area,
        "g_na": G_NA() * per_cm2 * area, "g_k": G_K() * per_cm2 * area, "g_t": G_T() * per_cm2 * area,
        "g_l": G_L() * per_cm2 * area, "E_na": E_NA() * b2.mV, "E_k": E_K() * b2.mV, "E_ca": E_CA() * b2.mV,
        "E_l": E_L() * b2.mV, "V_T": V_T() * b2.mV, "tau_ampa": TAU_AMPA_MS() * b2.ms,
        "tau_nmda": TAU_NMDA_MS() * b2.ms,
        "mg_slope": MG_SLOPE(), "mg_mM": MG_MM(), "mg_k": MG_K(),
        "w_ampa": W_AMPA_NS() * b2.nS, "w_nmda": W_NMDA_NS() * b2.nS, "n_in": N_INPUTS(),
        "barrage_rate": INPUT_RATE_HZ() * b2.Hz,
    }


def constants_per_run_values() -> dict[str, object]:
    """The constants as a network that reads them per run takes them: ``"group.name"`` → value.

    The cells hold every constant (their synapses read them from there); the
    input sources hold the barrage rate. Values of the active parameter set.
    """
    ns = constants()
    return {**{f"lhb_cells.{k}": v for k, v in ns.items()}, "lhb_inputs.barrage_rate": ns["barrage_rate"]}


def signature(config: LHbConfig, copies: int, values: bool = True) -> str:
    """A digest of everything compiled into a network of ``copies`` copies: sizes, timing, constants, equations.

    With ``values=False``, the digest of a network that reads its constants
    per run (:class:`LHbDeclaration` with ``constants_per_run``): their names
    and units, and the resting potential the cells start from.
    """
    import hashlib

    if values:
        compiled = sorted((k, repr(v)) for k, v in constants().items())
    else:
        compiled = sorted((k, unit_name(v)) for k, v in constants_per_run_values().items())
        compiled.append(("initial v", repr(constants()["E_l"])))
    text = repr((VERSION, config, int(copies), compiled, _EQS) + (() if values else ("constants per run",)))
    return hashlib.sha256(text.encode()).hexdigest()[:16]


class LHbDeclaration:
    """The LHb network with ``copies`` identical copies of the population, declared for either engine.

    Every copy gets the same cells and the same input barrages; the copies
    differ only in their NMDAR availability and T-channel scaling
    (:func:`run_values`). The barrages are counter-based streams
    (:func:`ketasim.circuit.background.uniform_function`), so both engines
    draw the same ones from the seed.
    """

    def __init__(self, config: LHbConfig, copies: int, constants_per_run: bool = False):
        import brian2 as b2

        from ketasim.circuit.background import uniform_function

        self.config, self.copies = config, int(copies)
        n = config.n_cells
        b2.defaultclock.dt = config.dt_ms * b2.ms
        values = constants()
        start_v = values["E_l"]  # compiled in (a run's values are applied after the initial state)
        per_run = constants_per_run_values() if constants_per_run else {}
        declared = {group: "".join(f"\n{name.split('.')[1]} : {unit_name(v)} (shared, constant)"
                                   for name, v in per_run.items() if name.startswith(f"{group}."))
                    for group in ("lhb_cells", "lhb_inputs")}
        self.namespace = ns = {"hashed_uniform": uniform_function(), **({} if constants_per_run else values)}
        cells = b2.NeuronGroup(n * self.copies, _EQS + declared["lhb_cells"], method="exponential_euler",
                               threshold="v > -20*mV", refractory="v > -20*mV", namespace=ns, name="lhb_cells")
        cells.v = start_v
        cells.h = 1.0
        cells.h_T = 0.5
        # Afferents arrive in synchronous barrages (upstream bursts): one Poisson source per cell, each
        # event activating all of its afferents. The same barrages drive every copy.
        sources = b2.NeuronGroup(n, "key : 1 (constant)" + declared["lhb_inputs"],
                                 threshold="hashed_uniform(key, t_in_timesteps) < barrage_rate * dt",
                                 reset="", namespace=ns, name="lhb_inputs")
        syn = b2.Synapses(sources, cells, on_pre="g_ampa_post += n_in * w_ampa\ns_nmda_post += n_in * w_nmda",
                          namespace=ns, name="lhb_synapses")
        syn.connect(i=np.tile(np.arange(n), self.copies), j=np.arange(n * self.copies))
        self.spikes = b2.SpikeMonitor(cells, name="lhb_spikes")
        self.trace = b2.StateMonitor(cells, "v", record=[c * n + EXAMPLE_CELL for c in range(self.copies)],
                                     dt=0.2 * b2.ms, name="lhb_trace")
        self.groups = {"lhb_cells": cells, "lhb_inputs": sources}
        self.net = b2.Network(cells, sources, syn, self.spikes, self.trace)
        self.duration = (config.warmup_s + config.duration_s) * b2.second


def run_values(conditions: Sequence[LHbCondition], config: LHbConfig, seed: int) -> dict[str, object]:
    """The network's per-run variables (``"group.variable"`` → value) for these conditions and this seed.

    The seed sets each cell's K⁺ leak (the most hyperpolarised cell first, the
    one every copy records) and the barrage streams.
    """
    import brian2 as b2

    from ketasim.circuit.background import session_keys

    n = config.n_cells
    g_kl = lognormal_mean_cv(np.random.default_rng(seed), G_KL_MEAN(), G_KL_CV(), n)
    example = int(np.argmax(g_kl))
    g_kl[[EXAMPLE_CELL, example]] = g_kl[[example, EXAMPLE_CELL]]
    area = AREA_CM2() * b2.cm**2
    return {
        "lhb_cells.g_kl": np.tile(g_kl, len(conditions)) * b2.msiemens / b2.cm**2 * area,
        "lhb_cells.nmda_avail": np.repeat([c.nmda_available for c in conditions], n).astype(float),
        "lhb_cells.t_scale": np.repeat([c.t_channel_scale for c in conditions], n).astype(float),
        "lhb_inputs.key": session_keys(seed, 0, 1, n),
    }


class RuntimeLHb:
    """The runtime engine: one Brian2 runtime network per call, every condition a copy of the population."""

    def __init__(self, config: LHbConfig):
        self.config = config

    def simulate(self, conditions: Sequence[LHbCondition], seed: int) -> list[LHbReadout]:
        import brian2 as b2

        configure_brian()
        b2.start_scope()
        d = LHbDeclaration(self.config, len(conditions))
        for name, value in run_values(conditions, self.config, seed).items():
            group, variable = name.split(".")
            setattr(d.groups[group], variable, value)
        d.net.run(d.duration, namespace=d.namespace)
        record = LHbRecord(np.asarray(d.spikes.i[:]), np.asarray(d.spikes.t[:] / b2.second),
                           np.asarray(d.trace.t[:] / b2.second), np.asarray(d.trace.v[:] / b2.mV).T)
        return lhb_readouts(record, self.config, len(conditions))


def simulate_lhb(conditions: Sequence[LHbCondition], config: LHbConfig | None = None,
                 seed: int = 0) -> list[LHbReadout]:
    """Simulate every condition as an identical copy of the population (same cells, same seed).

    Runs on the engine of the ``engine`` setting: the compiled one by default
    (:mod:`ketasim.circuit.lhb_compiled`, one copy per binary run, each
    distinct condition once) or the runtime one (all copies in one network).
    The copies are unconnected, so both give each condition the same spikes.

    Parameters
    ----------
    conditions : sequence of LHbCondition
    config : LHbConfig, optional
    seed : int
        Seeds cell heterogeneity and the barrage streams.

    Returns
    -------
    list of LHbReadout
        One per condition.
    """
    from ketasim.circuit.engine import lhb_engine

    config = config or LHbConfig()
    return lhb_engine(config).simulate(conditions, int(seed))


def lhb_readouts(record: LHbRecord, config: LHbConfig, copies: int) -> list[LHbReadout]:
    """Burst fraction, rate, bursting cells, spike trains and the example trace of each copy (after warm-up)."""
    n = config.n_cells
    order = np.argsort(record.spike_i, kind="stable")  # stable: each cell's spikes stay in time order
    cuts = np.searchsorted(record.spike_i[order], np.arange(n * copies + 1))
    times = record.spike_t[order]
    isi_max_ms, silence_ms = BURST_ISI_MAX_MS(), BURST_SILENCE_MS()
    keep = record.trace_t >= config.warmup_s
    readouts = []
    for c in range(copies):
        cell_trains = []
        for k in range(n):
            t = times[cuts[c * n + k]:cuts[c * n + k + 1]]
            cell_trains.append(t[t >= config.warmup_s] - config.warmup_s)
        masks = [burst_spikes(t, isi_max_ms, silence_ms) for t in cell_trains]
        total = sum(t.size for t in cell_trains)
        in_bursts = sum(int(m.sum()) for m in masks)
        readouts.append(LHbReadout(
            burst_fraction=in_bursts / total if total else 0.0,
            rate_hz=total / (n * config.duration_s),
            bursting_cells=float(np.mean([m.any() for m in masks])),
            spike_trains=cell_trains,
            example_t_s=record.trace_t[keep] - config.warmup_s,
            example_v_mV=record.trace_v_mV[keep, c],
        ))
    return readouts
