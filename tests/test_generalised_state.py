"""The generalised state conditioning leaves in IL, its TrkB-driven reversal, and the CS− safety signal."""

from __future__ import annotations

import numpy as np
import pytest

from ketasim.circuit.bla import (
    RATE_IL,
    BLAConfig,
    Modulators,
    Trial,
    schedule_bins,
    session_schedule,
)
from ketasim.protocols.generalisation import (
    REVERSAL_RATE,
    SAFETY_GAIN,
    TAU_FORM_H,
    TRKB_THRESHOLD,
    generalised_state,
    safety_signal,
)

TIME = np.linspace(0.0, 96.0, 97)
# E06's protocol: five pairings in A, CS+ and CS- tested in a novel context B 46 h later.
PROTOCOL = [{"event": "conditioning", "at": "0 h", "trials": 5},
            {"event": "test", "at": "46 h", "cues": ["plus", "minus"], "trials": 8, "context": "B"}]


def saline(t: np.ndarray) -> np.ndarray:
    return np.ones_like(np.asarray(t, dtype=float))


def pulse(start_h: float, length_h: float, level: float):
    """Released BDNF at ``level`` from ``start_h`` for ``length_h``, 1 (drug-free) otherwise."""
    def bdnf(t: np.ndarray) -> np.ndarray:
        t = np.asarray(t, dtype=float)
        return np.where((t >= start_h) & (t < start_h + length_h), level, 1.0)
    return bdnf


def test_no_conditioning_no_state():
    state = generalised_state(TIME, None, pulse(10, 1, 3.0))
    assert not state.state.any() and not state.formed.any()


def test_the_state_forms_with_its_time_constant_and_drug_free_bdnf_reverses_nothing():
    state = generalised_state(TIME, 2.0, saline)
    expected = np.where(TIME >= 2.0, 1.0 - np.exp(-(TIME - 2.0) / TAU_FORM_H()), 0.0)
    np.testing.assert_allclose(state.formed, expected, atol=1e-12)
    np.testing.assert_allclose(state.state, expected, atol=1e-12)


def test_reversal_follows_its_closed_form_once_the_state_has_formed():
    """Long after conditioning F = 1, so R = 1 - exp(-k (B - theta) t) over a constant pulse."""
    level, start, length = TRKB_THRESHOLD() + 0.2, 60.0, 0.5
    state = generalised_state(TIME, 0.0, pulse(start, length, level), step_h=1 / 600)
    formed_at_end = 1.0 - np.exp(-(start + length) / TAU_FORM_H())
    reversed_fraction = 1.0 - np.exp(-REVERSAL_RATE() * 0.2 * length)
    after = TIME > start + length
    assert state.at(start + length + 1) == pytest.approx(formed_at_end * (1 - reversed_fraction), abs=2e-3)
    # The reversal lasts: the state does not re-form without new conditioning.
    assert np.ptp(state.state[after]) < 1e-3


def test_bdnf_below_the_threshold_reverses_nothing():
    state = generalised_state(TIME, 0.0, pulse(30.0, 2.0, TRKB_THRESHOLD() - 0.01))
    np.testing.assert_allclose(state.state, generalised_state(TIME, 0.0, saline).state, atol=1e-12)


def test_a_pulse_before_conditioning_meets_nothing_and_one_at_conditioning_little():
    reference = generalised_state(TIME, 24.0, saline).state
    before = generalised_state(TIME, 24.0, pulse(20.0, 1.0, 3.0)).state
    np.testing.assert_allclose(before, reference, atol=1e-12)
    at_once = generalised_state(TIME, 24.0, pulse(24.0, 1.0, 3.0)).state
    a_day_later = generalised_state(TIME, 24.0, pulse(46.0, 1.0, 3.0)).state
    assert at_once[-1] > 0.85 and a_day_later[-1] < 0.1


def test_the_il_trkb_switch_blocks_the_reversal():
    blocked = generalised_state(TIME, 0.0, pulse(30.0, 1.0, 3.0), il_trkb=0.0).state
    np.testing.assert_allclose(blocked, generalised_state(TIME, 0.0, saline).state, atol=1e-12)


def test_the_safety_signal_is_full_without_the_state_and_none_with_it():
    assert safety_signal(1.0) == 0.0
    assert safety_signal(0.0) == pytest.approx(SAFETY_GAIN())
    assert safety_signal(0.25) == pytest.approx(0.75 * SAFETY_GAIN())
    # IL GluN2B carries the state: without it the state is not expressed; more of it expresses no more.
    assert safety_signal(1.0, glun2b=0.0) == pytest.approx(SAFETY_GAIN())
    assert safety_signal(1.0, glun2b=0.5) == pytest.approx(0.5 * SAFETY_GAIN())
    assert safety_signal(1.0, glun2b=2.0) == 0.0


def test_the_safety_signal_raises_the_infralimbic_rate_during_the_cs_minus_only():
    config = BLAConfig.quick()
    trials = [Trial("plus"), Trial("minus"), Trial(None)]
    _, bins = schedule_bins(len(trials), config)
    plain = session_schedule(trials, config, Modulators(), bins)["il_profile"]
    assert np.all(plain == RATE_IL())
    raised = session_schedule(trials, config, Modulators(safety=0.5), bins)["il_profile"]
    per_trial = int(round((config.iti_s + config.cs_duration_s) / 0.01))
    cs = slice(per_trial + int(round(config.iti_s / 0.01)), 2 * per_trial)
    assert np.all(raised[cs] == pytest.approx(1.5 * RATE_IL()))
    outside = np.ones(bins, bool)
    outside[cs] = False
    assert np.all(raised[outside] == RATE_IL())


def test_ketamine_a_day_after_conditioning_lowers_generalisation_through_il_trkb(run_quick):
    """Direction, on paired seeds: 30 mg/kg 22 h after conditioning lowers CS- freezing relative to CS+,
    and blocking IL TrkB removes the route's part of it (CS+ freezing is the same either way)."""
    dose = [{"drug": "ketamine", "dose": "30 mg/kg", "route": "ip", "at": "22 h"}]
    intact, blocked = [], []
    for seed in (0, 1):
        base = {"species": "mouse", "seed": seed, "protocol": PROTOCOL, "dosing": dose}
        intact.append(run_quick(base).metrics)
        blocked.append(run_quick({**base, "mechanisms": {"il_trkb": 0.0}}).metrics)
    for a, b in zip(intact, blocked, strict=True):
        assert a["freezing_cs_plus"] == pytest.approx(b["freezing_cs_plus"])
        assert a["generalization_index"] < b["generalization_index"] - 0.05


def test_less_il_glun2b_lowers_generalisation_without_ketamine(run_quick):
    """Held out (Asim et al. 2020: ifenprodil into IL lowers generalisation): the state GluN2B carries is expressed
    less, so CS- freezing falls relative to CS+, which is unchanged (BLA acquisition does not read this)."""
    for seed in (0, 1):
        base = {"species": "mouse", "seed": seed, "protocol": PROTOCOL}
        intact = run_quick(base).metrics
        less = run_quick({**base, "mechanisms": {"glun2b": 0.5}}).metrics
        assert less["freezing_cs_plus"] == pytest.approx(intact["freezing_cs_plus"])
        assert less["generalization_index"] < intact["generalization_index"] - 0.1
