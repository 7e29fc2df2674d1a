"""Drugs the configs may name, with the routes each one allows.

Systemic drugs (given as a dose per body mass) go through a pharmacokinetic
model; bath drugs (in-vitro slices) are given as a concentration. Drugs whose
action belongs to a later layer (APV, CCK-8s, a CCK-B antagonist) are still
listed here so that configs naming them validate in one place.
"""

from __future__ import annotations

from dataclasses import dataclass

from ketasim.parameters import ParamRef, param

__all__ = ["DRUGS", "ROUTES", "SYSTEMIC_ROUTES", "Drug"]

SYSTEMIC_ROUTES = ("ip", "sc", "iv_bolus", "iv_infusion", "oral")
ROUTES = SYSTEMIC_ROUTES + ("bath",)


@dataclass(frozen=True)
class Drug:
    """A drug a config may name.

    Attributes
    ----------
    name : str
        Config spelling (``drug:`` value).
    description : str
        What it is and what it stands for in experiments.
    routes : tuple of str
        Routes it may be given by.
    molecular_weight_ref : ParamRef or None
        The registered molecular weight (None where unused); read it through
        :attr:`molecular_weight`.
    """

    name: str
    description: str
    routes: tuple[str, ...]
    molecular_weight_ref: ParamRef | None = None

    @property
    def molecular_weight(self) -> float:
        """g/mol in the active parameter set, for converting mg/L to µM (0 where unused)."""
        return 0.0 if self.molecular_weight_ref is None else self.molecular_weight_ref()


KETAMINE_MW = param(
    "pharmacology",
    "ketamine.molecular_weight",
    237.7,
    "g/mol",
    "Ketamine base C13H16ClNO (PubChem CID 3821); doses are taken as base",
    "The HCl salt is 274.2 g/mol; papers that dose the salt give 13 % less base.",
)
MIDAZOLAM_MW = param(
    "pharmacology",
    "midazolam.molecular_weight",
    325.8,
    "g/mol",
    "Midazolam base C18H13ClFN3 (PubChem CID 4192)",
)

DRUGS: dict[str, Drug] = {
    d.name: d
    for d in (
        Drug(
            "ketamine",
            "racemic ketamine, NMDAR open-channel blocker",
            ROUTES,
            KETAMINE_MW,
        ),
        Drug("saline", "vehicle control: no drug", SYSTEMIC_ROUTES),
        Drug(
            "midazolam",
            "benzodiazepine, the active placebo of the ketamine PTSD trials",
            ("iv_bolus", "iv_infusion", "oral"),
            MIDAZOLAM_MW,
        ),
        Drug("apv", "D-AP5, competitive NMDAR antagonist (slices)", ("bath",)),
        Drug("anisomycin", "protein-synthesis inhibitor (blocks consolidation and reconsolidation)",
             ("ip", "sc"), param("pharmacology", "anisomycin.molecular_weight", 265.3, "g/mol",
                                 "Anisomycin C14H19NO4 (PubChem CID 253602)")),
        Drug("rapamycin", "mTORC1 inhibitor (sirolimus)", ("ip",),
             param("pharmacology", "rapamycin.molecular_weight", 914.2, "g/mol",
                   "Rapamycin C51H79NO13 (PubChem CID 5284616)")),
        Drug("cck8s", "sulphated CCK octapeptide, CCK-B receptor agonist (slices)", ("bath",)),
        Drug("cckb_antagonist", "CCK-B receptor antagonist, e.g. L-365,260 (slices)", ("bath",)),
        Drug("d_cycloserine", "NMDAR glycine-site partial agonist", ("bath",)),
        Drug("nmda", "N-methyl-D-aspartate, NMDAR agonist (slices: releases CCK)", ("bath",)),
    )
}
