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
of the same network, each copy with its own NMDA block and synaptic scaling.
One run therefore gives all the quasi-static moments a scenario needs, and the
copies share the compiled code.

The network is declared once, by :class:`PFCNetwork`, for both engines
(:mod:`ketasim.circuit.engine`): the runtime engine (:func:`simulate_pfc`)
builds it under Brian2's runtime device (``cython`` or ``numpy`` target), the
compiled engine (:mod:`ketasim.circuit.compiled`) under ``cpp_standalone``.
Everything random in a copy comes from that copy's own seed
(:func:`copy_inputs`): initial potentials and connectivity from numpy, the
Poisson background from counter-based hashed streams
(:mod:`ketasim.circuit.background`), not from Brian2's random number stream.
So both engines run the same model on the same numbers and fire the same
spikes: readouts made of spikes (rates, CV, release) are equal, on either
runtime target. The LFP proxy agrees to rounding, not bit for bit: C++ (with
the constants compiled in), the Cython source (constants read at run time)
and numpy order the membrane update's floating-point operations differently
(``-ffast-math`` lets the compiler fuse and reorder them), so a membrane
potential can differ in its last bit, about 1e-15 relative; moving a spike
would take such a difference falling on a threshold crossing
(``tests/test_performance.py`` checks both). A copy's results do not depend
on the other copies it runs with.

Readouts per condition: population rates, a glutamate-release index
(pyramidal spikes × release probability × synaptic scale), an LFP proxy (sum
of |I_AMPA| + |I_GABA| over pyramidal cells; Mazzoni et al. 2008) and its
30–80 Hz (gamma) power.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from functools import lru_cache
from typing import Any

import numpy as np
from scipy.signal import welch

from ketasim.circuit.background import ext_count_function, stream_keys
from ketasim.circuit.brian_setup import configure_brian
from ketasim.parameters import ParamRef, current, param

__all__ = ["RUN_VALUE_PARAMETERS", "CircuitCondition", "CircuitReadout", "PFCConfig", "PFCNetwork", "by_cell_type",
           "compiled_digest", "compiled_in", "copy_inputs", "fixed_indegree", "jahr_stevens_block",
           "readouts_from_records", "simulate_pfc"]

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
    "(docs/design.md 1.2; tests/test_circuit.py)"
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
        low=0.0, high=0.5,
        range_reason="0: Brunel & Wang 2001's AMPA-only external drive (the value); 0.5: Myme et al. 2003 J "
                     "Neurophysiol 90:771 (rat mPFC L2/3 NMDA/AMPA 0.27, NMDA decay 69 ms) gives 0.25-0.46 of the "
                     "charge at -55 to -50 mV with 1 mM Mg2+, more with the slower adult PFC NMDA decay (Wang et al. "
                     "2008 PNAS 105:16791)",
    ),
    "I": param(
        _P, "interneuron.ext_nmda_share", 0.6, "1", _DISINHIBITION_FIT + "; Homayoun & Moghaddam used MK-801",
        "Fraction of the interneurons' background excitatory charge carried by NMDARs.",
        low=0.0, high=0.6,
        range_reason="0: 74 % of adult rat PFC fast-spiking cells show no NMDA current (Wang & Gao 2009 "
                     "Neuropsychopharmacology 34:2028); FS NMDA/AMPA peak ratios of 0.1-0.2 with their 2-ms AMPA "
                     "decay (Angulo et al. 1999 J Neurophysiol 82:1295) give up to about 0.5 at -55 mV; 0.6 is the "
                     "fitted value, above what adult PV-cell slice data support (Rotaru et al. 2011 J Neurosci "
                     "31:142: a weaker NMDA component in FS than in pyramidal cells)",
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
    param(_P, "gamma_band.low", 30.0, "Hz", "docs/design.md 2.3 (30-80 Hz)"),
    param(_P, "gamma_band.high", 80.0, "Hz", "docs/design.md 2.3 (30-80 Hz)"),
)


