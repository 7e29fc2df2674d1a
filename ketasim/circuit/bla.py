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

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np

from ketasim.parameters import param

__all__ = [
    "BLAConfig",
    "BLANetwork",
    "Modulators",
    "PLASTIC_PATHWAYS",
    "Trial",
    "TrialReadout",
    "freezing_from_rate",
]

_P = "circuit"
_V11 = "Vlachos et al. 2011 PLoS Comput Biol 7:e1001104"

TAU_M = param(_P, "bla.tau_m", 20.0, "ms", _V11 + " (LIF membrane time constant)")
V_REST = param(_P, "bla.V_rest", -70.0, "mV", _V11)
V_TH_BLA = param(_P, "bla.V_threshold", -50.0, "mV", _V11)
V_RESET_BLA = param(_P, "bla.V_reset", -60.0, "mV", _V11)
TREF_BLA = param(_P, "bla.t_ref", 2.0, "ms", _V11)
TAU_E = param(_P, "bla.tau_AMPA", 5.0, "ms", _V11 + " (excitatory synaptic time constant)")
TAU_N = param(_P, "bla.tau_NMDA", 100.0, "ms", "Brunel & Wang 2001 J Comput Neurosci 11:63 (NMDA decay)")
TAU_I = param(_P, "bla.tau_GABA", 10.0, "ms", _V11 + " (inhibitory synaptic time constant)")
TAU_TRACE = param(_P, "bla.tau_pre_trace", 20.0, "ms", "Bi & Poo 1998 J Neurosci 18:10464 (STDP LTP window about 20 ms)")
RATE_CS_ON = param(_P, "bla.cs_rate_on", 20.0, "Hz", "fitted: tone-evoked lateral amygdala afferent firing (Quirk et al. 1995 Neuron 15:1029: 10-40 Hz)")
RATE_BASE = param(_P, "bla.afferent_rate_base", 2.0, "Hz", "Quirk et al. 1995 Neuron 15:1029 (spontaneous 1-3 Hz)")
RATE_CONTEXT = param(_P, "bla.context_rate", 8.0, "Hz", "fitted: context input weaker than CS input, as in " + _V11)
RATE_US = param(_P, "bla.us_rate", 60.0, "Hz", "fitted: footshock drives fear neurons strongly during the US (" + _V11 + ")")
RATE_IL = param(_P, "bla.il_rate", 8.0, "Hz", "fitted: infralimbic output rate; scaled by PFC synaptic strength")
W_MAX = param(_P, "bla.w_max", 1.0, "1", _V11 + " (weights clipped to [w_min, w_max])")
W_INIT = param(_P, "bla.w_init", 0.15, "1", "fitted: naive CS evokes little fear-neuron firing (pre-conditioning freezing < 15 %)")
G_AFF = param(_P, "bla.g_afferent", 2.0, "mV", "fitted: a fully potentiated CS drives fear neurons to 15-30 Hz (" + _V11 + " Fig. 3)")
NMDA_SHARE = param(_P, "bla.afferent_nmda_share", 0.3, "1",
                   "Weisskopf & LeDoux 1999 J Neurophysiol 81:930 (NMDA share of thalamo-amygdala EPSCs)")
G_US = param(_P, "bla.g_us", 2.5, "mV", "fitted: the US alone fires fear neurons at about 30-50 Hz")
G_IL_X = param(_P, "bla.g_il_ext", 4.0, "mV", "fitted: IL input primes extinction neurons (Milad & Quirk 2002 Nature 420:70)")
G_IL_I = param(_P, "bla.g_il_inh", 1.0, "mV", "fitted: IL feed-forward inhibition of fear output (Likhtik et al. 2008 Nature 454:642, ITC cells)")
G_ITC = param(_P, "bla.g_ext_to_itc", 4.0, "mV",
              "fitted: extinction neurons recruit intercalated (ITC) cells that inhibit fear output "
              "(Likhtik et al. 2008 Nature 454:642; Amano et al. 2010 Nat Neurosci 13:489)")
