"""The clinical scenario (``species: human``): a chronic-PTSD start state and a 0–100 symptom score.

Start state (``subject.condition``)
    ``healthy``: intact synaptic strength, no trauma memory.
    ``chronic_ptsd``: PFC and hippocampal excitatory synaptic strength lowered
    by deficits ``d_pfc``, ``d_hpc`` (fractions of the healthy value) that
    persist as the subject's baseline, and a consolidated, generalised trauma
    memory of full strength. Each subject draws its deficits from documented
    distributions with its seed, so seeds give a patient sample.

The deficit is a lowered set point of spine formation. In the signalling
cascade spine density enters no other equation and its equation is linear in
itself (``dS/dt = (F - S)/tau - k D S`` with ``F`` independent of ``S``), so
scaling formation by ``1 - d`` scales the whole spine trajectory by ``1 - d``
exactly. The strength relative to a healthy subject is therefore::

    s_r(t) = (1 - d_r) * {r}_synaptic_strength(t)      r = pfc, hpc

with ``{r}_synaptic_strength`` the signalling layer's series (relative to the
subject's own drug-free baseline). Ketamine's synaptogenesis raises it for
days; it returns as spines turn over.

Symptom score (0–100, the CAPS-5 total of 0–80 rescaled by 100/80)::

    u_r(t)  = clip((1 - s_r(t)) / U, 0, 1)              deficit, in units of the full-scale deficit U
    L(t)    = u_pfc(t)                                  loss of infralimbic/vmPFC control over fear expression
    G(t)    = u_hpc(t)                                  generalisation of fear to safe cues (pattern separation)
    F(t)    = m * L(t) * (1 + G(t)) / 2 * (1 - A(t))    fear / re-experiencing / arousal (CAPS-5 B, C, E)
    M(t)    = u_pfc(t)                                  negative cognitions and mood (CAPS-5 D)
    score   = 100 * (w_F F + w_M M)

``m`` is the trauma memory (1 = consolidated, 0 = none); trauma reminders
evoke fear with weight 1/2 and generalised safe cues with weight ``G/2``.
``A(t) = C/(C + EC50)`` is midazolam's acute anxiolysis from its plasma
concentration (a GABA-A effect lasting hours, nothing durable). Effects
common to both trial arms (expectancy, regression to the mean, rater
contact) are not modelled: compare ketamine with midazolam, as the trials do.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from ketasim.parameters import param
from ketasim.pharmacology.drugs import DRUGS

__all__ = ["CONDITIONS", "StartState", "midazolam_ec50_uM", "start_state", "score_metrics", "symptom_components",
           "symptom_score", "clinical_figure"]

_P = "clinical"
CONDITIONS = ("healthy", "chronic_ptsd")
CAPS5_MAX = 80.0
RESPONSE_FRACTION = param(
    _P, "response.fraction", 0.30, "1",
    "Feder et al. 2021 Am J Psychiatry 178:193 (response = at least 30 % CAPS-5 reduction from baseline)",
    low=0.0, high=1.0, range_reason="physical bound: a fraction of the baseline score",
)

# ----------------------------------------------------------------- start state
PFC_DEFICIT_MEAN = param(
    _P, "ptsd.pfc_deficit.mean", 0.10, "1",
    "fitted: order of magnitude of the synaptic loss in PTSD/depression: lower SV2A (synaptic density) PET signal "
    "in dlPFC with depressive severity in MDD/PTSD (Holmes et al. 2019 Nat Commun 10:1529; magnitude not read) and "
    "lower PFC/ACC volume in PTSD (Krystal et al. 2017 Curr Psychiatry Rep 19:74, review: PTSD as a synaptic disconnection syndrome); taken a little above the "
    "hippocampal volume loss",
    "Mean fractional deficit of PFC excitatory synaptic strength in chronic PTSD (a lowered spine-formation set "
    "point). Holmes et al. 2019 find the SV2A deficit only in subjects with high depression scores.",
)
PFC_DEFICIT_SD = param(
    _P, "ptsd.pfc_deficit.sd", 0.02, "1",
    "fitted: gives a between-patient SD of the baseline score of about 10 on the 0-100 scale (CAPS-5 SD about 8 "
    "of 80 in trial samples of chronic PTSD; assumption, the trials' baseline SDs were not read)",
)
HPC_DEFICIT_MEAN = param(
    _P, "ptsd.hpc_deficit.mean", 0.068, "1",
    "Smith 2005 Hippocampus 15:798 (meta-analysis, 13 studies: hippocampal volume 6.9 % smaller left, 6.6 % right "
    "in adult PTSD); Kitayama et al. 2005 J Affect Disord 88:79 (smaller in both hemispheres)",
    "Volume loss taken as the loss of hippocampal excitatory synaptic strength (an assumption). Nelson & Tumpap "
    "2017 CNS Spectr find 5.2 % over 37 studies.",
    low=0.052, high=0.069,
    range_reason="span of the meta-analyses: 5.2 % (Nelson & Tumpap 2017) to 6.9 % (Smith 2005)",
)
HPC_DEFICIT_SD = param(
    _P, "ptsd.hpc_deficit.sd", 0.02, "1",
    "fitted: assumption of a between-patient spread of the same order as the PFC deficit (volume effect size "
    "about -0.4 to -0.46 SD; Nelson & Tumpap 2017 CNS Spectr)",
)
TRAUMA_MEMORY = param(
    _P, "ptsd.trauma_memory", 1.0, "1",
    "definition: a consolidated trauma memory at full strength; chronic PTSD is stable over the weeks simulated "
    "(median duration 13-14 years in Feder et al. 2014 and 2021), so it neither fades nor grows here",
    low=0.0, high=1.0, range_reason="definition: 0 = no trauma memory, 1 = full strength",
)

# -------------------------------------------------------------- symptom score
FULL_SCALE_DEFICIT = param(
    _P, "score.full_scale_deficit", 0.16, "1",
    "fitted: the mean chronic-PTSD start state scores CAPS-5 about 40 of 80 (50 of 100), a severe chronic sample "
    "as in Feder et al. 2014/2021 (inclusion CAPS >= 50 on the DSM-IV scale; baseline means not read)",
    "Synaptic-strength deficit U at which a component reaches its maximum. Not fitted to any drug effect: "
    "ketamine's score change follows from U, the deficits and the signalling layer's synaptogenesis.",
)
WEIGHT_FEAR = param(
    _P, "score.weight_fear", 13 / 20, "1",
    "CAPS-5 item structure (Weathers et al. 2018 Psychol Assess 30:383; DSM-5 criteria B-E): 13 of the 20 items "
    "are intrusion (B, 5), avoidance (C, 2) and arousal/reactivity (E, 6)",
    low=0.0, high=1.0, range_reason="physical bound: a share of the items",
)
WEIGHT_MOOD = param(
    _P, "score.weight_mood", 7 / 20, "1",
    "CAPS-5 item structure (Weathers et al. 2018): 7 of 20 items are negative alterations in cognitions and mood "
    "(criterion D)",
    low=0.0, high=1.0, range_reason="physical bound: a share of the items",
)
MIDAZOLAM_EC50_NG_ML = param(
    _P, "midazolam.anxiolysis_ec50", 68.0, "ng/mL",
    "Barr et al. 2001 Anesthesiology 95:286 (plasma midazolam with a 50 % chance of Ramsay sedation score >= 2, "
    "'cooperative, oriented, tranquil': 68 ng/mL)",
    "Acute anxiolysis A = C / (C + EC50) on the fear/arousal component, Emax 1 (assumption); 0.045 mg/kg over "
    "40 min peaks near 35 ng/mL and, with a 2.5 h half-life, is gone by the next day.",
)


def midazolam_ec50_uM() -> float:
    """Midazolam's anxiolysis EC50 in µM (ng/mL / (g/mol)), in the active parameter set."""
    return MIDAZOLAM_EC50_NG_ML() / DRUGS["midazolam"].molecular_weight


