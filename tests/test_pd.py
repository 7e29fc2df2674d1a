"""NMDAR block: Hill limit at steady state, use dependence, cell-type selectivity."""

import numpy as np
import pytest

from ketasim.pharmacology.pd import (
    COMPOSITION,
    IC50_UM,
    OPEN_PROBABILITY,
    SUBUNITS,
    composition,
    conductance_scale,
    simulate_block,
    steady_state_block,
)

GRID = np.linspace(0.0, 2.0, 2401)  # 2 h at 3 s steps


def constant(conc: float) -> np.ndarray:
    return np.full(GRID.size - 1, conc)


@pytest.mark.parametrize("subunit", SUBUNITS)
@pytest.mark.parametrize("conc", [0.3, 3.0, 30.0])
def test_constant_concentration_reaches_the_hill_limit(subunit, conc):
    block = simulate_block(GRID, constant(conc)).by_subunit[("interneuron", subunit)]
    assert block[-1] == pytest.approx(conc / (conc + IC50_UM[subunit]()), rel=1e-9)
    assert steady_state_block(IC50_UM[subunit](), subunit) == pytest.approx(0.5)


def test_block_follows_the_exact_exponential_approach():
    conc = 5.0
    result = simulate_block(GRID, constant(conc))
    k_off = 0.3  # the module constant, restated: the rate is p_open (k_on C + k_off)
    from ketasim.pharmacology import pd

    assert pd.K_OFF_PER_S() == k_off
    b_inf = conc / (conc + IC50_UM["GluN2A"]())
    rate = OPEN_PROBABILITY["pyramidal"]() * (k_off / IC50_UM["GluN2A"]() * conc + k_off)
    expected = b_inf * (1 - np.exp(-rate * GRID * 3600))
    np.testing.assert_allclose(result.by_subunit[("pyramidal", "GluN2A")], expected, rtol=1e-9, atol=1e-12)


def test_block_builds_faster_in_more_active_cells():
    conc = constant(5.0)
    slow = simulate_block(GRID, conc, open_probability={"pyramidal": 0.01}).by_subunit[("pyramidal", "GluN2A")]
    fast = simulate_block(GRID, conc, open_probability={"pyramidal": 0.1}).by_subunit[("pyramidal", "GluN2A")]
    early = GRID.searchsorted(30 / 3600)  # 30 s
    assert fast[early] > 2 * slow[early]
    assert fast[-1] == pytest.approx(slow[-1], rel=1e-6)  # same equilibrium: use dependence changes only the rate


def test_trapped_block_outlasts_the_drug_in_silent_cells():
    conc = np.where(GRID[:-1] < 0.5, 10.0, 0.0)
    silent_after = {"interneuron": 0.1}
    result = simulate_block(GRID, conc, open_probability=silent_after)
    b = result.by_cell["interneuron"]
    washout = GRID.searchsorted(0.5)
    assert b[washout + 10] < b[washout]  # unblocks only while channels open
    quiet = simulate_block(GRID, conc, open_probability={"interneuron": 0.001}).by_cell["interneuron"]
    assert quiet[-1] > b[-1]


def test_interneurons_are_blocked_more_than_pyramidal_cells():
    for conc in (0.5, 2.0, 10.0):
        result = simulate_block(GRID, constant(conc))
        assert result.by_cell["interneuron"][-1] > result.by_cell["pyramidal"][-1]
        early = GRID.searchsorted(60 / 3600)
        assert result.by_cell["interneuron"][early] > result.by_cell["pyramidal"][early]


def test_glun2d_knockdown_removes_the_interneuron_advantage():
    conc = constant(3.0)
    intact = simulate_block(GRID, conc).by_cell["interneuron"][-1]
    knocked = simulate_block(GRID, conc, {"glun2d": 0.0}).by_cell["interneuron"][-1]
    assert knocked < intact
    assert conductance_scale("interneuron", {"glun2d": 0.0}) == pytest.approx(1 - COMPOSITION["interneuron"]["GluN2D"]())
    assert conductance_scale("pyramidal", {"glun2d": 0.0}) == pytest.approx(1.0)


def test_compositions_sum_to_one():
    for cell in COMPOSITION:
        assert sum(composition(cell).values()) == pytest.approx(1.0), cell
