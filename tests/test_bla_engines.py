"""The BLA circuit's two engines (runtime, compiled binary) and its size scaling."""

from __future__ import annotations

import numpy as np
import pytest

from ketasim.circuit.bla import (
    REFERENCE_CELLS,
    BLAConfig,
    BLANetwork,
    Layout,
    Modulators,
    Trial,
    schedule_bins,
)
from ketasim.circuit.bla_compiled import compiled_bla
from ketasim.circuit.standalone import clear_memos
from ketasim.plasticity.equations import learning_rule
from ketasim.settings import overridden

CONDITION = [Trial("plus", 1.0, "A")] * 3
PROBE = [Trial("plus")] * 2 + [Trial("minus")] * 2 + [Trial(None, context="B")]


def _protocol(engine: str, seed: int) -> tuple[list, dict]:
    """Conditioning, then a probe at half the NMDARs and twice the IL strength (every modulator path used)."""
    with overridden(engine=engine):
        network = BLANetwork(BLAConfig.quick(), learning_rule(), seed=seed)
        first = network.run_trials(CONDITION, Modulators())
        second = network.run_trials(PROBE, Modulators(nmda_gain=0.5, il_strength=2.0, bla_strength=1.2,
                                                      context_strength=0.8), learn=False)
        return first + second, network.weights()


@pytest.fixture(scope="module")
def both_engines():
    return {engine: _protocol(engine, seed=4) for engine in ("compiled", "runtime")}


def test_engines_fire_the_same_spikes_and_learn_the_same_weights(both_engines):
    (compiled, w_compiled), (runtime, w_runtime) = both_engines["compiled"], both_engines["runtime"]
    rates = [(r.fear_rate_pre, r.fear_rate_cs, r.ext_rate_cs) for r in compiled]
    assert rates == [(r.fear_rate_pre, r.fear_rate_cs, r.ext_rate_cs) for r in runtime]  # spike counts: exact
    assert [r.freezing for r in compiled] == [r.freezing for r in runtime]
    # Weights integrate floating-point ODEs whose operations C++ and Cython order differently.
    for pathway in w_compiled:
        np.testing.assert_allclose(w_compiled[pathway], w_runtime[pathway], rtol=0, atol=1e-12)
    assert w_compiled["cs_fear"].mean() > w_compiled["cs_ext"].mean()  # conditioning potentiated fear synapses


def test_a_compiled_session_does_not_depend_on_what_ran_before():
    alone, _ = _protocol("compiled", seed=7)
    _protocol("compiled", seed=8)  # another network's wiring passes through the shared binary
    clear_memos()  # run the binary again instead of answering from the memo
    again, _ = _protocol("compiled", seed=7)
    assert [r.fear_rate_cs for r in alone] == [r.fear_rate_cs for r in again]


def test_a_repeated_session_is_answered_from_the_memo_with_the_same_readouts():
    with overridden(engine="compiled"):
        first = BLANetwork(BLAConfig.quick(), learning_rule(), seed=9)
        rule = learning_rule()
        binary = compiled_bla(first.config, rule, schedule_bins(len(CONDITION), first.config)[1]).binary
        runs = binary.timers["runs"]
        a = first.run_trials(CONDITION, Modulators())
        b = BLANetwork(BLAConfig.quick(), rule, seed=9).run_trials(CONDITION, Modulators())  # same inputs
        c = BLANetwork(BLAConfig.quick(), rule, seed=9).run_trials(CONDITION, Modulators(nmda_gain=0.5))
    assert binary.timers["runs"] == runs + 2  # the second network's session was not run again
    assert [r.fear_rate_cs for r in a] == [r.fear_rate_cs for r in b]
    assert [r.fear_rate_cs for r in a] != [r.fear_rate_cs for r in c]


def test_the_binary_that_reads_its_constants_per_run_fires_the_same_spikes_as_the_compiled_in_one(monkeypatch):
    import ketasim.circuit.engine as engines

    literal, _ = _protocol("compiled", seed=4)
    monkeypatch.setattr(engines, "compiled_bla", lambda *args: compiled_bla(*args, per_run=True))
    per_run, w_per_run = _protocol("compiled", seed=4)
    assert engines.compiled_bla(BLAConfig.quick(), learning_rule(), 4096).constants  # it ran the per-run binary
    assert [(r.fear_rate_pre, r.fear_rate_cs, r.ext_rate_cs) for r in per_run] == [
        (r.fear_rate_pre, r.fear_rate_cs, r.ext_rate_cs) for r in literal]
    assert [r.freezing for r in per_run] == [r.freezing for r in literal]


def test_other_values_of_compiled_in_constants_share_one_binary_and_change_the_run():
    from ketasim.parameters import ParameterSet, using

    config, bins = BLAConfig.quick(), schedule_bins(len(CONDITION), BLAConfig.quick())[1]
    runs = {}
    for g_us in (3.0, 2.4, 3.6):  # nS; 3.0 is the registry's value
        with using(ParameterSet({"circuit.bla.g_us": g_us})), overridden(engine="compiled"):
            engine = compiled_bla(config, learning_rule(), bins)
            network = BLANetwork(config, learning_rule(), seed=3)
            network.run_trials(CONDITION, Modulators())
            runs[g_us] = (engine, network.weights()["cs_fear"].mean())
    assert not runs[3.0][0].constants  # the registry's values: constants compiled in
    assert runs[2.4][0].binary is runs[3.6][0].binary  # one binary for every other value
    assert runs[2.4][0].constants["us_fear.g"] != runs[3.6][0].constants["us_fear.g"]
    learned = {g: w for g, (_, w) in runs.items()}
    assert learned[2.4] < learned[3.0] < learned[3.6]  # a stronger footshock synapse: more depolarisation, more LTP