G_ITC_F = param(_P, "bla.g_itc_to_fear", 3.0, "mV", "fitted: extinction suppresses CS+ freezing by > 30 % (Milad & Quirk 2002)")
N_ITC = param(_P, "bla.n_itc", 20, "1", "fitted: a small ITC cluster relative to BLA principal cells")
G_EI = param(_P, "bla.g_exc_to_inh", 1.0, "mV", "fitted: competition between fear and extinction populations (" + _V11 + ")")
G_IE = param(_P, "bla.g_inh_to_exc", 1.5, "mV", "fitted: as above")
G_BACKGROUND = param(_P, "bla.g_background", 2.0, "mV",
                     "fitted: background input holds BLA principal cells about 10 mV below threshold, firing < 1 Hz "
                     "(Quirk et al. 1995 Neuron 15:1029: LA spontaneous rates about 1 Hz)")
N_BACKGROUND = param(_P, "bla.n_background", 200, "1", "fitted: as above (200 inputs at 5 Hz)")
P_CONN = param(_P, "bla.connection_probability", 0.5, "1", "fitted: sparse afferent and local connectivity")
ETA = param(_P, "bla.learning_rate", 0.02, "1", "fitted: five CS-US pairings take CS+ freezing to 60-80 % (Phillips & LeDoux 1992)")
ETA_EXT = param(_P, "bla.learning_rate_extinction", 0.008, "1",
                "fitted: ten CS-alone trials roughly halve CS+ freezing within the session (Quirk 2002 Learn Mem 9:402)")
FREEZE_R50 = param(_P, "bla.freezing_half_rate", 15.0, "Hz",
                   "fitted: fear-neuron CS response (Hz above context baseline) giving 50 % freezing")
FREEZE_HILL = param(_P, "bla.freezing_hill", 2.0, "1", "fitted: sigmoid mapping of fear-neuron rate to freezing")

PLASTIC_PATHWAYS = ("cs_fear", "cs_ext", "ctx_fear", "ctx_ext")


