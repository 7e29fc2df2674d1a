"""Signalling cascade: right-hand side, fixed point, positivity, acute and chronic time courses, switches."""

from __future__ import annotations

import numpy as np
import pytest

from ketasim.config import validate_scenario
from ketasim.pharmacology.pd import simulate_block
from ketasim.pharmacology.pk import DoseEvent, pk_model, simulate_pk
from ketasim.pipeline.exposure import exposure
from ketasim.pipeline.signalling_stage import dose_breakpoints as _breakpoints
from ketasim.scenario import simulate
from ketasim.signalling import (
    REGIONS,
    STATES,
    Switches,
    current_params,
    region_params,
    rhs,
    simulate_cascade,
    steady_state,
)
from ketasim.signalling.drive import glutamate_drive, glutamate_relation, resting_block
from ketasim.signalling.equations import spine_formation_cap

GAINS = np.array([region_params()[r].drive_gain for r in REGIONS])
IDX = {name: i for i, name in enumerate(STATES)}
DAY = 24.0


def _ones(n_batch: int = 1) -> np.ndarray:
    """Every state at its drug-free value: 1, except the NMDAR block exposure (0)."""
    y = np.ones((len(STATES), len(REGIONS), n_batch))
    y[IDX["block_exposure"]] = 0.0
    return y


# ---------------------------------------------------------------- right-hand side
def test_rhs_with_exposure_above_threshold_matches_hand_values():
    p = current_params()
    y = _ones()
    y[IDX["block_exposure"]] = 1.5 * p.exposure_threshold  # drive D = (1.5 theta - theta) / theta = 1/2
    d = rhs(y, np.array([1.0]), np.array([0.75]), GAINS, p, Switches())
    # p-eEF2 relaxes to R_N (1 - block) = 0.25; receptors lose k D = k / 2.
    assert d[IDX["p_eef2"], 0, 0] == pytest.approx((0.25 - 1.0) / p.tau_eef2)
    assert d[IDX["nmdar_expression"], 1, 0] == pytest.approx(-0.5 * p.downregulation_rate_nmdar)
    assert d[IDX["ampar_expression"], 2, 0] == pytest.approx(-0.5 * p.downregulation_rate_ampar)
    assert d[IDX["spine_density"], 0, 0] == pytest.approx(-0.5 * p.retraction_rate)  # retraction only
    assert d[IDX["block_exposure"], 0, 0] == pytest.approx((0.75 - 1.5 * p.exposure_threshold) / p.tau_exposure)
    for state in ("bdnf_protein", "bdnf", "mtor", "homer1a", "nascent_proteins", "synaptic_proteins"):
        assert d[IDX[state]] == pytest.approx(0.0, abs=1e-12), state


def test_momentary_block_without_exposure_does_not_down_regulate():
    p = current_params()
    d = rhs(_ones(), np.array([1.0]), np.array([0.9]), GAINS, p, Switches())
    for state in ("nmdar_expression", "ampar_expression", "spine_density"):
        assert d[IDX[state]] == pytest.approx(0.0, abs=1e-12), state


def test_rhs_with_doubled_glutamate_matches_hand_values():
    p = current_params()
    d = rhs(_ones(), np.array([2.0]), np.array([0.0]), GAINS, p, Switches())
    beta = p.mglur2_brake
    g_pfc = 2.0 * (1 + beta) / (1 + 2.0 * beta)  # mGluR2 brake
    g_bla = 1.5 * (1 + beta) / (1 + 1.5 * beta)  # BLA sees half the surge
    c = p.constitutive_share
    assert d[IDX["homer1a"], 0, 0] == pytest.approx((g_pfc - 1.0) / p.tau_homer)
    assert d[IDX["homer1a"], 2, 0] == pytest.approx((g_bla - 1.0) / p.tau_homer)
    assert d[IDX["bdnf"], 0, 0] == pytest.approx((c + (1 - c) * g_pfc - 1.0) / p.tau_bdnf_release)
    assert d[IDX["mtor"], 0, 0] == pytest.approx(0.0, abs=1e-12)  # released BDNF has not risen yet