@dataclass(frozen=True)
class StartState:
    """A subject's drug-free starting condition.

    Attributes
    ----------
    condition : str
        ``healthy`` or ``chronic_ptsd``.
    pfc_deficit, hpc_deficit : float
        Fractional loss of excitatory synaptic strength relative to a healthy subject (0-1).
    trauma_memory : float
        Strength of the consolidated trauma memory (1 = full, 0 = none).
    """

    condition: str
    pfc_deficit: float
    hpc_deficit: float
    trauma_memory: float


def start_state(condition: str, seed: int) -> StartState:
    """The start state of one subject, drawn deterministically from ``seed``.

    Deficits are normal with the documented mean and SD, clipped to
    ``[0, FULL_SCALE_DEFICIT]``; a healthy subject has none.
    """
    if condition not in CONDITIONS:
        raise ValueError(f"unknown condition {condition!r}; allowed: {', '.join(CONDITIONS)}")
    if condition == "healthy":
        return StartState(condition, 0.0, 0.0, 0.0)
    rng = np.random.default_rng([seed, 0xC11])  # its own stream: other layers' draws do not shift it
    pfc, hpc = rng.normal([PFC_DEFICIT_MEAN(), HPC_DEFICIT_MEAN()], [PFC_DEFICIT_SD(), HPC_DEFICIT_SD()])
    full_scale = FULL_SCALE_DEFICIT()
    return StartState(
        condition,
        float(np.clip(pfc, 0.0, full_scale)),
        float(np.clip(hpc, 0.0, full_scale)),
        TRAUMA_MEMORY(),
    )


def midazolam_anxiolysis(plasma_uM: np.ndarray) -> np.ndarray:
    """Acute anxiolytic effect (0-1) of midazolam at plasma concentration ``plasma_uM`` (µM)."""
    c = np.maximum(np.asarray(plasma_uM, dtype=float), 0.0)
    return c / (c + midazolam_ec50_uM())