# The parameters that reach the network only through its per-run values (PFCNetwork.run_values) or
# its readouts: one compiled binary serves every value of these. Every other circuit parameter,
# except the BLA's (a network of its own), is compiled in.
RUN_VALUE_PARAMETERS = frozenset(ref.key for ref in (
    *G_AMPA_REC.values(), *G_NMDA_REC.values(), *G_GABA_REC.values(), NMDA_KINETIC_SCALE,
    *G_EXT_AMPA.values(), *NMDA_SHARE_EXT.values(), NMDA_DRIVE_VOLTAGE, RELEASE_PROB, *GAMMA_BAND,
))


def compiled_in(key: str) -> bool:
    """Whether the parameter ``key`` is compiled into the PFC network (so a new value needs a new binary)."""
    return key.startswith(f"{_P}.") and not key.startswith(f"{_P}.bla.") and key not in RUN_VALUE_PARAMETERS


def compiled_digest() -> str:
    """Digest of the active set's overrides of the parameters compiled into the PFC network (its binaries' key)."""
    return current().digest(only=compiled_in)


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


# One declaration of the network for both engines. Refractoriness is tested as
# "fewer than t_ref/dt steps since the spike" (Brian2's rule for a refractory
# time) through t_ref_open = t_ref - dt/2, without two divisions per cell and
# step; 1/C and the background weights are hoisted out of the step loop.
_EQUATIONS = """
dv/dt = (g_L * (E_L - v) - I_syn) * inv_C_m : volt (unless refractory)
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
ext_w_ampa : siemens (constant)
ext_w_nmda : siemens/second (constant)
w_ampa : siemens (constant)
w_nmda : siemens (constant)
w_gaba : siemens (constant)
g_L : siemens (constant)
inv_C_m : 1/farad (constant)
t_ref_open : second (constant)
noise_key_ampa : 1 (constant)
noise_key_nmda : 1 (constant)
ext_n_ampa : integer (constant)
ext_n_nmda : integer (constant)
"""


def fixed_indegree(rng: np.random.Generator, n_pre: int, n_post: int, k: int) -> tuple[np.ndarray, np.ndarray]:
    """Each postsynaptic cell draws ``k`` distinct presynaptic partners."""
    pre = np.argsort(rng.random((n_post, n_pre)), axis=1)[:, :k]
    post = np.repeat(np.arange(n_post), k)
    return pre.ravel(), post


def copy_inputs(seed: int, config: PFCConfig) -> dict[str, np.ndarray]:
    """Everything random of one copy, drawn from its own seed.

    Initial potentials (``v_mV``, uniform between rest and threshold), then the
    presynaptic partners of its excitatory and inhibitory synapses (``pre_e``,
    ``pre_i``; :func:`fixed_indegree`), from ``numpy.random.default_rng(seed)``
    in that order, and the keys of its background streams (``key_ampa``,
    ``key_nmda``; :func:`ketasim.circuit.background.stream_keys`). Values of
    the active parameter set (resting potential, threshold, in-degrees).
    Cached per seed, shape and circuit parameters: the copies of one seed
    share them (read only).
    """
    return _copy_inputs(seed, config, current().digest("circuit"))


@lru_cache(maxsize=64)
def _copy_inputs(seed: int, config: PFCConfig, parameters: str) -> dict[str, np.ndarray]:
    """:func:`copy_inputs` for the active set, whose circuit digest is ``parameters`` (the cache key)."""
    n_e, n_i = config.n_exc, config.n_inh
    n = n_e + n_i
    e_l, v_th = E_L(), V_TH()
    rng = np.random.default_rng(seed)
    v = e_l + (v_th - e_l) * rng.random(n)
    pre_e, _ = fixed_indegree(rng, n_e, n, min(int(IN_DEGREE["E"]()), n_e))
    pre_i, _ = fixed_indegree(rng, n_i, n, min(int(IN_DEGREE["I"]()), n_i))
    keys = stream_keys(seed, n)
    out = {"v_mV": v, "pre_e": pre_e, "pre_i": pre_i, "key_ampa": keys[1], "key_nmda": keys[2]}
    for array in out.values():
        array.flags.writeable = False
    return out