def test_rhs_of_trkb_and_spines_match_hand_values():
    p = current_params()
    y = _ones()
    y[IDX["bdnf"]] = 2.0
    y[IDX["synaptic_proteins"]] = 1.5
    y[IDX["ampar_expression"]] = 0.8
    d = rhs(y, np.array([1.0]), np.array([0.0]), GAINS, p, Switches())
    x = 2.0 ** p.trkb_hill
    target = p.mtor_trkb_independent + (1 - p.mtor_trkb_independent) * x * (1 + p.mtor_saturation) / (
        x + p.mtor_saturation)
    assert d[IDX["mtor"], 0, 0] == pytest.approx((target - 1.0) / p.tau_mtor)
    formation = min(1.5 ** p.spine_formation_gain, p.spine_formation_ceiling)  # 5.06, over the cap
    assert d[IDX["spine_density"], 0, 0] == pytest.approx((formation * 0.8 - 1.0) / p.tau_spines)
    assert d[IDX["synaptic_proteins"], 0, 0] == pytest.approx((1.0 - 1.5) / p.tau_proteins)


SWITCH_SETS = [Switches(), Switches(mtor=0.0), Switches(ampa=0.0, eef2k=0.0), Switches(bdnf=0.0, mglur2=0.0),
               Switches(mglur5=2.0, secretion=0.71), Switches(mglur2=3.0, ampa=1.5)]


@pytest.mark.parametrize("switches", SWITCH_SETS)
def test_drug_free_steady_state_is_a_fixed_point(switches):
    y = np.broadcast_to(steady_state(current_params(), switches)[:, None, None], _ones().shape).copy()
    d = rhs(y, np.array([1.0]), np.array([0.0]), GAINS, current_params(), switches)
    assert np.abs(d).max() < 1e-12
    # And integrating drug-free keeps every state at its baseline for weeks.
    t = np.linspace(0, 21 * DAY, 50)
    result = simulate_cascade(t, np.ones_like(t), np.zeros_like(t), switches)
    assert np.allclose(result.states, y[..., None], rtol=1e-9, atol=1e-12)


# ---------------------------------------------------------------- scenarios
@pytest.fixture(scope="module")
def acute(run_quick):
    return run_quick({"species": "mouse", "duration": "21 d",
                      "dosing": [{"drug": "ketamine", "dose": "10 mg/kg", "route": "ip", "at": "0 h"}]})


def _at(result, column, hours):
    return float(np.interp(hours, result.timeseries["time_h"], result.timeseries[column]))


def test_single_dose_mtor_rises_transiently(acute):
    t, m = acute.timeseries["time_h"], acute.timeseries["pfc_mtor"]
    peak = t[np.argmax(m)]
    assert 0.25 <= peak <= 1.5  # minutes to an hour (Li et al. 2010 Fig. 1)
    assert m.max() > 1.3
    assert _at(acute, "pfc_mtor", 4.0) < 1.05  # back to baseline within hours


def test_single_dose_synaptic_proteins_rise_over_hours(acute):
    proteins = [_at(acute, "pfc_synaptic_proteins", h) for h in (0.5, 2.0, 6.0)]
    assert 1.0 <= proteins[0] < proteins[1] < proteins[2]
    assert proteins[2] > 1.1
    assert _at(acute, "pfc_synaptic_proteins", 24.0) > 1.0  # still up at 24 h (Li et al. 2010 Fig. 2)


def test_single_dose_raises_spines_at_24h_and_they_return_by_3_weeks(acute):
    assert acute.metrics["spine_density_24h"] > 1.05
    assert acute.metrics["spine_density_24h"] == pytest.approx(_at(acute, "pfc_spine_density", 24.0))
    assert _at(acute, "pfc_spine_density", 14 * DAY) > 1.0  # still above saline at 2 weeks
    assert abs(acute.timeseries["pfc_spine_density"][-1] - 1.0) < 0.02


