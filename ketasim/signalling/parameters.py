"""Constants of the signalling layer, each registered with its source.

Time constants are in hours (the scenario's time unit); every state of the
cascade is dimensionless, relative to the intact (all mechanisms 1, val/val)
drug-free steady state.

Every constant is a :class:`~ketasim.parameters.ParamRef`; the equations read
plain floats, resolved from the active parameter set at call time:
:func:`current_params` (a :class:`SignallingParams`), :func:`region_params`
and :func:`genotype_secretion`. Nothing here holds a value frozen at import.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

from ketasim.parameters import ParamRef, param
from ketasim.pharmacology.pd import COMPOSITION

__all__ = [
    "GENOTYPES",
    "REGIONS",
    "RegionParams",
    "SignallingParams",
    "current_params",
    "genotype_secretion",
    "region_params",
]

_P = "signalling"
_MIN = 1.0 / 60.0  # h

REGIONS = ("pfc", "hpc", "bla")
GENOTYPES = ("val/val", "val/met", "met/met")

_GENOTYPE_SECRETION = {
    "val/met": param(
        _P, "genotype.val_met.regulated_secretion", 0.82, "1",
        "Chen et al. 2006 Science 314:140, Fig. 1D (depolarisation-evoked BDNF secretion, +/Met neurons about 18 % "
        "below wild type)",
        "Value read from the literature notes (figure panel, not re-measured); Egan et al. 2003 Cell 112:257 "
        "report the same direction in transfected neurons. Constitutive secretion is unchanged (Egan 2003).",
    ),
    "met/met": param(
        _P, "genotype.met_met.regulated_secretion", 0.71, "1",
        "Chen et al. 2006 Science 314:140, Fig. 1D (Met/Met about 29 % below wild type)",
        "As above; only the activity-dependent (regulated) share is scaled.",
    ),
}


def genotype_secretion() -> dict[str, float]:
    """Regulated BDNF secretion by BDNF genotype (val/val = 1), in the active parameter set."""
    return {"val/val": 1.0, **{genotype: ref() for genotype, ref in _GENOTYPE_SECRETION.items()}}


@dataclass(frozen=True)
class SignallingParams:
    """Region-independent constants of the cascade (time constants in h), as plain floats.

    Build it with :meth:`current` (the active parameter set's values); the
    right-hand side reads its attributes at every step, so they are floats,
    not references. ``glun2b_rest_share`` is the pharmacology layer's GluN2B
    share of pyramidal NMDAR current (``pharmacology.composition.pyramidal.GluN2B``),
    the share of the resting NMDAR signal to eEF2K that GluN2B carries (Miller
    et al. 2014 eLife 3:e03581: deleting GluN2B from cortical pyramidal cells
    mimics and occludes ketamine's effect).
    """

    tau_eef2: float
    eef2_suppression: float
    tau_bdnf_protein: float
    tau_bdnf_release: float
    constitutive_share: float
    tau_mtor: float
    mtor_trkb_independent: float
    mtor_saturation: float
    trkb_hill: float
    tau_homer: float
    mglur5_share: float
    mglur2_brake: float
    translation_mtor_share: float
    translation_hill: float
    translation_half_activation: float
    tau_nascent: float
    tau_proteins: float
    tau_spines: float
    spine_formation_gain: float
    spine_formation_ceiling: float
    tau_receptor_recovery: float
    retraction_rate: float
    exposure_threshold: float
    tau_exposure: float
    downregulation_rate_nmdar: float
    downregulation_rate_ampar: float
    glun2b_rest_share: float

    @classmethod
    def current(cls) -> SignallingParams:
        """The constants in the active parameter set (the registry's defaults unless a run overrides them)."""
        return cls(
            **{name: ref() for name, ref in _REFS.items()},
            glun2b_rest_share=COMPOSITION["pyramidal"]["GluN2B"](),
        )


_REFS: dict[str, ParamRef] = dict(
    tau_eef2=param(
        _P, "eef2.tau", 10 * _MIN, "h",
        "fitted: p-eEF2 already lowered 30 min after ketamine in hippocampus (Autry et al. 2011 Nature 475:91, Fig. 3)",
        "eEF2K is Ca2+/calmodulin dependent; blocking resting NMDAR Ca2+ influx inactivates it within minutes.",
    ),
    eef2_suppression=param(
        _P, "eef2.suppression", 1.0, "1",
        "fitted: BDNF protein rise at 30 min after 3 mg/kg (Autry et al. 2011 Fig. 3); eEF2K knockout mice lack "
        "the response (Nosyreva et al. 2013 Philos Trans R Soc B 369:20130144)",
        "translation rate = (1 + k) / (1 + k * p-eEF2); k = 1 doubles BDNF translation when p-eEF2 is gone.",
    ),
    tau_bdnf_protein=param(
        _P, "bdnf.tau_protein", 30 * _MIN, "h",
        "fitted: BDNF protein up within 30 min after ketamine (Autry et al. 2011 Fig. 3, hippocampus)",
        "Dendritic BDNF pool available for release (translation and turnover).",
    ),
    tau_bdnf_release=param(
        _P, "bdnf.tau_release", 5 * _MIN, "h",
        "fitted: released BDNF follows activity within minutes (activity-dependent secretion; Hartmann et al. "
        "2001 EMBO J 20:5887 report release within seconds to minutes of stimulation)",
    ),
    constitutive_share=param(
        _P, "bdnf.constitutive_share", 0.3, "1",
        "fitted: most neuronal BDNF leaves by the regulated pathway (Egan et al. 2003 Cell 112:257; Chen et al. "
        "2004 J Neurosci 24:4401); the exact split in vivo is not measured",
        "Share of drug-free BDNF release that does not depend on AMPAR activation or genotype.",
        low=0.0, high=1.0, range_reason="physical bound: a share",
    ),
    tau_mtor=param(
        _P, "mtor.tau", 15 * _MIN, "h",
        "fitted: p-mTOR/p-p70S6K up at 30 min, peak 30-60 min, back by 2 h after 10 mg/kg (Li et al. 2010 "
        "Science 329:959, Fig. 1; time course read from the literature notes, magnitude not read)",
        "TrkB activation (seconds to minutes) is folded into this time constant.",
    ),
    mtor_trkb_independent=param(
        _P, "mtor.trkb_independent_share", 0.2, "1",
        "fitted: basal mTORC1 activity persists under TrkB blockade (growth-factor/amino-acid inputs; Hoeffer & "
        "Klann 2010 Trends Neurosci 33:67)",
        "Drug-free mTORC1 activity that does not need BDNF/TrkB.",
        low=0.0, high=1.0, range_reason="physical bound: a share",
    ),
    mtor_saturation=param(
        _P, "mtor.saturation", 4.0, "1",
        "fitted: mTORC1 activation saturates; maximal TrkB-driven activation 1 + K = 5-fold of basal (Li et al. "
        "2010 Fig. 1 show a several-fold rise in p-mTOR/p-p70S6K; exact fold not read)",
        "TrkB term = x^h (1 + K) / (x^h + K) with x = released BDNF relative to baseline.",
    ),
    trkb_hill=param(
        _P, "trkb.hill", 2.0, "1",
        "fitted: TrkB dimerisation by the BDNF dimer and downstream amplification make mTORC1 activation steeper "
        "than linear; gives a transient p-mTOR rise of the order of +50-100 % at 30-60 min (Li et al. 2010 Fig. 1)",
    ),
    tau_homer=param(
        _P, "homer1a.tau", 1.0, "h",
        "fitted: Homer1a is an immediate-early gene induced within about 1 h of activity or ketamine (Holz et "
        "al. 2019 Neuron 104:338; Brakeman et al. 1997 Nature 386:284)",
    ),
    mglur5_share=param(
        _P, "mglur5.share", 0.3, "1",
        "fitted: mGlu5/Homer1a signalling promotes the synaptic (AMPAR) arm but is not required for all of it "
        "(Holz et al. 2019 Neuron 104:338: TAT-Homer1a enhances, mGlu5 deletion in CaMKII cells blunts)",
        "Share of synaptic-protein synthesis gated by mGlu5/Homer1a.",
        low=0.0, high=1.0, range_reason="physical bound: a share",
    ),
    mglur2_brake=param(
        _P, "mglur2.brake", 0.3, "1",
        "fitted: mGlu2/3 antagonists raise glutamate release and mimic/enhance ketamine (Chaki 2017 review; "
        "Zanos et al. 2019; Joffe et al. 2020 Neuron 105:46); magnitude assumed",
        "release = G (1 + beta) / (1 + beta * mglur2 * G): intact brake gives 1 at G = 1; knockout raises "
        "release by 1 + beta and passes surges unattenuated.",
    ),
    translation_mtor_share=param(
        _P, "translation.mtor_share", 0.8, "1",
        "fitted: rapamycin removes the ketamine-induced rise of GluA1/PSD-95/synapsin (Li et al. 2010 Fig. 2) "
        "but not all basal synthesis",
        "Share of drug-free synaptic-protein synthesis that depends on mTORC1.",
        low=0.0, high=1.0, range_reason="physical bound: a share",
    ),
    translation_hill=param(
        _P, "translation.hill", 3.0, "1",
        "fitted: synaptic proteins +30-60 % of control at 2-24 h after 10 mg/kg (Li et al. 2010 Fig. 2; "
        "magnitude from the literature notes, low confidence)",
        "Ultrasensitive dependence of local translation on mTORC1 (4E-BP1/S6K), rate = M ** n.",
    ),
    translation_half_activation=param(
        _P, "translation.half_activation", 3.0, "1",
        "fitted: bounds synthesis at high doses (translation machinery saturates); chosen above the mTORC1 peak "
        "of 10 mg/kg so the antidepressant-dose response is nearly unsaturated",
        "mTORC1-dependent synthesis = M^n (1 + K^n) / (M^n + K^n), 1 at basal mTORC1.",
    ),
    tau_nascent=param(
        _P, "proteins.tau_nascent", 2.0, "h",
        "fitted: synaptic proteins first detected up at 2 h, still up at 6 h (Li et al. 2010 Fig. 2)",
        "Synthesis to synaptic incorporation (trafficking/assembly).",
    ),
    tau_proteins=param(
        _P, "proteins.tau", 8.0, "h",
        "fitted: synaptic proteins up from 2 h, highest around 6 h after 10 mg/kg (Li et al. 2010 Fig. 2); Li et al. "
        "report them still elevated at 24 h, which this value underestimates; whole-pool metabolic half-lives are "
        "2-5 d (Cohen et al. 2013 PLoS One 8:e63191)",
        "Turnover of the activity-regulated synaptic pool. A longer value needs a steeper mTORC1-translation gain, "
        "which makes chronic dosing run away; the literature disagrees on this pool's lifetime.",
    ),
    tau_spines=param(
        _P, "spines.tau", 3 * 24.0, "h",
        "fitted: spine density up at 24 h and still above saline for up to 2 weeks after one 10 mg/kg dose, "
        "formation raised and elimination unchanged (Phoumthipphavong et al. 2016 eNeuro 3:e0133; Moda-Sava "
        "et al. 2019 Science 364:eaat8078)",
        "Elimination time constant; formation rate = synaptic proteins ** q x AMPAR expression / tau.",
    ),
    spine_formation_gain=param(
        _P, "spines.formation_gain", 4.0, "1",
        "fitted: spine density +10-15 % 24 h after 10 mg/kg in mouse frontal cortex (Phoumthipphavong et al. "
        "2016, magnitude from the literature notes, not read off the figure; Li et al. 2010 Fig. 3 report a "
        "larger rise, about +30-40 %, in rat)",
        "Exponent q of the formation rate's dependence on synaptic proteins. 4 is the smallest whole exponent "
        "that reaches the band: +10.5 % at 24 h (full profile, E02); 3 gave +7.5 %. The clinical layer inherits "
        "it: the week-2 benefit of six infusions (E04) then exceeds Feder et al. 2021's upper 95 % bound.",
    ),
    spine_formation_ceiling=param(
        _P, "spines.formation_ceiling", 3.0, "1",
        "fitted: rat spine density about +30-40 % 24 h after 10 mg/kg (Li et al. 2010 Science 329:959 Fig. 3; "
        "magnitude recalled, not read off the figure): +36 % (full profile). Without a cap the rat's longer "
        "exposure drove it to +129 % at 10 mg/kg and x19 at 30 mg/kg",
        "Cap on the spine-formation target P^q (relative to drug-free). The mouse's 10 mg/kg target (P^q about "
        "1.8) stays below it, so spines.formation_gain's fit is unchanged; mouse 30 mg/kg then gives +35 % "
        "(was +49 %), a prediction.",
        low=1.5, high=10.0,
        range_reason="1.5: about the largest single-dose rise reported (+40 %); 10: no cap within the doses modelled",
    ),
    tau_receptor_recovery=param(
        _P, "receptors.tau_recovery", 7 * 24.0, "h",
        "fitted: receptor expression recovers over about a week after chronic exposure (assumption; no primary "
        "measurement located, see docs/mechanisms.md)",
    ),
    retraction_rate=param(
        _P, "spines.retraction_rate", 0.0095, "1/h",
        "fitted: spine density -15 to -30 % after 4 weeks of daily 25-30 mg/kg (prior from the literature notes, "
        "no verified primary source); the retraction of distal apical tuft branches the day after one dose "
        "(Phoumthipphavong et al. 2016 eNeuro) is not represented",
        "Extra spine elimination per unit down-regulation drive D (the same drive as receptor loss). Fitted to "
        "-15 % hippocampal spine density at day 31 of E08 (full profile).",
    ),
    exposure_threshold=param(
        _P, "receptors.exposure_threshold", 0.0125, "1",
        "fitted: a running-mean pyramidal block of 1.25 % lies between daily 10 mg/kg (about 1.0 %; assumed to "
        "leave expression intact, no source located) and daily 15-20 mg/kg (1.4-1.6 %), so daily 20-30 mg/kg "
        "lowers receptor expression (Tan et al. 2011 PLoS One 6:e21328; Ding et al. 2016 Sci Rep 6:38771; "
        "direction only) while one dose of up to 30 mg/kg (running mean at most 1.0 %) does not: single 10-30 "
        "mg/kg doses are antidepressant or protective in mice (Zanos et al. 2016 Nature 533:481; McGowan et al. "
        "2017 Neuropsychopharmacology 42:1577; Asim et al. 2020 Neurosci Bull 36:153); one 90 mg/kg dose "
        "(1.7 %) crosses it briefly",
        "Down-regulation drive D = max(X - theta, 0) / theta, X the running mean of pyramidal NMDAR block.",
        low=0.010, high=0.016,
        range_reason="must lie between the running-mean block of daily 10 mg/kg (1.0 %) and 20 mg/kg (1.6 %)",
    ),
    tau_exposure=param(
        _P, "receptors.exposure_tau", 2 * 24.0, "h",
        "homeostatic receptor changes build up over 1-2 d of a sustained change in activity (Turrigiano et al. 1998 "
        "Nature 391:892, 48 h of TTX or bicuculline; Wierenga, Ibata & Turrigiano 2005 J Neurosci 25:2895, AMPAR "
        "accumulation rising progressively over 2 d of blockade); the time scale only, the direction of "
        "chronic ketamine's change comes from the chronic studies above",
        "Time constant of the running mean X of pyramidal NMDAR block that drives down-regulation.",
        low=24.0, high=48.0, range_reason="1-2 d of the cited homeostatic-scaling studies",
    ),
    downregulation_rate_nmdar=param(
        _P, "receptors.downregulation_rate.nmdar", 0.0053, "1/h",
        "fitted: about -20 to -40 % NMDAR subunit protein after 4 weeks of daily 25-30 mg/kg (prior from the "
        "literature notes, no verified primary source)",
        "Rate per unit down-regulation drive D; acts on expression multiplicatively (stays positive). Fitted "
        "to -20 % at day 31 of E08 (3 d after the last of 28 daily 25 mg/kg doses; about -32 % at the last dose).",
    ),
    downregulation_rate_ampar=param(
        _P, "receptors.downregulation_rate.ampar", 0.0053, "1/h",
        "fitted: as for NMDARs (GluA1 changes after chronic ketamine, Ding et al. 2016 Sci Rep 6:38771; "
        "magnitude assumed)",
    ),
)


@dataclass(frozen=True)
class RegionParams:
    """How strongly a region's glutamate surge follows the PFC circuit's, and how stress shifts its spines.

    ``stress_spines`` is the log-change of the spine-formation target per unit
    stress load: at a sustained load ``L`` spine density settles at
    ``exp(stress_spines * L)`` of its unstressed value.
    """

    drive_gain: float
    stress_spines: float = 0.0


_PFC_STRESS_SPINE_LOSS = param(
    _P, "pfc.stress_spine_loss", 0.16, "1",
    "Radley et al. 2006 Cereb Cortex 16:313 (21 d of daily restraint, 6 h/d: apical spine density of layer "
    "II/III mPFC pyramidal cells about 16 % lower; value recalled from the abstract, not re-read); Li et al. "
    "2011 Biol Psychiatry 69:754 report fewer layer V spines after 21 d of chronic unpredictable stress",
    "Fractional spine loss at a sustained stress load of 1 (21 daily sessions): stress_spines = ln(1 - loss).",
    low=0.0, high=0.5, range_reason="a fraction below 1 (ln(1 - loss)); reported chronic-stress losses are far below half",
)
_HPC_DRIVE_GAIN = param(
    _P, "hpc.drive_gain", 1.0, "1",
    "fitted: ketamine raises hippocampal glutamate and BDNF/mTOR signalling as in PFC (Autry et al. 2011, "
    "hippocampus; Moghaddam et al. 1997 J Neurosci 17:2921 for the cortical surge); assumed equal",
    "Fraction of the PFC circuit's relative glutamate surge seen by the region (no hippocampal circuit yet).",
)
_HPC_STRESS_SPINE_LOSS = param(
    _P, "hpc.stress_spine_loss", 0.2, "1",
    "fitted: CA3 apical dendritic atrophy (fewer branch points, shorter apical dendrites) after 21 d of "
    "restraint (Magarinos & McEwen 1995 Neuroscience 69:83; magnitude of about -20 to -30 % recalled, not "
    "re-read); spines per neuron taken to fall with dendritic length (density itself changes little)",
    "Fractional loss of synapses per neuron at a sustained stress load of 1.",
)
_BLA_DRIVE_GAIN = param(
    _P, "bla.drive_gain", 0.5, "1",
    "fitted: assumption; ketamine's disinhibition is weaker in amygdala than cortex (no direct measurement "
    "located; Asim et al. 2020 Neurosci Bull show BDNF changes in BLA after 30 mg/kg)",
    low=0.0, high=1.0, range_reason="a share of the PFC surge: none (0) up to as strong as PFC (1)",
)
_BLA_STRESS_SPINE_GAIN = param(
    _P, "bla.stress_spine_gain", 0.25, "1",
    "fitted: BLA spiny neurons gain spines after chronic immobilisation stress (Mitra et al. 2005 PNAS "
    "102:9371, 10 d; Vyas et al. 2006 Neuroscience 143:387, 21 d, with longer dendrites: Vyas et al. 2002 "
    "J Neurosci 22:6810); direction from the abstracts, magnitude (+20 to +30 %) recalled, not re-read",
    "Fractional spine gain at a sustained stress load of 1: stress_spines = ln(1 + gain).",
)


def current_params() -> SignallingParams:
    """The region-independent constants in the active parameter set (:meth:`SignallingParams.current`)."""
    return SignallingParams.current()


def region_params() -> dict[str, RegionParams]:
    """Each region's drive gain and stress sensitivity, in the active parameter set."""
    return {
        "pfc": RegionParams(drive_gain=1.0, stress_spines=math.log(1.0 - _PFC_STRESS_SPINE_LOSS())),
        "hpc": RegionParams(drive_gain=_HPC_DRIVE_GAIN(), stress_spines=math.log(1.0 - _HPC_STRESS_SPINE_LOSS())),
        "bla": RegionParams(drive_gain=_BLA_DRIVE_GAIN(), stress_spines=math.log(1.0 + _BLA_STRESS_SPINE_GAIN())),
    }