def test_sessions_start_from_rest_with_fresh_input():
    with overridden(engine="compiled"):
        network = BLANetwork(BLAConfig.quick(), learning_rule(), seed=1)
        a = network.run_trials(PROBE, Modulators(), learn=False)
        b = network.run_trials(PROBE, Modulators(), learn=False)
    assert [r.fear_rate_cs for r in a] != [r.fear_rate_cs for r in b]  # new input streams each session
    assert abs(np.mean([r.fear_rate_cs for r in a]) - np.mean([r.fear_rate_cs for r in b])) < 2.0  # same state


def test_populations_scale_with_size_and_in_degrees_do_not():
    small, large = BLAConfig(principal_cells=REFERENCE_CELLS), BLAConfig(principal_cells=4 * REFERENCE_CELLS)
    a, b = Layout.of(small), Layout.of(large)
    assert a.in_degrees() == b.in_degrees()
    assert (b.n_fear, b.n_inh, b.n_itc, b.n_cs, b.n_us) == (4 * a.n_fear, 4 * a.n_inh, 4 * a.n_itc, 4 * a.n_cs, 4 * a.n_us)
    assert b.n_shared == pytest.approx(4 * a.n_shared, abs=2)
    assert BLAConfig.quick().principal_cells == REFERENCE_CELLS


def test_each_plastic_synapse_carries_one_cs_or_one_context():
    network = BLANetwork(BLAConfig.quick(), learning_rule(), seed=2)
    for pathway in ("cs_fear", "ctx_fear", "cs_ext", "ctx_ext"):
        cs = network.cs_fibres(pathway, "plus") | network.cs_fibres(pathway, "minus")
        a, b = network.context_fibres(pathway, "A"), network.context_fibres(pathway, "B")
        assert not (a & b).any() and not ((a | b) & cs).any()
        assert ((a | b) if pathway.startswith("ctx") else cs).all()
        if pathway.startswith("ctx"):  # both contexts reach every cell type
            assert 0.3 < a.mean() < 0.7


@pytest.mark.parametrize("cells", [60, 119, 150.5])
def test_a_network_too_small_for_its_in_degrees_is_refused(cells):
    with pytest.raises(ValueError, match=f"allowed: a whole number >= {REFERENCE_CELLS}"):
        BLAConfig(principal_cells=cells)


def test_schedules_are_padded_to_shared_lengths():
    config = BLAConfig.quick()
    assert schedule_bins(5, config) == (750, 4096)
    assert schedule_bins(40, config)[1] == 8192


def test_network_size_is_a_config_key_with_a_floor():
    from ketasim.config import ConfigError, validate_scenario

    assert validate_scenario({"fear": {"principal_cells": 240}}).fear.principal_cells == 240
    assert validate_scenario({}).fear.principal_cells is None  # the profile's size
    with pytest.raises(ConfigError, match="fear.principal_cells"):
        validate_scenario({"fear": {"principal_cells": 100}})


def test_the_full_profile_size_setting_is_checked(monkeypatch):
    from ketasim.circuit.bla import FULL_CELLS, QUICK_CELLS, profile_cells
    from ketasim.settings import Settings

    assert (profile_cells(True), profile_cells(False)) == (QUICK_CELLS, FULL_CELLS)
    with overridden(bla_cells=960):
        assert (profile_cells(True), profile_cells(False)) == (QUICK_CELLS, 960)
    monkeypatch.setenv("KETASIM_BLA_CELLS", "60")
    with pytest.raises(ValueError, match="KETASIM_BLA_CELLS='60': allowed: a whole number >= 120"):
        Settings.from_environment()


def test_only_the_structural_parameters_and_exponents_change_the_binary_that_reads_constants_per_run():
    from ketasim.circuit.bla import signature, structural
    from ketasim.circuit.engine import compiled_in
    from ketasim.parameters import ParameterSet, registry, using

    config, bins = BLAConfig.quick(), 4096
    base = signature(config, learning_rule(), bins, values=False)
    checked = 0
    for p in registry():
        if not (p.key.startswith("circuit.bla.") or p.key.startswith("plasticity.")):
            continue
        low, high = p.bounds
        other = next((v for v in (round(p.value * 1.5), p.value * 1.5, p.value * 0.5, high) if np.isfinite(v)
                      and v not in (0, p.value) and low <= v <= high), None)
        if other is None or p.key == "circuit.bla.cs_overlap":  # a config key (BLAConfig), not a constant
            continue
        with using(ParameterSet({p.key: other})):
            changed = signature(config, learning_rule(), bins, values=False) != base
        assert changed == (structural(p.key) or learning_rule().compiles_in(p.key)), p.key
        assert compiled_in(p.key, learning_rule()) == changed, p.key
        checked += 1
    assert checked > 30