def test_spine_gain_at_24h_in_the_full_profile_is_the_fitted_10_to_15_percent():
    # spines.formation_gain is fitted to +10-15 % at 24 h after 10 mg/kg (Phoumthipphavong et al. 2016),
    # in the full profile whose PFC circuit sets the glutamate drive (the quick circuit gives about +8 %).
    gains = [simulate(validate_scenario({"species": "mouse", "seed": seed, "duration": "2 d", "dosing": [
        {"drug": "ketamine", "dose": "10 mg/kg", "route": "ip", "at": "0 h"}]}), quick=False).metrics["spine_density_24h"]
        for seed in (0, 1)]
    assert 1.10 <= np.mean(gains) <= 1.15


def test_spine_formation_is_capped_relative_to_the_subjects_own_drug_free_target():
    p = current_params()
    assert spine_formation_cap(p, Switches()) == pytest.approx(p.spine_formation_ceiling)
    brake_off = Switches(mglur2=0.0)  # a higher drug-free protein level, so a higher drug-free target
    base = steady_state(p, brake_off)[IDX["spine_density"]]
    assert base > 1.5
    assert spine_formation_cap(p, brake_off) == pytest.approx(p.spine_formation_ceiling * base)
    y = _ones()
    for proteins, expected in ((0.8, 0.8 ** p.spine_formation_gain), (1.2, 1.2 ** p.spine_formation_gain),
                               (3.0, p.spine_formation_ceiling)):  # below baseline and below the cap: P^q
        y[IDX["synaptic_proteins"]] = proteins
        d = rhs(y, np.array([1.0]), np.array([0.0]), GAINS, p, Switches())
        assert d[IDX["spine_density"], 0, 0] == pytest.approx((expected - 1.0) / p.tau_spines)


def test_rat_spine_gain_at_24h_is_the_fitted_30_to_40_percent_and_bounded_at_higher_doses():
    # spines.formation_ceiling is fitted to Li et al. 2010 (rat, 10 mg/kg: about +30-40 % at 24 h). Without it
    # the rat's longer exposure drove the protein power far past any measured rise (+129 %, and x19 at 30 mg/kg).
    def spines_24h(dose):
        return simulate(validate_scenario({"species": "rat", "duration": "2 d", "dosing": [
            {"drug": "ketamine", "dose": dose, "route": "ip", "at": "0 h"}]}), quick=False).metrics["spine_density_24h"]
    assert 1.30 <= spines_24h("10 mg/kg") <= 1.40
    assert spines_24h("30 mg/kg") < 1.5


def test_single_antidepressant_dose_leaves_receptor_expression_intact(acute):
    for region in REGIONS:
        assert acute.timeseries[f"{region}_nmdar_expression"].min() == pytest.approx(1.0, abs=1e-6)


def test_later_circuit_moment_sees_the_synaptic_strength(acute):
    later = [s for s in acute.circuit if s.label == "synaptic_24h"]
    assert len(later) == 1
    assert later[0].condition.exc_scale == pytest.approx(_at(acute, "pfc_synaptic_strength", 24.0), rel=1e-6)
    assert later[0].condition.exc_scale > 1.05


def test_timeseries_resolve_minutes_after_the_dose(acute):
    t = acute.timeseries["time_h"]
    early = t[t < 6.0]
    assert np.diff(early).max() <= 1 / 60 + 1e-9
    for region in REGIONS:
        for column in ("bdnf", "mtor", "synaptic_proteins", "spine_density", "nmdar_expression", "ampar_expression"):
            assert acute.timeseries[f"{region}_{column}"].shape == t.shape


