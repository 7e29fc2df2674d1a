"""Run-time parameters of the PFC circuit: overrides reach both engines, caches and compiled binaries.

* The Jahr-Stevens block follows the active set's [Mg2+], k_Mg and slope.
* Runtime engine: no NMDA share in the interneurons' background removes the
  disinhibition (the hypothesis rests on it); the default set's readouts are
  unchanged by an empty or a default-valued override.
* Compiled engine: the background rate is compiled in, so an override builds
  its own binary (another build directory), raises the rates, and leaves the
  default binary's results bit for bit as they were. The fitted synaptic
  strengths and background shares are per-run values: an override of one
  runs on the default binary and gives the runtime engine's spikes.
"""

from __future__ import annotations

from dataclasses import asdict

import numpy as np
import pytest

from ketasim.circuit import compiled
from ketasim.circuit.compiled import compiled_pfc, copy_inputs, simulate_pfc_compiled
from ketasim.circuit.pfc import (
    RUN_VALUE_PARAMETERS,
    CircuitCondition,
    PFCConfig,
    compiled_in,
    jahr_stevens_block,
    simulate_pfc,
)
from ketasim.parameters import ParameterSet, registry, using

QUICK = PFCConfig.quick()
COPIES = 4  # the shape tests/test_performance.py builds: its default binary is reused
BLOCKED = CircuitCondition(block_pyramidal=0.67, block_interneuron=0.73)  # peak of 30 mg/kg i.p. (mouse)
SCALARS = ("pyr_rate_hz", "int_rate_hz", "glutamate_release", "gamma_power", "cv_isi_pyr")


pytestmark = pytest.mark.usefixtures("standalone_dir")  # conftest: reruns reuse the compiled binaries


def _scalars(readouts) -> list[dict[str, float]]:
    return [{k: v for k, v in asdict(r).items() if k in SCALARS} for r in readouts]


@pytest.mark.parametrize("v", [-80.0, -55.0, -20.0, 10.0])
def test_mg_block_follows_the_active_set(v):
    # Default: exactly the closed form with Jahr & Stevens' constants.
    assert jahr_stevens_block(v) == 1.0 / (1.0 + 1.0 / 3.57 * np.exp(-0.062 * v))
    overrides = {"circuit.Mg_concentration": 2.0, "circuit.jahr_stevens.k_Mg": 3.0, "circuit.jahr_stevens.slope": 0.07}
    with using(ParameterSet(overrides)):
        blocked = jahr_stevens_block(v)
        assert blocked == pytest.approx(1 / (1 + 2.0 / 3.0 * np.exp(-0.07 * v)), rel=1e-12)
        assert jahr_stevens_block(v, 0.0) == 1.0  # an explicit [Mg2+] still wins
    assert blocked < jahr_stevens_block(v)  # more Mg2+, steeper block: less conductance left
    with using(ParameterSet({"circuit.Mg_concentration": 0.5})):
        assert jahr_stevens_block(v) == pytest.approx(1 / (1 + 0.5 / 3.57 * np.exp(-0.062 * v)), rel=1e-12)


def test_no_nmda_share_onto_interneurons_removes_the_disinhibition():
    """The runtime engine reads the share at run time; an empty override changes nothing.

    Rate changes are averaged over four seeds: single seeds of the quick network scatter (the interneuron
    ratio below spans 0.01-0.39 across seeds 0-7), the mean does not.
    """
    seeds = (0, 1, 2, 3)
    conditions = [CircuitCondition(), BLOCKED]
    default = [simulate_pfc(conditions, QUICK, seed=s) for s in seeds]
    with using(ParameterSet({})):
        assert _scalars(simulate_pfc(conditions, QUICK, seed=seeds[0])) == _scalars(default[0])
    with using(ParameterSet({"circuit.interneuron.ext_nmda_share": 0.0})):
        ampa_only = [simulate_pfc(conditions, QUICK, seed=s) for s in seeds]

    def change(runs, rate):  # mean drug - drug-free, and the mean drug-free rate
        return (np.mean([getattr(d, rate) - getattr(f, rate) for f, d in runs]),
                np.mean([getattr(f, rate) for f, _ in runs]))

    d_int, free_int = change(default, "int_rate_hz")
    d_pyr, free_pyr = change(default, "pyr_rate_hz")
    d_int0, free_int0 = change(ampa_only, "int_rate_hz")
    d_pyr0, _ = change(ampa_only, "pyr_rate_hz")
    # Default: NMDAR block silences interneurons and releases pyramidal cells (about 4x).
    assert d_int < -0.3 * free_int and d_pyr > 2 * free_pyr
    # AMPA-only background onto interneurons: the block only takes their recurrent NMDA drive, so most
    # of the interneuron slowing goes (measured over seeds 0-3: 0.29 of the default's) and nearly all of
    # the pyramidal release (the disinhibition needs the interneurons' NMDA-rich background).
    assert abs(d_int0) < 0.5 * abs(d_int)
    assert abs(d_pyr0) < 0.25 * d_pyr, (d_pyr0, d_pyr)
    # The share is defined at equal background charge, so the drug-free state stays in its regime.
    assert free_int0 == pytest.approx(free_int, rel=0.25)


