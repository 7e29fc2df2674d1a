"""Parameters of the plasticity layer: short-term plasticity, NMDAR calcium, CCK release, CCK-B gate, LTP.

Every constant is registered with its source in :mod:`ketasim.parameters` and
is a :class:`~ketasim.parameters.ParamRef`: call it (``p.TAU_CA_MS()``) at run
time to read the value of the active parameter set. Values that are
calibrated rather than measured say to which effect.
"""

from __future__ import annotations

from ketasim.parameters import param

_P = "plasticity"
_PPF_FIT = (
    "fitted: paired-pulse ratio of about 1.5 at 50 ms, falling towards 1.3-1.4 at 200 ms "
    "(CA3-CA1 slices, Dobrunz & Stevens 1997 Neuron 18:995; literature range 1.4-1.8)"
)
_LTP_FIT = (
    "fitted: control HFS LTP of +35-50 % at 60 min (model: +36 %; CA1 slices 140-180 % of baseline; neocortex "
    "115-140 %, Chen et al. 2019 PNAS 116:6397 Figs. 1-3)"
)

# --- presynaptic short-term plasticity (Tsodyks-Markram with facilitation) -----------------
STP_U = param(_P, "stp.U", 0.15, "1", _PPF_FIT,
              "Mean release fraction per spike; Dobrunz & Stevens 1997 report mean Pr about 0.2 at CA3-CA1.")
STP_U_CV = param(_P, "stp.U_cv", 0.5, "1",
                 "Dobrunz & Stevens 1997 Neuron 18:995 (broad, skewed distribution of Pr across synapses)",
                 "Coefficient of variation of U across the stimulated synapses (log-normal).")
STP_TAU_F_MS = param(_P, "stp.tau_facilitation", 400.0, "ms", _PPF_FIT,
                     "Markram, Wang & Tsodyks 1998 PNAS 95:5323 report facilitation time constants of 0.1-1 s.",
                     low=100.0, high=1000.0, range_reason="span reported by Markram et al. 1998 (0.1-1 s)")
STP_TAU_D_MS = param(_P, "stp.tau_depression", 200.0, "ms",
                     "Markram, Wang & Tsodyks 1998 PNAS 95:5323; Dittman, Kreitzer & Regehr 2000 J Neurosci "
                     "20:1374 (recovery from depression over hundreds of ms)")

# --- postsynaptic compartment receiving the stimulated afferents ------------------------------
N_SYNAPSES = param(_P, "slice.n_synapses", 20, "1",
                   "modelling choice: stimulated afferents per slice (field stimulation recruits many fibres)",
                   "Each copy of the slice has this many synapses with heterogeneous U onto one compartment.",
                   low=1, high=200, range_reason="a count: >= 1 (whole numbers; the cost grows with it)")
POST_C_PF = param(_P, "post.C", 200.0, "pF", "Spruston & Johnston 1992 J Neurophysiol 67:508 (CA1 dendrite-soma, tau_m 20 ms)")
POST_GL_NS = param(_P, "post.g_L", 10.0, "nS", "Spruston & Johnston 1992 (tau_m = C/g_L = 20 ms)")
POST_EL_MV = param(_P, "post.E_L", -70.0, "mV", "Spruston & Johnston 1992 (resting potential about -70 mV)")
TAU_AMPA_MS = param(_P, "tau_AMPA", 2.0, "ms", "Brunel & Wang 2001 J Comput Neurosci 11:63, Table 1")
TAU_NMDA_MS = param(_P, "tau_NMDA", 80.0, "ms",
                    "Lester et al. 1990 Nature 346:565 (NMDA EPSC decay 50-150 ms); Brunel & Wang 2001 use 100 ms",
                    low=50.0, high=150.0, range_reason="span reported by Lester et al. 1990 (50-150 ms)")
G_AMPA_NS = param(_P, "g_AMPA_per_synapse", 3.0, "nS",
                  "fitted: a test-pulse EPSP of a few mV at rest (model: about 5 mV from a peak AMPA conductance "
                  "of about 11 nS; subthreshold test EPSPs of whole-cell LTP recordings are a few mV). HFS then sums to about -43 mV peak (-56 mV mean over the train): the passive "
                  "compartment lacks dendritic spikes and back-propagating APs, so it under-estimates the tetanic "
                  "depolarisation (about -30 mV, Collingridge, Kehl & McLennan 1983 J Physiol 334:33)",
                  "Conductance of one stimulated afferent bundle per unit release fraction.")
G_NMDA_NS = param(_P, "g_NMDA_per_synapse", 3.0, "nS",
                  "fitted: NMDA/AMPA charge ratio of about 1 at -40 mV in CA1 (Myme et al. 2003 J Neurophysiol 90:771)")
E_EXC_MV = param(_P, "E_exc", 0.0, "mV", "Brunel & Wang 2001, Table 1",
                 low=-10.0, high=10.0, range_reason="reported AMPA/NMDA reversal potentials, about -10 to +10 mV")
CLAMP_TAU_MS = param(_P, "pairing.clamp_tau", 1.0, "ms",
                     "modelling choice: a stiff voltage clamp (series resistance x capacitance about 1 ms)")