def test_chronic_daily_high_dose_ends_below_saline_in_hippocampus_and_bla(run_quick):
    def daily(mg):
        return {"species": "mouse", "dosing": [{"drug": "ketamine", "dose": f"{mg} mg/kg", "route": "ip",
                                                "repeat": 28, "every": "24 h"}]}

    chronic, saline = run_quick(daily(25)).timeseries, run_quick(daily(0)).timeseries
    # BLA NMDARs are what the fear circuit reads (E08); their down-regulation is assumed, not measured.
    for column in ("hpc_nmdar_expression", "hpc_ampar_expression", "hpc_spine_density", "bla_nmdar_expression"):
        assert chronic[column][-1] < saline[column][-1] - 0.02, column
    assert saline["hpc_spine_density"][-1] == pytest.approx(1.0)


def _receptor_expression(dose_mg_kg: float, repeat: int, days: int) -> np.ndarray:
    """Hippocampal NMDAR expression under mouse i.p. dosing, from the block alone (glutamate held at rest)."""
    dosing = {"drug": "ketamine", "dose": f"{dose_mg_kg} mg/kg", "route": "ip", "at": "0 h"}
    if repeat > 1:
        dosing.update(repeat=repeat, every="24 h")
    config = validate_scenario({"species": "mouse", "duration": f"{days} d", "dosing": [dosing]})
    planned = exposure(config)
    block = resting_block(planned.columns)  # what the signalling stage feeds the cascade
    cascade = simulate_cascade(planned.time_h, np.ones_like(block), block, Switches(), ("hpc",),
                               current_params(), _breakpoints(config))
    return cascade.relative("nmdar_expression", "hpc")[0]


@pytest.mark.parametrize("dose_mg_kg", [10.0, 30.0])
def test_one_sub_anaesthetic_dose_never_down_regulates_receptors(dose_mg_kg):
    # Its pyramidal block peaks far above the old momentary threshold (0.67 at 30 mg/kg) but only for minutes.
    assert _receptor_expression(dose_mg_kg, 1, 7).min() == pytest.approx(1.0, abs=1e-9)


def test_daily_dosing_down_regulates_by_dose_and_25_mg_per_kg_meets_its_fit():
    end = {mg: _receptor_expression(mg, 28, 31)[-1] for mg in (10.0, 20.0, 25.0)}
    assert end[10.0] > 0.99  # daily antidepressant dose: below the exposure threshold (an assumption)
    assert end[25.0] < end[20.0] < 0.95
    assert end[25.0] == pytest.approx(0.8, abs=0.02)  # fitted: -20 % at day 31 (docs/parameters.md)


# ---------------------------------------------------------------- batched sweep: positivity
def test_no_negative_state_for_any_dose_up_to_200_mg_per_kg(acute):
    """A dose sweep integrated as one batch; the circuit relation comes from the 10 mg/kg run."""
    doses = np.array([0.0, 1.0, 10.0, 30.0, 60.0, 100.0, 150.0, 200.0])
    config = validate_scenario({"species": "mouse", "duration": "3 d",
                                "dosing": [{"drug": "ketamine", "dose": "1 mg/kg", "route": "ip",
                                            "repeat": 2, "every": "24 h"}]})
    from ketasim.scenario import time_grid

    t = time_grid(config)
    mid = 0.5 * (t[1:] + t[:-1])
    model = pk_model("ketamine", "mouse")
    loss, release = glutamate_relation(acute.circuit)
    glutamate, block = [], []
    for dose in doses:
        events = [DoseEvent(s, dose, "ip", 0.0) for s in (0.0, 24.0)]
        receptor = simulate_pk(model, events, mid).receptor_uM
        b = simulate_block(t, receptor).by_cell
        series = {"nmdar_block_pyramidal": b["pyramidal"], "nmdar_block_interneuron": b["interneuron"]}
        glutamate.append(glutamate_drive(resting_block(series, "interneuron"), loss, release))
        block.append(resting_block(series))
    result = simulate_cascade(t, np.array(glutamate), np.array(block), breakpoints=_breakpoints(config))
    assert np.isfinite(result.states).all()
    assert result.states.min() >= 0.0
    assert np.all(result.states[IDX["ampar_expression"]] <= 1.0 + 1e-9)
    # Batch items are independent: the 10 mg/kg item equals a single integration of it.
    single = simulate_cascade(t, glutamate[2], block[2], breakpoints=_breakpoints(config))
    assert np.allclose(single.states[..., 0, :], result.states[..., 2, :], rtol=1e-4, atol=1e-6)


