"""Small scenario dicts shared by tests."""

from __future__ import annotations


def ip_dose(mg_per_kg: float, drug: str = "ketamine", at: str = "0 h", seed: int = 0) -> dict:
    """A mouse scenario with one i.p. dose."""
    return {
        "species": "mouse",
        "seed": seed,
        "dosing": [{"drug": drug, "dose": f"{mg_per_kg} mg/kg", "route": "ip", "at": at}],
    }


def pyramidal_block(conc_uM: float) -> float:
    """Pyramidal-cell NMDAR block after a long constant ketamine bath (pharmacology.pd kinetics)."""
    import numpy as np

    from ketasim.pharmacology.pd import simulate_block

    return float(simulate_block(np.array([0.0, 100.0]), np.array([conc_uM])).by_cell["pyramidal"][-1])