def test_copy_inputs_are_cached_per_circuit_parameters():
    default = copy_inputs(11, QUICK)
    with using(ParameterSet({"circuit.E_L": -65.0, "circuit.in_degree.inhibitory": 10})):
        shifted = copy_inputs(11, QUICK)
    rng = np.random.default_rng(11)
    assert np.array_equal(shifted["v_mV"], -65.0 + 15.0 * rng.random(QUICK.n_exc + QUICK.n_inh))
    assert shifted["pre_i"].size == 10 * (QUICK.n_exc + QUICK.n_inh) != default["pre_i"].size
    assert copy_inputs(11, QUICK) is default  # the default entry was not replaced


def test_an_override_builds_its_own_binary_and_leaves_the_default_untouched():
    conditions, seeds = [CircuitCondition(), BLOCKED], [5, 5]
    before = simulate_pfc_compiled(conditions, seeds, QUICK, copies=COPIES)
    default_key = compiled_pfc(QUICK, COPIES).shape.key()
    faster = ParameterSet({"circuit.background.rate": 4.0})
    with using(faster):
        engine = compiled_pfc(QUICK, COPIES)
        busier = simulate_pfc_compiled(conditions, seeds, QUICK, copies=COPIES)
    assert engine.shape.key() != default_key
    assert engine.shape.parameters == faster.digest(only=compiled_in) != ParameterSet().digest(only=compiled_in)
    with pytest.raises(ValueError, match="other circuit parameters"):
        engine.run(conditions, seeds)  # outside the set it was built for, the binary refuses to run
    del engine  # (a live network makes the next build's code names differ from the files on disk: a recompile)
    # 4/3 more background events: both populations fire more, drug-free and under the drug.
    for base, more in zip(before, busier, strict=True):
        assert more.pyr_rate_hz > base.pyr_rate_hz and more.int_rate_hz > base.int_rate_hz
    # Back on the defaults (an override equal to the default value is no override): the default binary,
    # and its results bit for bit.
    with using(ParameterSet({"circuit.background.rate": 3.0})):
        after = simulate_pfc_compiled(conditions, seeds, QUICK, copies=COPIES)
    assert compiled.loaded_network().shape.key() == default_key  # the default binary (by its build key)
    assert _scalars(after) == _scalars(before)
    for one, two in zip(before, after, strict=True):
        np.testing.assert_array_equal(one.lfp_psd, two.lfp_psd)


def test_fitted_strengths_are_run_values_that_reuse_the_default_binary():
    conditions, seeds = [CircuitCondition(), BLOCKED], [5, 5]
    default_key = compiled_pfc(QUICK, COPIES).shape.key()
    before = simulate_pfc_compiled(conditions, seeds, QUICK, copies=COPIES)
    weaker = {"circuit.interneuron.G_GABA_total": 0.6 * 3 * 0.973 * 400, "circuit.pyramidal.ext_nmda_share": 0.2}
    assert set(weaker) <= RUN_VALUE_PARAMETERS and not any(compiled_in(k) for k in weaker)
    with using(ParameterSet(weaker)):
        assert compiled_pfc(QUICK, COPIES).shape.key() == default_key  # no new build
        moved = simulate_pfc_compiled(conditions, seeds, QUICK, copies=COPIES)
        runtime = simulate_pfc(conditions, QUICK, seed=5)
    assert _scalars(moved) != _scalars(before)
    for one, two in zip(moved, runtime, strict=True):  # both engines, the same spikes (module docstring of pfc)
        assert (one.pyr_rate_hz, one.int_rate_hz, one.glutamate_release) == (
            two.pyr_rate_hz, two.int_rate_hz, two.glutamate_release)


def test_every_fitted_pfc_parameter_but_the_in_degree_is_a_run_value():
    # What a robustness draw may vary without a compile: every fitted PFC parameter except the
    # excitatory in-degree, which sets how many synapses the binary holds.
    fitted = {p.key for p in registry() if p.layer == "circuit" and p.fitted and not p.key.startswith("circuit.bla.")}
    assert {k for k in fitted if compiled_in(k)} == {"circuit.in_degree.excitatory"}
    assert not any(compiled_in(p.key) for p in registry() if p.key.startswith("circuit.bla."))
