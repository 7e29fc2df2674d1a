"""Run-time overrides of the signalling layer's and the protocols' constants change the outputs as the equations say.

No circuit is simulated: the cascade is driven by the scenario's own PK/NMDAR block
(:func:`ketasim.scenario.plan`, quick profile) and a stand-in release-vs-loss relation
of the quick PFC circuit's size (release 2.2 x at the 10 mg/kg peak).
"""

from __future__ import annotations

from functools import cache

import numpy as np
import pytest

from ketasim.config import validate_scenario
from ketasim.parameters import ParameterSet, using
from ketasim.pipeline.exposure import exposure
from ketasim.pipeline.signalling_stage import dose_breakpoints as _breakpoints
from ketasim.protocols import clinical, forced_swim, memory
from ketasim.signalling import (
    STATES,
    Switches,
    current_params,
    region_params,
    simulate_cascade,
    steady_state,
)
from ketasim.signalling.drive import glutamate_drive, resting_block
from ketasim.signalling.stress import REFERENCE_INTERVAL_H, session_load, stress_load

DAY = 24.0
LOSS, RELEASE = np.array([0.0, 0.6]), np.array([1.0, 2.2])  # stand-in for the circuit's relation


@cache
def _inputs():
    """Time grid, glutamate drive, pyramidal block and breakpoints of one 10 mg/kg i.p. dose (mouse, 2 d)."""
    config = validate_scenario({"species": "mouse", "duration": "2 d",
                                "dosing": [{"drug": "ketamine", "dose": "10 mg/kg", "route": "ip", "at": "0 h"}]})
    series = exposure(config).columns
    glutamate = glutamate_drive(resting_block(series, "interneuron"), LOSS, RELEASE)
    return series["time_h"], glutamate, resting_block(series), tuple(_breakpoints(config))


def _cascade(overrides: dict | None = None, regions=("pfc",)):
    t, glutamate, block, breakpoints = _inputs()
    if overrides is None:
        return simulate_cascade(t, glutamate, block, regions=regions, breakpoints=breakpoints)
    with using(ParameterSet(overrides)):
        return simulate_cascade(t, glutamate, block, regions=regions, breakpoints=breakpoints)


def _at(result, state, hours, region="pfc"):
    return float(np.interp(hours, result.time_h, result.relative(state, region)[0]))


# ------------------------------------------------------------------------------------------- signalling
def test_default_set_reproduces_the_default_cascade_exactly():
    plain = _cascade()
    for same in ({}, {"signalling.spines.tau": 72.0}):  # an override equal to the default is no override
        np.testing.assert_array_equal(_cascade(same).states, plain.states)
    assert current_params().tau_spines == 72.0


def test_longer_spine_lifetime_gives_a_smaller_24h_spine_rise_by_the_closed_form():
    """``signalling.spines.tau`` 3 d → 5 d lowers PFC spine density 24 h after 10 mg/kg, by the kernel integral.

    Spines obey dS/dt = (P^q R_A - S) / tau - k_ret D S. After one 10 mg/kg dose the
    running-mean block stays below threshold (D = 0, R_A = 1), synaptic proteins P rise
    above 1 and do not depend on S or tau (the cascade is feed-forward), so
    S(t) - 1 = int_0^t (P(s)^q - 1) exp(-(t - s) / tau) / tau ds. Each kernel weight
    exp(-u / tau) / tau falls with tau while u < tau (its tau-derivative is
    exp(-u / tau) (u - tau) / tau^3), and u <= 24 h < 72 h, so with P^q >= 1 a longer spine
    lifetime gives a smaller rise at 24 h: slower formation towards the same target.
    """
    default, slow = _cascade(), _cascade({"signalling.spines.tau": 5 * DAY})
    t = default.time_h
    q = current_params().spine_formation_gain
    proteins = default.relative("synaptic_proteins", "pfc")[0]
    formation = proteins ** q
    assert formation.min() >= 1.0 - 1e-9
    # Upstream of spines nothing changes (up to the solver's step sequence).
    np.testing.assert_allclose(slow.relative("synaptic_proteins", "pfc")[0], proteins, rtol=1e-5)

    def closed_form(tau: float, at: float = DAY) -> float:
        inside = t <= at
        s = t[inside]
        return 1.0 + np.trapezoid((formation[inside] - 1.0) * np.exp(-(at - s) / tau) / tau, s)

    rise_default, rise_slow = _at(default, "spine_density", DAY), _at(slow, "spine_density", DAY)
    assert 1.0 < rise_slow < rise_default
    assert rise_default - 1.0 == pytest.approx(closed_form(3 * DAY) - 1.0, rel=0.02)
    assert rise_slow - 1.0 == pytest.approx(closed_form(5 * DAY) - 1.0, rel=0.02)


def test_region_drive_gain_override_makes_hippocampus_follow_the_amygdala_exactly():
    """``hpc.drive_gain`` is the only difference between the hippocampal and BLA copies of the cascade."""
    regions = ("hpc", "bla")
    default = _cascade(regions=regions)
    assert _at(default, "mtor", 1.0, "hpc") > _at(default, "mtor", 1.0, "bla")  # gains 1 and 0.5
    matched = _cascade({"signalling.hpc.drive_gain": 0.5}, regions=regions)
    np.testing.assert_array_equal(matched.states[:, 0], matched.states[:, 1])
    # BLA itself is unchanged up to the solver's step sequence (the hippocampal copy shares its error control).
    np.testing.assert_allclose(matched.relative("bdnf", "bla"), default.relative("bdnf", "bla"), rtol=1e-5)