# ---------------------------------------------------------------- mechanism switches
@pytest.fixture(scope="module")
def drive(acute):
    ts = acute.timeseries
    loss, release = glutamate_relation(acute.circuit)
    t = ts["time_h"]
    keep = t <= 3 * DAY
    return (t[keep], glutamate_drive(resting_block(ts, "interneuron"), loss, release)[keep],
            resting_block(ts)[keep])


def _cascade(drive, **switches):
    t, glutamate, block = drive
    return simulate_cascade(t, glutamate, block, Switches(**switches), breakpoints=[0.0])


def _rel(result, state, region="pfc"):
    return result.relative(state, region)[0]


def _same(a, b):
    """Equal up to the integrator's tolerance (different switches give different step sequences)."""
    np.testing.assert_allclose(a, b, rtol=1e-4, atol=1e-6)


def _spines_24h(result):
    return float(np.interp(24.0, result.time_h, _rel(result, "spine_density")))


@pytest.fixture(scope="module")
def intact(drive):
    return _cascade(drive)


def test_ampa_switch_removes_the_surge_driven_arm_only(drive, intact):
    blocked = _cascade(drive, ampa=0.0)  # AMPAR antagonist (NBQX)
    assert _spines_24h(blocked) - 1 < 0.2 * (_spines_24h(intact) - 1)
    assert _rel(blocked, "bdnf").max() < _rel(intact, "bdnf").max()
    _same(_rel(blocked, "p_eef2"), _rel(intact, "p_eef2"))  # eEF2K arm untouched
    _same(_rel(blocked, "homer1a"), _rel(intact, "homer1a"))


def test_bdnf_switch_blocks_trkb_downstream_not_release(drive, intact):
    blocked = _cascade(drive, bdnf=0.0)  # TrkB antagonist (ANA-12)
    _same(_rel(blocked, "bdnf"), _rel(intact, "bdnf"))
    assert np.ptp(_rel(blocked, "mtor")) < 1e-6
    assert abs(_spines_24h(blocked) - 1) < 0.01


def test_mtor_switch_is_rapamycin(drive, intact):
    blocked = _cascade(drive, mtor=0.0)
    assert np.abs(_rel(blocked, "mtor")).max() < 1e-9
    _same(_rel(blocked, "bdnf"), _rel(intact, "bdnf"))
    assert np.ptp(_rel(blocked, "synaptic_proteins")) < 0.1 * np.ptp(_rel(intact, "synaptic_proteins"))
    assert abs(_spines_24h(blocked) - 1) < 0.01


def test_eef2k_switch_removes_the_translation_arm(drive, intact):
    knockout = _cascade(drive, eef2k=0.0)
    assert np.abs(_rel(knockout, "p_eef2")).max() < 1e-9
    assert np.ptp(_rel(knockout, "bdnf_protein")) < 1e-6  # translation already de-suppressed, no drug response
    assert _rel(knockout, "bdnf").max() < _rel(intact, "bdnf").max()
    _same(_rel(knockout, "homer1a"), _rel(intact, "homer1a"))


def test_mglur2_switch_releases_the_brake(drive, intact):
    knockout = _cascade(drive, mglur2=0.0)
    assert _rel(knockout, "bdnf").max() > _rel(intact, "bdnf").max()
    assert _spines_24h(knockout) > _spines_24h(intact)
    _same(_rel(knockout, "p_eef2"), _rel(intact, "p_eef2"))
    _same(_rel(knockout, "nmdar_expression"), _rel(intact, "nmdar_expression"))


