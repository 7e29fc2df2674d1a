"""The PFC disinhibition microcircuit (Brian2).

Conductance-based leaky integrate-and-fire pyramidal (E) and PV-like
interneuron (I) populations after Brunel & Wang 2001, with AMPA, NMDA
(Jahr–Stevens Mg²⁺ block) and GABA_A synapses and Poisson background drive.
Interneurons receive a larger NMDA share of their excitatory drive than
pyramidal cells, so blocking NMDARs (more on interneurons; see
:mod:`ketasim.pharmacology.pd`) lowers interneuron firing and disinhibits
pyramidal cells (Homayoun & Moghaddam 2007).

Several *conditions* (drug-free, the drug's peak, later moments with other
synaptic strengths, ...) are simulated in one Brian2 run as unconnected copies
of the same network: the same connectivity, each copy with its own NMDA block
and synaptic scaling. One run therefore gives all the quasi-static moments a
scenario needs, and the copies share the compiled code.

Readouts per condition: population rates, a glutamate-release index
(pyramidal spikes × release probability × synaptic scale), an LFP proxy (sum
of |I_AMPA| + |I_GABA| over pyramidal cells; Mazzoni et al. 2008) and its
30–80 Hz (gamma) power.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field

import numpy as np
from scipy.signal import welch

from ketasim.circuit.brian_setup import configure_brian
from ketasim.parameters import ParamRef, param

__all__ = ["CircuitCondition", "CircuitReadout", "PFCConfig", "by_cell_type", "fixed_indegree", "jahr_stevens_block",
           "simulate_pfc"]

_P = "circuit"
_BW = "Brunel & Wang 2001 J Comput Neurosci 11:63, Table 1"

# Cell parameters (Brunel & Wang 2001).
C_E = param(_P, "pyramidal.C", 0.5, "nF", _BW)
C_I = param(_P, "interneuron.C", 0.2, "nF", _BW)
GL_E = param(_P, "pyramidal.g_L", 25.0, "nS", _BW)
GL_I = param(_P, "interneuron.g_L", 20.0, "nS", _BW)
E_L = param(_P, "E_L", -70.0, "mV", _BW)
V_TH = param(_P, "V_threshold", -50.0, "mV", _BW)
V_RESET = param(_P, "V_reset", -55.0, "mV", _BW)
TREF_E = param(_P, "pyramidal.t_ref", 2.0, "ms", _BW)
TREF_I = param(_P, "interneuron.t_ref", 1.0, "ms", _BW)
E_EXC = param(_P, "E_exc", 0.0, "mV", _BW)
E_INH = param(_P, "E_inh", -70.0, "mV", _BW)
TAU_AMPA = param(_P, "tau_AMPA", 2.0, "ms", _BW)
TAU_NMDA_RISE = param(_P, "tau_NMDA_rise", 2.0, "ms", _BW)
TAU_NMDA_DECAY = param(_P, "tau_NMDA_decay", 100.0, "ms", _BW)
TAU_GABA = param(_P, "tau_GABA", 10.0, "ms", _BW)
DELAY = param(_P, "synaptic_delay", 0.5, "ms", _BW)
MG_MM = param(_P, "Mg_concentration", 1.0, "mM", "Jahr & Stevens 1990 J Neurosci 10:3178; physiological [Mg2+]o")
MG_K = param(_P, "jahr_stevens.k_Mg", 3.57, "mM", "Jahr & Stevens 1990 J Neurosci 10:3178 (as in Brunel & Wang 2001)")
MG_SLOPE = param(_P, "jahr_stevens.slope", 0.062, "1/mV", "Jahr & Stevens 1990 J Neurosci 10:3178 (as in Brunel & Wang 2001)")

# Total recurrent conductance per postsynaptic cell (Brunel & Wang's per-synapse
# values times their 1600 E / 400 I inputs), spread over this network's inputs.
# Brunel & Wang's recurrent NMDA is strong enough for persistent (working-memory)
# states; with linear, non-saturating NMDA synapses it runs away. A background
# PFC state needs far less of it, and stronger inhibition to stay asynchronous.
_REC_FIT = (
    "fitted: drug-free asynchronous irregular regime with pyramidal 1-10 Hz and interneurons 5-40 Hz "
    "(DESIGN 1.2; tests/test_circuit.py)"
)
_DISINHIBITION_FIT = (
    "fitted: graded disinhibition, interneuron rate down and pyramidal rate up at 10-30 mg/kg i.p. "
    "(Homayoun & Moghaddam 2007 J Neurosci 27:11496; Susin & Destexhe 2023 need a larger NMDA share onto interneurons)"
)
G_AMPA_REC = {
    "E": param(_P, "pyramidal.G_AMPA_rec_total", 0.5 * 0.104 * 1600, "nS", _REC_FIT,
               "0.5 x Brunel & Wang 2001 (0.104 nS x 1600 inputs)."),
    "I": param(_P, "interneuron.G_AMPA_rec_total", 0.3 * 0.081 * 1600, "nS", _DISINHIBITION_FIT,
               "0.3 x Brunel & Wang 2001 (0.081 nS x 1600 inputs): E-to-I drive is NMDA-rich."),
}
G_NMDA_REC = {
    "E": param(_P, "pyramidal.G_NMDA_rec_total", 0.05 * 0.327 * 1600, "nS", _REC_FIT,
               "0.05 x Brunel & Wang 2001 (0.327 nS x 1600 inputs)."),
    "I": param(_P, "interneuron.G_NMDA_rec_total", 0.15 * 0.258 * 1600, "nS", _DISINHIBITION_FIT,
               "0.15 x Brunel & Wang 2001 (0.258 nS x 1600 inputs)."),
}
G_GABA_REC = {
    "E": param(_P, "pyramidal.G_GABA_total", 3 * 1.25 * 400, "nS", _REC_FIT,
               "3 x Brunel & Wang 2001 (1.25 nS x 400 inputs)."),
    "I": param(_P, "interneuron.G_GABA_total", 3 * 0.973 * 400, "nS", _REC_FIT,
               "3 x Brunel & Wang 2001 (0.973 nS x 400 inputs)."),
}
NMDA_KINETIC_SCALE = param(
    _P, "nmda_linear_scale", 1 - np.exp(-1.0), "1",
    "Brunel & Wang 2001: gating jump 1 - exp(-alpha tau_x) with alpha = 0.5 /ms, tau_x = 2 ms",
    "The NMDA synapse here is linear (no saturation): each spike adds this fraction of the peak conductance.",
    low=0.0, high=1.0, range_reason="physical bound: a fraction of the peak conductance",
)
NMDA_DRIVE_VOLTAGE = param(
    _P, "ext_nmda_reference_voltage", -55.0, "mV",
    "Brunel & Wang 2001 (V_reset; typical subthreshold potential under background drive)",
    "The external NMDA share is defined as a share of the charge at this voltage, Mg2+ block included.",
)
N_EXT = param(_P, "background.n_inputs", 800, "1", _BW + " (800 external inputs)")
RATE_EXT = param(_P, "background.rate", 3.0, "Hz", _BW + " (3 Hz per external input)")
G_EXT_AMPA = {
    "E": param(_P, "pyramidal.g_ext_AMPA", 1.4 * 2.08, "nS", _REC_FIT, "1.4 x Brunel & Wang 2001 (2.08 nS)."),
    "I": param(_P, "interneuron.g_ext_AMPA", 1.5 * 1.62, "nS", _REC_FIT, "1.5 x Brunel & Wang 2001 (1.62 nS)."),
}
# The disinhibition hypothesis needs interneurons to take a larger share of
# their excitatory drive through NMDARs (Homayoun & Moghaddam 2007; Susin &
# Destexhe 2023). Part of each cell type's external drive arrives on NMDARs.
NMDA_SHARE_EXT = {
    "E": param(
        _P, "pyramidal.ext_nmda_share", 0.0, "1",
        "fitted: pyramidal background drive AMPA-only as in Brunel & Wang 2001",
        low=0.0, high=1.0, range_reason="physical bound: a share",
    ),
    "I": param(
        _P, "interneuron.ext_nmda_share", 0.6, "1", _DISINHIBITION_FIT + "; Homayoun & Moghaddam used MK-801",
        "Fraction of the interneurons' background excitatory charge carried by NMDARs.",
        low=0.0, high=1.0, range_reason="physical bound: a share",
    ),
}
IN_DEGREE = {
    "E": param(_P, "in_degree.excitatory", 80, "1",
               "fitted: sparse inputs for asynchronous irregular firing (Brunel 2000 J Comput Neurosci 8:183 regime)",
               "Fixed in-degree, so small (--quick) and default networks give each cell the same input statistics."),
    "I": param(_P, "in_degree.inhibitory", 20, "1", "as above (4:1 E:I ratio of Brunel & Wang 2001)",
               low=1, high=400, range_reason="a count: 1 to Brunel & Wang's 400 inhibitory inputs"),
}
RELEASE_PROB = param(
    _P, "release_probability", 0.3, "1",
    "Murthy et al. 1997 Neuron 18:599 (cortical/hippocampal synapses, mean p_r about 0.3)",
    "Scales the glutamate-release index; mGluR2 (presynaptic brake) lowers it.",
    low=0.01, high=1.0, range_reason="physical bound: a probability (above 0, so release can be normalised)",
)
GAMMA_BAND = (
    param(_P, "gamma_band.low", 30.0, "Hz", "DESIGN.md 2.3 (30-80 Hz)"),
    param(_P, "gamma_band.high", 80.0, "Hz", "DESIGN.md 2.3 (30-80 Hz)"),
)


def jahr_stevens_block(v_mV: np.ndarray | float, mg_mM: float | None = None) -> np.ndarray:
    """Fraction of NMDA conductance left unblocked by Mg²⁺ (Jahr & Stevens 1990).

    ``B(V) = 1 / (1 + [Mg²⁺]/3.57 mM * exp(-0.062 V/mV))``, with [Mg²⁺], the
    3.57 mM and the 0.062 /mV from the active parameter set (``mg_mM``, if
    given, replaces its [Mg²⁺]).
    """
    if mg_mM is None:
        mg_mM = MG_MM()
    v = np.asarray(v_mV, dtype=float)
    return 1.0 / (1.0 + mg_mM / MG_K() * np.exp(-MG_SLOPE() * v))


def by_cell_type(refs: dict[str, ParamRef]) -> dict[str, float]:
    """``{"E": ..., "I": ...}`` of references → their values in the active set."""
    return {cell: ref() for cell, ref in refs.items()}


@dataclass(frozen=True)
class PFCConfig:
    """Size and run length of the PFC circuit.

    Attributes
    ----------
    n_exc, n_inh : int
        Pyramidal and interneuron counts (Brunel & Wang's 4:1 ratio by default).
    duration_s : float
        Simulated time per condition (s), after the warm-up.
    warmup_s : float
        Initial transient discarded from every readout (s).
    dt_ms : float
        Integration step (ms).
    """

    n_exc: int = 400
    n_inh: int = 100
    duration_s: float = 2.0
    warmup_s: float = 0.3
    dt_ms: float = 0.1

    @classmethod
    def quick(cls) -> PFCConfig:
        """A small, short profile for tests and ``--quick``."""
        return cls(n_exc=400, n_inh=100, duration_s=0.8, warmup_s=0.2)


@dataclass(frozen=True)
class CircuitCondition:
    """One quasi-static moment of the circuit.

    Attributes
    ----------
    block_pyramidal, block_interneuron : float
        Fractional NMDAR block (0-1) of each cell type.
    nmda_scale_pyramidal, nmda_scale_interneuron : float
        NMDA conductance relative to intact (subunit knock-down, expression).
    exc_scale : float
        Excitatory synaptic strength relative to baseline (spines, from the
        signalling layer); scales recurrent AMPA and NMDA conductances.
    release_scale : float
        Presynaptic release probability relative to baseline (mGluR2 brake).
    nmda_open_block : float
        Extra fraction of NMDARs kept shut by a competitive antagonist (APV).
    """

    block_pyramidal: float = 0.0
    block_interneuron: float = 0.0
    nmda_scale_pyramidal: float = 1.0
    nmda_scale_interneuron: float = 1.0
    exc_scale: float = 1.0
    release_scale: float = 1.0
    nmda_open_block: float = 0.0


@dataclass
class CircuitReadout:
    """Readouts of one condition.

    Attributes
    ----------
    pyr_rate_hz, int_rate_hz : float
        Mean firing rates after warm-up.
    glutamate_release : float
        Pyramidal spikes per second × release probability × synaptic scale
        (absolute; scenarios normalise to drug-free).
    gamma_power : float
        30–80 Hz power of the LFP proxy (absolute, nA²).
    cv_isi_pyr : float
        Mean coefficient of variation of pyramidal inter-spike intervals.
    lfp_freq_hz, lfp_psd : ndarray
        Welch spectrum of the LFP proxy.
    """

    pyr_rate_hz: float
    int_rate_hz: float
    glutamate_release: float
    gamma_power: float
    cv_isi_pyr: float
    lfp_freq_hz: np.ndarray = field(repr=False)
    lfp_psd: np.ndarray = field(repr=False)


_EQUATIONS = """
dv/dt = (g_L * (E_L - v) - I_syn) / C_m : volt (unless refractory)
I_ampa = exc_scale * g_ampa * (v - E_exc) : amp
I_nmda = nmda_gain * exc_scale * g_nmda * (v - E_exc) / (1 + Mg / k_Mg * exp(-mg_slope * v)) : amp
I_gaba = g_gaba * (v - E_inh) : amp
I_syn = I_ampa + I_nmda + I_gaba : amp
dg_ampa/dt = -g_ampa / tau_ampa : siemens
dg_nmda/dt = -g_nmda / tau_nmda_decay + x_nmda : siemens
dx_nmda/dt = -x_nmda / tau_nmda_rise : siemens/second
dg_gaba/dt = -g_gaba / tau_gaba : siemens
nmda_gain : 1 (constant)
exc_scale : 1 (constant)
g_ext_ampa : siemens (constant)
g_ext_nmda : siemens (constant)
w_ampa : siemens (constant)
w_nmda : siemens (constant)
w_gaba : siemens (constant)
g_L : siemens (constant)
C_m : farad (constant)
t_ref : second (constant)
"""


def fixed_indegree(rng: np.random.Generator, n_pre: int, n_post: int, k: int) -> tuple[np.ndarray, np.ndarray]:
    """Each postsynaptic cell draws ``k`` distinct presynaptic partners."""
    pre = np.argsort(rng.random((n_post, n_pre)), axis=1)[:, :k]
    post = np.repeat(np.arange(n_post), k)
    return pre.ravel(), post


def simulate_pfc(
    conditions: Sequence[CircuitCondition],
    config: PFCConfig | None = None,
    seed: int = 0,
    target: str | None = None,
) -> list[CircuitReadout]:
    """Simulate every condition as an unconnected copy of one network, in one run.

    Parameters
    ----------
    conditions : sequence of CircuitCondition
        The moments to simulate.
    config : PFCConfig, optional
        Network size and run length (default :class:`PFCConfig`).
    seed : int
        Seeds connectivity (numpy) and Brian2's random streams. Same seed and
        conditions give identical results on the same machine.
    target : str, optional
        Brian2 code-generation target (``cython`` or ``numpy``); default from
        the ``brian_target`` setting (:mod:`ketasim.settings`).

    Returns
    -------
    list of CircuitReadout
        One per condition, in order.
    """
    import brian2 as b2

    config = config or PFCConfig()
    configure_brian(target)
    b2.start_scope()
    b2.seed(seed)
    rng = np.random.default_rng(seed)

    n_e, n_i = config.n_exc, config.n_inh
    n = n_e + n_i
    copies = len(conditions)
    total = copies * n
    dt = config.dt_ms * b2.ms
    b2.defaultclock.dt = dt

    e_l, v_th, tau_ampa, tau_nmda_decay = E_L(), V_TH(), TAU_AMPA(), TAU_NMDA_DECAY()
    n_ext, rate_ext, delay = int(N_EXT()), RATE_EXT(), DELAY()
    namespace = {
        "E_L": e_l * b2.mV, "E_exc": E_EXC() * b2.mV, "E_inh": E_INH() * b2.mV,
        "Mg": MG_MM(), "k_Mg": MG_K(), "mg_slope": MG_SLOPE() / b2.mV,
        "tau_ampa": tau_ampa * b2.ms, "tau_nmda_rise": TAU_NMDA_RISE() * b2.ms,
        "tau_nmda_decay": tau_nmda_decay * b2.ms, "tau_gaba": TAU_GABA() * b2.ms,
    }
    group = b2.NeuronGroup(
        total, _EQUATIONS, threshold="v > V_th", reset="v = V_reset", refractory="t_ref",
        method="euler", namespace={**namespace, "V_th": v_th * b2.mV, "V_reset": V_RESET() * b2.mV},
        name="pfc",
    )
    local = np.arange(total) % n
    copy_of = np.arange(total) // n
    is_exc = local < n_e
    k_e = min(int(IN_DEGREE["E"]()), n_e)
    k_i = min(int(IN_DEGREE["I"]()), n_i)

    def by_type(refs: dict[str, ParamRef]) -> np.ndarray:
        values = by_cell_type(refs)
        return np.where(is_exc, values["E"], values["I"])

    group.C_m = by_type({"E": C_E, "I": C_I}) * b2.nF
    group.g_L = by_type({"E": GL_E, "I": GL_I}) * b2.nS
    group.t_ref = by_type({"E": TREF_E, "I": TREF_I}) * b2.ms
    group.w_ampa = by_type(G_AMPA_REC) / k_e * b2.nS
    group.w_nmda = by_type(G_NMDA_REC) * NMDA_KINETIC_SCALE() / k_e * b2.nS
    group.w_gaba = by_type(G_GABA_REC) / k_i * b2.nS
    # Background: a share of the external excitatory charge arrives on NMDARs.
    # An NMDA event carries tau_decay/tau_ampa times the charge of an AMPA event.
    share = by_type(NMDA_SHARE_EXT)
    g_ext = by_type(G_EXT_AMPA)
    group.g_ext_ampa = g_ext * (1 - share) * b2.nS
    group.g_ext_nmda = (
        g_ext * share * tau_ampa / tau_nmda_decay / jahr_stevens_block(NMDA_DRIVE_VOLTAGE()) * b2.nS
    )

    block = np.array([[c.block_pyramidal, c.block_interneuron] for c in conditions])
    scale = np.array([[c.nmda_scale_pyramidal, c.nmda_scale_interneuron] for c in conditions])
    open_block = np.array([c.nmda_open_block for c in conditions])
    gain = np.where(
        is_exc,
        scale[copy_of, 0] * (1 - block[copy_of, 0]),
        scale[copy_of, 1] * (1 - block[copy_of, 1]),
    ) * (1 - open_block[copy_of])
    group.nmda_gain = gain
    group.exc_scale = np.array([c.exc_scale for c in conditions])[copy_of]
    group.v = (e_l + (v_th - e_l) * rng.random(total)) * b2.mV

    # One connectivity drawn for a single copy, tiled over the copies.
    pre_e, post_e = fixed_indegree(rng, n_e, n, k_e)
    pre_i, post_i = fixed_indegree(rng, n_i, n, k_i)
    offsets = (np.arange(copies) * n)[:, None]
    exc = b2.Synapses(
        group, group, on_pre="g_ampa_post += w_ampa_post\nx_nmda_post += w_nmda_post / tau_nmda_rise",
        delay=delay * b2.ms, name="exc",
    )
    exc.connect(i=(pre_e + offsets).ravel(), j=(post_e + offsets).ravel())
    inh = b2.Synapses(group, group, on_pre="g_gaba_post += w_gaba_post", delay=delay * b2.ms, name="inh")
    inh.connect(i=(pre_i + n_e + offsets).ravel(), j=(post_i + offsets).ravel())

    ext_ampa = b2.PoissonInput(group, "g_ampa", n_ext, rate_ext * b2.Hz, weight="g_ext_ampa / exc_scale")
    ext_nmda = b2.PoissonInput(group, "x_nmda", n_ext, rate_ext * b2.Hz,
                               weight="g_ext_nmda / (exc_scale * tau_nmda_rise)")

    # LFP proxy: one summing cell per copy collects |I_AMPA| + |I_GABA| of its pyramidal cells.
    lfp = b2.NeuronGroup(copies, "lfp : amp", name="lfp")
    collect = b2.Synapses(group, lfp, "lfp_post = abs(I_ampa_pre) + abs(I_gaba_pre) : amp (summed)", name="collect")
    exc_index = np.flatnonzero(is_exc)
    collect.connect(i=exc_index, j=copy_of[exc_index])
    sample_dt = 1 * b2.ms
    lfp_monitor = b2.StateMonitor(lfp, "lfp", record=True, dt=sample_dt, name="lfp_monitor")
    spikes = b2.SpikeMonitor(group, name="spikes")

    net = b2.Network(group, exc, inh, ext_ampa, ext_nmda, lfp, collect, lfp_monitor, spikes)
    net.run((config.warmup_s + config.duration_s) * b2.second, namespace=namespace)

    return readouts_from_records(
        conditions, config, np.asarray(spikes.i[:]), np.asarray(spikes.t[:] / b2.second),
        np.asarray(lfp_monitor.lfp[:] / b2.nA), np.asarray(lfp_monitor.t[:] / b2.second),
    )


def readouts_from_records(
    conditions: Sequence[CircuitCondition],
    config: PFCConfig,
    spike_i: np.ndarray,
    spike_t: np.ndarray,
    lfp_trace: np.ndarray,
    lfp_time: np.ndarray,
) -> list[CircuitReadout]:
    """Readouts of every copy from the recorded spikes and LFP (shared by the runtime and compiled engines).

    Parameters
    ----------
    conditions : sequence of CircuitCondition
        One per copy, in copy order (copy ``k`` holds neurons ``k*n .. (k+1)*n - 1``).
    config : PFCConfig
        Network size and run length.
    spike_i, spike_t : ndarray
        Spiking neuron indices and spike times (s).
    lfp_trace : ndarray
        LFP proxy (nA), one row per copy (at least ``len(conditions)`` rows).
    lfp_time : ndarray
        LFP sample times (s).
    """
    n_e, n_i = config.n_exc, config.n_inh
    n = n_e + n_i
    keep = spike_t >= config.warmup_s
    spike_i, spike_t = spike_i[keep], spike_t[keep]
    lfp_trace = lfp_trace[:, lfp_time >= config.warmup_s]

    copy_of = spike_i // n
    gamma_low, gamma_high = (edge() for edge in GAMMA_BAND)
    release_prob = RELEASE_PROB()
    readouts = []
    for k, condition in enumerate(conditions):
        in_copy = copy_of == k
        local_i = spike_i[in_copy] - k * n
        e_spikes = local_i < n_e
        pyr_rate = e_spikes.sum() / (n_e * config.duration_s)
        int_rate = (~e_spikes).sum() / (n_i * config.duration_s)
        # One spectrum per copy (a batched FFT may round differently with the batch size).
        freq, psd = welch(lfp_trace[k] - lfp_trace[k].mean(), fs=1000.0, nperseg=min(256, lfp_trace.shape[1]))
        band = (freq >= gamma_low) & (freq <= gamma_high)
        gamma = float(np.trapezoid(psd[band], freq[band]))
        readouts.append(
            CircuitReadout(
                pyr_rate_hz=float(pyr_rate),
                int_rate_hz=float(int_rate),
                glutamate_release=float(pyr_rate * release_prob * condition.release_scale * condition.exc_scale),
                gamma_power=gamma,
                cv_isi_pyr=_mean_cv(local_i[e_spikes], spike_t[in_copy][e_spikes]),
                lfp_freq_hz=freq,
                lfp_psd=psd,
            )
        )
    return readouts


def _mean_cv(cell: np.ndarray, times: np.ndarray) -> float:
    """Mean CV of inter-spike intervals over cells with at least 3 spikes (NaN if none)."""
    order = np.lexsort((times, cell))
    cell, times = cell[order], times[order]
    same = cell[1:] == cell[:-1]
    isi, owner = np.diff(times)[same], cell[1:][same]
    if isi.size == 0:
        return float("nan")
    cells, index, count = np.unique(owner, return_inverse=True, return_counts=True)
    total = np.bincount(index, isi)
    mean = total / count
    var = np.bincount(index, (isi - mean[index]) ** 2) / count
    ok = (count >= 2) & (mean > 0)
    return float(np.mean(np.sqrt(var[ok]) / mean[ok])) if ok.any() else float("nan")
