"""Pharmacology parameters are read at run time: overrides move PK and NMDAR block as the equations say."""

import numpy as np
import pytest

from ketasim.parameters import ParameterSet, current, using
from ketasim.pharmacology.drugs import DRUGS
from ketasim.pharmacology.inhibitors import inhibition
from ketasim.pharmacology.pd import (
    composition,
    conductance_scale,
    simulate_block,
    steady_state_block,
)
from ketasim.pharmacology.pk import DoseEvent, pk_model, simulate_pk

T = np.linspace(0.0, 3.0, 361)
GRID = np.linspace(0.0, 2.0, 2401)


def mouse_ip(dose: float = 10.0) -> np.ndarray:
    return simulate_pk(pk_model("ketamine", "mouse"), [DoseEvent(0.0, dose, "ip")], T).plasma_uM


def test_mouse_half_life_override_follows_the_bateman_closed_form():
    t_half_min, v, ka_per_min, mw = 26.0, 4.0, 0.2, 237.7
    with using(ParameterSet({"pharmacology.mouse.ketamine.t_half": t_half_min})):
        model = pk_model("ketamine", "mouse")
        plasma = mouse_ip()
    k, ka = np.log(2) / t_half_min * 60.0, ka_per_min * 60.0
    expected = 10.0 / v * ka / (ka - k) * (np.exp(-k * T) - np.exp(-ka * T)) * 1000.0 / mw
    assert model.k10 == pytest.approx(np.log(2) / (t_half_min / 60.0))
    np.testing.assert_allclose(plasma, expected, rtol=1e-6, atol=1e-12)
    default = mouse_ip()
    assert (plasma[T > 1.0] > default[T > 1.0]).all()  # slower elimination: more drug left late
    # Outside the block the defaults come back, bit for bit.
    assert np.array_equal(default, simulate_pk(pk_model("ketamine", "mouse"), [DoseEvent(0.0, 10.0, "ip")], T).plasma_uM)
    assert current().digest("pharmacology") == ParameterSet().digest("pharmacology")


def test_human_domino_and_molecular_weight_overrides_scale_plasma_exactly():
    dose = [DoseEvent(0.0, 0.5, "iv_infusion", 40 / 60)]
    default = simulate_pk(pk_model("ketamine", "human"), dose, T).plasma_uM
    with using(ParameterSet({"pharmacology.human.ketamine.domino.v1": 0.126,
                             "pharmacology.ketamine.molecular_weight": 2 * 237.7})):
        assert DRUGS["ketamine"].molecular_weight == 2 * 237.7
        halved = simulate_pk(pk_model("ketamine", "human"), dose, T).plasma_uM
    # Doubling V1 with all rate constants fixed halves amounts' concentration; doubling MW halves µM again.
    np.testing.assert_allclose(halved, default / 4.0, rtol=1e-12, atol=1e-15)
    assert DRUGS["ketamine"].molecular_weight == 237.7


@pytest.mark.parametrize("subunit", ["GluN2A", "GluN2D"])
def test_ic50_override_moves_the_block_to_the_new_hill_curve(subunit):
    conc, ic50 = 4.0, 8.0
    key = f"pharmacology.ketamine.ic50.{subunit}"
    default_ic50 = ParameterSet()[key]
    with using(ParameterSet({key: ic50})):
        block = simulate_block(GRID, np.full(GRID.size - 1, conc)).by_subunit[("interneuron", subunit)]
        assert steady_state_block(ic50, subunit) == 0.5
    assert block[-1] == pytest.approx(conc / (conc + ic50), rel=1e-9)
    assert block[-1] < conc / (conc + default_ic50)  # a higher IC50 blocks less
    after = simulate_block(GRID, np.full(GRID.size - 1, conc)).by_subunit[("interneuron", subunit)]
    assert after[-1] == pytest.approx(conc / (conc + default_ic50), rel=1e-9)


def test_open_probability_and_composition_overrides():
    conc = np.full(GRID.size - 1, 5.0)
    early = GRID.searchsorted(30 / 3600)
    slow = simulate_block(GRID, conc).by_subunit[("pyramidal", "GluN2A")]
    with using(ParameterSet({"pharmacology.p_open.pyramidal": 0.04})):
        fast = simulate_block(GRID, conc).by_subunit[("pyramidal", "GluN2A")]
    # The rate p_open (k_on C + k_off) doubles: 1 - b/b_inf is squared at every time.
    b_inf = 5.0 / (5.0 + 5.35)
    np.testing.assert_allclose(1 - fast[1:] / b_inf, (1 - slow[1:] / b_inf) ** 2, rtol=1e-7, atol=1e-12)
    assert fast[early] > slow[early]
    with using(ParameterSet({"pharmacology.composition.interneuron.GluN2D": 0.2})):
        assert composition("interneuron")["GluN2D"] == 0.2
        assert conductance_scale("interneuron", {}) == pytest.approx(0.8)  # 0.4 + 0.15 + 0.05 + 0.2
        assert conductance_scale("interneuron", {"glun2d": 0.0}) == pytest.approx(0.6)
    assert conductance_scale("interneuron", {}) == pytest.approx(1.0)
    assert composition("interneuron")["GluN2D"] == 0.4


def test_inhibitor_ic50_override():
    doses = [DoseEvent(0.0, 150.0, "sc")]
    t = np.linspace(0.0, 8.0, 97)
    default = inhibition("anisomycin", "mouse", doses, t)
    conc = simulate_pk(pk_model("anisomycin", "mouse"), doses, t).receptor_uM
    with using(ParameterSet({"pharmacology.anisomycin.ic50_effective": 30.0})):
        weaker = inhibition("anisomycin", "mouse", doses, t)
    np.testing.assert_array_equal(default, conc / (conc + 15.0))
    np.testing.assert_allclose(weaker, conc / (conc + 30.0), rtol=1e-15)
    assert (weaker[1:] < default[1:]).all()
