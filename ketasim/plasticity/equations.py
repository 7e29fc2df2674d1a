"""Reusable Brian2 equations: a Tsodyks–Markram synapse with a CCK-B-gated LTP rule.

The rule (Chen et al. 2019 PNAS 116:6397):

1. *Presynaptic short-term plasticity* (Tsodyks–Markram with facilitation;
   Markram, Wang & Tsodyks 1998): on each spike ``u ← u + U (1 − u)``, the
   released fraction is ``r = u x`` and ``x ← x − r``; between spikes ``u``
   decays to 0 with ``tau_f`` and ``x`` recovers to 1 with ``tau_d``. The
   AMPA conductance of a spike is ``w · r``. Facilitation of release is a
   property of ``u, x`` alone; the measured paired-pulse ratio (EPSPs,
   :func:`ketasim.plasticity.slice.simulate_paired_pulses`) also carries the
   small Mg²⁺-blocked NMDA current at rest.
2. *NMDAR calcium*: glutamate binds NMDARs (``s_nmda += r (1 − s_nmda)``,
   decay ``tau_nmda``); the normalised Ca²⁺ signal relaxes (``tau_ca``)
   towards ``nmda_avail · s_nmda · B(V)`` with the Jahr–Stevens Mg²⁺ unblock
   ``B(V)`` and ``nmda_avail = (1 − ketamine block)(1 − APV occupancy)``.
3. *CCK release*: each synapse releases CCK at a rate that is a steep Hill
   function of its NMDAR Ca²⁺ (peptide release needs tetanic activity); the
   released CCK accumulates in the postsynaptic group's extracellular pool
   ``cck`` (nM) and is cleared with ``tau_cck``.
4. *CCK-B gate*: receptor occupancy by endogenous CCK plus bath CCK-8s,
   with a competitive antagonist, times the ``cckbr`` expression scale.
5. *Potentiation*: ``dw/dt = ltp_rate · gate · elig · (w_max − w)``, with ``elig``
   a presynaptic-activity (eligibility) trace incremented by ``r``. Activity
   without CCK does nothing; CCK-8s with low-frequency activity potentiates
   even when NMDARs are blocked, as Chen et al. found.

Use :func:`synapse_model` / :func:`synapse_on_pre` for the ``Synapses``
object, :func:`gate_equations` inside the postsynaptic ``NeuronGroup``
(which must also define ``v`` and ``g_ampa``), and :func:`namespace` for the
constants (the active parameter set's values, read when it is called). The
fear circuit uses the same strings.
"""

from __future__ import annotations

import numpy as np

from ketasim.circuit.bla import LearningRule
from ketasim.circuit.pfc import MG_K, MG_MM, MG_SLOPE
from ketasim.plasticity import params as p
from ketasim.sampling import lognormal_mean_cv

__all__ = ["cell_update", "gate_equations", "learning_rule", "release_fractions", "namespace", "release_update", "synapse_model", "synapse_on_pre"]


# CCK release rate of one synapse (relative): a steep Hill function of its NMDAR Ca²⁺.
_RELEASE = "ca**cck_hill / (ca**cck_hill + cck_ca_half**cck_hill)"


def synapse_model(plastic: bool = True, sampled_release: bool = False, per_cell: bool = False) -> str:
    """Per-synapse Brian2 model: STP, NMDAR Ca²⁺, eligibility, weight, summed drives.

    The postsynaptic group must define ``v`` (volt), ``nmda_avail`` (1),
    ``nmda_tonic`` (1, bath agonist occupancy), ``cckb_gate`` (1) and the
    summed targets ``nmda_open`` and ``cck_drive`` (both ``1``).

    With ``sampled_release`` each synapse's CCK release rate is a variable,
    ``cck_release``, that :func:`release_update` refreshes on the synapses'
    own (coarser) clock, instead of the Hill function being evaluated inside
    the sum at every step of the postsynaptic group: the Ca²⁺ it reads
    changes with ``tau_ca`` (50 ms), and in a network with thousands of
    plastic synapses the Hill function is most of the cost.

    With ``per_cell`` the Mg²⁺ unblock and the CCK-B gate, which depend on
    the postsynaptic cell alone, are read from the postsynaptic group's
    stored ``mg_unblock`` and ``cckb_gate`` (:func:`gate_equations` with
    ``stored=True``, refreshed by :func:`cell_update` on the synapses' clock)
    instead of being evaluated once per synapse.
    """
    unblock = "mg_unblock_post" if per_cell else _unblock("v_post")
    weight = (
        "dw/dt = ltp_rate * cckb_gate_post * elig * (w_max - w) : 1 (clock-driven)"
        if plastic else "w : 1 (constant)"
    )
    release = (
        "cck_release : 1\ncck_drive_post = cck_release : 1 (summed)"
        if sampled_release else f"cck_drive_post = {_RELEASE} : 1 (summed)"
    )
    return f"""
U : 1 (constant)
du/dt = -u / tau_f : 1 (event-driven)
dx/dt = (1 - x) / tau_d : 1 (event-driven)
r : 1
ds_nmda/dt = -s_nmda / tau_nmda : 1 (clock-driven)
dca/dt = (nmda_avail_post * clip(s_nmda + nmda_tonic_post, 0, 1) * {unblock} - ca) / tau_ca : 1 (clock-driven)
delig/dt = -elig / tau_e : 1 (clock-driven)
{weight}
nmda_open_post = s_nmda : 1 (summed)
{release}
"""