def _background_weights(is_exc: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Background weights (nS, nS/ms) of the cells, before division by their copy's ``exc_scale``.

    A share of the external excitatory charge arrives on NMDARs; an NMDA event
    carries tau_decay/tau_ampa times the charge of an AMPA event. Values of the
    active parameter set.
    """
    share, g_ext = _by_type(NMDA_SHARE_EXT, is_exc), _by_type(G_EXT_AMPA, is_exc)
    ampa = g_ext * (1 - share)
    nmda = (
        g_ext * share * TAU_AMPA() / TAU_NMDA_DECAY() / jahr_stevens_block(NMDA_DRIVE_VOLTAGE()) / TAU_NMDA_RISE()
    )
    return ampa, nmda


def _by_type(refs: dict[str, ParamRef], is_exc: np.ndarray) -> np.ndarray:
    """Per-cell values of ``{"E": ..., "I": ...}`` references (active set) for cells flagged ``is_exc``."""
    values = by_cell_type(refs)
    return np.where(is_exc, values["E"], values["I"])


def _condition_gain(condition: CircuitCondition, is_exc: np.ndarray) -> np.ndarray:
    """NMDA gain of the cells of a copy: subunit scaling x (1 - channel block) x (1 - APV block)."""
    gain = np.where(
        is_exc,
        condition.nmda_scale_pyramidal * (1 - condition.block_pyramidal),
        condition.nmda_scale_interneuron * (1 - condition.block_interneuron),
    )
    return gain * (1 - condition.nmda_open_block)


class PFCNetwork:
    """The PFC network, ``copies`` unconnected copies of it: the one declaration both engines build.

    Declares the cells, synapses, background, LFP proxy and monitors under
    whichever Brian2 device is active: the runtime device
    (:func:`simulate_pfc`) or ``cpp_standalone``
    (:class:`ketasim.circuit.compiled.CompiledPFC`, which compiles it once per
    shape and reruns the binary). Each copy's condition and seed are not part
    of the declaration: :meth:`run_values` gives the per-run values (the
    runtime engine sets them, the compiled one passes them as ``run_args``)
    and :meth:`partners` the presynaptic partners (connected here when
    ``seeds`` is given; the compiled engine's binary reads them from a file).

    Parameters
    ----------
    config : PFCConfig
        Network size and run length.
    copies : int
        Unconnected copies (one per condition).
    seeds : sequence of int, optional
        Each copy's seed, to connect its synapses now. Without them the
        synapses are placeholders (each copy's first cell of the presynaptic
        type) for a device that sets the partners before every run.
    """

    def __init__(self, config: PFCConfig, copies: int, seeds: Sequence[int] | None = None):
        import brian2 as b2

        self.config, self.copies = config, int(copies)
        n_e, n_i = config.n_exc, config.n_inh
        n = n_e + n_i
        total = self.copies * n
        b2.defaultclock.dt = config.dt_ms * b2.ms
        e_l, n_ext, delay = E_L(), int(N_EXT()), DELAY()
        namespace = {
            "E_L": e_l * b2.mV, "E_exc": E_EXC() * b2.mV, "E_inh": E_INH() * b2.mV,
            "Mg": MG_MM(), "k_Mg": MG_K(), "mg_slope": MG_SLOPE() / b2.mV,
            "tau_ampa": TAU_AMPA() * b2.ms, "tau_nmda_rise": TAU_NMDA_RISE() * b2.ms,
            "tau_nmda_decay": TAU_NMDA_DECAY() * b2.ms, "tau_gaba": TAU_GABA() * b2.ms,
            "V_th": V_TH() * b2.mV, "V_reset": V_RESET() * b2.mV,
        }
        # Background: N_EXT inputs at RATE_EXT, i.e. Binomial(N_EXT, rate * dt) events per step.
        p = RATE_EXT() * config.dt_ms * 1e-3
        namespace.update(ext_p0=(1 - p) ** n_ext, ext_odds=p / (1 - p), ext_count=ext_count_function(n_ext, p))
        self.namespace = namespace

        group = b2.NeuronGroup(total, _EQUATIONS, threshold="v > V_th", reset="v = V_reset",
                               refractory="(t - lastspike) < t_ref_open", method="euler", namespace=namespace,
                               name="pfc")
        local = np.arange(total) % n
        copy_of = np.arange(total) // n
        self.is_exc_local = np.arange(n) < n_e
        is_exc = local < n_e
        k_e = min(int(IN_DEGREE["E"]()), n_e)
        k_i = min(int(IN_DEGREE["I"]()), n_i)
        group.inv_C_m = 1 / (_by_type({"E": C_E, "I": C_I}, is_exc) * b2.nF)
        group.g_L = _by_type({"E": GL_E, "I": GL_I}, is_exc) * b2.nS
        group.t_ref_open = (_by_type({"E": TREF_E, "I": TREF_I}, is_exc) - 0.5 * config.dt_ms) * b2.ms
        # Placeholders until the per-run values are set (run_values), among them every value that
        # depends on a fitted parameter, so that one binary serves every value of those.
        group.nmda_gain = 1.0
        group.exc_scale = 1.0
        group.noise_key_ampa = 0.0
        group.noise_key_nmda = 0.0
        group.v = e_l * b2.mV
        # In PoissonInput's slot ("synapses"), drawn from each cell's own hashed streams.
        group.run_regularly(
            "g_ampa += ext_w_ampa * ext_count(noise_key_ampa, t_in_timesteps, ext_p0, ext_odds, ext_n_ampa)\n"
            "x_nmda += ext_w_nmda * ext_count(noise_key_nmda, t_in_timesteps, ext_p0, ext_odds, ext_n_nmda)",
            when="synapses", name="background",
        )

        # Connectivity: the postsynaptic side is fixed (k inputs per cell, in order), the presynaptic
        # partners come from each copy's seed.
        offsets = (np.arange(self.copies) * n)[:, None]
        if seeds is None:
            pre_e = (offsets + np.zeros((1, n * k_e), int)).ravel()
            pre_i = (n_e + offsets + np.zeros((1, n * k_i), int)).ravel()
        else:
            pre_e, pre_i = self.partners(seeds)
        exc = b2.Synapses(group, group, on_pre="g_ampa_post += w_ampa_post\nx_nmda_post += w_nmda_post / tau_nmda_rise",
                          delay=delay * b2.ms, name="exc", namespace=namespace)
        exc.connect(i=pre_e, j=(np.repeat(np.arange(n), k_e) + offsets).ravel())
        inh = b2.Synapses(group, group, on_pre="g_gaba_post += w_gaba_post", delay=delay * b2.ms, name="inh")
        inh.connect(i=pre_i, j=(np.repeat(np.arange(n), k_i) + offsets).ravel())

        # LFP proxy: one summing cell per copy collects |I_AMPA| + |I_GABA| of its pyramidal cells. It
        # is only read every 1 ms: summed on that clock, not every step.
        lfp = b2.NeuronGroup(self.copies, "lfp : amp", name="lfp", dt=1 * b2.ms)
        collect = b2.Synapses(group, lfp, "lfp_post = abs(I_ampa_pre) + abs(I_gaba_pre) : amp (summed)",
                              name="collect")
        exc_index = np.flatnonzero(is_exc)
        collect.connect(i=exc_index, j=copy_of[exc_index])
        self.lfp_monitor = b2.StateMonitor(lfp, "lfp", record=True, dt=1 * b2.ms, name="lfp_monitor")
        self.spikes = b2.SpikeMonitor(group, name="spikes")
        self.group, self.exc, self.inh = group, exc, inh
        self.network = b2.Network(group, exc, inh, lfp, collect, self.lfp_monitor, self.spikes)

    def partners(self, seeds: Sequence[int]) -> tuple[np.ndarray, np.ndarray]:
        """Presynaptic partners of the excitatory and inhibitory synapses of all copies (network indices)."""
        n_e, n = self.config.n_exc, self.config.n_exc + self.config.n_inh
        inputs = [copy_inputs(int(s), self.config) for s in seeds]
        pre_e = np.concatenate([x["pre_e"] + k * n for k, x in enumerate(inputs)])
        pre_i = np.concatenate([x["pre_i"] + n_e + k * n for k, x in enumerate(inputs)])
        return pre_e, pre_i

    def run_values(self, conditions: Sequence[CircuitCondition], seeds: Sequence[int]) -> dict[str, object]:
        """Values of the group's per-run variables for one condition and seed per copy (name → quantity)."""
        import brian2 as b2

        n = self.config.n_exc + self.config.n_inh
        inputs = [copy_inputs(int(s), self.config) for s in seeds]
        scale = np.repeat([c.exc_scale for c in conditions], n).astype(float)
        ext_ampa_nS, ext_nmda_nS_per_ms = _background_weights(self.is_exc_local)
        return {
            **{name: np.tile(value, self.copies) for name, value in self._cell_values().items()},
            "v": np.concatenate([x["v_mV"] for x in inputs]) * b2.mV,
            "nmda_gain": np.concatenate([_condition_gain(c, self.is_exc_local) for c in conditions]),
            "exc_scale": scale,
            "ext_w_ampa": np.tile(ext_ampa_nS, self.copies) / scale * b2.nS,
            "ext_w_nmda": np.tile(ext_nmda_nS_per_ms, self.copies) / scale * b2.nS / b2.ms,
            "noise_key_ampa": np.concatenate([x["key_ampa"] for x in inputs]),
            "noise_key_nmda": np.concatenate([x["key_nmda"] for x in inputs]),
        }

    def _cell_values(self) -> dict[str, Any]:
        """Per-cell values of one copy that come from fitted parameters (synaptic weights, background channels)."""
        import brian2 as b2

        is_exc = self.is_exc_local
        k_e = min(int(IN_DEGREE["E"]()), self.config.n_exc)
        k_i = min(int(IN_DEGREE["I"]()), self.config.n_inh)
        share, n_ext = _by_type(NMDA_SHARE_EXT, is_exc), int(N_EXT())
        return {
            "w_ampa": _by_type(G_AMPA_REC, is_exc) / k_e * b2.nS,
            "w_nmda": _by_type(G_NMDA_REC, is_exc) * NMDA_KINETIC_SCALE() / k_e * b2.nS,
            "w_gaba": _by_type(G_GABA_REC, is_exc) / k_i * b2.nS,
            # Which background channels draw at all (a share of 0 or 1 switches one off).
            "ext_n_ampa": np.where(share < 1, n_ext, 0),
            "ext_n_nmda": np.where(share > 0, n_ext, 0),
        }

    def run(self, profile: bool = False) -> None:
        """Run warm-up and duration (under ``cpp_standalone``: record the run into the project)."""
        import brian2 as b2

        duration = (self.config.warmup_s + self.config.duration_s) * b2.second
        self.network.run(duration, namespace=self.namespace, profile=profile)

    def readouts(self, conditions: Sequence[CircuitCondition]) -> list[CircuitReadout]:
        """Readouts of the first ``len(conditions)`` copies from the last run's records."""
        import brian2 as b2

        return readouts_from_records(
            conditions, self.config, np.asarray(self.spikes.i[:]), np.asarray(self.spikes.t[:] / b2.second),
            np.asarray(self.lfp_monitor.lfp[:] / b2.nA), np.asarray(self.lfp_monitor.t[:] / b2.second),
        )


def simulate_pfc(
    conditions: Sequence[CircuitCondition],
    config: PFCConfig | None = None,
    seed: int = 0,
    target: str | None = None,
) -> list[CircuitReadout]:
    """Simulate every condition as an unconnected copy of one network, in one Brian2 runtime run.

    The runtime engine: :class:`PFCNetwork` under Brian2's runtime device,
    every copy with the same ``seed``. The same network, values and random
    streams as the compiled engine's
    ``simulate_pfc_compiled(conditions, [seed] * len(conditions), config)``:
    the same spikes, the LFP to rounding (module docstring).

    Parameters
    ----------
    conditions : sequence of CircuitCondition
        The moments to simulate.
    config : PFCConfig, optional
        Network size and run length (default :class:`PFCConfig`).
    seed : int
        Every copy's seed (:func:`copy_inputs`: initial potentials,
        connectivity, background streams). Same seed and conditions give
        identical results on the same machine.
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
    seeds = [int(seed)] * len(conditions)
    network = PFCNetwork(config, len(conditions), seeds)
    for name, value in network.run_values(conditions, seeds).items():
        setattr(network.group, name, value)
    network.run()
    return network.readouts(conditions)


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