def test_stress_spine_loss_override_sets_the_settled_pfc_spine_density():
    """Under a sustained load L = 1 PFC spines settle at exp(ln(1 - loss)) = 1 - loss of the unstressed value."""
    t = np.linspace(0.0, 40 * DAY, 401)
    ones, zeros = np.ones_like(t), np.zeros_like(t)
    with using(ParameterSet({"signalling.pfc.stress_spine_loss": 0.3})):
        assert region_params()["pfc"].stress_spines == pytest.approx(np.log(0.7), rel=1e-15)
        stressed = simulate_cascade(t, ones, zeros, regions=("pfc",), stress=ones)
    assert stressed.relative("spine_density", "pfc")[0, -1] == pytest.approx(0.7, rel=1e-3)
    assert region_params()["pfc"].stress_spines == np.log(1.0 - 0.16)  # outside the block: the default again


def test_stress_load_time_constant_override_matches_the_closed_form():
    tau, d, intensity, start = 5 * DAY, 2.0, 1.5, 10.0
    t = np.array([0.0, 11.0, 12.0, 36.0, 200.0])
    rate = REFERENCE_INTERVAL_H() / tau * intensity / d
    end = rate * tau * (1 - np.exp(-d / tau))
    expected = [0.0, rate * tau * (1 - np.exp(-1.0 / tau)), end, end * np.exp(-24.0 / tau), end * np.exp(-188.0 / tau)]
    default = session_load(t, start, d, intensity)
    with using(ParameterSet({"signalling.stress.tau_load": tau})):
        np.testing.assert_allclose(session_load(t, start, d, intensity), expected, rtol=1e-12)
        np.testing.assert_allclose(stress_load(t, [(start, d, intensity)]), expected, rtol=1e-12)
    assert default[-1] < expected[-1]  # slower decay keeps more load 8 days on
    np.testing.assert_array_equal(session_load(t, start, d, intensity), default)


def test_genotype_secretion_override_reaches_the_switches_and_the_baseline():
    with using(ParameterSet({"signalling.genotype.met_met.regulated_secretion": 0.5})):
        switches = Switches.from_config({}, "met/met")
        baseline = steady_state(None, switches)
    assert switches.secretion == 0.5
    p, b = current_params(), STATES.index("bdnf")
    # Released BDNF at rest: T (c + (1 - c) S_geno), T = 1 when p-eEF2 is at its intact level.
    assert baseline[b] == pytest.approx(p.constitutive_share + (1 - p.constitutive_share) * 0.5, rel=1e-12)
    assert Switches.from_config({}, "met/met").secretion == 0.71


# ------------------------------------------------------------------------------------------- protocols
def test_labile_lifetime_override_matches_the_consolidation_closed_form():
    def consolidated():
        trace = memory.MemoryTrace.naive("fear", np.full(4, 0.1))
        trace.learn(np.full(4, 0.6))
        memory.consolidate(trace, 0.0, 10.0, np.ones_like, np.ones_like)
        return trace

    default = consolidated()
    with using(ParameterSet({"protocols.memory.tau_labile": 2.0})):
        shorter = consolidated()
    a, lam = 1 / 2.0 + memory.K_CONSOLIDATE(), 1 / memory.TAU_FORGET["fear"]()
    np.testing.assert_allclose(shorter.labile, 0.5 * np.exp(-a * 10), rtol=1e-10)
    np.testing.assert_allclose(shorter.stable, memory.K_CONSOLIDATE() * 0.5 * (np.exp(-lam * 10) - np.exp(-a * 10))
                               / (a - lam), rtol=1e-10)
    assert shorter.stable.mean() < default.stable.mean()  # less time to consolidate before the trace decays
    np.testing.assert_array_equal(consolidated().stable, default.stable)


def test_forced_swim_overrides_move_the_logistic_readout():
    drive = np.array([-0.2, 0.0, 0.1])
    default = forced_swim.immobility(drive)
    with using(ParameterSet({"protocols.fst.immobility_baseline": 0.5, "protocols.fst.gain": 3.0})):
        assert forced_swim.immobility(0.0) == pytest.approx(0.5, abs=1e-15)
        np.testing.assert_allclose(forced_swim.immobility(drive), 1 / (1 + np.exp(3.0 * drive)), rtol=1e-12)
        assert forced_swim.coping_drive(1.0, 1.5) == pytest.approx(forced_swim.W_ACUTE() * np.log(1.5))
    np.testing.assert_array_equal(forced_swim.immobility(drive), default)


def test_clinical_overrides_move_anxiolysis_and_the_score():
    default_ec50 = clinical.midazolam_ec50_uM()  # 68 ng/mL in µM
    with using(ParameterSet({"clinical.midazolam.anxiolysis_ec50": 34.0, "clinical.score.weight_fear": 1.0})):
        ec50 = clinical.midazolam_ec50_uM()
        assert ec50 == default_ec50 / 2  # halving commutes with rounding
        assert clinical.midazolam_anxiolysis(ec50) == pytest.approx(0.5, rel=1e-15)
        score = clinical.symptom_score(np.array(0.4), np.array(0.2))
    assert score == pytest.approx(100 * (1.0 * 0.4 + 0.35 * 0.2), rel=1e-12)
    assert clinical.symptom_score(np.array(0.4), np.array(0.2)) == pytest.approx(100 * (0.65 * 0.4 + 0.35 * 0.2))
    with using(ParameterSet({"clinical.score.full_scale_deficit": 0.08})):
        assert clinical.start_state("chronic_ptsd", 3).pfc_deficit <= 0.08
    assert clinical.start_state("chronic_ptsd", 3) == clinical.start_state("chronic_ptsd", 3)
