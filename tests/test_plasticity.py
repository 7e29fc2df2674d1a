"""CCK-gated LTP, presynaptic PPF and the slice scenario."""

from __future__ import annotations

import numpy as np
import pytest

from ketasim.config import ConfigError, load_scenario, validate_scenario
from ketasim.pharmacology.pd import apv_occupancy
from ketasim.plasticity import params as p
from ketasim.plasticity.slice import (
    INDUCTION_DEFAULTS,
    Induction,
    SliceCondition,
    response_time_course,
    simulate_induction,
    simulate_paired_pulses,
)
from ketasim.scenario import simulate
from tests.scenarios import pyramidal_block

KETAMINE_UM = (0.0, 1.0, 3.0, 10.0, 30.0, 100.0)
APV = float(apv_occupancy(50.0))


def _ltp(readout) -> float:
    return 100.0 * float(response_time_course(readout.early_potentiation, 60.0) - 1.0)


CONDITIONS = {
    "control": SliceCondition(),
    "cckbr_ko": SliceCondition(cckbr=0.0),
    "cck_ko": SliceCondition(cck=0.0),
    "antagonist": SliceCondition(cckb_antagonist_uM=1.0),
    "apv": SliceCondition(apv_occupancy=APV),
    "apv_cck8s": SliceCondition(apv_occupancy=APV, cck8s_uM=0.1),
    **{f"ket{c:g}": SliceCondition(nmda_block=pyramidal_block(c)) for c in (1.0, 10.0)},
}


@pytest.fixture(scope="module")
def hfs():
    names = list(CONDITIONS)
    out = simulate_induction([CONDITIONS[n] for n in names], Induction(**{"kind": "hfs", **INDUCTION_DEFAULTS["hfs"]}))
    return dict(zip(names, out, strict=True))


def test_control_hfs_ltp_in_the_reported_slice_range(hfs):
    # CA1 slices: 140-180 % of baseline at 60 min; neocortex (Chen et al. 2019 PNAS) 115-140 %.
    assert 20.0 <= _ltp(hfs["control"]) <= 80.0


@pytest.mark.parametrize("name", ["cckbr_ko", "cck_ko", "antagonist", "apv"])
def test_losing_cck_signalling_or_nmdars_cuts_ltp_below_a_fifth(hfs, name):
    assert _ltp(hfs[name]) < 0.2 * _ltp(hfs["control"])


def test_exogenous_cck8s_rescues_ltp_under_apv(hfs):
    assert _ltp(hfs["apv_cck8s"]) > 0.5 * _ltp(hfs["control"])


def test_nmdar_activation_releases_cck_and_block_lowers_it(hfs):
    control = hfs["control"].cck_released_nM
    assert control > 0.5
    assert hfs["apv"].cck_released_nM < 0.05 * control
    assert hfs["ket10"].cck_released_nM < hfs["ket1"].cck_released_nM < control


def test_bath_nmda_releases_cck_without_stimulation():
    quiet, nmda, nmda_apv = simulate_induction(
        [SliceCondition(), SliceCondition(nmda_agonist_uM=100.0),
         SliceCondition(nmda_agonist_uM=100.0, apv_occupancy=APV)],
        Induction(kind="none", pulses=0, duration_s=2.0),
    )
    assert quiet.cck_released_nM < 1e-3
    assert nmda.cck_released_nM > 100 * max(quiet.cck_released_nM, 1e-6)
    assert nmda_apv.cck_released_nM < 0.1 * nmda.cck_released_nM


def test_lfs_alone_gives_no_ltp_but_lfs_with_cck8s_does():
    lfs = Induction(kind="lfs", pulses=60, frequency_hz=1.0)
    alone, with_cck = simulate_induction([SliceCondition(), SliceCondition(cck8s_uM=0.1)], lfs)
    assert _ltp(alone) < 2.0
    assert _ltp(with_cck) > 20.0


def test_ppf_from_the_simulated_epsps():
    conditions = [SliceCondition(), SliceCondition(nmda_scale=5.0)]
    ratios, traces = simulate_paired_pulses(conditions, [10.0, 50.0, 200.0])
    assert 1.0 < traces["first_epsp_mV"][0] < 8.0  # a subthreshold test EPSP of a few mV
    assert 1.3 <= ratios[0, 1] <= 1.8  # CA3-CA1 PPF at 50 ms (Dobrunz & Stevens 1997)
    assert ratios[0, 0] > ratios[0, 2] > 1.0  # facilitation fades with the interval
    # Analytic Tsodyks-Markram release ratio of one synapse with the mean U (the population spreads around it).
    u, tf, td, dt = p.STP_U(), p.STP_TAU_F_MS(), p.STP_TAU_D_MS(), 50.0
    u2 = u * np.exp(-dt / tf) + u * (1 - u * np.exp(-dt / tf))
    x2 = 1 - u * np.exp(-dt / td)
    assert abs(traces["release_ratio"][0, 1] - u2 * x2 / u) < 0.15
    # Small EPSPs at rest: the postsynaptic ratio follows release (driving force and Mg2+ block aside).
    assert abs(ratios[0, 1] / traces["release_ratio"][0, 1] - 1.0) < 0.05
    # The measure is postsynaptic: a large NMDA conductance unblocked by the EPSP itself changes it.
    assert abs(ratios[1, 1] / ratios[0, 1] - 1.0) > 0.2
    assert traces["release_ratio"][1, 1] == pytest.approx(traces["release_ratio"][0, 1])


