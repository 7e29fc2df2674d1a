"""Lateral habenula: NMDAR-dependent bursting, blocked by ketamine and APV."""

from __future__ import annotations

import numpy as np
import pytest

from ketasim.circuit.lhb import LHbCondition, LHbConfig, burst_spikes, simulate_lhb
from ketasim.config import ConfigError, validate_scenario
from ketasim.pharmacology.pd import apv_occupancy
from ketasim.scenario import simulate
from ketasim.settings import overridden
from tests.scenarios import pyramidal_block


def test_burst_detection_needs_short_isis_after_silence():
    spikes = np.array([0.100, 0.104, 0.109, 0.400, 0.600, 0.610])  # s
    assert burst_spikes(spikes).tolist() == [True, True, True, False, True, True]
    tonic = np.arange(0.0, 1.0, 0.05)  # 20 Hz: ISIs of 50 ms
    assert not burst_spikes(tonic).any()
    assert burst_spikes(np.array([0.0, 0.030, 0.040])).tolist() == [False, False, False]


@pytest.fixture(scope="module")
def lhb():
    conditions = [LHbCondition()] + [LHbCondition(nmda_block=pyramidal_block(c)) for c in (1.0, 3.0, 10.0)] + [
        LHbCondition(apv_occupancy=float(apv_occupancy(50.0))), LHbCondition(t_channel_scale=0.0)
    ]
    return simulate_lhb(conditions, LHbConfig.quick(), seed=0)


def test_drug_free_lhb_bursts(lhb):
    assert lhb[0].burst_fraction > 0.1
    assert 0.5 < lhb[0].rate_hz < 30.0


def test_ketamine_at_subanaesthetic_concentrations_lowers_bursting(lhb):
    fractions = [r.burst_fraction for r in lhb[:4]]
    assert np.all(np.diff(fractions) < 0), fractions


def test_apv_blocks_bursting(lhb):
    assert lhb[4].burst_fraction < 0.3 * lhb[0].burst_fraction


def test_detected_bursts_are_t_channel_bursts(lhb):
    # Yang et al. 2018 Nature 554:317: T-type channel block abolishes LHb bursts, so the ISI/silence
    # detector must not be counting NMDA-driven doublets: without g_T there are (almost) none.
    drug_free, no_t = lhb[0], lhb[5]
    assert drug_free.burst_fraction > 0.1
    assert no_t.burst_fraction < 0.1 * drug_free.burst_fraction
    assert no_t.bursting_cells < 0.1


def test_lhb_scenario_with_ip_ketamine():
    config = validate_scenario({
        "species": "mouse", "duration": "3 h",
        "dosing": [{"drug": "ketamine", "dose": "10 mg/kg", "route": "ip", "at": "0 h"}],
        "protocol": [{"event": "lhb_recording", "at": "15 min", "duration": "3 s"}],
    })
    metrics = simulate(config, quick=True).metrics
    assert metrics["lhb_nmdar_block"] > 0.05
    assert metrics["lhb_burst_fraction"] < metrics["lhb_burst_fraction_drug_free"]


def test_lhb_event_fields_are_validated():
    with pytest.raises(ConfigError) as err:
        validate_scenario({"protocol": [{"event": "lhb_recording", "at": "1 h", "duration": "5 h"}]})
    assert err.value.key == "protocol.0.duration"


def test_lhb_engines_fire_the_same_spikes():
    # The compiled engine runs one copy per condition (a repeated one from its memo); the runtime engine
    # runs all conditions as copies of one network. Copies are unconnected, so the readouts agree.
    conditions = [LHbCondition(), LHbCondition(nmda_block=0.6), LHbCondition()]
    with overridden(engine="compiled"):
        compiled = simulate_lhb(conditions, LHbConfig.quick(), seed=2)
    with overridden(engine="runtime"):
        runtime = simulate_lhb(conditions, LHbConfig.quick(), seed=2)
    for c, r in zip(compiled, runtime, strict=True):
        assert (c.burst_fraction, c.rate_hz, c.bursting_cells) == (r.burst_fraction, r.rate_hz, r.bursting_cells)
        assert [t.size for t in c.spike_trains] == [t.size for t in r.spike_trains]
        # Spike times may differ by a step or two where C++ and Cython round an exponential differently.
        for tc, tr in zip(c.spike_trains, r.spike_trains, strict=True):
            np.testing.assert_allclose(tc, tr, rtol=0, atol=2.5 * LHbConfig.quick().dt_ms * 1e-3)
        np.testing.assert_allclose(c.example_v_mV, r.example_v_mV, rtol=0, atol=1e-6)
    assert compiled[0].burst_fraction == compiled[2].burst_fraction


def test_other_lhb_constants_run_one_binary_that_reads_them_per_run(monkeypatch):
    import ketasim.circuit.engine as engines
    from ketasim.circuit.lhb_compiled import compiled_lhb
    from ketasim.parameters import ParameterSet, using

    config, conditions = LHbConfig.quick(), [LHbCondition()]
    with overridden(engine="compiled"):
        literal = simulate_lhb(conditions, config, seed=2)
        monkeypatch.setattr(engines, "compiled_lhb", lambda c: compiled_lhb(c, per_run=True))
        per_run = simulate_lhb(conditions, config, seed=2)  # the registry's values, read per run
        monkeypatch.undo()
        assert [t.tolist() for t in per_run[0].spike_trains] == [t.tolist() for t in literal[0].spike_trains]
        runs = {}
        for rate in (2.0, 6.0):  # Hz, barrages per second; neither is the registry's (3 Hz)
            with using(ParameterSet({"lhb.barrage_rate": rate})):
                runs[rate] = (compiled_lhb(config), simulate_lhb(conditions, config, seed=2)[0].rate_hz)
    assert not compiled_lhb(config).constants  # the registry's values: constants compiled in
    assert runs[2.0][0].binary is runs[6.0][0].binary and runs[2.0][0].constants
    assert runs[2.0][1] < runs[6.0][1]  # more barrages, more spikes