def symptom_components(
    state: StartState, pfc_strength: np.ndarray, hpc_strength: np.ndarray, anxiolysis: np.ndarray | float = 0.0
) -> tuple[np.ndarray, np.ndarray]:
    """Fear/re-experiencing and mood/cognitive components (each 0-1).

    Parameters
    ----------
    state : StartState
    pfc_strength, hpc_strength : array
        Excitatory synaptic strength relative to the subject's own drug-free baseline
        (the signalling layer's ``pfc_synaptic_strength``, ``hpc_synaptic_strength``).
    anxiolysis : array or float
        Acute anxiolysis by midazolam (0-1).

    Returns
    -------
    fear, mood : ndarray
    """
    s_pfc = (1.0 - state.pfc_deficit) * np.asarray(pfc_strength, dtype=float)
    s_hpc = (1.0 - state.hpc_deficit) * np.asarray(hpc_strength, dtype=float)
    full_scale = FULL_SCALE_DEFICIT()
    control_loss = np.clip((1.0 - s_pfc) / full_scale, 0.0, 1.0)
    generalisation = np.clip((1.0 - s_hpc) / full_scale, 0.0, 1.0)
    fear = state.trauma_memory * control_loss * 0.5 * (1.0 + generalisation) * (1.0 - np.asarray(anxiolysis))
    return fear, control_loss


def symptom_score(fear: np.ndarray, mood: np.ndarray) -> np.ndarray:
    """The 0-100 symptom score (CAPS-5 total x 100/80) from the two components."""
    return np.clip(100.0 * (WEIGHT_FEAR() * np.asarray(fear) + WEIGHT_MOOD() * np.asarray(mood)), 0.0, 100.0)


def score_metrics(dose_starts_h: list[float], state: StartState, t: np.ndarray, score: np.ndarray) -> dict[str, float]:
    """The start state, the score at baseline, at the end and at fixed times after the first dose, and response.

    Parameters
    ----------
    dose_starts_h : list of float
        Start of every dose (h); the first one anchors the 24 h … 4 week read-outs.
    state : StartState
    t, score : ndarray
        Time grid (h) and the symptom score on it.
    """
    baseline = float(score[0])
    out = {
        "pfc_strength_baseline": 1.0 - state.pfc_deficit,
        "hpc_strength_baseline": 1.0 - state.hpc_deficit,
        "symptom_score_baseline": baseline,
        "symptom_score_end": float(score[-1]),
        "symptom_change_end": float(score[-1]) - baseline,
    }
    starts = sorted(dose_starts_h)
    if starts:
        for label, after_h in (("24h", 24.0), ("week1", 7 * 24.0), ("week2", 14 * 24.0), ("week4", 28 * 24.0)):
            when = starts[0] + after_h
            if when <= t[-1] + 1e-9:
                value = float(np.interp(when, t, score))
                out[f"symptom_score_{label}"] = value
                out[f"symptom_change_{label}"] = value - baseline
    if baseline > 0:
        out["symptom_change_max_percent"] = float(100.0 * (score.min() - baseline) / baseline)
        responding = score <= (1.0 - RESPONSE_FRACTION()) * baseline
        # Time (days) spent at least 30 % below baseline (Feder 2021's responder criterion).
        out["symptom_response_days"] = float(np.sum(np.diff(t) * responding[:-1]) / 24.0)
    return out


def clinical_figure(result):
    """Symptom score over days with the infusions marked; PFC and hippocampal strength below."""
    import matplotlib.pyplot as plt

    ts = result.timeseries
    days = ts["time_h"] / 24.0
    fig, (top, bottom) = plt.subplots(2, 1, figsize=(8, 6), sharex=True, constrained_layout=True)
    top.plot(days, ts["symptom_score"], color="k", label="symptom score")
    top.plot(days, WEIGHT_FEAR() * ts["symptom_fear_component"], color="C3", lw=1, label="fear/arousal part")
    top.plot(days, WEIGHT_MOOD() * ts["symptom_mood_component"], color="C0", lw=1, label="mood/cognition part")
    top.set_ylim(0, 100)
    top.set_ylabel("score (0-100 = CAPS-5 x 100/80)")
    condition = result.config.subject.condition
    top.set_title(f"{condition}, seed {result.config.seed}", fontsize=9)
    bottom.plot(days, ts["clinical_pfc_strength"], color="C2", label="PFC")
    bottom.plot(days, ts["clinical_hpc_strength"], color="C4", label="hippocampus")
    bottom.axhline(1.0, color="0.6", lw=0.8, ls="--")
    bottom.set_ylabel("excitatory synaptic strength\n(healthy = 1)")
    bottom.set_xlabel("time (days)")
    colours = {"ketamine": "C1", "midazolam": "C9"}
    shown = set()
    for dose in result.config.dosing:
        for start in dose.times_h():
            label = None if dose.drug in shown else f"{dose.drug} {dose.dose:g} mg/kg"
            shown.add(dose.drug)
            top.axvline(start / 24.0, color=colours.get(dose.drug, "0.5"), lw=1, ls=":", label=label)
            bottom.axvline(start / 24.0, color=colours.get(dose.drug, "0.5"), lw=1, ls=":")
    top.legend(frameon=False, fontsize=8, loc="upper right", ncol=2)
    bottom.legend(frameon=False, fontsize=8)
    return fig