def release_update() -> str:
    """The statement that refreshes ``cck_release`` (see :func:`synapse_model`)."""
    return f"cck_release = {_RELEASE}"


def synapse_on_pre() -> str:
    """Statements run on each presynaptic spike (facilitate, release, bind NMDARs, AMPA response)."""
    return """
u = u + U * (1 - u)
r = u * x
x = x - r
elig = elig + r
s_nmda = s_nmda + r * (1 - s_nmda)
g_ampa_post += g_ampa_unit * w * r
"""


def cell_update(permissive: str = "1") -> str:
    """Statements that refresh a postsynaptic cell's stored ``mg_unblock`` and ``cckb_gate`` (``per_cell`` rule)."""
    return f"mg_unblock = {_unblock('v')}\ncckb_gate = {_gate(permissive)}"


def _unblock(v: str) -> str:
    """The Jahr–Stevens Mg²⁺ unblock at membrane potential ``v`` (a Brian2 expression)."""
    return f"1 / (1 + exp(-mg_slope * {v} / mV) * mg_mM / mg_k)"


def _gate(permissive: str) -> str:
    return f"({permissive}) * cckbr * (cck + cck8s_nM) / (cck + cck8s_nM + cckb_kd * (1 + antagonist_nM / antagonist_ki))"


def gate_equations(permissive: str = "1", stored: bool = False) -> str:
    """Postsynaptic-group equations: extracellular CCK pool and CCK-B gate.

    ``permissive`` is an expression (dimensionless) multiplying the gate: a
    third factor such as the noradrenaline that the US releases onto fear
    neurons (Johansen et al. 2014 PNAS 111:E5584); ``"1"`` in slices.

    Constants per group (set them before running): ``nmda_avail``,
    ``nmda_tonic``, ``cck_scale`` (1 = intact release, 0 = knockout),
    ``cckbr`` (receptor expression), ``cck8s_nM`` (bath agonist),
    ``antagonist_nM`` (bath CCK-B antagonist), ``n_synapses`` (afferents
    summed into ``cck_drive``).

    With ``stored`` the gate and the Mg²⁺ unblock are plain variables that
    :func:`cell_update` refreshes (for a ``per_cell`` synapse model).
    """
    gate = "cckb_gate : 1\nmg_unblock : 1" if stored else f"cckb_gate = {_gate(permissive)} : 1"
    return f"""
nmda_open : 1
cck_drive : 1
dcck/dt = cck_release_rate * cck_scale * cck_drive / n_synapses / second - cck / tau_cck : 1
dcck_released/dt = cck_release_rate * cck_scale * cck_drive / n_synapses / second : 1
{gate}
nmda_avail : 1 (constant)
nmda_tonic : 1 (constant)
cck_scale : 1 (constant)
cckbr : 1 (constant)
cck8s_nM : 1 (constant)
antagonist_nM : 1 (constant)
n_synapses : 1 (constant)
"""


def namespace(g_ampa_unit_nS: float | None = None) -> dict:
    """Brian2 namespace with every constant the strings above use, from the active parameter set.

    Built at each call (never at import), so a run's overrides reach the
    network. ``g_ampa_unit_nS`` defaults to ``plasticity.g_AMPA_per_synapse``.
    """
    import brian2 as b2

    if g_ampa_unit_nS is None:
        g_ampa_unit_nS = p.G_AMPA_NS()
    return {
        "tau_f": p.STP_TAU_F_MS() * b2.ms,
        "tau_d": p.STP_TAU_D_MS() * b2.ms,
        "tau_nmda": p.TAU_NMDA_MS() * b2.ms,
        "tau_ca": p.TAU_CA_MS() * b2.ms,
        "tau_e": p.TAU_ELIGIBILITY_S() * b2.second,
        "tau_cck": p.TAU_CCK_S() * b2.second,
        "ltp_rate": p.LTP_RATE() / b2.second,
        "w_max": 1.0 + p.LTP_MAX_EARLY(),
        "mg_slope": MG_SLOPE(),
        "mg_mM": MG_MM(),
        "mg_k": MG_K(),
        "cck_hill": p.CCK_HILL(),
        "cck_ca_half": p.CCK_CA_HALF(),
        "cck_release_rate": p.CCK_RELEASE_NM_PER_S(),
        "cckb_kd": p.CCKB_KD_NM(),
        "antagonist_ki": p.CCKB_ANTAGONIST_KI_NM(),
        "g_ampa_unit": g_ampa_unit_nS * b2.nS,
        "mV": b2.mV,
        "second": b2.second,
    }


def release_fractions(rng: np.random.Generator, n: int) -> np.ndarray:
    """Log-normal U across synapses with mean ``stp.U`` and CV ``stp.U_cv`` (active set), capped below 1."""
    return np.clip(lognormal_mean_cv(rng, p.STP_U(), p.STP_U_CV(), n), 0.01, 0.9)


def learning_rule() -> LearningRule:
    """This layer's rule, packaged for the BLA fear circuit (:class:`ketasim.circuit.bla.LearningRule`)."""
    return LearningRule(namespace=namespace, gate_equations=gate_equations, synapse_model=synapse_model,
                        synapse_on_pre=synapse_on_pre, release_update=release_update,
                        release_fractions=release_fractions, cell_update=cell_update,
                        exponents={"cck_hill": p.CCK_HILL.key})  # the release's Hill exponent (_RELEASE)
