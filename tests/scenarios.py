"""Small scenario dicts shared by tests."""

from __future__ import annotations


def ip_dose(mg_per_kg: float, drug: str = "ketamine", at: str = "0 h", seed: int = 0) -> dict:
    """A mouse scenario with one i.p. dose."""
    return {
        "species": "mouse",
        "seed": seed,
        "dosing": [{"drug": drug, "dose": f"{mg_per_kg} mg/kg", "route": "ip", "at": at}],
    }
