"""Run-time overrides of the plasticity layer's parameters reach the slice model, as its equations predict."""

from __future__ import annotations

import numpy as np
import pytest

from ketasim.parameters import ParameterSet, using
from ketasim.plasticity import equations
from ketasim.plasticity import params as p
from ketasim.plasticity.slice import (
    Induction,
    SliceCondition,
    release_fractions,
    response_time_course,
    simulate_induction,
    simulate_paired_pulses,
)


def _set(**values: float) -> ParameterSet:
    return ParameterSet({f"plasticity.{k}": v for k, v in values.items()})


def test_params_are_run_time_references_and_no_override_is_the_default():
    assert callable(p.LTP_RATE) and p.LTP_RATE() == p.LTP_RATE.default == 0.4
    with pytest.raises(TypeError):
        p.LTP_RATE * 2.0  # noqa: B018  (a missed call site must fail, not freeze the default)
    default = equations.namespace()
    with using(ParameterSet()):
        assert equations.namespace() == default
    with using(_set(**{"ltp.rate": 0.8, "cck.release_half_calcium": 0.08})):
        overridden = equations.namespace()
    assert overridden["ltp_rate"] == 2 * default["ltp_rate"]
    assert overridden["cck_ca_half"] == 0.08 and default["cck_ca_half"] == 0.05
    assert equations.namespace() == default  # the override ended with its block


def test_expression_time_course_follows_the_closed_form_with_overridden_constants():
    t = np.array([-5.0, 0.0, 10.0, 60.0, 180.0])
    early = 0.4
    default = response_time_course(early, t)
    with using(ParameterSet()):
        np.testing.assert_array_equal(response_time_course(early, t), default)
    tau_early, tau_cons, theta = 45.0, 60.0, 0.5
    with using(_set(**{"ltp.early_decay_tau": tau_early, "ltp.consolidation_tau": tau_cons,
                       "ltp.consolidation_threshold": theta})):
        got = response_time_course(early, t)
    h = early**2 / (early**2 + theta**2)
    rate = 1 / tau_early + h / tau_cons
    after = np.clip(t, 0, None)
    expected = 1 + early * np.exp(-rate * after) + early * (h / tau_cons) / rate * (1 - np.exp(-rate * after))
    np.testing.assert_allclose(got, np.where(t >= 0, expected, 1.0), rtol=1e-12)
    # A faster E-LTP decay and a weaker consolidation trigger both leave less LTP at 60 min.
    assert got[3] < default[3]


def test_ppf_presynaptic_release_follows_tau_facilitation_and_ignores_postsynaptic_overrides():
    conditions, intervals, seed = [SliceCondition()], [50.0], 0
    ratios, traces = simulate_paired_pulses(conditions, intervals, seed=seed)
    with using(ParameterSet()):
        same, same_traces = simulate_paired_pulses(conditions, intervals, seed=seed)
    np.testing.assert_array_equal(same, ratios)
    np.testing.assert_array_equal(same_traces["epsp_mV"], traces["epsp_mV"])
    # Postsynaptic plasticity constants play no part in a paired-pulse measure (weights are fixed): identical.
    with using(_set(**{"ltp.rate": 0.8, "cckb.kd_cck8s": 3.0})):
        plastic_ratios, _ = simulate_paired_pulses(conditions, intervals, seed=seed)
    np.testing.assert_array_equal(plastic_ratios, ratios)
    # A postsynaptic conductance changes the EPSPs but not release: the presynaptic ratio is unchanged.
    with using(_set(g_NMDA_per_synapse=6.0)):
        _, nmda_traces = simulate_paired_pulses(conditions, intervals, seed=seed)
    assert nmda_traces["first_epsp_mV"][0] > traces["first_epsp_mV"][0]
    np.testing.assert_allclose(nmda_traces["release_ratio"], traces["release_ratio"], rtol=1e-12)
    # Slower facilitation decay: the Tsodyks-Markram release ratio of each synapse, summed in closed form.
    tau_f, tau_d, dt = 800.0, p.STP_TAU_D_MS(), 50.0
    with using(_set(**{"stp.tau_facilitation": tau_f})):
        _, slow_traces = simulate_paired_pulses(conditions, intervals, seed=seed)
    u = release_fractions(np.random.default_rng(seed), int(p.N_SYNAPSES()))
    u1 = u * np.exp(-dt / tau_f)
    second = (u1 + u * (1 - u1)) * (1 - u * np.exp(-dt / tau_d))
    assert slow_traces["release_ratio"][0, 0] == pytest.approx(second.sum() / u.sum(), rel=1e-6)
    assert slow_traces["release_ratio"][0, 0] > traces["release_ratio"][0, 0]


def test_cckb_half_activation_sets_the_gate_and_scales_cck8s_induced_ltp():
    # No endogenous CCK, 1 nM bath CCK-8s: the gate is C / (C + Kd) throughout, and low-frequency
    # activity potentiates in proportion to it (dw/dt = rate * gate * elig * (w_max - w)).
    condition = [SliceCondition(cck=0.0, cck8s_uM=0.001)]
    pulses = Induction(kind="lfs", pulses=10, frequency_hz=20.0)
    default = simulate_induction(condition, pulses)[0]
    with using(_set(**{"cckb.kd_cck8s": 2.0})):
        weaker = simulate_induction(condition, pulses)[0]
    assert default.peak_gate == pytest.approx(1.0 / (1.0 + 1.0), rel=1e-12)
    assert weaker.peak_gate == pytest.approx(1.0 / (1.0 + 2.0), rel=1e-12)
    assert default.early_potentiation > 0.01
    # Per synapse, (w_max - w) / (w_max - 1) = exp(-gate * rate * integral of elig) with w_max - 1 = ltp.max_early
    # = 1: a gate 2/3 as large turns a synapse's potentiation e into 1 - (1 - e)^(2/3). That map is convex, so
    # the U-weighted mean over the heterogeneous synapses is at least its value at the mean (Jensen), and close
    # to it as the synapses' potentiation differs little.
    expected = 1.0 - (1.0 - default.early_potentiation) ** (2.0 / 3.0)
    assert expected <= weaker.early_potentiation <= 1.01 * expected


def test_cck_release_half_calcium_moves_hfs_ltp_in_the_predicted_direction():
    condition = [SliceCondition()]
    hfs = Induction(kind="hfs", pulses=50, frequency_hz=100.0)
    default = simulate_induction(condition, hfs)[0]
    with using(_set(**{"cck.release_half_calcium": 0.1})):  # release needs twice the Ca2+: less CCK, less LTP
        harder = simulate_induction(condition, hfs)[0]
    assert 0 < harder.cck_released_nM < default.cck_released_nM
    assert harder.early_potentiation < default.early_potentiation
    # Release is a Hill function of Ca2+ (coefficient 4): doubling its half-activation cuts it far more than 2x.
    assert harder.cck_released_nM < 0.5 * default.cck_released_nM
    # The Ca2+ signal itself is upstream of release (it sees CCK only through the weights' AMPA feedback).
    assert harder.peak_calcium == pytest.approx(default.peak_calcium, rel=0.05)