def test_consolidation_scheme_is_exact_and_bounded():
    assert response_time_course(0.7, -5.0) == 1.0
    assert response_time_course(0.7, 0.0) == pytest.approx(1.7)
    late = response_time_course(0.7, np.array([60.0, 120.0, 600.0]))
    assert np.all(np.diff(late) < 0) and late[-1] > 1.3  # consolidated LTP persists
    # Weak induction keeps a smaller share of its early potentiation (Frey & Morris 1997).
    retained_weak = (response_time_course(0.1, 600.0) - 1.0) / 0.1
    retained_strong = (response_time_course(0.7, 600.0) - 1.0) / 0.7
    assert retained_weak < 0.5 * retained_strong
    assert response_time_course(0.7, 600.0, mtor=0.0) < 1.01


def _slice(dosing: list | None = None, mechanisms: dict | None = None, **event) -> dict:
    return {"species": "mouse", "duration": "2 h", "dosing": dosing or [], "mechanisms": mechanisms or {},
            "protocol": [{"event": "slice", "at": "30 min", "induction": "hfs", **event}]}


def _bath(drug: str, conc: str) -> list:
    return [{"drug": drug, "route": "bath", "concentration": conc, "at": "0 min"}]


def test_slice_scenario_metrics_and_bath_drugs():
    control = simulate(validate_scenario(_slice()), quick=True).metrics
    assert 20.0 <= control["ltp_percent"] <= 80.0
    assert 1.3 <= control["ppf_ratio"] <= 1.8
    antagonist = simulate(validate_scenario(_slice(_bath("cckb_antagonist", "1 uM"))), quick=True).metrics
    knockout = simulate(validate_scenario(_slice(mechanisms={"cck": 0})), quick=True).metrics
    receptor_ko = simulate(validate_scenario(_slice(mechanisms={"cckbr": 0})), quick=True).metrics
    for cut in (antagonist, knockout, receptor_ko):
        assert cut["ltp_percent"] < 0.2 * control["ltp_percent"]


@pytest.fixture(scope="module")
def bath_ketamine(run_quick):
    """Scenario metrics with bath ketamine at each concentration (µM), through scenario.simulate."""
    return {c: run_quick(_slice(_bath("ketamine", f"{c:g} uM") if c else None)).metrics for c in KETAMINE_UM}


def test_bath_ketamine_lowers_ltp_with_concentration(bath_ketamine):
    ltp = np.array([bath_ketamine[c]["ltp_percent"] for c in KETAMINE_UM])
    assert 20.0 <= ltp[0] <= 80.0
    assert np.all(np.diff(ltp[:4]) < 0), ltp  # 0, 1, 3, 10 uM: strictly decreasing
    assert np.all(np.diff(ltp[3:]) <= 1e-6), ltp  # then non-increasing at the floor
    assert ltp[1] > 0.2 * ltp[0]  # 1 uM only partly blocks
    assert ltp[3] < 0.2 * ltp[0] and np.all(ltp[4:] < 1.0)  # 10 uM nearly abolishes; 30-100 uM: none
    for c in KETAMINE_UM[1:]:
        assert bath_ketamine[c]["ltp_percent_drug_free"] == pytest.approx(ltp[0], rel=1e-9)
        assert bath_ketamine[c]["cck_release"] < bath_ketamine[c]["cck_release_drug_free"]


def test_bath_ketamine_leaves_ppf_within_five_percent(bath_ketamine):
    control = bath_ketamine[0.0]["ppf_ratio"]
    assert 1.3 <= control <= 1.8
    for c in KETAMINE_UM[1:]:
        assert bath_ketamine[c]["ppf_ratio_drug_free"] == pytest.approx(control, rel=1e-9)
        assert abs(bath_ketamine[c]["ppf_ratio"] / control - 1.0) < 0.05, (c, bath_ketamine[c]["ppf_ratio"])


def test_example_config_takes_bath_overrides():
    config = load_scenario("configs/slice_ltp.yaml", [
        "dosing.0.drug=ketamine", "dosing.0.route=bath", "dosing.0.concentration=3 uM", "dosing.0.at=0",
    ])
    assert config.dosing[0].concentration == pytest.approx(3.0)
    assert config.protocol[0].event == "slice"


