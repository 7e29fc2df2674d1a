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
removed. A :class:`BLANetwork` (one seed) runs session after session, each
from rest; between sessions the memory layer (:mod:`ketasim.protocols.fear`)
consolidates or destabilises the weights it reads and writes here.

Size is a parameter (:class:`BLAConfig`): populations scale, in-degrees
do not, so every size is the same model (``docs/bla-size.md``). The network
is declared once (:class:`BLADeclaration`) for two engines that fire the
same spikes: the runtime one here (:class:`RuntimeBLA`) and a compiled
binary (:mod:`ketasim.circuit.bla_compiled`); every random input is a
counter-based stream (:mod:`ketasim.circuit.background`).

Freezing is read from the fear population's rate during the CS (the mapping
is in :func:`freezing_from_rate`).
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field

import numpy as np

from ketasim.circuit.brian_setup import configure_brian, is_scalar_constant, unit_name
from ketasim.parameters import param

__all__ = [
    "FULL_CELLS",
    "QUICK_CELLS",
    "REFERENCE_CELLS",
    "BLAConfig",
    "BLADeclaration",
    "Layout",
    "RuntimeBLA",
    "SessionInputs",
    "SessionRecord",
    "CS_OVERLAP",
    "BLANetwork",
    "Modulators",
    "PLASTIC_PATHWAYS",
    "Trial",
    "TrialReadout",
    "freezing_from_rate",
    "profile_cells",
    "schedule_bins",
    "session_draws",
    "session_schedule",
    "constants_per_run_values",
    "signature",
    "structural",
    "trial_readouts",
    "wiring",
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
RATE_CONTEXT = param(
    _P, "bla.context_rate", 10.0, "Hz",
    "fitted within the CA1 rate during activity, 5-20 Hz (about 1 Hz at rest; BioNumbers 112031): three "
    "unsignalled footshocks give context freezing of 0.3-0.6 a day later, the range of mouse controls (recalled, "
    "not read: docs/literature/2026-12-02-context-fear.md); a context's fibres are the BLA-projecting ventral CA1 "
    "cells active in it (Xu et al. 2016 Cell 167:961)",
    "Rate of a context's afferent fibres while the animal is in that context (scaled by hippocampal strength).",
    low=5.0, high=20.0, range_reason="sourced: CA1 pyramidal rates during activity, 5-20 Hz (BioNumbers 112031)")
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
N_ITC = param(_P, "bla.n_itc", 20, "1", "fitted: a small ITC cluster relative to BLA principal cells",
              "ITC cells per 120 principal cells (scaled with the network).")
_K_REF = ("fitted: connection probability 0.5 in the reference network of 120 principal cells (half of its {}), "
          "kept as a fixed in-degree so that every network size gives each cell the same inputs "
          "(van Albada, Helias & Diesmann 2015 PLoS Comput Biol 11:e1004490)")
IN_DEGREE = {
    "plastic": param(_P, "bla.in_degree.afferent", 73, "1",
                     _K_REF.format("146 CS and context fibres at the CS overlap of 0.35 it was fitted with"),
                     "CS and context fibres onto each fear and extinction neuron (the plastic synapses).",
                     low=20, high=110, range_reason="a count: below the 120 fibres the reference network keeps at full CS overlap"),
    "us_fear": param(_P, "bla.in_degree.footshock", 20, "1", _K_REF.format("40 footshock fibres"),
                     low=5, high=40, range_reason="a count: at most the reference network's 40 fibres"),
    "e_to_i": param(_P, "bla.in_degree.principal_to_interneuron", 60, "1", _K_REF.format("120 principal cells"),
                    low=15, high=120, range_reason="a count: at most the reference network's 120 cells"),
    "i_to_e": param(_P, "bla.in_degree.interneuron_to_principal", 15, "1", _K_REF.format("30 interneurons"),
                    low=4, high=30, range_reason="a count: at most the reference network's 30 cells"),
    "ext_itc": param(_P, "bla.in_degree.extinction_to_itc", 30, "1", _K_REF.format("60 extinction neurons"),
                     low=8, high=60, range_reason="a count: at most the reference network's 60 cells"),
    "itc_fear": param(_P, "bla.in_degree.itc_to_fear", 10, "1", _K_REF.format("20 ITC cells"),
                      low=3, high=20, range_reason="a count: at most the reference network's 20 cells"),
    "il": param(_P, "bla.in_degree.infralimbic", 20, "1", _K_REF.format("40 infralimbic fibres"),
                "Infralimbic fibres onto each extinction neuron, interneuron and ITC cell.",
                low=5, high=40, range_reason="a count: at most the reference network's 40 fibres"),
}
W_INIT = param(_P, "bla.w_init", 0.5, "1",
               "fitted: naive CS input drives fear neurons weakly (pre-conditioning freezing < 15 %); the rule's bound is 2",
               "Initial weight of plastic CS and context afferents, in units of the plasticity layer's baseline synapse.")
OMISSION_GAIN = param(_P, "bla.omission_gain", 0.05, "1",
                      "fitted: extinction over 10-20 CS-alone trials is gradual (Quirk 2002 Learn Mem 9:402)",
                      "Strength of the omitted-US (dopamine) third factor on extinction neurons; the US factor is 1.")
TAU_EXPECT = param(_P, "bla.tau_expectation", 100.0, "ms",
                   "Schultz 1998 J Neurophysiol 80:1 (phasic dopamine responses last 100-200 ms)",
                   "Smoothing of the fear population's rate that sets the expected US at an omission.")
EXPECT_REF = param(_P, "bla.expectation_rate_ref", 4.25, "Hz",
                   "the fear-neuron CS response that gives 50 % freezing (bla.freezing_half_rate): expectation 1 there",
                   "Fear-population rate at which the omission signal reaches OMISSION_GAIN (capped there).")
LTP_RATE_BLA = param(_P, "bla.ltp_rate", 1.0, "1/s", _FIT_COND,
                     "Rate of the plasticity layer's CCK-B-gated rule at BLA afferents (slices: plasticity ltp.rate).")
FREEZE_R50 = param(_P, "bla.freezing_half_rate", 4.25, "Hz",
                   "fitted: fear-neuron CS response (Hz above context baseline) giving 50 % freezing; " + _FIT_COND
                   + "; refitted when sessions began to start from rest (docs/bla-size.md#refit)")
CS_OVERLAP = param(_P, "bla.cs_overlap", 0.55, "1",
                   "fitted: CS- freezing about half of CS+ freezing a day after five pairings, tested in a novel "
                   "context (0.50, quick profile, seeds 0-7; 0.35 before context fear, issue 17); discriminative tone conditioning in mice spans CS-/CS+ from about 0.3 in "
                   "discriminators to about 1 in generalisers (Likhtik et al. 2014 Nat Neurosci 17:106, Fig. 1)",
                   "Fraction of CS afferent fibres shared by CS+ and CS-; set per scenario by fear.cs_overlap.",
                   low=0.0, high=1.0, range_reason="physical bound: a fraction of fibres (as fear.cs_overlap)")
# Trial timing. The network's rates settle within about 100 ms of a change of input, so a trial is
# time-compressed: 1 s of CS stands for the 10-30-s tones of cued protocols.
_COMPRESSED = ("modelling choice: a time-compressed trial, not a measurement (the network's population rates settle "
               "within about 100 ms, so a 1-s stimulus window stands for the 10-30-s tones of cued protocols, "
               "docs/literature/2026-12-02-context-fear.md Q4)")
CS_DURATION_S = param(_P, "bla.trial.cs_duration", 1.0, "s", _COMPRESSED,
                      "Stimulus window of a trial: the CS, or the context alone in an unsignalled trial.",
                      low=0.5, high=2.0, range_reason="modelling choice: long enough for rates to settle (> 0.1 s) "
                      "and for the 0.3-s US to end with the CS; 2 s doubles every session's run time")
ITI_S = param(_P, "bla.trial.iti", 0.5, "s",
              "modelling choice: the gap between trials lets rates and the fast synaptic states return to rest "
              "(tau_GABA 10 ms, expectation 100 ms); protocols use 1-3-min intervals",
              "Inter-trial interval.",
              low=0.2, high=2.0, range_reason="modelling choice: several times the slowest fast state (0.1 s) "
              "up to four times the value")
US_DURATION_S = param(_P, "bla.trial.us_duration", 0.3, "s",
                      "modelling choice: a cued footshock co-terminating with the CS and shorter than the 0.5-2-s "
                      "shocks of cued protocols (docs/literature/2026-12-02-context-fear.md Q4); lengthening it "
                      "would refit every cued experiment (docs/mechanisms.md, context fear)",
                      "Duration of a CS-signalled footshock; it ends with the CS.",
                      low=0.1, high=0.9, range_reason="modelling choice: at least 0.1 s and shorter than the 1-s CS")
UNSIGNALLED_US_S = param(_P, "bla.trial.unsignalled_us_duration", 1.0, "s",
                         "modelling choice: contextual protocols give 2-3-s shocks, cued ones 0.5-2 s "
                         "(docs/literature/2026-12-02-context-fear.md Q4); an unsignalled shock fills the trial's "
                         "stimulus window so that context fear can be learned (docs/mechanisms.md, context fear)",
                         "Duration of a footshock no CS signals (contextual conditioning), at most the CS window.",
                         low=0.3, high=1.0, range_reason="modelling choice: from the cued shock's 0.3 s to the "
                         "whole 1-s stimulus window")
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


REFERENCE_CELLS = 120
"""Principal cells (fear + extinction) of the reference network, whose in-degrees the parameters give."""
QUICK_CELLS = 120
"""Principal cells of the quick profile: the reference network."""
FULL_CELLS = 240
"""Principal cells of the full profile (the size-convergence study in ``docs/bla-size.md`` chose it)."""


def profile_cells(quick: bool) -> int:
    """Principal cells of a profile's BLA network: :data:`QUICK_CELLS`, or :data:`FULL_CELLS` unless the
    ``bla_cells`` setting (``KETASIM_BLA_CELLS``, for size studies) says otherwise."""
    from ketasim.settings import settings

    return QUICK_CELLS if quick else (settings().bla_cells or FULL_CELLS)


@dataclass(frozen=True)
class BLAConfig:
    """Size and timing of the BLA circuit.

    Every population scales with ``principal_cells`` (fear + extinction
    neurons, half each) from the reference network of
    :data:`REFERENCE_CELLS`: 30 interneurons, ``circuit.bla.n_itc`` ITC
    cells, 40 fibres per CS and per context, 40 footshock and 40
    infralimbic fibres per 120 principal cells. In-degrees do not scale
    (``circuit.bla.in_degree.*``), so every cell receives the same inputs at
    every size and only the population averages grow less noisy: one model
    at several resolutions (van Albada, Helias & Diesmann 2015 PLoS Comput
    Biol 11:e1004490).

    Attributes
    ----------
    principal_cells : int
        Fear plus extinction neurons, at least :data:`REFERENCE_CELLS` (smaller
        networks cannot give every cell its in-degree of distinct inputs).
    cs_overlap : float, optional
        Fraction of CS fibres shared by CS+ and CS− (0–1); by default
        ``circuit.bla.cs_overlap`` of the active parameter set.
    cs_duration_s, iti_s, us_duration_s : float
        Trial timing (s): the US ends with the CS. By default
        ``circuit.bla.trial.*`` of the active parameter set (modelling
        choices of a time-compressed trial; their reasons are in the
        parameter table).
    unsignalled_us_s : float
        Duration (s) of a footshock no CS signals (contextual conditioning),
        at most ``cs_duration_s``; by default
        ``circuit.bla.trial.unsignalled_us_duration``. A modelling choice that lets context fear
        be learned: contextual protocols give 2-3-s shocks, cued ones 0.5-2 s
        (docs/literature/2026-12-02-context-fear.md, Q4); the cued US, 0.3 s at
        the end of a 1-s CS, is already shorter than any of them and was left
        alone (lengthening it would move every cued experiment), so an
        unsignalled shock fills the trial's stimulus window.
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

    principal_cells: int = FULL_CELLS
    cs_overlap: float | None = None
    cs_duration_s: float = field(default_factory=lambda: CS_DURATION_S())
    iti_s: float = field(default_factory=lambda: ITI_S())
    us_duration_s: float = field(default_factory=lambda: US_DURATION_S())
    unsignalled_us_s: float = field(default_factory=lambda: UNSIGNALLED_US_S())
    dt_ms: float = 0.25
    plasticity_dt_ms: float = 1.0

    def __post_init__(self) -> None:
        if self.cs_overlap is None:
            object.__setattr__(self, "cs_overlap", CS_OVERLAP())
        if not (self.iti_s >= BIN_S and BIN_S <= self.us_duration_s < self.cs_duration_s
                and BIN_S <= self.unsignalled_us_s <= self.cs_duration_s):
            raise ValueError(f"trial timing iti_s={self.iti_s!r}, cs_duration_s={self.cs_duration_s!r}, "
                             f"us_duration_s={self.us_duration_s!r}, unsignalled_us_s={self.unsignalled_us_s!r}: "
                             f"allowed: iti_s >= {BIN_S} s, {BIN_S} s <= us_duration_s < cs_duration_s, "
                             f"{BIN_S} s <= unsignalled_us_s <= cs_duration_s")
        if int(self.principal_cells) != self.principal_cells or self.principal_cells < REFERENCE_CELLS:
            raise ValueError(f"principal_cells={self.principal_cells!r}: allowed: a whole number >= {REFERENCE_CELLS}")

    @classmethod
    def quick(cls, cs_overlap: float | None = None) -> BLAConfig:
        """The quick profile: the same model at the reference size."""
        return cls(principal_cells=QUICK_CELLS, cs_overlap=cs_overlap)

    @property
    def scale(self) -> float:
        """Size relative to the reference network."""
        return self.principal_cells / REFERENCE_CELLS

    def _scaled(self, reference: float) -> int:
        return max(1, int(round(reference * self.scale)))

    @property
    def n_fear(self) -> int:
        return self.principal_cells // 2

    @property
    def n_ext(self) -> int:
        return self.principal_cells - self.principal_cells // 2

    @property
    def n_inh(self) -> int:
        return self._scaled(30)

    @property
    def n_cs(self) -> int:
        """Afferent fibres per CS."""
        return self._scaled(40)

    @property
    def n_context(self) -> int:
        """Afferent fibres per context."""
        return self._scaled(40)


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
    safety : float
        Infralimbic safety signal: the relative rise of the infralimbic
        fibres' rate during a CS− (0 = none), which discriminating animals
        show and generalising ones lack (Likhtik et al. 2014 Nat Neurosci
        17:106; :mod:`ketasim.protocols.generalisation`).
    """

    nmda_gain: float = 1.0
    learning_gate: float = 1.0
    il_strength: float = 1.0
    bla_strength: float = 1.0
    context_strength: float = 1.0
    safety: float = 0.0
    cck: float = 1.0
    cckbr: float = 1.0


@dataclass
class TrialReadout:
    """Population rates (Hz) in one trial and the freezing they map to.

    With a CS: ``fear_rate_pre`` over the inter-trial interval, ``fear_rate_cs``
    and ``ext_rate_cs`` over the CS before any US; freezing maps the
    difference. With the context alone: ``fear_rate_cs`` and ``ext_rate_cs``
    over the whole time in the context before any US (interval included),
    freezing maps ``fear_rate_cs`` itself.
    """

    trial: Trial
    fear_rate_cs: float
    fear_rate_pre: float
    ext_rate_cs: float
    freezing: float


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
    cell_update : callable
        ``(neuromodulator expression) -> str``: statements refreshing a cell's
        stored gate and Mg²⁺ unblock (the fear circuit evaluates them once per
        cell, not once per synapse).
    exponents : mapping of str to str
        Namespace constants the rule raises to a power inside a per-synapse
        loop, each with the parameter (``layer.name``) it comes from. They
        stay compiled in even in a binary that reads its constants per run:
        with the exponent a literal, the compiler turns ``pow`` into
        multiplications (a per-run exponent made the quick fear circuit's
        sessions 3× slower, measured with perf).
    """

    namespace: Callable[..., dict]
    gate_equations: Callable[..., str]
    synapse_model: Callable[..., str]
    synapse_on_pre: Callable[[], str]
    release_update: Callable[[], str]
    release_fractions: Callable[[np.random.Generator, int], np.ndarray]
    cell_update: Callable[[str], str]
    exponents: Mapping[str, str] = field(default_factory=dict)

    def read_per_run(self, name: str, value: object) -> bool:
        """Whether a binary that reads its constants per run reads the namespace entry ``name`` on its command line."""
        return is_scalar_constant(name, value) and name not in self.exponents

    def compiles_in(self, key: str) -> bool:
        """Whether the parameter ``key`` is compiled into every binary of the rule (an exponent's source)."""
        return key in self.exponents.values()


# ---------------------------------------------------------------- declaration
# Cells: conductance-based LIF. Every random input (the afferent fibres, the
# footshock, the infralimbic input and each cell's background) is a
# counter-based stream (ketasim.circuit.background) keyed by seed, session and
# channel, so the runtime and the compiled engine fire the same spikes.
_NEURON = """
dv/dt = (g_L * (E_L - v) + g_ampa * (E_exc - v) + g_nmda * (E_exc - v) + g_gaba * (E_inh - v)) / C_m : volt (unless refractory)
dg_ampa/dt = -g_ampa / tau_ampa : siemens
dg_gaba/dt = -g_gaba / tau_gaba : siemens
g_nmda = g_nmda_unit * nmda_avail * nmda_open / (1 + exp(-mg_slope * v / mV) * mg_mM / mg_k) : siemens
is_fear : 1 (constant)
dexpectation/dt = -expectation / tau_expect : 1
bg_key : 1 (constant)
g_bg : siemens (constant)
"""

_SIMPLE = """
dv/dt = (g_L * (E_L - v) + g_ampa * (E_exc - v) + g_gaba * (E_inh - v)) / C_m : volt (unless refractory)
dg_ampa/dt = -g_ampa / tau_ampa : siemens
dg_gaba/dt = -g_gaba / tau_gaba : siemens
bg_key : 1 (constant)
g_bg : siemens (constant)
"""

# Third factors: noradrenaline released by the US permits LTP on fear
# neurons (Johansen et al. 2014 PNAS 111:E5584); the dopamine signal of an
# omitted US permits it on extinction neurons (Luo et al. 2018 Nat Commun 9:1576).
# The omission signal is a prediction error: it scales with the US the
# fear population still predicts and fades as extinction proceeds
# (Salinas-Hernandez et al. 2018 eLife 7:e38818), so extinction learning
# stops once fear is suppressed in the extinction context. A context presented
# alone predicts the US as a CS does, so its omission extinguishes context fear.
_PERMISSIVE = "is_fear * ne(t) + (1 - is_fear) * omission(t) * clip(expectation, 0, 1)"

# The background's synaptic events arrive where Brian2's PoissonInput puts them ("synapses" slot).
_BACKGROUND = "g_ampa += g_bg * ext_count(bg_key, t_in_timesteps, bg_p0, bg_odds, bg_n)"

BIN_S = 0.01
"""Resolution (s) of a session's input schedule."""
MIN_BINS = 4096
"""Fewest bins of a session's schedule (41 s): shorter sessions are padded, so sessions share compiled code."""
FIBRE_CLASSES = ("cs_plus_only", "cs_minus_only", "cs_shared", "context_A", "context_B")
"""Afferent fibre classes: the columns of a session's afferent rate schedule."""
# Synapse objects whose presynaptic partners come from the network's seed: (name, pre, post).
_WIRING = (
    ("plastic", "afferents", "principal"),
    ("us_fear", "us", "fear"),
    ("e_to_i", "principal", "inh"),
    ("i_to_e", "inh", "principal"),
    ("ext_itc", "ext", "itc"),
    ("itc_fear", "itc", "fear"),
    ("il_ext", "il", "ext"),
    ("il_inh", "il", "inh"),
    ("il_itc", "il", "itc"),
)


def _trial_bins(config: BLAConfig) -> tuple[int, int]:
    """Bins of a trial's inter-trial interval and CS (:data:`BIN_S` each); the US's depend on the trial (:func:`_us_s`)."""
    n_iti, n_cs = (int(round(x / BIN_S)) for x in (config.iti_s, config.cs_duration_s))
    return n_iti, n_cs


def _us_s(trial: Trial, config: BLAConfig) -> float:
    """How long (s) the trial's US lasts: 0 without one, longer when no CS signals it."""
    if not trial.us:
        return 0.0
    return config.us_duration_s if trial.cs is not None else config.unsignalled_us_s


def schedule_bins(trials: int, config: BLAConfig) -> tuple[int, int]:
    """(bins a session of ``trials`` trials takes, bins its schedule is padded to: a power of two)."""
    n_iti, n_cs = _trial_bins(config)
    total = (n_iti + n_cs) * trials
    return total, max(MIN_BINS, 1 << int(np.ceil(np.log2(max(total, 1)))))


@dataclass(frozen=True)
class Layout:
    """Population sizes and fibre indices of a BLA network (from its config and the active set)."""

    n_fear: int
    n_ext: int
    n_inh: int
    n_itc: int
    n_cs: int
    n_shared: int
    n_context: int
    n_us: int
    n_il: int

    @classmethod
    def of(cls, config: BLAConfig) -> Layout:
        assert config.cs_overlap is not None  # filled in by BLAConfig.__post_init__
        fibres = config._scaled(40)  # footshock and infralimbic fibres
        return cls(config.n_fear, config.n_ext, config.n_inh, config._scaled(N_ITC()), config.n_cs,
                   round(config.cs_overlap * config.n_cs), config.n_context, fibres, fibres)

    @property
    def n_principal(self) -> int:
        return self.n_fear + self.n_ext

    @property
    def n_cs_total(self) -> int:
        return 2 * self.n_cs - self.n_shared

    @property
    def n_afferents(self) -> int:
        return self.n_cs_total + 2 * self.n_context

    def cs_fibres(self, cs: str) -> np.ndarray:
        """Indices of the afferent fibres that carry CS+ (``plus``) or CS− (``minus``)."""
        if cs == "plus":
            return np.arange(self.n_cs)
        return np.arange(self.n_cs - self.n_shared, self.n_cs_total)

    def fibre_classes(self) -> np.ndarray:
        """Each afferent fibre's column in the rate schedule (:data:`FIBRE_CLASSES`)."""
        plus_only = self.n_cs - self.n_shared
        return np.r_[np.zeros(plus_only), np.full(self.n_shared, 2), np.ones(self.n_cs - self.n_shared),
                     np.full(self.n_context, 3), np.full(self.n_context, 4)].astype(np.int32)

    def sizes(self) -> dict[str, int]:
        """Sizes of the populations the synapses of :data:`_WIRING` connect."""
        return {"afferents": self.n_afferents, "principal": self.n_principal, "fear": self.n_fear,
                "ext": self.n_ext, "inh": self.n_inh, "itc": self.n_itc, "us": self.n_us, "il": self.n_il}

    def in_degrees(self) -> dict[str, int]:
        """Fixed in-degree of each synapse object (``circuit.bla.in_degree.*``, the same at every size)."""
        degrees = {name: int(IN_DEGREE[pre if pre == "il" else name]()) for name, pre, _ in _WIRING}
        sizes = self.sizes()
        for name, pre, _ in _WIRING:
            if degrees[name] > sizes[pre]:
                raise ValueError(f"BLA in-degree of {name} ({degrees[name]}) exceeds its {sizes[pre]} {pre} cells: "
                                 f"allowed: a network of at least {REFERENCE_CELLS} principal cells")
        return degrees


def wiring(seed: int, layout: Layout) -> dict[str, np.ndarray]:
    """Presynaptic partners of every synapse object (:data:`_WIRING`).

    Each postsynaptic cell draws its fixed number of distinct partners
    (:meth:`Layout.in_degrees`) from ``numpy.random.default_rng(seed + 1)``,
    in the order of :data:`_WIRING`; the postsynaptic side is
    ``tile(arange(n_post), k)``. Indices are within the source population.
    """
    from ketasim.circuit.pfc import fixed_indegree

    rng = np.random.default_rng(seed + 1)
    sizes, degrees = layout.sizes(), layout.in_degrees()
    out = {}
    for name, pre, post in _WIRING:
        partners = fixed_indegree(rng, sizes[pre], sizes[post], degrees[name])[0]
        out[name] = partners.reshape(sizes[post], degrees[name]).T.ravel()  # synapse order of _post_indices
    return out


def _post_indices(layout: Layout) -> dict[str, np.ndarray]:
    """Postsynaptic cells of every synapse object's synapses: the k-th input of every cell, then the (k+1)-th.

    Interleaved, not grouped by cell: summed variables add synapse after
    synapse into their cell, and consecutive adds into one cell wait for
    each other.
    """
    sizes, degrees = layout.sizes(), layout.in_degrees()
    return {name: np.tile(np.arange(sizes[post]), degrees[name]) for name, _, post in _WIRING}


class BLADeclaration:
    """The BLA network's Brian2 objects, declared under whichever device is active: the one both engines build.

    Everything that may change from run to run is a variable of the network
    (:func:`session_values` and :func:`timed_values` give them): initial potentials, stream keys,
    plastic weights and release fractions, the modulators, the infralimbic
    rate and strength, the afferent strength, and the session's input
    schedule (TimedArrays of a fixed length). The rest (sizes, time steps,
    cell and synapse constants) is compiled in.

    Parameters
    ----------
    config : BLAConfig
        Sizes and timing.
    rule : LearningRule
        The plasticity layer's rule.
    bins : int
        Length of the schedule TimedArrays (:func:`schedule_bins`).
    partners : dict, optional
        Presynaptic partners per synapse object (:func:`wiring`); without
        them the synapses are placeholders whose partners a compiled binary
        reads before each run.
    stoppable : bool
        Add the group that ends a compiled run at the session's last step
        (a binary is compiled for its longest session).
    constants_per_run : bool
        Declare the constants of :func:`constants` as shared variables that
        every run sets (:func:`constants_per_run_values` gives their values) instead
        of compiling them in: one binary then serves every parameter set of
        this shape (a robustness draw, a sensitivity sample).
    """

    def __init__(self, config: BLAConfig, rule: LearningRule, bins: int,
                 partners: dict[str, np.ndarray] | None = None, stoppable: bool = False,
                 constants_per_run: bool = False):
        import brian2 as b2

        from ketasim.circuit.background import ext_count_function, uniform_function

        self.config, self.bins = config, int(bins)
        self.layout = layout = Layout.of(config)
        b2.defaultclock.dt = config.dt_ms * b2.ms
        ns = constants(config, rule)
        literal, expectation_step, t_ref = ns.pop("_literal_weights_nS"), ns.pop("_expectation_step"), ns.pop("t_ref")
        per_run = constants_per_run_values(config, rule) if constants_per_run else {}
        declared = {owner: "".join(f"{name.split('.')[1]} : {unit_name(v)} (shared, constant)\n"
                                   for name, v in per_run.items() if name.startswith(f"{owner}."))
                    for owner in ("principal", "inh", "itc", *literal, "fear_expectation")}
        if constants_per_run:  # the names are variables of the groups now, set on each run's command line
            ns = {k: v for k, v in ns.items() if not rule.read_per_run(k, v)}
            t_ref = "t_ref"
        p_bg = 5.0 * config.dt_ms * 1e-3  # background inputs fire at 5 Hz
        n_bg = int(N_BACKGROUND())
        ns.update(ext_count=ext_count_function(n_bg, p_bg), bg_p0=(1 - p_bg) ** n_bg, bg_odds=p_bg / (1 - p_bg),
                  bg_n=n_bg, hashed_uniform=uniform_function())
        bin_dt = BIN_S * b2.second
        self.timed = {
            "aff_profile": b2.TimedArray(np.zeros((self.bins, len(FIBRE_CLASSES))) * b2.Hz, dt=bin_dt, name="aff_profile"),
            "us_rate": b2.TimedArray(np.zeros(self.bins) * b2.Hz, dt=bin_dt, name="us_rate"),
            "ne": b2.TimedArray(np.zeros(self.bins), dt=bin_dt, name="ne"),
            "omission": b2.TimedArray(np.zeros(self.bins), dt=bin_dt, name="omission"),
            "il_profile": b2.TimedArray(np.zeros(self.bins) * b2.Hz, dt=bin_dt, name="il_profile"),
        }
        ns.update(self.timed)
        self.namespace = ns
        n_f, n_x = layout.n_fear, layout.n_ext
        spiking = dict(threshold="v > V_th", reset="v = V_reset", refractory=t_ref, method="euler")
        principal = b2.NeuronGroup(layout.n_principal, _NEURON + rule.gate_equations(stored=True) + declared["principal"],
                                   name="principal", **spiking)
        plastic_dt = max(config.plasticity_dt_ms, config.dt_ms) * b2.ms
        # The gate and the Mg2+ unblock depend on the cell alone: refreshed once per cell on the plastic
        # synapses' clock, before the synapses read them (not evaluated once per synapse).
        gate = principal.run_regularly(rule.cell_update(_PERMISSIVE), dt=plastic_dt, when="before_groups",
                                       name="principal_gate")
        principal.is_fear = np.r_[np.ones(n_f), np.zeros(n_x)]
        principal.n_synapses = float(layout.in_degrees()["plastic"])
        inh = b2.NeuronGroup(layout.n_inh, _SIMPLE + declared["inh"], name="inh", **spiking)
        itc = b2.NeuronGroup(layout.n_itc, _SIMPLE + declared["itc"], name="itc", **spiking)
        cells = (principal, inh, itc)
        backgrounds = [g.run_regularly(_BACKGROUND, when="synapses", name=f"{g.name}_background") for g in cells]

        afferents = b2.NeuronGroup(layout.n_afferents, "key : 1 (constant)\nfibre_class : integer (constant)",
                                   threshold="hashed_uniform(key, t_in_timesteps) < aff_profile(t, fibre_class) * dt",
                                   reset="", name="afferents")
        afferents.fibre_class = layout.fibre_classes()
        us = b2.NeuronGroup(layout.n_us, "key : 1 (constant)", threshold="hashed_uniform(key, t_in_timesteps) < us_rate(t) * dt",
                            reset="", name="us")
        il = b2.NeuronGroup(layout.n_il, "key : 1 (constant)",
                            threshold="hashed_uniform(key, t_in_timesteps) < il_profile(t) * dt", reset="", name="il")
        groups = {"afferents": afferents, "principal": principal, "fear": principal[:n_f], "ext": principal[n_f:],
                  "inh": inh, "itc": itc, "us": us, "il": il}

        # The afferent strength is a variable (it scales with BLA synaptic strength from session to session).
        # With constants per run, the plastic synapses read them from their postsynaptic group.
        plastic_model = rule.synapse_model(True, sampled_release=True, per_cell=True) + "g_ampa_unit : siemens (shared)\n"
        plastic = b2.Synapses(afferents, principal, model=plastic_model, on_pre=rule.synapse_on_pre(), method="euler",
                              name="plastic", dt=plastic_dt)
        # The summed NMDAR and CCK-release drives change on the synapses' clock: summed on it too
        # (Brian2 sums on the target's clock, four times as often, by default).
        for updater in plastic.summed_updaters.values():
            updater._clock = plastic.clock
        # Spikes are delivered on the afferents' (finer) clock, as intended.
        b2.BrianLogger.suppress_name("synapses_dt_mismatch")
        release = plastic.run_regularly(rule.release_update(), when="after_groups", name="plastic_release")
        synapses = {"plastic": plastic}
        for name, source, target_group in _WIRING[1:]:
            target = "g_gaba" if source in ("inh", "itc") else "g_ampa"
            shared = source == "il"  # the IL strength is a per-session variable
            weight = "g" if shared or constants_per_run else f"{literal[name]!r} * nS"
            synapses[name] = b2.Synapses(groups[source], groups[target_group],
                                         "g : siemens (shared)" if shared else declared.get(name, ""),
                                         on_pre=f"{target}_post += {weight}", name=name)
        post_cells = _post_indices(layout)
        for name, syn in synapses.items():
            pre_cells = partners[name] if partners is not None else np.zeros(post_cells[name].size, dtype=int)
            syn.connect(i=pre_cells, j=post_cells[name])
        plastic.x = 1.0
        # Every fear spike raises the expectation read by extinction neurons:
        # expectation = fear-population rate / EXPECT_REF, smoothed over tau_expect.
        step = "g" if constants_per_run else repr(expectation_step)
        expect = b2.Synapses(groups["fear"], groups["ext"], declared["fear_expectation"],
                             on_pre=f"expectation_post += {step}", name="fear_expectation")
        expect.connect()
        self.spikes = b2.SpikeMonitor(principal, name="bla_spikes")
        objects = [*cells, gate, afferents, us, il, *backgrounds, *synapses.values(), release, expect, self.spikes]
        self.stop = None
        if stoppable:
            self.stop = b2.NeuronGroup(1, "stop_step : integer (shared)\nstopped : integer (shared)", name="session_end")
            self.stop.run_regularly("stopped = session_stop(t_in_timesteps, stop_step)", when="end", name="session_stop")
            ns["session_stop"] = _stop_function()
            objects.append(self.stop)
        self.groups, self.synapses, self.expectation = groups, synapses, expect
        self.net = b2.Network(*objects)


def constants(config: BLAConfig, rule: LearningRule) -> dict:
    """Everything compiled into the network's code: the namespace's constants and the literal weights (nS).

    Values of the active parameter set. A compiled binary is keyed by
    these (:func:`signature`), so it serves every parameter set that agrees
    on them.
    """
    import brian2 as b2

    ns = rule.namespace(G_AFF_NS())
    ns.pop("g_ampa_unit", None)  # a variable of the plastic synapses here
    n_f = config.n_fear
    tau_expect = TAU_EXPECT()
    ns.update({
        "g_L": G_L_NS() * b2.nS, "E_L": V_REST() * b2.mV, "E_exc": 0 * b2.mV, "E_inh": E_INH() * b2.mV,
        "C_m": C_M_PF() * b2.pF, "tau_ampa": TAU_AMPA() * b2.ms, "tau_gaba": TAU_GABA() * b2.ms,
        "g_nmda_unit": G_NMDA_NS() * b2.nS, "ltp_rate": LTP_RATE_BLA() / b2.second,
        "tau_expect": tau_expect * b2.ms, "V_th": V_TH_BLA() * b2.mV, "V_reset": V_RESET_BLA() * b2.mV,
        "t_ref": TREF_BLA() * b2.ms, "nS": b2.nS,
        "_literal_weights_nS": {"us_fear": G_US_NS(), "e_to_i": G_EI_NS(), "i_to_e": G_IE_NS(),
                                "ext_itc": G_ITC_NS(), "itc_fear": G_ITC_F_NS()},
        "_expectation_step": 1.0 / (n_f * EXPECT_REF() * tau_expect * 1e-3),
    })
    return ns


def structural(key: str) -> bool:
    """Whether the parameter ``key`` sets the BLA network's structure (group sizes, synapse counts, the background
    count), which a compiled binary holds: each value of it builds a binary (the constants do not,
    :func:`constants_per_run_values`)."""
    return key.startswith(f"{_P}.bla.in_degree.") or key in (N_ITC.key, N_BACKGROUND.key)


def constants_per_run_values(config: BLAConfig, rule: LearningRule) -> dict[str, object]:
    """The constants of :func:`constants` as a binary that reads them per run takes them: ``"owner.name"`` → value.

    Every cell group holds its own shared copy of the scalar constants and
    the refractory period (Brian2 code reads the variables of its own object;
    the plastic synapses read those of their postsynaptic group), each
    literal weight is ``g`` of its synapse object, and the expectation step
    is ``g`` of ``fear_expectation``.
    Values of the active parameter set.
    """
    import brian2 as b2

    ns = constants(config, rule)
    literal, step, t_ref = ns.pop("_literal_weights_nS"), ns.pop("_expectation_step"), ns.pop("t_ref")
    scalars = {k: v for k, v in ns.items() if rule.read_per_run(k, v)}
    out: dict[str, object] = {f"{group}.{k}": v for group in ("principal", "inh", "itc") for k, v in scalars.items()}
    out.update({f"{group}.t_ref": t_ref for group in ("principal", "inh", "itc")})
    out.update({f"{name}.g": weight * b2.nS for name, weight in literal.items()})
    out["fear_expectation.g"] = float(step)
    return out


def signature(config: BLAConfig, rule: LearningRule, bins: int, values: bool = True) -> str:
    """A digest of everything compiled into the network: config, schedule length, constants, wiring sizes.

    With ``values=False``, the digest of a network that reads its constants
    per run (:class:`BLADeclaration` with ``constants_per_run``): their
    names and units instead of their values.
    """
    import hashlib

    ns = constants(config, rule)
    if values:
        compiled = sorted((k, repr(v)) for k, v in ns.items())
    else:  # what stays compiled in, and the names and units of what each run sets
        compiled = sorted((k, repr(v)) for k, v in ns.items() if not (rule.read_per_run(k, v) or k.startswith("_")))
        compiled += sorted((k, unit_name(v)) for k, v in constants_per_run_values(config, rule).items())
    text = repr((config, Layout.of(config), Layout.of(config).in_degrees(), int(bins), int(N_BACKGROUND()), compiled,
                 rule.synapse_model(True, sampled_release=True, per_cell=True), rule.synapse_on_pre(),
                 rule.release_update(), rule.gate_equations(stored=True), rule.cell_update(_PERMISSIVE), _NEURON,
                 _SIMPLE, _BACKGROUND) + (() if values else ("constants per run",)))
    return hashlib.sha256(text.encode()).hexdigest()[:16]


_STOP_C = """
static inline int32_t ketasim_session_stop(int64_t step, int32_t stop_step)
{
    // End the run after this step (the loop tests the flag before the next one).
    if (step + 1 >= stop_step) Network::_globally_stopped = true;
    return 0;
}
"""


def _stop_function():
    """``session_stop(step, stop_step)``: ends a compiled run after its session's last step (C++ only)."""
    import brian2 as b2

    function = b2.Function(None, arg_units=[1, 1], return_unit=1, arg_types=["integer", "integer"],
                           return_type="integer")
    function.implementations.add_implementation("cpp", _STOP_C, name="ketasim_session_stop",
                                                compiler_kwds={"headers": ['"network.h"']})
    return function


# ------------------------------------------------------------------ sessions
@dataclass
class SessionInputs:
    """Everything one session of one network needs besides the compiled-in constants.

    Attributes
    ----------
    schedule : dict of ndarray
        ``aff_profile`` (bins × fibre classes, Hz), ``us_rate`` (Hz), ``ne``, ``omission``,
        ``il_profile`` (Hz).
    steps : int
        Time steps the session lasts.
    weights, release : ndarray
        Plastic weights and release fractions, in synapse order.
    modulators : Modulators
    learn : bool
    v_mV : dict of ndarray
        Initial membrane potentials of principal, inh and itc cells.
    keys : dict of ndarray
        Stream keys of each group's random input.
    """

    schedule: dict[str, np.ndarray]
    steps: int
    weights: np.ndarray
    release: np.ndarray
    modulators: Modulators
    learn: bool
    v_mV: dict[str, np.ndarray]
    keys: dict[str, np.ndarray]

    @classmethod
    def blank(cls, layout: Layout, bins: int) -> SessionInputs:
        """Placeholder inputs of the right kinds (what a compiled build needs to name its variables)."""
        schedule = {"aff_profile": np.zeros((bins, len(FIBRE_CLASSES))), "us_rate": np.zeros(bins),
                    "ne": np.zeros(bins), "omission": np.zeros(bins), "il_profile": np.zeros(bins)}
        sizes = layout.sizes()
        return cls(schedule, 0, np.zeros(0), np.zeros(0), Modulators(), False,
                   {g: np.zeros(sizes[g]) for g in ("principal", "inh", "itc")},
                   {g: np.zeros(sizes[g]) for g in ("principal", "inh", "itc", "afferents", "us", "il")})


@dataclass
class SessionRecord:
    """What a session leaves: principal-cell spikes (index, time in s from the session's start) and weights."""

    spike_i: np.ndarray
    spike_t: np.ndarray
    weights: np.ndarray


def session_values(layout: Layout, values: SessionInputs, stoppable: bool = False) -> dict[str, object]:
    """The network's variables for one session, as ``"group.variable" → value`` (Brian2 quantities or arrays).

    ``stoppable``: include the step at which a compiled run ends (``session_end.stop_step``).
    """
    import brian2 as b2

    m = values.modulators
    gate = m.cckbr * (m.learning_gate if values.learn else 0.0)
    out: dict[str, object] = {
        "principal.v": values.v_mV["principal"] * b2.mV, "inh.v": values.v_mV["inh"] * b2.mV,
        "itc.v": values.v_mV["itc"] * b2.mV,
        "principal.nmda_avail": np.full(layout.n_principal, m.nmda_gain),
        "principal.cck_scale": np.full(layout.n_principal, m.cck),
        "principal.cckbr": np.full(layout.n_principal, gate),
        "plastic.w": values.weights, "plastic.U": values.release,
        "plastic.g_ampa_unit": G_AFF_NS() * m.bla_strength * b2.nS,
        **{f"{name}.g": G_IL_NS() * m.il_strength * b2.nS for name in ("il_ext", "il_inh", "il_itc")},
    }
    g_bg = G_BACKGROUND_NS()
    for group in ("principal", "inh", "itc"):
        out[f"{group}.bg_key"] = values.keys[group]
        out[f"{group}.g_bg"] = np.full(values.keys[group].size, g_bg) * b2.nS
    for group in ("afferents", "us", "il"):
        out[f"{group}.key"] = values.keys[group]
    if stoppable:
        out["session_end.stop_step"] = values.steps
    return out


def timed_values(values: SessionInputs) -> dict[str, object]:
    """The session's schedule, as TimedArray name → values (padded to the network's ``bins``)."""
    import brian2 as b2

    s = values.schedule
    return {"aff_profile": s["aff_profile"] * b2.Hz, "us_rate": s["us_rate"] * b2.Hz, "ne": s["ne"],
            "omission": s["omission"], "il_profile": s["il_profile"] * b2.Hz}


def session_schedule(trials: Sequence[Trial], config: BLAConfig, modulators: Modulators, bins: int) -> dict[str, np.ndarray]:
    """The session's input schedule on :data:`BIN_S` bins, padded to ``bins``.

    Each trial is an inter-trial interval in its context (the pre-CS
    baseline) followed by the CS; a US, if any, fills the CS's last
    ``us_duration_s`` (an unsignalled one, the context's last
    ``unsignalled_us_s``). A trial without a US carries the omission signal
    where the CS stood (where an unsignalled shock would fall), also when only
    the context was presented: it is what extinguishes context fear. Afferent rates per fibre class (:data:`FIBRE_CLASSES`):
    the spontaneous rate, the context's rate (scaled by hippocampal strength)
    on the current context's fibres, the CS rate on the fibres of the CS.
    Infralimbic fibres fire at ``circuit.bla.il_rate``, raised during a CS−
    by the safety signal of :class:`Modulators` (``safety``).
    """
    rate_base, rate_context, rate_cs_on = RATE_BASE(), RATE_CONTEXT(), RATE_CS_ON()
    rate_us, omission_gain = RATE_US(), OMISSION_GAIN()
    n_iti, n_cs = _trial_bins(config)
    per_trial = n_iti + n_cs
    aff = np.full((bins, len(FIBRE_CLASSES)), rate_base)
    us_rate, ne, omission = np.zeros(bins), np.zeros(bins), np.zeros(bins)
    il = np.full(bins, RATE_IL())
    columns = {"plus": [0, 2], "minus": [1, 2]}
    for k, trial in enumerate(trials):
        start = k * per_trial
        aff[start:start + per_trial, 3 if trial.context == "A" else 4] = rate_context * modulators.context_strength
        if trial.cs is not None:
            aff[start + n_iti:start + per_trial, columns[trial.cs]] = rate_cs_on
            if trial.cs == "minus" and modulators.safety:
                il[start + n_iti:start + per_trial] *= 1.0 + modulators.safety
        if trial.us:
            n_us = int(round(_us_s(trial, config) / BIN_S))
            us_rate[start + per_trial - n_us:start + per_trial] = rate_us * trial.us
            ne[start + per_trial - n_us:start + per_trial] = 1.0
        else:  # the US a CS, or the context alone, predicts is omitted
            omission[start + n_iti:start + per_trial] = omission_gain
    return {"aff_profile": aff, "us_rate": us_rate, "ne": ne, "omission": omission, "il_profile": il}


def session_draws(seed: int, session: int, layout: Layout) -> tuple[dict[str, np.ndarray], dict[str, np.ndarray]]:
    """Initial potentials (mV) and stream keys of one session (from the seed and the session's number)."""
    from ketasim.circuit.background import session_keys

    v_rest = V_REST()
    rng = np.random.default_rng([seed, session])
    v = {"principal": v_rest + 10 * rng.random(layout.n_principal), "inh": np.full(layout.n_inh, v_rest),
         "itc": np.full(layout.n_itc, v_rest)}
    sizes = layout.sizes()
    keys = {group: session_keys(seed, session, channel, sizes[group])
            for channel, group in enumerate(("principal", "inh", "itc", "afferents", "us", "il"), start=1)}
    return v, keys


class RuntimeBLA:
    """The runtime engine: one network (one seed's wiring) under Brian2's runtime device, reset before each session."""

    def __init__(self, config: BLAConfig, rule: LearningRule, seed: int, bins: int):
        import brian2 as b2

        configure_brian()
        b2.start_scope()
        self.declaration = BLADeclaration(config, rule, bins, partners=wiring(seed, Layout.of(config)))
        self.declaration.net.store("initial")

    def run(self, values: SessionInputs, partners: dict[str, np.ndarray] | None = None) -> SessionRecord:
        """Run one session from the stored initial state (``partners``: this network's own, built in)."""
        import brian2 as b2

        d = self.declaration
        d.net.restore("initial")
        for name, value in session_values(d.layout, values).items():
            group, variable = name.split(".")
            owner = d.synapses.get(group) or d.groups[group]
            setattr(owner, variable, value)
        namespace = dict(d.namespace)
        dt = BIN_S * b2.second
        for name, value in timed_values(values).items():
            namespace[name] = b2.TimedArray(value, dt=dt, name=name)
        d.net.run(values.steps * d.config.dt_ms * b2.ms, namespace=namespace)
        return SessionRecord(np.asarray(d.spikes.i[:]), np.asarray(d.spikes.t[:] / b2.second),
                             np.asarray(d.synapses["plastic"].w[:]).copy())


# ------------------------------------------------------------------- facade
class BLANetwork:
    """A BLA circuit of one seed, run session after session.

    Plastic afferents (CS and context fibres onto fear and extinction
    neurons) follow the plasticity layer's rule
    (:mod:`ketasim.plasticity.equations`): Tsodyks–Markram release, NMDAR
    Ca²⁺ → CCK release → CCK-B gate → potentiation of eligible synapses. On
    fear neurons the gate also needs the noradrenaline the US releases
    (Johansen et al. 2014), so a CS alone does not strengthen fear.

    The network holds the plastic weights between sessions; each session
    starts from rest (sessions are hours apart) with fresh input streams
    and runs on the engine of the ``engine`` setting: the compiled one
    (:mod:`ketasim.circuit.bla_compiled`, one binary per network shape) or
    the runtime one (:class:`RuntimeBLA`). Both give the same spikes.

    Parameters
    ----------
    config : BLAConfig
        Sizes and timing.
    rule : LearningRule
        The plasticity layer's rule.
    seed : int
        Seeds wiring, release probabilities, initial potentials and every input stream.
    """

    def __init__(self, config: BLAConfig, rule: LearningRule, seed: int = 0):
        configure_brian()
        self.config, self.rule, self.seed = config, rule, int(seed)
        self.layout = Layout.of(config)
        self._partners = wiring(self.seed, self.layout)
        self._pre = self._partners["plastic"]
        self._release = np.asarray(rule.release_fractions(np.random.default_rng(self.seed + 2), self._pre.size))
        self._w = np.full(self._pre.size, W_INIT())
        self._w_max = float(rule.namespace(G_AFF_NS())["w_max"])
        post = _post_indices(self.layout)["plastic"]
        cs, on_fear = self._pre < self.layout.n_cs_total, post < self.layout.n_fear
        self._pathway_rows = {
            "cs_fear": cs & on_fear, "ctx_fear": ~cs & on_fear, "cs_ext": cs & ~on_fear, "ctx_ext": ~cs & ~on_fear,
        }
        self._session = 0
        self._engines: dict[int, object] = {}

    # ----------------------------------------------------------- weights
    def weights(self) -> dict[str, np.ndarray]:
        """Current plastic weights per pathway (copies; naive = ``circuit.bla.w_init``)."""
        return {p: self._w[rows].copy() for p, rows in self._pathway_rows.items()}

    def set_weights(self, weights: dict[str, np.ndarray]) -> None:
        """Write plastic weights back (clipped to the rule's bounds)."""
        for pathway, rows in self._pathway_rows.items():
            self._w[rows] = np.clip(weights[pathway], 0.0, self._w_max)

    def cs_fibres(self, pathway: str, cs: str) -> np.ndarray:
        """Boolean mask over a pathway's synapses whose fibre carries the given CS."""
        return np.isin(self._pre[self._pathway_rows[pathway]], self.layout.cs_fibres(cs))

    def context_fibres(self, pathway: str, context: str) -> np.ndarray:
        """Boolean mask over a pathway's synapses whose fibre carries context ``A`` or ``B``."""
        column = FIBRE_CLASSES.index(f"context_{context}")
        return self.layout.fibre_classes()[self._pre[self._pathway_rows[pathway]]] == column

    # ------------------------------------------------------------ running
    def _engine(self, bins: int):
        if bins not in self._engines:
            from ketasim.circuit.engine import bla_engine

            self._engines[bins] = bla_engine(self.config, self.rule, self.seed, bins)
        return self._engines[bins]

    def run_trials(self, trials: Sequence[Trial], modulators: Modulators, learn: bool = True) -> list[TrialReadout]:
        """Run a session of trials from rest; with ``learn`` false the weights stay as they were (a probe)."""
        c = self.config
        total, bins = schedule_bins(len(trials), c)
        v, keys = session_draws(self.seed, self._session, self.layout)
        self._session += 1
        steps = int(round(total * BIN_S * 1e3 / c.dt_ms))
        inputs = SessionInputs(session_schedule(trials, c, modulators, bins), steps, self._w.copy(), self._release,
                               modulators, learn, v, keys)
        record = self._engine(bins).run(inputs, self._partners)
        if learn:
            self._w = np.clip(record.weights, 0.0, self._w_max)
        return trial_readouts(trials, c, record, self.layout)


def trial_readouts(trials: Sequence[Trial], config: BLAConfig, record: SessionRecord, layout: Layout) -> list[TrialReadout]:
    """Per trial: fear-population rate before and during the CS (scored before any US), extinction rate, freezing."""
    c = config
    i, t = record.spike_i, record.spike_t
    fear, ext = i < layout.n_fear, i >= layout.n_fear
    n_iti, n_cs = _trial_bins(c)
    per_trial = (n_iti + n_cs) * BIN_S
    readouts = []
    for k, trial in enumerate(trials):
        t0 = k * per_trial
        t1 = t0 + c.iti_s
        lead = c.cs_duration_s - _us_s(trial, c)  # score before any US
        pre = (t >= t0) & (t < t1)
        f_pre = (fear & pre).sum() / (layout.n_fear * c.iti_s)
        if trial.cs is None:  # the context alone: scored over the whole time in it before any US
            t1, lead = t0, c.iti_s + lead
        during = (t >= t1) & (t < t1 + lead)
        f_cs = (fear & during).sum() / (layout.n_fear * lead)
        x_cs = (ext & during).sum() / (layout.n_ext * lead)
        delta = f_cs - f_pre if trial.cs is not None else f_cs
        readouts.append(TrialReadout(trial, float(f_cs), float(f_pre), float(x_cs), float(freezing_from_rate(delta))))
    return readouts
