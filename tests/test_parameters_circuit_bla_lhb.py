"""Run-time overrides of the BLA fear circuit's and the lateral habenula's parameters."""

from __future__ import annotations

import numpy as np
import pytest

from ketasim.circuit.bla import BLAConfig, BLANetwork, Modulators, Trial, freezing_from_rate
from ketasim.circuit.lhb import LHbCondition, LHbConfig, burst_spikes, simulate_lhb
from ketasim.parameters import ParameterSet, using
from ketasim.plasticity.equations import learning_rule


def hill(r, r50, n=2.0):
    return r**n / (r**n + r50**n)


def test_freezing_half_rate_override_follows_the_hill_formula():
    rates = np.array([0.0, 1.0, 3.5, 7.0, 14.0, 30.0])
    default = freezing_from_rate(rates)
    assert np.array_equal(default, hill(rates, 4.25))
    with using(ParameterSet({"circuit.bla.freezing_half_rate": 8.5})):  # the ends of its range
        slower = freezing_from_rate(rates)
    with using(ParameterSet({"circuit.bla.freezing_half_rate": 2.125})):
        faster = freezing_from_rate(rates)
    assert np.array_equal(slower, hill(rates, 8.5))
    assert np.array_equal(faster, hill(rates, 2.125))
    assert slower[3] == pytest.approx(49 / 121.25) and faster[3] == pytest.approx(49 / 53.515625)  # 7 Hz
    assert np.all(slower[1:] < default[1:]) and np.all(faster[1:] > default[1:])
    assert np.array_equal(freezing_from_rate(rates), default)  # the override ended with its block


def test_cs_overlap_default_is_read_from_the_active_set():
    assert BLAConfig().cs_overlap == BLAConfig.quick().cs_overlap == 0.55
    with using(ParameterSet({"circuit.bla.cs_overlap": 0.8})):
        assert BLAConfig().cs_overlap == BLAConfig.quick().cs_overlap == 0.8
        assert BLAConfig(cs_overlap=0.2).cs_overlap == 0.2  # an explicit value wins
    assert BLAConfig().cs_overlap == 0.55


def test_bla_network_scores_freezing_with_the_active_half_rate():
    # The half-rate enters only the readout: the network's trial is scored with the overridden formula.
    with using(ParameterSet({"circuit.bla.freezing_half_rate": 3.5})):
        network = BLANetwork(BLAConfig.quick(), learning_rule(), seed=0)
        weights = network.weights()
        weights["cs_fear"][:] = 1.0  # a conditioned CS: a naive one does not raise the fear cells' rate
        network.set_weights(weights)
        (readout,) = network.run_trials([Trial("plus")], Modulators(), learn=False)
    delta = readout.fear_rate_cs - readout.fear_rate_pre
    assert delta > 0
    assert readout.freezing == hill(max(delta, 0.0), 3.5)
    assert readout.freezing > hill(delta, 4.25)  # the default half-rate


def test_burst_detector_reads_its_thresholds_at_run_time():
    spikes = np.array([0.100, 0.130, 0.160, 0.400])  # s: ISIs of 30 ms after silence
    assert not burst_spikes(spikes).any()  # default isi_max 20 ms
    with using(ParameterSet({"lhb.burst.isi_max": 40.0})):
        assert burst_spikes(spikes).tolist() == [True, True, True, False]
    assert not burst_spikes(spikes).any()


@pytest.fixture(scope="module")
def lhb_default():
    # The overrides below run the compiled binary that reads its constants per run; the references run that
    # binary too (at the registry's values), so each comparison is between runs of one binary, exact in
    # floating point (the binary with the constants compiled in folds them in another order).
    import ketasim.circuit.engine as engines
    from ketasim.circuit.lhb_compiled import compiled_lhb

    conditions = [LHbCondition(), LHbCondition(nmda_scale=0.5), LHbCondition(t_channel_scale=0.0)]
    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(engines, "compiled_lhb", lambda config: compiled_lhb(config, per_run=True))
        return simulate_lhb(conditions, LHbConfig(n_cells=20, duration_s=1.5), seed=0)


def same_firing(a, b) -> bool:
    return (a.burst_fraction == b.burst_fraction and a.rate_hz == b.rate_hz
            and all(np.array_equal(x, y) for x, y in zip(a.spike_trains, b.spike_trains, strict=True))
            and np.array_equal(a.example_v_mV, b.example_v_mV))


def test_halving_lhb_nmda_weight_equals_halving_nmda_availability(lhb_default):
    # s_nmda is linear in w_NMDA and I_NMDA = nmda_avail * s_nmda * B(v): w_NMDA / 2 is exactly nmda_scale 0.5
    # (a factor of 2 is exact in floating point), and fewer cells burst.
    intact, half_nmda, _ = lhb_default
    with using(ParameterSet({"lhb.w_NMDA": 0.75})):
        (weak,) = simulate_lhb([LHbCondition()], LHbConfig(n_cells=20, duration_s=1.5), seed=0)
    assert same_firing(weak, half_nmda)
    assert weak.burst_fraction < intact.burst_fraction


def test_removing_the_lhb_t_conductance_equals_blocking_t_channels(lhb_default):
    intact, _, no_t_channels = lhb_default
    with using(ParameterSet({"lhb.g_T": 0.0})):
        (no_g_t,) = simulate_lhb([LHbCondition()], LHbConfig(n_cells=20, duration_s=1.5), seed=0)
    assert same_firing(no_g_t, no_t_channels)
    assert intact.burst_fraction > 0.1 and no_g_t.burst_fraction < 0.1 * intact.burst_fraction


def test_an_unsignalled_shock_fills_the_stimulus_window_and_a_context_alone_carries_the_omission():
    from ketasim.circuit.bla import BIN_S, FIBRE_CLASSES, session_schedule

    config = BLAConfig.quick()
    trials = [Trial("plus", 1.0), Trial(None, 1.0), Trial(None, 0.0), Trial("plus", 0.0, "B")]
    s = session_schedule(trials, config, Modulators(context_strength=1.5), bins=4096)
    per_trial = int(round((config.iti_s + config.cs_duration_s) / BIN_S))
    us = [(s["us_rate"][k * per_trial:(k + 1) * per_trial] > 0).sum() * BIN_S for k in range(4)]
    assert us == pytest.approx([config.us_duration_s, config.unsignalled_us_s, 0.0, 0.0])
    assert np.array_equal(s["ne"] > 0, s["us_rate"] > 0)
    omitted = [s["omission"][k * per_trial:(k + 1) * per_trial].sum() * BIN_S for k in range(4)]
    assert omitted == pytest.approx([0.0, 0.0, 0.05 * config.cs_duration_s, 0.05 * config.cs_duration_s])
    n_iti = int(round(config.iti_s / BIN_S))
    context_alone = s["omission"][2 * per_trial:3 * per_trial]
    assert not context_alone[:n_iti].any() and context_alone[n_iti:].all()  # where a shock would fall
    assert np.array_equal(s["ne"][per_trial + n_iti:2 * per_trial] > 0, np.ones(per_trial - n_iti, bool))
    # The context's fibres fire at circuit.bla.context_rate scaled by hippocampal strength, the other context's at base.
    a, b = FIBRE_CLASSES.index("context_A"), FIBRE_CLASSES.index("context_B")
    assert s["aff_profile"][0, a] == pytest.approx(10.0 * 1.5) and s["aff_profile"][0, b] == pytest.approx(1.0)
    assert s["aff_profile"][3 * per_trial, b] == pytest.approx(10.0 * 1.5)