def test_mglur5_switch_modulates_the_protein_arm_only(drive, intact):
    knockout = _cascade(drive, mglur5=0.0)
    _same(_rel(knockout, "mtor"), _rel(intact, "mtor"))
    _same(_rel(knockout, "bdnf"), _rel(intact, "bdnf"))
    assert _rel(knockout, "synaptic_proteins").max() < _rel(intact, "synaptic_proteins").max()


def test_met_allele_lowers_bdnf_release_and_spine_gain_graded(drive):
    spines, peaks = [], []
    for genotype in ("val/val", "val/met", "met/met"):
        result = _cascade(drive, secretion=Switches.from_config({}, genotype).secretion)
        spines.append(_spines_24h(result))
        peaks.append(_rel(result, "bdnf").max())
    assert spines[0] > spines[1] > spines[2] > 1.0
    assert peaks[0] > peaks[1] > peaks[2]


def test_glun2b_switch_occludes_the_eef2k_arm(drive, intact):
    knockout = _cascade(drive, glun2b=0.0)  # GluN2B deletion in pyramidal cells (Miller et al. 2014)
    dip = 1 - _rel(intact, "p_eef2").min()
    assert 1 - _rel(knockout, "p_eef2").min() == pytest.approx(dip, rel=1e-3)  # same relative dip ...
    assert knockout.baseline[IDX["p_eef2"]] < intact.baseline[IDX["p_eef2"]]  # ... from a lower resting level
    assert knockout.baseline[IDX["bdnf_protein"]] > intact.baseline[IDX["bdnf_protein"]]  # mimics ketamine
    _same(_rel(knockout, "homer1a"), _rel(intact, "homer1a"))


def test_glun2d_switch_acts_through_interneuron_block(run_quick):
    base = {"species": "mouse", "duration": "2 d",
            "dosing": [{"drug": "ketamine", "dose": "10 mg/kg", "route": "ip", "at": "0 h"}]}
    intact = run_quick(base).timeseries
    knockout = run_quick({**base, "mechanisms": {"glun2d": 0}}).timeseries
    assert knockout["nmdar_block_interneuron"].max() < intact["nmdar_block_interneuron"].max()
    assert knockout["pfc_glutamate_drive"].max() < intact["pfc_glutamate_drive"].max()
    assert knockout["pfc_bdnf"].max() < intact["pfc_bdnf"].max()
    _same(knockout["pfc_p_eef2"], intact["pfc_p_eef2"])  # pyramidal cells carry no GluN2D


def test_genotype_is_read_from_the_subject():
    assert Switches.from_config({}, "met/met").secretion == pytest.approx(0.71)
    assert Switches.from_config({"mtor": 0}, "val/met") == Switches(mtor=0.0, secretion=0.82)


def test_cck_switches_leave_signalling_unchanged(run_quick):
    base = {"species": "mouse", "duration": "2 d",
            "dosing": [{"drug": "ketamine", "dose": "10 mg/kg", "route": "ip", "at": "0 h"}]}
    intact = run_quick(base).timeseries
    plasticity_off = run_quick({**base, "mechanisms": {"cckbr": 0, "cck": 0}}).timeseries
    for column in ("pfc_bdnf", "pfc_mtor", "pfc_synaptic_proteins", "pfc_spine_density", "hpc_spine_density"):
        np.testing.assert_array_equal(plasticity_off[column], intact[column])


def test_mtor_switch_through_the_config(run_quick):
    result = run_quick({"species": "mouse", "duration": "2 d", "mechanisms": {"mtor": 0},
                        "dosing": [{"drug": "ketamine", "dose": "10 mg/kg", "route": "ip", "at": "0 h"}]})
    assert result.metrics["spine_density_24h"] == pytest.approx(1.0, abs=0.01)
    assert result.metrics["pfc_spine_density_baseline"] < 1.0  # rapamycin lowers basal synthesis too