@pytest.mark.parametrize("field, value, fragment", [
    ("induction", "xyz", "allowed: hfs, tbs, lfs, pairing, none"),
    ("paired_pulse_intervals", ["2 ms"], "allowed: 5 to 1000 ms"),
    ("follow_up", "10 min", "allowed: 60 to 360 min"),
    ("pulses", 0, "whole number from 1 to 2000"),
    ("colour", "red", "unknown key; allowed: induction"),
])
def test_slice_event_fields_are_validated(field, value, fragment):
    with pytest.raises(ConfigError) as err:
        validate_scenario(_slice(**{field: value}))
    assert err.value.key == f"protocol.0.{field}"
    assert fragment in err.value.message


def test_drug_free_control_keeps_the_scenario_mechanisms(run_quick):
    # The control differs from the drug condition only in drugs: mTOR loss must lower both alike.
    intact = run_quick(_slice()).metrics
    no_mtor = run_quick(_slice(mechanisms={"mtor": 0})).metrics
    no_mtor_ket = run_quick(_slice(_bath("ketamine", "1 uM"), mechanisms={"mtor": 0})).metrics
    assert no_mtor["ltp_percent"] < 0.9 * intact["ltp_percent"]
    assert no_mtor["ltp_percent_drug_free"] == pytest.approx(no_mtor["ltp_percent"], rel=1e-9)
    assert no_mtor_ket["ltp_percent_drug_free"] == pytest.approx(no_mtor["ltp_percent"], rel=1e-9)


def _hfs_with(sampled_release: bool, synapse_dt_ms: float | None = None):
    """One HFS train onto one slice compartment; CCK released (nM) and final weights."""
    from ketasim.plasticity import equations
    from ketasim.plasticity.slice import _build, release_fractions, stimulus_times

    times = stimulus_times(Induction())
    b2, namespace, post, _ = _build([SliceCondition()], 1, 0, plastic=True, clamp=False)
    stim = b2.SpikeGeneratorGroup(1, np.zeros(times.size, dtype=int), times * b2.second)
    clock = {"dt": synapse_dt_ms * b2.ms} if synapse_dt_ms else {}
    syn = b2.Synapses(stim, post, model=equations.synapse_model(True, sampled_release=sampled_release),
                      on_pre=equations.synapse_on_pre(), method="euler", namespace=namespace, **clock)
    n_syn = int(p.N_SYNAPSES())
    syn.connect(i=0, j=np.zeros(n_syn, dtype=int))
    syn.U = release_fractions(np.random.default_rng(0), n_syn)
    syn.x, syn.w = 1.0, 1.0
    objects = [stim, post, syn]
    if sampled_release:
        objects.append(syn.run_regularly(equations.release_update(), when="after_groups"))
    b2.Network(*objects).run((times[-1] + 0.5) * b2.second, namespace=namespace)
    return float(post.cck_released[0]), np.asarray(syn.w[:])


def test_sampled_cck_release_equals_the_summed_hill_function_on_the_same_clock():
    # The BLA refreshes each synapse's release on the synapses' clock instead of inside the sum
    # (benchmarks/README.md, item 7): on the postsynaptic clock the two are the same computation.
    released, weights = _hfs_with(sampled_release=False)
    sampled, sampled_weights = _hfs_with(sampled_release=True)
    assert released > 0 and weights.mean() > 1.01
    assert sampled == pytest.approx(released, rel=1e-9)
    np.testing.assert_allclose(sampled_weights, weights, rtol=1e-9)
    # On a 1 ms synapse clock (the BLA's) release and potentiation rise by 1.2 and 0.7 % (HFS, seed 0).
    coarse, coarse_weights = _hfs_with(sampled_release=True, synapse_dt_ms=1.0)
    assert coarse == pytest.approx(released, rel=0.03)
    np.testing.assert_allclose(coarse_weights - 1, weights - 1, rtol=0.03)


def test_slices_of_several_scenarios_in_one_run_give_each_the_readouts_it_gets_alone(monkeypatch):
    # The pipeline runs every scenario's slice events together (prepare_slices), one run per parameter set;
    # copies do not interact, so each scenario's metrics, traces included, are exactly those of its own run.
    import dataclasses

    from ketasim.pipeline import runner, stages
    from ketasim.scenario import simulate_many

    configs = [validate_scenario({**_slice(_bath("ketamine", "10 uM")), "seed": 1}),
               validate_scenario({**_slice(_bath("apv", "50 uM")), "seed": 2}),
               validate_scenario({**_slice(mechanisms={"cck": 0}), "seed": 1}),
               validate_scenario({**_slice(), "seed": 2}),
               validate_scenario({**_slice(), "seed": 2, "parameters": {"plasticity.cck.release_half_calcium": 0.06}})]
    together = simulate_many(configs, quick=True)
    # Without the prepare step each scenario simulates its own slices, as before batching.
    unprepared = tuple(dataclasses.replace(s, prepare=None) if s.name == "plasticity" else s for s in stages.STAGES)
    monkeypatch.setattr(runner, "STAGES", unprepared)
    alone = [simulate(c, quick=True) for c in configs]
    for one, two in zip(together, alone, strict=True):
        assert one.metrics == two.metrics
        np.testing.assert_array_equal(one.timeseries["slice_response_norm"], two.timeseries["slice_response_norm"])
