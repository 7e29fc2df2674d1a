"""The basolateral amygdala fear/extinction circuit (Brian2).

After Vlachos et al. 2011 (PLoS Comput Biol 7:e1001104), scaled down: fear
neurons (F) and extinction neurons (X) compete through a shared pool of
interneurons (I). Afferents carry the conditioned stimuli (CS+ and CS−,
which share a configurable fraction of their fibres: the source of
generalisation), two contexts (A and B), the unconditioned stimulus (US,
onto F) and infralimbic PFC output (onto X and I; its strength comes from the
signalling layer). Only the CS and context afferents onto F and X are
plastic, clipped to [0, w_max].

Learning is Hebbian LTP (presynaptic trace × postsynaptic spike, soft-bounded)
gated by a scalar *learning gate*: the CCK-B gate of the plasticity layer,
which falls when NMDARs are blocked (ketamine, APV) or CCK signalling is
removed. The network is built once per scenario and runs session after
session; between sessions the memory layer (:mod:`ketasim.protocols.fear`)
consolidates or destabilises the weights it reads and writes here.

Freezing is read from the fear population's rate during the CS (the mapping
is in :func:`freezing_from_rate`).
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass

import numpy as np

from ketasim.circuit.brian_setup import configure_brian
from ketasim.parameters import param

__all__ = [
    "BLAConfig",
    "CS_OVERLAP",
    "BLANetwork",
    "Modulators",
    "PLASTIC_PATHWAYS",
    "Trial",
    "TrialReadout",
    "freezing_from_rate",
]

_P = "circuit"
_V11 = "Vlachos et al. 2011 PLoS Comput Biol 7:e1001104"
_FIT_COND = "fitted: five CS-US pairings take CS+ freezing from < 15 % to 60-90 % (Phillips & LeDoux 1992 Behav Neurosci 106:274)"

C_M_PF = param(_P, "bla.C", 200.0, "pF", "Washburn & Moises 1992 J Physiol 449:121 (BLA projection neurons, tau_m about 20 ms)")
G_L_NS = param(_P, "bla.g_L", 10.0, "nS", "Washburn & Moises 1992 (input resistance about 100 MOhm)")
V_REST = param(_P, "bla.E_L", -70.0, "mV", "Washburn & Moises 1992")
V_TH_BLA = param(_P, "bla.V_threshold", -50.0, "mV", _V11)
V_RESET_BLA = param(_P, "bla.V_reset", -60.0, "mV", _V11)
TREF_BLA = param(_P, "bla.t_ref", 2.0, "ms", _V11)
E_INH = param(_P, "bla.E_GABA", -75.0, "mV", "Martina, Royer & Pare 2001 J Neurophysiol 86:2887 (BLA GABA_A reversal)")
TAU_AMPA = param(_P, "bla.tau_AMPA", 2.0, "ms", "Brunel & Wang 2001 J Comput Neurosci 11:63, Table 1")
TAU_GABA = param(_P, "bla.tau_GABA", 10.0, "ms", "Brunel & Wang 2001, Table 1")
RATE_CS_ON = param(_P, "bla.cs_rate_on", 20.0, "Hz",
                   "Quirk, Repa & LeDoux 1995 Neuron 15:1029 (tone-evoked lateral amygdala input 10-40 Hz)")
RATE_BASE = param(_P, "bla.afferent_rate_base", 1.0, "Hz", "Quirk et al. 1995 (spontaneous 1-3 Hz)")
RATE_CONTEXT = param(_P, "bla.context_rate", 4.0, "Hz", "fitted: context input weaker than CS input, as in " + _V11)
RATE_US = param(_P, "bla.us_rate", 60.0, "Hz", "fitted: footshock drives fear neurons to 30-50 Hz (" + _V11 + ")")
RATE_IL = param(_P, "bla.il_rate", 8.0, "Hz", "fitted: infralimbic output rate; its synapses scale with PFC strength")
G_AFF_NS = param(_P, "bla.g_AMPA_afferent", 10.0, "nS",
                 "slice synapse of the plasticity layer (docs: plasticity g_AMPA_per_synapse), same rule in the BLA")
G_NMDA_NS = param(_P, "bla.g_NMDA_afferent", 1.5, "nS",
                  "fitted: NMDA/AMPA charge ratio of thalamo- and cortico-amygdala synapses about 0.3-0.5 "
                  "(Weisskopf & LeDoux 1999 J Neurophysiol 81:930)")
G_BACKGROUND_NS = param(_P, "bla.g_background", 1.0, "nS",
                        "fitted: background holds principal cells below threshold, firing < 1 Hz (Quirk et al. 1995)")
N_BACKGROUND = param(_P, "bla.n_background", 200, "1", "fitted: as above (200 inputs at 5 Hz)")
G_US_NS = param(_P, "bla.g_us", 3.0, "nS", "fitted: the US alone fires fear neurons at 30-50 Hz")
G_IL_NS = param(_P, "bla.g_il", 0.5, "nS", "fitted: IL input primes extinction neurons and ITC cells (Milad & Quirk 2002 Nature 420:70)")
G_EI_NS = param(_P, "bla.g_exc_to_inh", 2.0, "nS", "fitted: fear and extinction populations compete through interneurons (" + _V11 + ")")
G_IE_NS = param(_P, "bla.g_inh_to_exc", 3.0, "nS",
                "fitted: interneurons let the more active of the fear and extinction populations win (" + _V11 + ")")
G_ITC_NS = param(_P, "bla.g_ext_to_itc", 3.0, "nS",
                 "fitted: extinction neurons recruit intercalated (ITC) cells that inhibit fear output "
                 "(Likhtik et al. 2008 Nature 454:642; Amano et al. 2010 Nat Neurosci 13:489)")
G_ITC_F_NS = param(_P, "bla.g_itc_to_fear", 2.0, "nS", "fitted: extinction lowers CS+ freezing by more than a third (Milad & Quirk 2002)")
N_ITC = param(_P, "bla.n_itc", 20, "1", "fitted: a small ITC cluster relative to BLA principal cells")
P_CONN = param(_P, "bla.connection_probability", 0.5, "1", "fitted: sparse afferent and local connectivity")
W_INIT = param(_P, "bla.w_init", 0.5, "1",
               "fitted: naive CS input drives fear neurons weakly (pre-conditioning freezing < 15 %); the rule's bound is 2",
               "Initial weight of plastic CS and context afferents, in units of the plasticity layer's baseline synapse.")
OMISSION_GAIN = param(_P, "bla.omission_gain", 0.05, "1",
                      "fitted: extinction over 10-20 CS-alone trials is gradual (Quirk 2002 Learn Mem 9:402)",
                      "Strength of the omitted-US (dopamine) third factor on extinction neurons; the US factor is 1.")
TAU_EXPECT = param(_P, "bla.tau_expectation", 100.0, "ms",
                   "Schultz 1998 J Neurophysiol 80:1 (phasic dopamine responses last 100-200 ms)",
                   "Smoothing of the fear population's rate that sets the expected US at an omission.")
EXPECT_REF = param(_P, "bla.expectation_rate_ref", 7.0, "Hz",
                   "the fear-neuron CS response that gives 50 % freezing (bla.freezing_half_rate): expectation 1 there",
                   "Fear-population rate at which the omission signal reaches OMISSION_GAIN (capped there).")
LTP_RATE_BLA = param(_P, "bla.ltp_rate", 1.0, "1/s", _FIT_COND,
                     "Rate of the plasticity layer's CCK-B-gated rule at BLA afferents (slices: plasticity ltp.rate).")
FREEZE_R50 = param(_P, "bla.freezing_half_rate", 7.0, "Hz",
                   "fitted: fear-neuron CS response (Hz above context baseline) giving 50 % freezing; " + _FIT_COND)
CS_OVERLAP = param(_P, "bla.cs_overlap", 0.35, "1",
                   "fitted: CS- freezing about half of CS+ freezing a day after five pairings (default config "
                   "fear.cs_overlap); discriminative tone conditioning in mice spans CS-/CS+ from about 0.3 in "
                   "discriminators to about 1 in generalisers (Likhtik et al. 2014 Nat Neurosci 17:106, Fig. 1)",
                   "Fraction of CS afferent fibres shared by CS+ and CS-; set per scenario by fear.cs_overlap.",
                   low=0.0, high=1.0, range_reason="physical bound: a fraction of fibres (as fear.cs_overlap)")
FREEZE_HILL = param(_P, "bla.freezing_hill", 2.0, "1", "fitted: sigmoid mapping of fear-neuron rate to freezing")

PLASTIC_PATHWAYS = ("cs_fear", "cs_ext", "ctx_fear", "ctx_ext")


def freezing_from_rate(delta_rate_hz: np.ndarray | float) -> np.ndarray:
    """Freezing (0–1) from the fear population's CS-evoked rate increase (Hz).

    A Hill function of the rate above the context baseline: freezing is a
    graded readout of central-amygdala output, which the fear population
    drives (Ciocchi et al. 2010 Nature 468:277).
    """
    hill, r50 = FREEZE_HILL(), FREEZE_R50()
    r = np.clip(np.asarray(delta_rate_hz, dtype=float), 0.0, None)
    return r**hill / (r**hill + r50**hill)


@dataclass(frozen=True)
class BLAConfig:
    """Size and timing of the BLA circuit.

    Attributes
    ----------
    n_fear, n_ext, n_inh : int
        Population sizes.
    n_cs : int
        Afferent fibres per CS; ``cs_overlap`` of them are shared by CS+ and CS−.
    n_context : int
        Afferent fibres per context.
    cs_overlap : float, optional
        Fraction of CS fibres shared by CS+ and CS− (0–1); by default
        ``circuit.bla.cs_overlap`` of the active parameter set.
    cs_duration_s, iti_s, us_duration_s : float
        Trial timing (s): the US ends with the CS.
    dt_ms : float
        Integration step of neurons and spikes (ms).
    plasticity_dt_ms : float
        Integration step of the plastic synapses' slow states (NMDAR
        Ca²⁺, eligibility, weight, CCK release; time constants 50 ms and
        longer), at least ``dt_ms``. Spikes reach the synapses at ``dt_ms``.
        Numerical, not physiological: 1 ms halves the full network's run
        time and changes freezing by less than seed-to-seed noise
        (``benchmarks/README.md``).
    """

    n_fear: int = 60
    n_ext: int = 60
    n_inh: int = 30
    n_cs: int = 40
    n_context: int = 40
    cs_overlap: float | None = None
    cs_duration_s: float = 1.0
    iti_s: float = 0.5
    us_duration_s: float = 0.3
    dt_ms: float = 0.25
    plasticity_dt_ms: float = 1.0

    def __post_init__(self) -> None:
        if self.cs_overlap is None:
            object.__setattr__(self, "cs_overlap", CS_OVERLAP())

    @classmethod
    def quick(cls, cs_overlap: float | None = None) -> BLAConfig:
        return cls(n_fear=30, n_ext=30, n_inh=15, n_cs=24, n_context=20, cs_overlap=cs_overlap,
                   cs_duration_s=0.6, iti_s=0.3, us_duration_s=0.25, dt_ms=0.5)


@dataclass(frozen=True)
class Trial:
    """One trial: a CS (``plus``, ``minus`` or ``None`` for context only), a US of some strength, a context.

    ``us`` is the footshock strength relative to the default (0 = no US).
    """

    cs: str | None
    us: float = 0.0
    context: str = "A"


@dataclass(frozen=True)
class Modulators:
    """Slow states that set how the circuit behaves during a session.

    Attributes
    ----------
    nmda_gain : float
        Available NMDAR conductance in BLA relative to an untreated animal
        ((1 − block) × receptor expression): scales NMDA current and the
        NMDAR Ca²⁺ that releases CCK.
    learning_gate : float
        Extra scale on plasticity (0 = none; e.g. a protein-synthesis-independent block).
    cck, cckbr : float
        CCK release and CCK-B receptor expression (mechanism switches).
    il_strength : float
        Infralimbic synaptic strength relative to baseline (PFC spines).
    bla_strength : float
        BLA excitatory synaptic strength relative to baseline (stress raises it).
    context_strength : float
        Hippocampal synaptic strength relative to baseline: scales the context
        afferents' rate, since the BLA's context representation arrives from the
        hippocampus (Phillips & LeDoux 1992 Behav Neurosci 106:274; Maren &
        Fanselow 1995 J Neurosci 15:7548).
    """

    nmda_gain: float = 1.0
    learning_gate: float = 1.0
    il_strength: float = 1.0
    bla_strength: float = 1.0
    context_strength: float = 1.0
    cck: float = 1.0
    cckbr: float = 1.0


@dataclass
class TrialReadout:
    """Population rates (Hz) in one trial and the freezing they map to."""

    trial: Trial
    fear_rate_cs: float
    fear_rate_pre: float
    ext_rate_cs: float
    freezing: float


_NEURON = """
dv/dt = (g_L * (E_L - v) + g_ampa * (E_exc - v) + g_nmda * (E_exc - v) + g_gaba * (E_inh - v)) / C_m : volt (unless refractory)
dg_ampa/dt = -g_ampa / tau_ampa : siemens
dg_gaba/dt = -g_gaba / tau_gaba : siemens
g_nmda = g_nmda_unit * nmda_avail * nmda_open / (1 + exp(-mg_slope * v / mV) * mg_mM / mg_k) : siemens
is_fear : 1 (constant)
dexpectation/dt = -expectation / tau_expect : 1
"""

_SIMPLE = """
dv/dt = (g_L * (E_L - v) + g_ampa * (E_exc - v) + g_gaba * (E_inh - v)) / C_m : volt (unless refractory)
dg_ampa/dt = -g_ampa / tau_ampa : siemens
dg_gaba/dt = -g_gaba / tau_gaba : siemens
"""


@dataclass(frozen=True)
class LearningRule:
    """The plasticity layer's synapse rule as the BLA network builds it in.

    The rule is the plasticity layer's (a layer above the circuits): the
    caller passes it in (:func:`ketasim.plasticity.equations.learning_rule`),
    so the same CCK-B-gated rule drives slices and the fear circuit.

    Attributes
    ----------
    namespace : callable
        ``(g_ampa_unit_nS) -> dict``: the Brian2 namespace of the rule's constants.
    gate_equations : callable
        ``(neuromodulator expression) -> str``: postsynaptic equations of the learning gate.
    synapse_model, synapse_on_pre, release_update : callable
        The synapse's model, on-pre and release-update code strings.
    release_fractions : callable
        ``(rng, n) -> ndarray``: each synapse's release fraction U.
    """

    namespace: Callable[..., dict]
    gate_equations: Callable[[str], str]
    synapse_model: Callable[..., str]
    synapse_on_pre: Callable[[], str]
    release_update: Callable[[], str]
    release_fractions: Callable[[np.random.Generator, int], np.ndarray]


class BLANetwork:
    """A BLA circuit built once and run session after session.

    Plastic afferents (CS and context fibres onto fear and extinction
    neurons) follow the plasticity layer's rule
    (:mod:`ketasim.plasticity.equations`): Tsodyks–Markram release, NMDAR
    Ca²⁺ → CCK release → CCK-B gate → potentiation of eligible synapses. On
    fear neurons the gate also needs the noradrenaline the US releases
    (Johansen et al. 2014), so a CS alone does not strengthen fear.

    Parameters
    ----------
    config : BLAConfig
        Sizes and timing.
    seed : int
        Seeds connectivity, release probabilities and Brian2's random streams.
    """

    def __init__(self, config: BLAConfig, rule: LearningRule, seed: int = 0):
        import brian2 as b2

        equations = rule
        configure_brian()
        self.config = config
        self.seed = seed
        b2.start_scope()
        b2.seed(seed)
        rng = np.random.default_rng(seed + 1)
        b2.defaultclock.dt = config.dt_ms * b2.ms
        # The active parameter set's values, read once per build (run_trials reads its own).
        v_rest, tau_expect, p_conn = V_REST(), TAU_EXPECT(), P_CONN()
        self._ns = {
            **equations.namespace(G_AFF_NS()),
            "g_L": G_L_NS() * b2.nS, "E_L": v_rest * b2.mV, "E_exc": 0 * b2.mV, "E_inh": E_INH() * b2.mV,
            "C_m": C_M_PF() * b2.pF, "tau_ampa": TAU_AMPA() * b2.ms, "tau_gaba": TAU_GABA() * b2.ms,
            "g_nmda_unit": G_NMDA_NS() * b2.nS, "ltp_rate": LTP_RATE_BLA() / b2.second,
            "tau_expect": tau_expect * b2.ms,
        }
        n_f, n_x, n_i = config.n_fear, config.n_ext, config.n_inh
        spiking = dict(threshold="v > V_th", reset="v = V_reset", refractory=TREF_BLA() * b2.ms, method="euler")
        self._ns.update(V_th=V_TH_BLA() * b2.mV, V_reset=V_RESET_BLA() * b2.mV)
        # Third factors: noradrenaline released by the US permits LTP on fear
        # neurons (Johansen et al. 2014 PNAS 111:E5584); the dopamine signal of an
        # omitted US permits it on extinction neurons (Luo et al. 2018 Nat Commun 9:1576).
        # The omission signal is a prediction error: it scales with the US the
        # fear population still predicts and fades as extinction proceeds
        # (Salinas-Hernandez et al. 2018 eLife 7:e38818), so extinction learning
        # stops once fear is suppressed in the extinction context.
        principal = b2.NeuronGroup(
            n_f + n_x,
            _NEURON + equations.gate_equations("is_fear * ne(t - t_start) + (1 - is_fear) * omission(t - t_start) * clip(expectation, 0, 1)"),
            name="principal", **spiking,
        )
        principal.v = (v_rest + 10 * rng.random(n_f + n_x)) * b2.mV
        principal.is_fear = np.r_[np.ones(n_f), np.zeros(n_x)]
        principal.nmda_avail = 1.0
        principal.cck_scale = 1.0
        principal.cckbr = 1.0
        fear, ext = principal[:n_f], principal[n_f:]
        inh = b2.NeuronGroup(n_i, _SIMPLE, name="inh", **spiking)
        itc = b2.NeuronGroup(int(N_ITC()), _SIMPLE, name="itc", **spiking)
        for group in (inh, itc):
            group.v = v_rest * b2.mV

        assert config.cs_overlap is not None  # filled in by BLAConfig.__post_init__
        n_shared = round(config.cs_overlap * config.n_cs)
        n_cs_total = 2 * config.n_cs - n_shared
        self._cs_plus = np.arange(config.n_cs)
        self._cs_minus = np.arange(config.n_cs - n_shared, n_cs_total)
        n_aff = n_cs_total + 2 * config.n_context
        self._n_cs_total = n_cs_total
        self._bin_s = 0.01  # resolution of the session's input schedule
        afferents = b2.PoissonGroup(n_aff, rates="aff_rate(t - t_start, i)", name="afferents")
        us = b2.PoissonGroup(40, rates="us_rate(t - t_start)", name="us")
        il = b2.PoissonGroup(40, rates=RATE_IL() * b2.Hz, name="il")
        n_background, g_background = int(N_BACKGROUND()), G_BACKGROUND_NS()
        backgrounds = [b2.PoissonInput(g, "g_ampa", n_background, 5 * b2.Hz, weight=g_background * b2.nS)
                       for g in (principal, inh, itc)]

        plastic = b2.Synapses(afferents, principal, model=equations.synapse_model(True, sampled_release=True),
                              on_pre=equations.synapse_on_pre(), method="euler", name="plastic",
                              dt=max(config.plasticity_dt_ms, config.dt_ms) * b2.ms)
        # Spikes are delivered on the afferents' (finer) clock, as intended.
        b2.BrianLogger.suppress_name("synapses_dt_mismatch")
        release = plastic.run_regularly(equations.release_update(), when="after_groups", name="plastic_release")
        plastic.connect(p=p_conn)
        plastic.U = rule.release_fractions(rng, len(plastic))
        plastic.x = 1.0
        plastic.w = W_INIT()
        principal.n_synapses = max(1.0, p_conn * n_aff)
        self._plastic = plastic

        def connect(pre, post, target, g_nS, name, shared=False):
            model = "g : siemens (shared)" if shared else ""
            syn = b2.Synapses(pre, post, model, on_pre=f"{target}_post += {'g' if shared else f'{g_nS} * nS'}", name=name)
            syn.connect(p=p_conn)
            if shared:
                syn.g = g_nS * b2.nS
            return syn

        local = [
            connect(us, fear, "g_ampa", G_US_NS(), "us_fear"),
            connect(principal, inh, "g_ampa", G_EI_NS(), "e_to_i"),
            connect(inh, principal, "g_gaba", G_IE_NS(), "i_to_e"),
            connect(ext, itc, "g_ampa", G_ITC_NS(), "ext_itc"),
            connect(itc, fear, "g_gaba", G_ITC_F_NS(), "itc_fear"),
        ]
        # Every fear spike raises the expectation read by extinction neurons:
        # expectation = fear-population rate / EXPECT_REF, smoothed over tau_expect.
        expect = b2.Synapses(fear, ext, on_pre=f"expectation_post += {1.0 / (n_f * EXPECT_REF() * tau_expect * 1e-3)!r}",
                             name="fear_expectation")
        expect.connect()
        local.append(expect)
        g_il = G_IL_NS()
        self._il = [connect(il, target, "g_ampa", g_il, f"il_{name}", shared=True)
                    for name, target in (("ext", ext), ("inh", inh), ("itc", itc))]
        self._spikes = b2.SpikeMonitor(principal, name="bla_spikes")
        self._principal, self._afferents = principal, afferents
        self._n_f, self._n_x = n_f, n_x
        self.net = b2.Network(principal, inh, itc, afferents, us, il, *backgrounds, plastic, release, *local, *self._il,
                              self._spikes)
        pre, post = np.asarray(plastic.i[:]), np.asarray(plastic.j[:])
        cs, on_fear = pre < n_cs_total, post < n_f
        self._pathway_rows = {
            "cs_fear": cs & on_fear, "ctx_fear": ~cs & on_fear, "cs_ext": cs & ~on_fear, "ctx_ext": ~cs & ~on_fear,
        }
        self._pre = pre

    # ----------------------------------------------------------- weights
    def weights(self) -> dict[str, np.ndarray]:
        """Current plastic weights per pathway (copies; naive = ``circuit.bla.w_init``)."""
        w = np.asarray(self._plastic.w[:])
        return {p: w[rows].copy() for p, rows in self._pathway_rows.items()}

    def set_weights(self, weights: dict[str, np.ndarray]) -> None:
        """Write plastic weights back (clipped to the rule's bounds)."""
        w = np.asarray(self._plastic.w[:]).copy()
        w_max = float(self._ns["w_max"])
        for pathway, rows in self._pathway_rows.items():
            w[rows] = np.clip(weights[pathway], 0.0, w_max)
        self._plastic.w[:] = w

    def cs_fibres(self, pathway: str, cs: str) -> np.ndarray:
        """Boolean mask over a pathway's synapses whose fibre carries the given CS."""
        fibres = self._cs_plus if cs == "plus" else self._cs_minus
        return np.isin(self._pre[self._pathway_rows[pathway]], fibres)

    # ------------------------------------------------------------ running
    def run_trials(self, trials: Sequence[Trial], modulators: Modulators, learn: bool = True) -> list[TrialReadout]:
        """Run a session of trials in one Brian2 run.

        Each trial is an inter-trial interval in its context (the pre-CS
        baseline) followed by the CS; a US, if any, fills the CS's last
        ``us_duration_s``. With ``learn`` false the weights are restored
        afterwards (a probe that leaves no trace).
        """
        import brian2 as b2

        c = self.config
        rate_base, rate_context, rate_cs_on = RATE_BASE(), RATE_CONTEXT(), RATE_CS_ON()
        rate_us, omission_gain, g_il, g_aff = RATE_US(), OMISSION_GAIN(), G_IL_NS(), G_AFF_NS()
        n_ctx = c.n_context
        n_iti, n_cs, n_us = (int(round(x / self._bin_s)) for x in (c.iti_s, c.cs_duration_s, c.us_duration_s))
        per_trial = n_iti + n_cs
        total = per_trial * len(trials)
        # Brian2's Cython code bakes a TimedArray's shape in: pad to one common
        # length (longer sessions to a power of two) so that sessions share one
        # compiled extension instead of compiling anew.
        padded = 1 << max(12, int(np.ceil(np.log2(total))))
        aff = np.full((padded, self._n_cs_total + 2 * n_ctx), rate_base)
        us_rate, ne, omission = np.zeros(padded), np.zeros(padded), np.zeros(padded)
        for k, trial in enumerate(trials):
            start = k * per_trial
            ctx = self._n_cs_total + (0 if trial.context == "A" else n_ctx)
            aff[start:start + per_trial, ctx:ctx + n_ctx] = rate_context * modulators.context_strength
            if trial.cs is not None:
                fibres = self._cs_plus if trial.cs == "plus" else self._cs_minus
                aff[start + n_iti:start + per_trial, fibres] = rate_cs_on
            if trial.us:
                us_rate[start + per_trial - n_us:start + per_trial] = rate_us * trial.us
                ne[start + per_trial - n_us:start + per_trial] = 1.0
            elif trial.cs is not None:
                omission[start + n_iti:start + per_trial] = omission_gain
        dt = self._bin_s * b2.second
        before = np.asarray(self._plastic.w[:]).copy()
        self._principal.nmda_avail = modulators.nmda_gain
        self._principal.cck_scale = modulators.cck
        self._principal.cckbr = modulators.cckbr * (modulators.learning_gate if learn else 0.0)
        for syn in self._il:
            syn.g = g_il * modulators.il_strength * b2.nS
        t_start = self.net.t
        # Fixed names keep the generated code identical from session to session,
        # so Brian2 reuses the compiled extensions instead of compiling anew.
        namespace = {**self._ns, "aff_rate": b2.TimedArray(aff * b2.Hz, dt=dt, name="aff_rate"),
                     "us_rate": b2.TimedArray(us_rate * b2.Hz, dt=dt, name="us_rate"),
                     "ne": b2.TimedArray(ne, dt=dt, name="ne"),
                     "omission": b2.TimedArray(omission, dt=dt, name="omission"),
                     "t_start": t_start, "g_ampa_unit": g_aff * modulators.bla_strength * b2.nS}
        self.net.run(total * dt, namespace=namespace)
        if not learn:
            self._plastic.w[:] = before

        i = np.asarray(self._spikes.i[:])
        t = np.asarray((self._spikes.t[:] - t_start) / b2.second)
        keep = t >= 0
        i, t = i[keep], t[keep]
        fear = i < self._n_f
        ext = i >= self._n_f
        readouts = []
        for k, trial in enumerate(trials):
            t0 = k * per_trial * self._bin_s
            t1 = t0 + c.iti_s
            lead = c.cs_duration_s - (c.us_duration_s if trial.us else 0.0)  # score before any US
            pre = (t >= t0) & (t < t1)
            during = (t >= t1) & (t < t1 + lead)
            f_pre = (fear & pre).sum() / (self._n_f * c.iti_s)
            f_cs = (fear & during).sum() / (self._n_f * lead)
            x_cs = (ext & during).sum() / (self._n_x * lead)
            delta = f_cs - f_pre if trial.cs is not None else f_pre
            readouts.append(TrialReadout(trial, float(f_cs), float(f_pre), float(x_cs), float(freezing_from_rate(delta))))
        return readouts