def freezing_from_rate(delta_rate_hz: np.ndarray | float) -> np.ndarray:
    """Freezing (0–1) from the fear population's CS-evoked rate increase (Hz).

    A Hill function of the rate above the context baseline: freezing is a
    graded readout of central-amygdala output, which the fear population
    drives (Ciocchi et al. 2010 Nature 468:277).
    """
    r = np.clip(np.asarray(delta_rate_hz, dtype=float), 0.0, None)
    return r**FREEZE_HILL / (r**FREEZE_HILL + FREEZE_R50**FREEZE_HILL)


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
    cs_overlap : float
        Fraction of CS fibres shared by CS+ and CS− (0–1).
    cs_duration_s, iti_s, us_duration_s : float
        Trial timing (s): the US ends with the CS.
    dt_ms : float
        Integration step (ms).
    """

    n_fear: int = 60
    n_ext: int = 60
    n_inh: int = 30
    n_cs: int = 40
    n_context: int = 40
    cs_overlap: float = 0.35
    cs_duration_s: float = 1.0
    iti_s: float = 0.5
    us_duration_s: float = 0.3
    dt_ms: float = 0.25

    @classmethod
    def quick(cls, cs_overlap: float = 0.35) -> BLAConfig:
        return cls(n_fear=40, n_ext=40, n_inh=20, n_cs=30, n_context=30, cs_overlap=cs_overlap, cs_duration_s=0.8)


@dataclass(frozen=True)
class Trial:
    """One trial: a CS (``plus``, ``minus`` or ``None`` for context only), a US or not, a context."""

    cs: str | None
    us: bool = False
    context: str = "A"


@dataclass(frozen=True)
class Modulators:
    """Slow states that set how the circuit behaves during a session.

    Attributes
    ----------
    nmda_gain : float
        Unblocked NMDA conductance fraction in BLA (1 − block).
    learning_gate : float
        CCK-B gate of plasticity (0 = no learning, 1 = intact).
    il_strength : float
        Infralimbic synaptic strength relative to baseline (PFC spines).
    bla_strength : float
        BLA excitatory synaptic strength relative to baseline (stress raises it).
    """

    nmda_gain: float = 1.0
    learning_gate: float = 1.0
    il_strength: float = 1.0
    bla_strength: float = 1.0


@dataclass
class TrialReadout:
    """Population rates (Hz) in one trial and the freezing they map to."""

    trial: Trial
    fear_rate_cs: float
    fear_rate_pre: float
    ext_rate_cs: float
    freezing: float


_NEURON = """
dv/dt = (V_rest - v) / tau_m + (ge + gain_nmda * gn) / tau_m - gi / tau_m : volt (unless refractory)
dge/dt = -ge / tau_e : volt
dgn/dt = -gn / tau_n : volt
dgi/dt = -gi / tau_i : volt
gain_nmda : 1 (shared)
"""


class BLANetwork:
    """A BLA circuit built once and run session after session.

    Parameters
    ----------
    config : BLAConfig
        Sizes and timing.
    seed : int
        Seeds connectivity, initial weights and Brian2's random streams.
    """

    def __init__(self, config: BLAConfig, seed: int = 0):
        import brian2 as b2

        from ketasim.circuit.pfc import _configure_brian

        _configure_brian(None)
        self.config = config
        self.seed = seed
        b2.start_scope()
        b2.seed(seed)
        rng = np.random.default_rng(seed + 1)
        b2.defaultclock.dt = config.dt_ms * b2.ms
        ns = {
            "V_rest": V_REST * b2.mV, "tau_m": TAU_M * b2.ms, "tau_e": TAU_E * b2.ms, "tau_n": TAU_N * b2.ms,
            "tau_i": TAU_I * b2.ms, "tau_pre": TAU_TRACE * b2.ms, "w_max": W_MAX,
        }

        self._ns = ns
        n_f, n_x, n_i = config.n_fear, config.n_ext, config.n_inh
        cells = b2.NeuronGroup(
            n_f + n_x + n_i, _NEURON, threshold=f"v > {V_TH_BLA}*mV", reset=f"v = {V_RESET_BLA}*mV",
            refractory=TREF_BLA * b2.ms, method="exact", name="bla",
        )
        cells.v = (V_REST + 10 * rng.random(len(cells))) * b2.mV
        cells.gain_nmda = 1.0
        fear, ext, inh = cells[:n_f], cells[n_f:n_f + n_x], cells[n_f + n_x:]

        # Afferents: CS fibres (CS+ and CS− share `overlap` of theirs), contexts, US, IL.
        n_shared = round(config.cs_overlap * config.n_cs)
        n_cs_total = 2 * config.n_cs - n_shared
        self._cs_plus = np.arange(config.n_cs)
        self._cs_minus = np.arange(config.n_cs - n_shared, n_cs_total)
        n_ctx = config.n_context
        n_aff = n_cs_total + 2 * n_ctx
        # Session inputs are TimedArrays passed at run time, so a whole session is one run.
        self._bin_s = 0.01
        afferents = b2.PoissonGroup(n_aff, rates="aff_rate(t - t_start, i)", name="afferents")
        us = b2.PoissonGroup(40, rates="us_rate(t - t_start)", name="us")
        il = b2.PoissonGroup(40, rates=RATE_IL * b2.Hz, name="il")
        background = b2.PoissonInput(cells, "ge", int(N_BACKGROUND), 5 * b2.Hz, weight=G_BACKGROUND * b2.mV)

        plastic_model = """
        w : 1
        g_peak : volt (shared)
        learning : 1 (shared)
        dapre/dt = -apre / tau_pre : 1 (event-driven)
        """
        on_pre = "ge_post += (1 - share) * w * g_peak\ngn_post += share * w * g_peak\napre += 1"
        self._plastic = {}
        for name, target in (("fear", fear), ("ext", ext)):
            # Third factor: fear synapses learn while the US (teaching signal) is on,
            # extinction synapses while a CS arrives without it (Vlachos et al. 2011).
            on_post = f"w = clip(w + learning * teach_{name}(t - t_start) * apre * (w_max - w), 0, w_max)"
            syn = b2.Synapses(afferents, target, plastic_model, on_pre=on_pre, on_post=on_post,
                              name=f"aff_{name}")
            syn.connect(p=P_CONN)
            syn.w = W_INIT
            syn.g_peak = G_AFF * b2.mV
            syn.learning = 0.0
            self._plastic[name] = syn
        self._n_cs_total = n_cs_total
        us_syn = b2.Synapses(us, fear, on_pre=f"ge_post += {G_US}*mV", name="us_fear")
        us_syn.connect(p=P_CONN)
        il_x = b2.Synapses(il, ext, "g : volt (shared)", on_pre="ge_post += g", name="il_ext")
        il_x.connect(p=P_CONN)
        il_i = b2.Synapses(il, inh, "g : volt (shared)", on_pre="ge_post += g", name="il_inh")
        il_i.connect(p=P_CONN)
        e_to_i = b2.Synapses(cells[:n_f + n_x], inh, on_pre=f"ge_post += {G_EI}*mV", name="e_to_i")
        e_to_i.connect(p=P_CONN)
        i_to_e = b2.Synapses(inh, cells[:n_f + n_x], on_pre=f"gi_post += {G_IE}*mV", name="i_to_e")
        i_to_e.connect(p=P_CONN)
        # Extinction neurons and IL drive ITC cells, which inhibit the fear output only.
        itc = b2.NeuronGroup(int(N_ITC), _NEURON, threshold=f"v > {V_TH_BLA}*mV", reset=f"v = {V_RESET_BLA}*mV",
                             refractory=TREF_BLA * b2.ms, method="exact", name="itc")
        itc.v = V_REST * b2.mV
        itc.gain_nmda = 1.0
        itc_background = b2.PoissonInput(itc, "ge", int(N_BACKGROUND), 5 * b2.Hz, weight=G_BACKGROUND * b2.mV)
        x_to_itc = b2.Synapses(ext, itc, on_pre=f"ge_post += {G_ITC}*mV", name="ext_itc")
        x_to_itc.connect(p=P_CONN)
        il_itc = b2.Synapses(il, itc, "g : volt (shared)", on_pre="ge_post += g", name="il_itc")
        il_itc.connect(p=P_CONN)
        itc_f = b2.Synapses(itc, fear, on_pre=f"gi_post += {G_ITC_F}*mV", name="itc_fear")
        itc_f.connect(p=P_CONN)
        self._spikes = b2.SpikeMonitor(cells, name="bla_spikes")
        self._cells, self._afferents, self._us, self._il = cells, afferents, us, il
        self._il_syn = (il_x, il_i, il_itc)
        self._n_f, self._n_x = n_f, n_x
        self.net = b2.Network(cells, afferents, us, il, background, *self._plastic.values(), us_syn,
                              il_x, il_i, e_to_i, i_to_e, itc, itc_background, x_to_itc, il_itc, itc_f, self._spikes)
        # Which afferent rows belong to which pathway (CS fibres vs context fibres).
        pre = {k: np.asarray(s.i[:]) for k, s in self._plastic.items()}
        self._pathway_rows = {
            "cs_fear": pre["fear"] < n_cs_total, "ctx_fear": pre["fear"] >= n_cs_total,
            "cs_ext": pre["ext"] < n_cs_total, "ctx_ext": pre["ext"] >= n_cs_total,
        }
        self._afferent_of = pre

    # ----------------------------------------------------------- weights
    def weights(self) -> dict[str, np.ndarray]:
        """Current plastic weights per pathway (copies)."""
        return {p: np.asarray(self._plastic[p.split("_")[1]].w[:])[self._pathway_rows[p]].copy()
                for p in PLASTIC_PATHWAYS}

    def set_weights(self, weights: dict[str, np.ndarray]) -> None:
        """Write plastic weights back (clipped to [0, w_max])."""
        for target in ("fear", "ext"):
            w = np.asarray(self._plastic[target].w[:]).copy()
            for pathway in (f"cs_{target}", f"ctx_{target}"):
                w[self._pathway_rows[pathway]] = np.clip(weights[pathway], 0.0, W_MAX)
            self._plastic[target].w[:] = w

    def cs_fibres(self, pathway: str, cs: str) -> np.ndarray:
        """Boolean mask over a pathway's synapses whose fibre carries the given CS."""
        target = pathway.split("_")[1]
        rows = self._afferent_of[target][self._pathway_rows[pathway]]
        fibres = self._cs_plus if cs == "plus" else self._cs_minus
        return np.isin(rows, fibres)

    # ------------------------------------------------------------ running
    def run_trials(self, trials: Sequence[Trial], modulators: Modulators, learn: bool = True) -> list[TrialReadout]:
        """Run a session of trials in one Brian2 run; plastic weights change when ``learn`` is true.

        Each trial is an inter-trial interval in its context (the pre-CS
        baseline) followed by the CS; a US, if any, fills the CS's last
        ``us_duration_s``.
        """
        import brian2 as b2

        c = self.config
        n_ctx = c.n_context
        bins = lambda seconds: int(round(seconds / self._bin_s))  # noqa: E731
        n_iti, n_cs, n_us = bins(c.iti_s), bins(c.cs_duration_s), bins(c.us_duration_s)
        per_trial = n_iti + n_cs
        total = per_trial * len(trials)
        aff = np.full((total, self._n_cs_total + 2 * n_ctx), RATE_BASE)
        us_rate = np.zeros(total)
        teach_fear, teach_ext = np.zeros(total), np.zeros(total)
        for k, trial in enumerate(trials):
            start = k * per_trial
            ctx = self._n_cs_total + (0 if trial.context == "A" else n_ctx)
            aff[start:start + per_trial, ctx:ctx + n_ctx] = RATE_CONTEXT
            if trial.cs is not None:
                fibres = self._cs_plus if trial.cs == "plus" else self._cs_minus
                aff[start + n_iti:start + per_trial, fibres] = RATE_CS_ON
                if trial.us:
                    us_rate[start + per_trial - n_us:start + per_trial] = RATE_US
                    teach_fear[start + per_trial - n_us:start + per_trial] = 1.0
                else:
                    teach_ext[start + n_iti:start + per_trial] = 1.0
        dt = self._bin_s * b2.second
        timed = {
            "aff_rate": b2.TimedArray(aff * b2.Hz, dt=dt),
            "us_rate": b2.TimedArray(us_rate * b2.Hz, dt=dt),
            "teach_fear": b2.TimedArray(teach_fear, dt=dt),
            "teach_ext": b2.TimedArray(teach_ext, dt=dt),
        }
        self._cells.gain_nmda = modulators.nmda_gain
        for name, syn in self._plastic.items():
            rate = ETA if name == "fear" else ETA_EXT
            syn.learning = rate * modulators.learning_gate if learn else 0.0
            syn.g_peak = G_AFF * modulators.bla_strength * b2.mV
        self._il_syn[0].g = G_IL_X * modulators.il_strength * b2.mV
        self._il_syn[1].g = G_IL_I * modulators.il_strength * b2.mV
        self._il_syn[2].g = G_IL_I * modulators.il_strength * b2.mV
        t_start = self.net.t
        self.net.run(total * dt, namespace={**self._ns, **timed, "t_start": t_start, "share": NMDA_SHARE})

        i = np.asarray(self._spikes.i[:])
        t = np.asarray((self._spikes.t[:] - t_start) / b2.second)
        keep = t >= 0
        i, t = i[keep], t[keep]
        fear = i < self._n_f
        ext = (i >= self._n_f) & (i < self._n_f + self._n_x)
        readouts = []
        for k, trial in enumerate(trials):
            t0 = k * per_trial * self._bin_s
            t1 = t0 + c.iti_s
            # Freezing is scored in the CS before any US.
            lead = c.cs_duration_s - (c.us_duration_s if trial.us else 0.0)
            pre = (t >= t0) & (t < t1)
            during = (t >= t1) & (t < t1 + lead)
            f_pre = (fear & pre).sum() / (self._n_f * c.iti_s)
            f_cs = (fear & during).sum() / (self._n_f * lead)
            x_cs = (ext & during).sum() / (self._n_x * lead)
            delta = f_cs - f_pre if trial.cs is not None else f_pre
            readouts.append(TrialReadout(trial, float(f_cs), float(f_pre), float(x_cs), float(freezing_from_rate(delta))))
        return readouts