PAIRING_HOLD_MV = param(_P, "pairing.holding_potential", 0.0, "mV",
                        "Chen, Otmakhov & Lisman 1999 J Neurophysiol 82:526 (standard pairing: 100-200 pulses at "
                        "1-2 Hz during a 1-3 min depolarising voltage-clamp step); the step to about 0 mV is the "
                        "usual choice, not a value taken from that paper",
                        low=-20.0, high=10.0, range_reason="depolarising pairing steps used in slice studies (about "
                        "-20 to +10 mV)")
NMDA_EC50_UM = param(_P, "nmda_agonist.ec50", 35.0, "uM",
                     "Patneau & Mayer 1990 J Neurosci 10:2385 (NMDA EC50 about 35 uM in hippocampal neurons)",
                     "Bath NMDA opens receptors tonically (occupancy C/(C+EC50)); competition with APV ignored.")

# --- NMDAR calcium -> CCK release -> CCK-B gate -------------------------------------------------
TAU_CA_MS = param(_P, "tau_Ca", 50.0, "ms",
                  "Sabatini, Oertner & Svoboda 2002 Neuron 33:439 (spine Ca2+ decay about 12-50 ms; upper end for "
                  "a terminal/dendrite signal)")
CCK_CA_HALF = param(_P, "cck.release_half_calcium", 0.05, "1",
                    "fitted: CCK release needs the NMDAR activation of a tetanus, not single pulses (Chen et al. "
                    "2019 PNAS: HFS releases CCK, LFS does not induce LTP without CCK)",
                    "In units of the normalised NMDAR Ca2+ signal (1 = all NMDARs open and unblocked).")
CCK_HILL = param(_P, "cck.release_hill", 4.0, "1",
                 "Ludwig & Leng 2006 Nat Rev Neurosci 7:126 (dense-core-vesicle peptide release is steeply "
                 "frequency dependent and needs bursts or tetani)", "Cooperativity of peptide release on Ca2+.")
CCK_RELEASE_NM_PER_S = param(_P, "cck.release_rate", 3.0, "nM/s",
                             "fitted: HFS raises extracellular CCK to a few nM, occupying most CCK-B receptors "
                             "(Chen et al. 2019 PNAS: CCK-B antagonist abolishes HFS-LTP)",
                             "Rate at full release from all stimulated afferents.")
TAU_CCK_S = param(_P, "cck.clearance_tau", 30.0, "s",
                  "Migaud et al. 1996 / Rose et al. 1996 Nature 380:403 (CCK inactivated by tripeptidyl peptidase II "
                  "within tens of seconds to minutes); assumed",
                  "Extracellular CCK clearance time constant.")
CCKB_KD_NM = param(_P, "cckb.kd_cck8s", 1.0, "nM",
                   "Wank 1995 Am J Physiol 269:G628 (CCK-B/gastrin receptor: CCK-8s affinity about 0.3-1 nM)")
CCKB_ANTAGONIST_KI_NM = param(_P, "cckb.antagonist_ki", 2.0, "nM",
                              "Lotti & Chang 1989 Eur J Pharmacol 162:273 (L-365,260 Ki about 2 nM at CCK-B)",
                              "Competitive antagonist: apparent Kd x (1 + [antagonist]/Ki).")

# --- CCK-B-gated weight change (early LTP) ------------------------------------------------------
TAU_ELIGIBILITY_S = param(_P, "ltp.eligibility_tau", 1.0, "s",
                          "fitted: CCK paired with low-frequency stimulation induces LTP only during the pairing "
                          "(Chen et al. 2019 PNAS); a synaptic activity trace of about 1 s",
                          "Presynaptic-activity trace that the CCK-B gate converts into weight change.")
LTP_RATE = param(_P, "ltp.rate", 0.4, "1/s", _LTP_FIT, "Learning rate per unit gate x eligibility.")
LTP_MAX_EARLY = param(_P, "ltp.max_early", 1.0, "1",
                      "Bliss & Collingridge 1993 Nature 361:31 (repeated tetani saturate LTP at roughly twice baseline)",
                      "Soft bound on early potentiation (w <= 1 + max).")

# --- expression / consolidation over the following hour ----------------------------------------
TAU_EARLY_MIN = param(_P, "ltp.early_decay_tau", 90.0, "min",
                      "Frey & Morris 1997 Nature 385:533 (E-LTP without protein synthesis decays over 2-3 h)")
TAU_CONSOLIDATION_MIN = param(_P, "ltp.consolidation_tau", 30.0, "min",
                              "Frey, Krug, Reymann & Matthies 1988 Brain Res 452:57 (anisomycin blocks LTP "
                              "maintenance only if present within about 1 h of tetanus)")
CONSOLIDATION_THRESHOLD = param(_P, "ltp.consolidation_threshold", 0.3, "1",
                                "Frey & Morris 1997 Nature 385:533 (weak tetanus gives only decaying E-LTP)",
                                "Early potentiation at which the protein-synthesis trigger is half-maximal.")
